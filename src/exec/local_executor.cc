#include "exec/local_executor.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "exec/shim.h"

extern char** environ;

namespace converge::exec {
namespace {

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::string ReadSmallFile(const std::string& path, bool* ok) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  *ok = fd >= 0;
  std::string text;
  if (fd < 0) return text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

}  // namespace

class LocalExecutor::Impl {
 public:
  Impl(boost::asio::io_context& io, LocalExecutorOptions options, ExitCallback on_exit)
      : io_(io), options_(std::move(options)), on_exit_(std::move(on_exit)) {}

  ~Impl() {
    for (auto& [id, fd] : held_locks_) ::close(fd);
  }

  std::string Base(int64_t id) const { return options_.run_dir + "/" + std::to_string(id); }

  Status Start(const ShimSpec& spec) {
    const std::string base = Base(spec.job_id);
    const std::string text = ToJson(spec);
    int fd = ::open((base + ".spec.json").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0600);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      int error = errno;
      if (fd >= 0) ::close(fd);
      return Status(Code::kInternal, std::string("cannot write the job's spec: ") +
                                         std::strerror(error),
                    base + ".spec.json");
    }
    ::close(fd);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int target = 0; target < 3; ++target) {
      posix_spawn_file_actions_addopen(&actions, target, "/dev/null",
                                       target == 0 ? O_RDONLY : O_WRONLY, 0);
    }
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::string shim = options_.shim_path;
    std::string run_dir = options_.run_dir;
    std::string id = std::to_string(spec.job_id);
    char* argv[] = {shim.data(), run_dir.data(), id.data(), nullptr};
    pid_t pid = 0;
    int error = ::posix_spawn(&pid, shim.c_str(), &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
      return Status(Code::kInternal, "cannot start " + shim + ": " + std::strerror(error));
    }
    Watch(spec.job_id, pid, /*child=*/true);
    return Status::Ok();
  }

  void Watch(int64_t id, pid_t pid, bool child) {
    int pidfd = PidfdOpen(pid);
    if (pidfd < 0) {
      // The process is already gone (only possible for a non-child): its result decides.
      boost::asio::post(io_, [this, id] { Finished(id, -1); });
      return;
    }
    auto descriptor = std::make_shared<boost::asio::posix::stream_descriptor>(io_, pidfd);
    running_[id] = Running{pid, child, descriptor};
    descriptor->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [this, id, descriptor](const boost::system::error_code& error) {
                             if (error == boost::asio::error::operation_aborted) return;
                             auto it = running_.find(id);
                             if (it == running_.end()) return;
                             int status = -1;
                             if (it->second.child) {
                               ::waitpid(it->second.pid, &status, 0);
                             }
                             running_.erase(it);
                             Finished(id, status);
                           });
  }

  void Finished(int64_t id, int wait_status) {
    bool ok = false;
    std::string text = ReadSmallFile(Base(id) + ".result.json", &ok);
    if (!ok) {
      std::string how = wait_status < 0 ? "" :
                        WIFEXITED(wait_status) ? " (exit status " +
                                                     std::to_string(WEXITSTATUS(wait_status)) + ")"
                                               : " (killed by signal " +
                                                     std::to_string(WTERMSIG(wait_status)) + ")";
      on_exit_(id, Status(Code::kInternal, "the job's shim ended without a result" + how));
      return;
    }
    on_exit_(id, ShimResultFromJson(text));
  }

  void Terminate(int64_t id) {
    auto it = running_.find(id);
    if (it != running_.end()) ::kill(it->second.pid, SIGTERM);
  }

  Reattached Reattach(int64_t id) {
    const std::string base = Base(id);
    Reattached fate;
    for (int attempt = 0; attempt < 3; ++attempt) {
      int fd = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) break;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        held_locks_[id] = fd;  // kept until Forget: a shim starting late runs nothing
        bool ok = false;
        std::string text = ReadSmallFile(base + ".result.json", &ok);
        Result<ShimResult> result = ok ? ShimResultFromJson(text)
                                       : Result<ShimResult>(Status(Code::kNotFound, "none"));
        if (result.ok()) {
          fate.state = ReattachState::kFinished;
          fate.result = *result;
        }
        return fate;
      }
      bool ok = false;
      std::string pid_text = ReadSmallFile(base + ".lock", &ok);
      ::close(fd);
      pid_t pid = static_cast<pid_t>(std::atoll(pid_text.c_str()));
      if (pid > 0 && ::kill(pid, 0) == 0) {
        Watch(id, pid, /*child=*/false);
        fate.state = ReattachState::kRunning;
        return fate;
      }
      ::usleep(10000);  // the shim is exiting: its lock is about to be released
    }
    return fate;
  }

  void Forget(int64_t id) {
    auto held = held_locks_.find(id);
    if (held != held_locks_.end()) {
      ::close(held->second);
      held_locks_.erase(held);
    }
    const std::string base = Base(id);
    for (const char* suffix : {".spec.json", ".lock", ".result.json", ".result.json.tmp"}) {
      ::unlink((base + suffix).c_str());
    }
  }

  size_t running_count() const { return running_.size(); }

 private:
  struct Running {
    pid_t pid = 0;
    bool child = false;
    std::shared_ptr<boost::asio::posix::stream_descriptor> descriptor;
  };

  boost::asio::io_context& io_;
  LocalExecutorOptions options_;
  ExitCallback on_exit_;
  std::map<int64_t, Running> running_;
  std::map<int64_t, int> held_locks_;
};

LocalExecutor::LocalExecutor(boost::asio::io_context& io, LocalExecutorOptions options,
                             ExitCallback on_exit)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(on_exit))) {}
LocalExecutor::~LocalExecutor() = default;
Status LocalExecutor::Start(const ShimSpec& spec) { return impl_->Start(spec); }
void LocalExecutor::Terminate(int64_t job_id) { impl_->Terminate(job_id); }
LocalExecutor::Reattached LocalExecutor::Reattach(int64_t job_id) {
  return impl_->Reattach(job_id);
}
void LocalExecutor::Forget(int64_t job_id) { impl_->Forget(job_id); }
size_t LocalExecutor::running_count() const { return impl_->running_count(); }

}  // namespace converge::exec
