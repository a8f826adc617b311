#include "exec/run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <charconv>
#include <cstdio>
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
std::string PmixFolderName(int64_t job_id) { return std::to_string(job_id) + ".pmix"; }

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

Result<int> OpenRunFolder(const std::string& path) {
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return Status(Code::kNotFound, "no such folder", path);
    if (error == ENOTDIR || error == ELOOP) {
      return Status(Code::kPermissionDenied, "is not a folder (or is a link); not trusted", path);
    }
    return Status(Code::kInternal, "cannot open the run folder: " + ErrnoText(error), path);
  }
  struct stat info {};
  std::string wrong;
  if (::fstat(fd, &info) != 0) {
    wrong = "cannot inspect: " + ErrnoText(errno);
  } else if (info.st_uid != ::geteuid()) {
    wrong = "is owned by uid " + std::to_string(info.st_uid) + ", not by uid " +
            std::to_string(::geteuid());
  } else if ((info.st_mode & 07777) != 0700) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    wrong = std::string("has mode ") + mode + ", not 0700";
  }
  if (!wrong.empty()) {
    ::close(fd);
    return Status(Code::kPermissionDenied, wrong + "; not trusted as a run folder", path);
  }
  return fd;
}

Result<std::string> CreateRunFolder(const std::string& prefix) {
  std::string path = prefix + "XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    return Status(Code::kInternal, "cannot create a run folder: " + ErrnoText(errno), prefix);
  }
  return path;
}

Result<std::string> PrepareRunFolder(const std::string& state) {
  const std::string record = state + "/run";
  char target[PATH_MAX];
  const ssize_t length = ::readlink(record.c_str(), target, sizeof target - 1);
  if (length > 0) {
    const std::string recorded(target, static_cast<size_t>(length));
    if (Result<int> folder = OpenRunFolder(recorded); folder.ok()) {
      ::close(*folder);
      return recorded;
    }
    ::unlink(record.c_str());
  } else if (errno == EINVAL) {  // STATE/run is not a link: the folder itself
    Result<int> folder = OpenRunFolder(record);
    if (!folder.ok()) return folder.status();
    ::close(*folder);
    return record;
  }
  if (::access("/dev/shm", W_OK) == 0) {
    Result<std::string> made =
        CreateRunFolder("/dev/shm/converge-" + std::to_string(::geteuid()) + "-");
    if (made.ok()) {
      if (::symlink(made->c_str(), record.c_str()) != 0) {
        const int error = errno;
        ::rmdir(made->c_str());
        return Status(Code::kInternal, "symlink: " + ErrnoText(error), record);
      }
      return made;
    }
  }
  if (::mkdir(record.c_str(), 0700) != 0) {
    return Status(Code::kInternal, "cannot create folder: " + ErrnoText(errno), record);
  }
  return record;
}

void ReleaseRunFolder(const std::string& state, const std::string& run_dir) {
  const std::string record = state + "/run";
  if (::rmdir(run_dir.c_str()) == 0 && run_dir != record) ::unlink(record.c_str());
}

Result<std::string> ReadFileAt(int dir_fd, const std::string& name, bool trusted,
                               size_t max_bytes) {
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    if (error == ELOOP) return Status(Code::kPermissionDenied, "is a link; not read", name);
    return Status(error == ENOENT ? Code::kNotFound : Code::kInternal, ErrnoText(error), name);
  }
  struct stat info {};
  std::string wrong;
  if (::fstat(fd, &info) != 0) {
    wrong = "cannot inspect: " + ErrnoText(errno);
  } else if (!S_ISREG(info.st_mode)) {
    wrong = "is not a regular file; not read";
  } else if (trusted &&
             (info.st_uid != ::geteuid() || (info.st_mode & 022) != 0 || info.st_nlink != 1)) {
    wrong = "is not owned by uid " + std::to_string(::geteuid()) +
            " alone (owner, mode or links); not trusted";
  } else if (static_cast<size_t>(info.st_size) > max_bytes) {
    wrong = "is larger than " + std::to_string(max_bytes) + " bytes; not read";
  }
  if (!wrong.empty()) {
    ::close(fd);
    return Status(Code::kPermissionDenied, wrong, name);
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
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return Status(Code::kPermissionDenied, "grew past " + std::to_string(max_bytes) + " bytes",
                    name);
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

Status WriteFileAtomicAt(int dir_fd, const std::string& name, std::string_view data, bool sync) {
  const std::string tmp = name + ".tmp";
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(dir_fd, tmp.c_str(), flags, 0600);
  if (fd < 0 && errno == EEXIST && ::unlinkat(dir_fd, tmp.c_str(), 0) == 0) {
    fd = ::openat(dir_fd, tmp.c_str(), flags, 0600);  // a writer before us died half-way
  }
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
  int fd = ::openat(dir_fd, LockFileName(job_id).c_str(),
                    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::geteuid()) {
    ::close(fd);
    return -EPERM;
  }
  return fd;
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
