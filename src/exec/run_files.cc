#include "exec/run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

namespace converge::exec {

namespace {

// Writes all of `data`, retrying short writes and EINTR. Returns 0 or errno.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

}  // namespace

std::string SpecFileName(int64_t job_id) { return std::to_string(job_id) + ".spec.json"; }
std::string LockFileName(int64_t job_id) { return std::to_string(job_id) + ".lock"; }
std::string ResultFileName(int64_t job_id) { return std::to_string(job_id) + ".result.json"; }
std::string ShimLogFileName(int64_t job_id) { return std::to_string(job_id) + ".shim.log"; }

std::string ErrnoText(int error) {
  char buffer[256];
  // GNU strerror_r: returns a pointer to the text (which may or may not be `buffer`).
  return ::strerror_r(error, buffer, sizeof buffer);
}

int64_t EpochMs() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

Result<std::string> ReadFileAt(int dir_fd, const std::string& name) {
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    return Status(error == ENOENT ? Code::kNotFound : Code::kInternal, ErrnoText(error), name);
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return Status(Code::kInternal, ErrnoText(error), name);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

Status WriteFileAtomicAt(int dir_fd, const std::string& name, std::string_view data, bool sync) {
  const std::string tmp = name + ".tmp";
  int fd = ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kInternal, ErrnoText(errno), tmp);
  int error = WriteAll(fd, data);
  if (error == 0 && sync && ::fdatasync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    return Status(Code::kInternal, ErrnoText(error), name);
  }
  return Status::Ok();
}

int OpenLockAt(int dir_fd, int64_t job_id) {
  int fd = ::openat(dir_fd, LockFileName(job_id).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  return fd >= 0 ? fd : -errno;
}

bool LockIsCurrent(int dir_fd, int64_t job_id, int lock_fd) {
  struct stat held {
  }, named{};
  if (::fstat(lock_fd, &held) != 0) return false;
  if (::fstatat(dir_fd, LockFileName(job_id).c_str(), &named, 0) != 0) return false;
  return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

int WriteLockPid(int lock_fd, pid_t pid) {
  const std::string text = std::to_string(pid) + "\n";
  if (::ftruncate(lock_fd, 0) != 0) return errno;
  ssize_t n = ::pwrite(lock_fd, text.data(), text.size(), 0);
  if (n < 0) return errno;
  return n == static_cast<ssize_t>(text.size()) ? 0 : EIO;
}

pid_t ReadLockPid(int lock_fd) {
  char buffer[32];
  ssize_t n = ::pread(lock_fd, buffer, sizeof buffer, 0);
  if (n <= 0) return 0;
  pid_t pid = 0;
  auto [end, error] = std::from_chars(buffer, buffer + n, pid);
  if (error != std::errc() || end == buffer || end == buffer + n || *end != '\n') return 0;
  return pid > 0 ? pid : 0;
}

}  // namespace converge::exec
