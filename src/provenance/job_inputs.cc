#include "provenance/job_inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "exec/fs_identity.h"
#include "exec/task_launcher.h"
#include "provenance/digest.h"
#include "provenance/elf_needed.h"

namespace converge::provenance {
namespace {

std::string Joined(const std::string& folder, const std::string& name) {
  return folder.back() == '/' ? folder + name : folder + "/" + name;
}

// The first regular, executable file among execvp's candidates, anchored at `cwd`, or "".
std::string Locate(const std::string& argv0, const std::vector<std::string>& env,
                   const std::string& cwd) {
  for (const std::string& candidate : exec::ExecCandidates(argv0, env)) {
    const std::string path =
        candidate.front() == '/' || cwd.empty() ? candidate : Joined(cwd, candidate);
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        (info.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
      return path;
    }
  }
  return "";
}

int64_t Nanoseconds(const struct timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1000000000 + time.tv_nsec;
}

}  // namespace

CommandIdentity CommandDigests::Identify(const std::string& argv0,
                                         const std::vector<std::string>& env,
                                         const std::string& cwd, const Reader& reader) {
  CommandIdentity identity{argv0, "", "", {}, ""};
  std::optional<exec::FsIdentity> as_user;
  if (reader.uid >= 0 && ::geteuid() == 0) {
    std::vector<gid_t> groups(reader.groups.begin(), reader.groups.end());
    Result<exec::FsIdentity> assumed = exec::FsIdentity::Assume(
        static_cast<uid_t>(reader.uid), static_cast<gid_t>(reader.gid), groups);
    if (!assumed.ok()) {
      identity.note = "not read: " + assumed.status().message();
      return identity;
    }
    as_user.emplace(std::move(assumed).value());
  }
  const std::string located = Locate(argv0, env, cwd);
  char resolved[PATH_MAX];
  if (located.empty() || ::realpath(located.c_str(), resolved) == nullptr) {
    identity.note = "not found in the job's PATH";
    return identity;
  }
  identity.path = resolved;
  const int fd = ::open(resolved, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    identity.note = errno == EACCES ? "not read: the job's user may not read it"
                                    : std::string("not read: ") + std::strerror(errno);
    return identity;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    identity.note = "not read: not a plain file";
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
