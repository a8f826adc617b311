#include "exec/cgroup_container.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string_view>

#include "exec/run_files.h"

namespace converge::exec {

namespace {

constexpr int kFreezeWaitMs = 100;  // bound on waiting for "frozen 1" before killing anyway
constexpr int kCreateAttempts = 3;  // a racing Release() may remove the `converge` parent

// Mount points in mountinfo escape space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      const std::string octal(text.substr(i + 1, 3));
      char* end = nullptr;
      long value = std::strtol(octal.c_str(), &end, 8);
      if (end == octal.c_str() + 3) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// The first cgroup2 mount: {root inside the hierarchy, mount point}.
Result<std::pair<std::string, std::string>> Cgroup2Mount() {
  Result<std::string> mounts = ReadFileAt(AT_FDCWD, "/proc/self/mountinfo");
  if (!mounts.ok()) return mounts.status();
  std::istringstream lines(*mounts);
  for (std::string line; std::getline(lines, line);) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, device, root, point;
    if (fields >> id >> parent >> device >> root >> point) {
      return std::make_pair(Unescape(root), Unescape(point));
    }
  }
  return Status(Code::kNotFound, "no cgroup2 file system is mounted");
}

// The cgroups directly below `dir` (its sub-folders), as paths; empty when it cannot be read.
std::vector<std::string> ChildCgroups(const std::string& dir) {
  std::vector<std::string> children;
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return children;
  while (dirent* entry = ::readdir(listing)) {
    if (entry->d_type == DT_DIR && std::strcmp(entry->d_name, ".") != 0 &&
        std::strcmp(entry->d_name, "..") != 0) {
      children.push_back(dir + "/" + entry->d_name);
    }
  }
  ::closedir(listing);
  return children;
}

// Pids listed in `dir`/cgroup.procs and in every cgroup below it.
void CollectPids(const std::string& dir, std::vector<pid_t>* pids) {
  if (Result<std::string> procs = ReadFileAt(AT_FDCWD, dir + "/cgroup.procs"); procs.ok()) {
    std::istringstream words(*procs);
    for (long pid; words >> pid;) {
      if (pid > 0) pids->push_back(static_cast<pid_t>(pid));
    }
  }
  for (const std::string& child : ChildCgroups(dir)) CollectPids(child, pids);
}

// Removes `dir` and the cgroups below it, deepest first. Returns 0 or the first errno.
int RemoveTree(const std::string& dir) {
  int error = 0;
  for (const std::string& child : ChildCgroups(dir)) {
    if (int child_error = RemoveTree(child); error == 0) error = child_error;
  }
  if (::rmdir(dir.c_str()) != 0 && error == 0) error = errno;
  return error;
}

bool WriteText(int fd, std::string_view text) {
  return ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
}

bool WriteFile(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = WriteText(fd, text);
  ::close(fd);
  return ok;
}

// The value of `key` in a cgroup.events-style "key value" file read from `fd`, or -1.
int EventValue(int fd, std::string_view key) {
  char buffer[256];
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return -1;
  buffer[n] = '\0';
  std::istringstream words(buffer);
  for (std::string name; words >> name;) {
    int value = -1;
    if (!(words >> value)) break;
    if (name == key) return value;
  }
  return -1;
}

}  // namespace

Result<std::string> OwnCgroupDir() {
  Result<std::string> groups = ReadFileAt(AT_FDCWD, "/proc/self/cgroup");
  if (!groups.ok()) return groups.status();
  std::istringstream lines(*groups);
  std::string path;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  if (path.empty()) return Status(Code::kNotFound, "the shim is in no cgroup v2 hierarchy");
  Result<std::pair<std::string, std::string>> mount = Cgroup2Mount();
  if (!mount.ok()) return mount.status();
  const auto& [root, point] = *mount;
  if (root != "/" && path != root && path.rfind(root + "/", 0) != 0) {
    return Status(Code::kNotFound, "the shim's cgroup " + path + " is outside the cgroup2 mount " +
                                       point + " (of " + root + ")");
  }
  const std::string relative = root == "/" ? path : path.substr(root.size());
  std::string dir = point + (relative == "/" ? "" : relative);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

Result<std::unique_ptr<CgroupContainer>> CgroupContainer::Create(int64_t job_id,
                                                                  CgroupOptions options) {
  Result<std::string> own = OwnCgroupDir();
  if (!own.ok()) return own.status();
  std::unique_ptr<CgroupContainer> container(new CgroupContainer());
  container->options_ = options;
  container->parent_ = *own + "/converge";
  container->dir_ = container->parent_ + "/job-" + std::to_string(job_id) + "-" +
                    std::to_string(::getpid());
  int error = 0;
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    if (::mkdir(container->parent_.c_str(), 0755) != 0 && errno != EEXIST) {
      error = errno;
      break;
    }
    if (::mkdir(container->dir_.c_str(), 0755) == 0) {
      error = 0;
      break;
    }
    error = errno;
    if (error == EEXIST) {
      // Left by an earlier shim with our pid that could not remove it: take it over if empty.
      RemoveTree(container->dir_);
      continue;
    }
    if (error != ENOENT) break;  // ENOENT: the parent was removed meanwhile; again
  }
  if (error != 0) {
    return Status(Code::kInternal, "cannot create cgroup " + container->dir_ + ": " +
                                       ErrnoText(error));
  }
  auto open_or_fail = [&](const std::string& path, int flags, int* fd) {
    *fd = ::open(path.c_str(), flags | O_CLOEXEC);
    return *fd >= 0 ? Status::Ok()
                    : Status(Code::kInternal, "cannot open " + path + ": " + ErrnoText(errno));
  };
  Status opened = open_or_fail(container->dir_ + "/cgroup.procs", O_WRONLY, &container->procs_fd_);
  if (opened.ok()) opened = open_or_fail(container->dir_ + "/cgroup.events", O_RDONLY,
                                         &container->events_fd_);
  if (opened.ok()) opened = open_or_fail(container->dir_, O_RDONLY | O_DIRECTORY,
                                         &container->dir_fd_);
  if (!opened.ok()) return opened;  // the destructor removes the cgroup
  container->has_kill_file_ =
      options.use_kill_file && ::access((container->dir_ + "/cgroup.kill").c_str(), W_OK) == 0;
  return container;
}

CgroupContainer::~CgroupContainer() {
  for (int fd : {procs_fd_, events_fd_, dir_fd_}) {
    if (fd >= 0) ::close(fd);
  }
  if (!released_ && !dir_.empty() && !Populated()) RemoveTree(dir_);
}

void CgroupContainer::Signal(int signal, pid_t pgid) {
  tree_.Signal(signal, pgid);
  if (signal == SIGKILL) {
    KillAll();
    return;
  }
  std::vector<pid_t> pids;
  CollectPids(dir_, &pids);
  std::set<pid_t>& done = signalled_[signal];
  for (pid_t pid : pids) {
    if (done.insert(pid).second) ::kill(pid, signal);
  }
}

void CgroupContainer::Forward(int signal, pid_t) {
  std::vector<pid_t> pids;
  CollectPids(dir_, &pids);  // every process of the job (the group too), each once
  for (pid_t pid : pids) ::kill(pid, signal);
}

void CgroupContainer::KillAll() {
  if (has_kill_file_ && WriteFile(dir_ + "/cgroup.kill", "1")) return;
  FreezeAndKill();
}

void CgroupContainer::FreezeAndKill() {
  const std::string freeze = dir_ + "/cgroup.freeze";
  const bool frozen = WriteFile(freeze, "1");
  if (frozen) {
    // Wait (bounded) until every process is frozen, so that none forks while being killed.
    for (int waited = 0; EventValue(events_fd_, "frozen") == 0 && waited < kFreezeWaitMs;
         waited += 10) {
      pollfd descriptor{events_fd_, POLLPRI, 0};
      ::poll(&descriptor, 1, 10);
    }
  }
  std::vector<pid_t> pids;
  CollectPids(dir_, &pids);
  for (pid_t pid : pids) ::kill(pid, SIGKILL);  // fatal signals reach frozen processes
  if (frozen) WriteFile(freeze, "0");
}

void CgroupContainer::Reaped(pid_t pid) {
  tree_.Reaped(pid);
  for (auto& [signal, pids] : signalled_) pids.erase(pid);
}

bool CgroupContainer::Populated() const {
  return events_fd_ >= 0 && EventValue(events_fd_, "populated") != 0;
}

bool CgroupContainer::Empty() { return !Populated() && tree_.Empty(); }

std::vector<pid_t> CgroupContainer::Survivors() {
  std::vector<pid_t> pids = tree_.Survivors();
  CollectPids(dir_, &pids);
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

Status CgroupContainer::Release() {
  if (Populated()) {
    return Status(Code::kInternal, "cgroup " + dir_ + " still holds processes; left in place");
  }
  released_ = true;
  if (int error = RemoveTree(dir_); error != 0) {
    return Status(Code::kInternal, "cannot remove cgroup " + dir_ + ": " + ErrnoText(error));
  }
  ::rmdir(parent_.c_str());  // fails while other jobs have theirs in it: fine
  return Status::Ok();
}

}  // namespace converge::exec
