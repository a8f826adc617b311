#include "exec/subreaper_container.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "exec/run_files.h"

namespace converge::exec {

namespace {

// Parses the space-separated pids of a /proc children file.
std::vector<pid_t> ParsePids(const std::string& text) {
  std::vector<pid_t> pids;
  const char* cursor = text.c_str();
  for (;;) {
    char* end = nullptr;
    long value = std::strtol(cursor, &end, 10);
    if (end == cursor) break;
    if (value > 0) pids.push_back(static_cast<pid_t>(value));
    cursor = end;
  }
  return pids;
}

// The parent pid in /proc/PID/stat ("PID (COMM) STATE PPID ..."; COMM may hold ')').
pid_t ParentOf(const std::string& stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 4 > stat.size()) return 0;
  return static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
}

// Children by a scan of /proc (kernels without CONFIG_PROC_CHILDREN).
std::vector<pid_t> ChildrenByScan(pid_t self) {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    Result<std::string> stat = ReadFileAt(AT_FDCWD, "/proc/" + std::string(entry->d_name) + "/stat");
    if (stat.ok() && ParentOf(*stat) == self) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return pids;
}

}  // namespace

SubreaperContainer::SubreaperContainer() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

std::vector<pid_t> SubreaperContainer::Children() {
  const pid_t self = ::getpid();  // the shim is single-threaded: its only task is itself
  const std::string path =
      "/proc/self/task/" + std::to_string(self) + "/children";
  Result<std::string> text = ReadFileAt(AT_FDCWD, path);
  std::vector<pid_t> pids = text.ok() ? ParsePids(*text) : ChildrenByScan(self);
  std::sort(pids.begin(), pids.end());
  return pids;
}

void SubreaperContainer::Signal(int signal, pid_t pgid) {
  if (pgid > 0) {
    if (pgid != group_) group_signalled_.clear();
    group_ = pgid;
    if (group_signalled_.insert(signal).second) ::killpg(pgid, signal);
  }
  std::set<pid_t>& done = signalled_[signal];
  for (pid_t child : Children()) {
    if (done.insert(child).second) ::kill(child, signal);
  }
}

void SubreaperContainer::Forward(int signal, pid_t pgid) {
  if (pgid > 0) ::killpg(pgid, signal);
  for (pid_t child : Children()) {
    if (pgid <= 0 || ::getpgid(child) != pgid) ::kill(child, signal);  // not reached above
  }
}

void SubreaperContainer::Reaped(pid_t pid) {
  for (auto& [signal, pids] : signalled_) pids.erase(pid);
}

bool SubreaperContainer::Empty() {
  siginfo_t info{};
  // No child at all (ECHILD): every process of the job is gone, its orphans included.
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD;
}

}  // namespace converge::exec
