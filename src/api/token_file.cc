#include "api/token_file.h"

#include "common/random_hex.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace converge::api {
namespace {

constexpr size_t kMaxTokenFileBytes = 4096;

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

Result<std::string> ReadTokenFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return Status(Code::kNotFound, "no token file", path);
    if (error == ELOOP) {
      return Status(Code::kPermissionDenied, "is a link; a token file must be a plain file", path);
    }
    return Status(Code::kInternal, std::string("cannot read the token: ") + std::strerror(error),
                  path);
  }
  struct stat info {};
  std::string wrong;
  if (::fstat(fd, &info) != 0) {
    wrong = std::string("cannot inspect: ") + std::strerror(errno);
  } else if (!S_ISREG(info.st_mode)) {
    wrong = "is not a regular file";
  } else if (info.st_uid != ::geteuid()) {
    wrong = "belongs to uid " + std::to_string(info.st_uid) + ", not to you (uid " +
            std::to_string(::geteuid()) + ")";
  } else if ((info.st_mode & 077) != 0) {
    wrong = "permissions " + ModeText(info.st_mode) +
            " are too open: a token must be readable by its owner only (chmod 600 " + path + ")";
  }
  std::string text;
  if (wrong.empty()) {
    char buffer[kMaxTokenFileBytes];
    ssize_t n;
    do {
      n = ::read(fd, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    if (n < 0) wrong = std::string("cannot read: ") + std::strerror(errno);
    if (n > 0) text.assign(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!wrong.empty()) return Status(Code::kPermissionDenied, wrong, path);
  text = text.substr(0, text.find('\n'));
  const size_t first = text.find_first_not_of(" \t\r");
  const size_t last = text.find_last_not_of(" \t\r");
  if (first == std::string::npos) return Status::Invalid(path, "the token file is empty");
  return text.substr(first, last - first + 1);
}

Result<std::string> LoadOrCreateTokenFile(const std::string& path) {
  Result<std::string> existing = ReadTokenFile(path);
  if (existing.ok() || existing.status().code() != Code::kNotFound) return existing;
  Result<std::string> random = RandomHex(32);
  if (!random.ok()) return Status(random.status().code(), random.status().message(), path);
  const std::string token = std::move(random).value();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(Code::kInternal, std::string("cannot write the token: ") + std::strerror(errno),
                  path);
  }
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(path.c_str());
    return Status(Code::kInternal, "cannot write the token", path);
  }
  return token;
}

}  // namespace converge::api
