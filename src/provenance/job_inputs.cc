#include "provenance/job_inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "provenance/digest.h"
#include "provenance/elf_needed.h"

namespace converge::provenance {
namespace {

bool MayAccess(const struct stat& info, const Reader& reader, mode_t user_bit, mode_t group_bit,
               mode_t other_bit) {
  if (reader.uid == 0) return true;
  if (static_cast<int64_t>(info.st_uid) == reader.uid) return (info.st_mode & user_bit) != 0;
  const int64_t gid = static_cast<int64_t>(info.st_gid);
  if (gid == reader.gid ||
      std::find(reader.groups.begin(), reader.groups.end(), gid) != reader.groups.end()) {
    return (info.st_mode & group_bit) != 0;
  }
  return (info.st_mode & other_bit) != 0;
}

// Whether `reader` may reach and read the file at the absolute, resolved `path`.
bool MayRead(const std::string& path, const struct stat& info, const Reader& reader) {
  if (reader.uid < 0) return ::access(path.c_str(), R_OK) == 0;
  if (!MayAccess(info, reader, S_IRUSR, S_IRGRP, S_IROTH)) return false;
  for (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0;
       slash = path.rfind('/', slash - 1)) {
    struct stat folder {};
    if (::stat(path.substr(0, slash).c_str(), &folder) != 0) return false;
    if (!MayAccess(folder, reader, S_IXUSR, S_IXGRP, S_IXOTH)) return false;
  }
  return true;
}

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         (info.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
}

std::string Joined(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  return folder.back() == '/' ? folder + name : folder + "/" + name;
}

// The file execvp would run for `argv0`, or "".
std::string Locate(const std::string& argv0, const std::string& path_env,
                   const std::string& cwd) {
  auto anchored = [&](const std::string& name) {
    return name.empty() || name.front() == '/' || cwd.empty() ? name : Joined(cwd, name);
  };
  if (argv0.find('/') != std::string::npos) {
    const std::string path = anchored(argv0);
    return IsExecutableFile(path) ? path : "";
  }
  size_t begin = 0;
  for (;;) {
    const size_t end = path_env.find(':', begin);
    const std::string folder =
        path_env.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    const std::string candidate = anchored(Joined(folder.empty() ? "." : folder, argv0));
    if (IsExecutableFile(candidate)) return candidate;
    if (end == std::string::npos) return "";
    begin = end + 1;
  }
}

int64_t Nanoseconds(const struct timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1000000000 + time.tv_nsec;
}

}  // namespace

CommandIdentity CommandDigests::Identify(const std::string& argv0, const std::string& path_env,
                                         const std::string& cwd, const Reader& reader) {
  CommandIdentity identity{argv0, "", "", {}, ""};
  const std::string located = Locate(argv0, path_env, cwd);
  char resolved[PATH_MAX];
  if (located.empty() || ::realpath(located.c_str(), resolved) == nullptr) {
    identity.note = "not found in the job's PATH";
    return identity;
  }
  identity.path = resolved;
  const int fd = ::open(resolved, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    identity.note = std::string("not read: ") + std::strerror(errno);
    return identity;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    identity.note = "not read: not a plain file";
    return identity;
  }
  if (!MayRead(identity.path, info, reader)) {
    ::close(fd);
    identity.note = "not read: the job's user may not read it";
    return identity;
  }
  const FileKey key{info.st_dev, info.st_ino, info.st_size, Nanoseconds(info.st_mtim),
                    Nanoseconds(info.st_ctim)};
  if (auto it = digests_.find(key); it != digests_.end()) {
    ::close(fd);
    identity.digest = it->second.digest;
    identity.libraries = it->second.libraries;
    return identity;
  }
  Result<std::string> digest = FileSha256Hex(fd, kMaxBytes);
  Result<std::vector<std::string>> libraries =
      digest.ok() ? NeededLibraries(fd) : Result<std::vector<std::string>>(digest.status());
  ::close(fd);
  if (!digest.ok()) {
    identity.note = "not read: " + digest.status().message();
    return identity;
  }
  if (libraries.ok()) {
    identity.libraries = std::move(libraries).value();
  } else {
    identity.note = "libraries not read: " + libraries.status().message();
  }
  if (digests_.size() >= kMaxCached) digests_.clear();
  digests_.emplace(key, Known{*digest, identity.libraries});
  identity.digest = *digest;
  return identity;
}

nlohmann::ordered_json EnvironmentJson(const std::map<std::string, std::string>& environment) {
  std::string lines;
  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
  for (const auto& [key, value] : environment) {  // std::map: sorted
    lines += key + "=" + value + "\n";
    variables[key] = Sha256Hex(value).substr(0, 16);
  }
  return {{"digest", Sha256Hex(lines)}, {"variables", std::move(variables)}};
}

}  // namespace converge::provenance
