#include "exec/local_executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "exec/pidfd.h"
#include "exec/run_files.h"
#include "exec/shim.h"
#include "exec/shim_signals.h"
#include "exec/shim_zygote.h"

extern char** environ;

namespace converge::exec {

namespace {

// How long to wait before looking again at a lock whose holder has not written its pid yet
// (it does so right after taking the lock, so this is a rare, short race).
constexpr std::chrono::milliseconds kHolderRecheck{20};
// After a zygote failed to start, shims are spawned one by one for this long.
constexpr std::chrono::seconds kZygoteRetry{10};

// " (exit status 78: no spec)" and the like, for error messages.
std::string DescribeShimExit(bool known, int status) {
  if (!known) return "";
  if (WIFSIGNALED(status)) return " (killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  if (!WIFEXITED(status)) return "";
  const int code = WEXITSTATUS(status);
  std::string text = " (exit status " + std::to_string(code);
  switch (code) {
    case kShimIoError:
      text += ": run folder, lock or result file unusable";
      break;
    case kShimLockBusy:
      text += ": job lock busy";
      break;
    case kShimBadSpec:
      text += ": no job spec";
      break;
    case kShimUsage:
      text += ": bad command line";
      break;
    default:
      break;
  }
  return text + ")";
}

}  // namespace

class LocalExecutor::Impl {
 public:
  Impl(boost::asio::io_context& io, LocalExecutorOptions options, ExitCallback on_exit)
      : io_(io), options_(std::move(options)), on_exit_(std::move(on_exit)) {
    // A folder that exists is used only if it passes the trust rule (run_files.h).
    ::mkdir(options_.run_dir.c_str(), 0700);
    Result<int> dir = OpenRunFolder(options_.run_dir);
    if (dir.ok()) {
      dir_fd_ = *dir;
    } else {
      dir_status_ = dir.status();
    }
    devnull_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);

    posix_spawn_file_actions_init(&quiet_actions_);
    for (int target = 0; target < 3; ++target) {
      posix_spawn_file_actions_adddup2(&quiet_actions_, devnull_fd_, target);
    }
    posix_spawn_file_actions_addclosefrom_np(&quiet_actions_, 3);
    posix_spawnattr_init(&attributes_);
    SetShimSpawnAttributes(&attributes_);
  }

  ~Impl() {
    zygote_.reset();
    alive_.reset();  // completions still queued in the io_context become no-ops
    running_.clear();
    orphans_.clear();
    for (auto& [id, fd] : held_locks_) ::close(fd);
    posix_spawn_file_actions_destroy(&quiet_actions_);
    posix_spawnattr_destroy(&attributes_);
    if (dir_fd_ >= 0) ::close(dir_fd_);
    if (devnull_fd_ >= 0) ::close(devnull_fd_);
  }

  Status Start(const ShimSpec& spec) {
    const int64_t id = spec.job_id;
    if (running_.count(id) != 0) {
      return Status(Code::kInvalidArgument, "the job already has a shim",
                    "job " + std::to_string(id));
    }
    if (dir_fd_ < 0) {
      return Status(Code::kInternal, "run folder unusable: " + dir_status_.message(),
                    options_.run_dir);
    }
    if (devnull_fd_ < 0) return Status(Code::kInternal, "cannot open /dev/null");
    if (OffersPmi(spec, "pmix") && options_.pmix_shim_path.empty()) {
      return Status(Code::kInternal, "the job asks for PMIx, but converge-shim-pmix is not "
                                     "available (converge was built without libpmix)");
    }
    Status written = WriteFileAtomicAt(dir_fd_, SpecFileName(id), ToJson(spec), /*sync=*/false);
    if (!written.ok()) {
      return Status(Code::kInternal, "cannot write the job's spec: " + written.message(),
                    options_.run_dir + "/" + written.where());
    }
    ReleaseLock(id);  // kept by Reattach (kLost) against a late shim; this one is to run

    // Reserve a descriptor for the pidfd, so that EMFILE is found before anything runs.
    int reserve = ::fcntl(devnull_fd_, F_DUPFD_CLOEXEC, 0);
    if (reserve < 0) return Status(Code::kInternal, "cannot start a shim: " + ErrnoText(errno));
    Result<pid_t> pid =
        LaunchShim(id, OffersPmi(spec, "pmix") ? options_.pmix_shim_path : options_.shim_path);
    ::close(reserve);
    if (!pid.ok()) return pid.status();
    int pidfd = PidfdOpen(*pid);
    if (pidfd < 0) {
      // Unwatchable: stop it (its SIGTERM is pending before any task starts) and clean up.
      const int error = errno;
      ::kill(*pid, SIGTERM);
      ::waitpid(*pid, nullptr, 0);
      RemoveFiles(id);
      return Status(Code::kInternal, "cannot watch the shim: " + ErrnoText(error));
    }
    WatchPid(id, *pid, pidfd, /*child=*/true);
    return Status::Ok();
  }

  void Terminate(int64_t id) {
    auto it = running_.find(id);
    if (it == running_.end()) return;
    if (it->second.pidfd) {
      PidfdSendSignal(it->second.pidfd->native_handle(), SIGTERM);
    } else {
      terminate_pending_.insert(id);  // holder not known yet: signalled once it is
    }
  }

  Status Signal(int64_t id, int signo) {
    auto it = running_.find(id);
    if (it == running_.end()) return Status(Code::kNotFound, "job " + std::to_string(id) +
                                                                 " does not run here");
    if (!it->second.pidfd) {
      return Status::Invalid("id", "job " + std::to_string(id) + "'s tasks are not started yet");
    }
    if (PidfdQueueSignal(it->second.pidfd->native_handle(), ForwardSignal(), signo) != 0) {
      return Status(Code::kInternal, "cannot signal job " + std::to_string(id) + "'s shim: " +
                                         ErrnoText(errno));
    }
    return Status::Ok();
  }

  Reattached Reattach(int64_t id) {
    if (running_.count(id) != 0) return {ReattachState::kRunning, {}};
    return Decide(id);
  }

  void Forget(int64_t id) {
    terminate_pending_.erase(id);
    auto it = running_.find(id);
    if (it != running_.end()) {
      // Still running: it is reaped, and its files removed, when it ends (OnShimGone).
      if (it->second.pidfd) orphans_[id] = std::move(it->second);
      running_.erase(it);
    }
    RemoveFiles(id);
  }

  size_t running_count() const { return running_.size(); }

  pid_t ShimPid(int64_t job_id) const {
    auto it = running_.find(job_id);
    return it == running_.end() ? 0 : it->second.pid;
  }

 private:
  // One job whose shim is being waited for: through its pidfd, or (holder's pid not known yet)
  // by looking at the lock again after a short delay.
  struct Watch {
    pid_t pid = 0;
    bool child = false;   // spawned here: reaped with waitpid, its exit status is known
    uint64_t serial = 0;  // tells a stale completion from the current watch
    std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd;
    std::unique_ptr<boost::asio::steady_timer> recheck;
    std::string history;  // why the job is followed here (a shim that ended before)
  };

  // The shim of job `id`, started: forked by the zygote when `shim` is the plain shim, else (or
  // when no zygote can be had) spawned. Returns its pid, a child of ours.
  Result<pid_t> LaunchShim(int64_t id, std::string shim) {
    if (shim != options_.shim_path) return Spawn(id, shim);
    if (zygote_ && zygote_->broken()) zygote_.reset();
    if (!zygote_ && std::chrono::steady_clock::now() >= zygote_retry_) {
      Result<std::unique_ptr<ShimZygote>> started = ShimZygote::Start(shim, options_.run_dir);
      if (started.ok()) zygote_ = std::move(started).value();
      // A failed start is tried again later; meanwhile shims are spawned.
      if (!started.ok()) zygote_retry_ = std::chrono::steady_clock::now() + kZygoteRetry;
    }
    if (!zygote_) return Spawn(id, shim);
    Result<pid_t> pid = zygote_->Fork(id, options_.keep_shim_log);
    if (pid.ok() || !zygote_->broken()) return pid;
    zygote_.reset();  // it died or hangs: this shim is spawned, the next one asks a new zygote
    return Spawn(id, shim);
  }

  Result<pid_t> Spawn(int64_t id, std::string shim) {
    std::string run_dir = options_.run_dir;
    std::string job = std::to_string(id);
    char* argv[] = {shim.data(), run_dir.data(), job.data(), nullptr};
    posix_spawn_file_actions_t log_actions;
    const posix_spawn_file_actions_t* actions = &quiet_actions_;
    if (options_.keep_shim_log) {
      const std::string log = options_.run_dir + "/" + ShimLogFileName(id);
      posix_spawn_file_actions_init(&log_actions);
      posix_spawn_file_actions_adddup2(&log_actions, devnull_fd_, 0);
      posix_spawn_file_actions_addopen(&log_actions, 1, log.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
      posix_spawn_file_actions_adddup2(&log_actions, 1, 2);
      posix_spawn_file_actions_addclosefrom_np(&log_actions, 3);
      actions = &log_actions;
    }
    pid_t pid = 0;
    int error = ::posix_spawn(&pid, shim.c_str(), actions, &attributes_, argv, environ);
    if (options_.keep_shim_log) posix_spawn_file_actions_destroy(&log_actions);
    if (error != 0) {
      return Status(Code::kInternal, "cannot start " + shim + ": " + ErrnoText(error));
    }
    return pid;
  }

  // Takes ownership of `pidfd` and calls OnShimGone when the process ends.
  void WatchPid(int64_t id, pid_t pid, int pidfd, bool child) {
    Watch& watch = running_[id];
    watch = Watch{};
    watch.pid = pid;
    watch.child = child;
    watch.serial = ++next_serial_;
    watch.pidfd = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pidfd);
    ArmPidWatch(id, watch);
    if (terminate_pending_.erase(id) != 0) PidfdSendSignal(pidfd, SIGTERM);
  }

  void ArmPidWatch(int64_t id, Watch& watch) {
    watch.pidfd->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this, id, serial = watch.serial, alive = std::weak_ptr<char>(alive_)](
                                const boost::system::error_code& error) {
                              if (alive.expired() || error == boost::asio::error::operation_aborted)
                                return;
                              OnPidfdReady(id, serial);
                            });
  }

  // A wait on a pidfd completed. Asio (1.74's epoll reactor) may complete it spuriously: it
  // recycles the state of a closed descriptor at once, and events still queued for the closed
  // one (say, an HTTP connection on the same io_context) then complete waits on the new one.
  // So the pidfd itself is asked whether the process ended, and the wait is renewed if not.
  void OnPidfdReady(int64_t id, uint64_t serial) {
    Watch* watch = FindWatch(id, serial);
    if (watch == nullptr) return;
    pollfd ended{watch->pidfd->native_handle(), POLLIN, 0};
    if (::poll(&ended, 1, 0) != 1 || (ended.revents & (POLLIN | POLLHUP)) == 0) {
      ArmPidWatch(id, *watch);
      return;
    }
    OnShimGone(id, serial);
  }

  // The watch of `id` with this serial, in running_ or orphans_; nullptr if it was replaced.
  Watch* FindWatch(int64_t id, uint64_t serial) {
    for (std::map<int64_t, Watch>* watches : {&running_, &orphans_}) {
      auto it = watches->find(id);
      if (it != watches->end() && it->second.serial == serial) return &it->second;
    }
    return nullptr;
  }

  void WatchLater(int64_t id) {
    Watch& watch = running_[id];
    watch = Watch{};
    watch.serial = ++next_serial_;
    watch.recheck = std::make_unique<boost::asio::steady_timer>(io_, kHolderRecheck);
    watch.recheck->async_wait(
        [this, id, serial = watch.serial,
         alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& error) {
          if (alive.expired() || error == boost::asio::error::operation_aborted) return;
          auto it = running_.find(id);
          if (it == running_.end() || it->second.serial != serial) return;
          running_.erase(it);
          Report(id, Decide(id), "the job's shim ended without a result");
        });
  }

  void OnShimGone(int64_t id, uint64_t serial) {
    Watch watch;
    if (auto it = running_.find(id); it != running_.end() && it->second.serial == serial) {
      watch = std::move(it->second);
      running_.erase(it);
    } else if (auto orphan = orphans_.find(id);
               orphan != orphans_.end() && orphan->second.serial == serial) {
      watch = std::move(orphan->second);
      orphans_.erase(orphan);
      Reap(watch);
      RemoveFiles(id);  // forgotten while running: what it wrote since is of no use
      return;
    } else {
      return;
    }
    const auto [known, status] = Reap(watch);
    watch.pidfd.reset();
    std::string why =
        (watch.child ? "the job's shim (pid " : "the shim holding the job's lock (pid ") +
        std::to_string(watch.pid) + ") exited without a result" + DescribeShimExit(known, status);
    if (!watch.history.empty()) why += "; before: " + watch.history;
    if (watch.child) {
      // The fast path: our own shim, its result is there (no lock to look at).
      Result<ShimResult> result = ReadResult(id);
      if (result.ok() || result.status().code() != Code::kNotFound) {
        if (result.ok() && known && WIFEXITED(status) && WEXITSTATUS(status) == kShimOk) {
          clean_ends_.insert(id);
        }
        on_exit_(id, std::move(result));
        return;
      }
    }
    // No result: the lock decides. Free: we keep it, so that no shim can start the job any more
    // (kLost). Taken: another shim runs the job (one from before a restart, whose start made
    // ours exit 75), and is followed instead.
    Reattached fate = Decide(id);
    if (fate.state == ReattachState::kRunning) {
      running_.at(id).history = why;  // told if the one followed now ends without a result too
    }
    Report(id, fate, why);
  }

  // Reaps a child shim; returns whether its wait status is known, and the status.
  std::pair<bool, int> Reap(const Watch& watch) {
    if (!watch.child) return {false, 0};
    int status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(watch.pid, &status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    return {reaped == watch.pid, status};
  }

  // Calls on_exit for a decided fate; nothing while the job still runs (it is watched).
  void Report(int64_t id, const Reattached& fate, const std::string& why) {
    switch (fate.state) {
      case ReattachState::kRunning:
        return;
      case ReattachState::kFinished:
        on_exit_(id, fate.result);
        return;
      case ReattachState::kLost:
        on_exit_(id, Status(Code::kInternal, why));
        return;
    }
  }

  // Decides the job's fate through its lock (see Reattach in the header). Holding the lock
  // means no shim runs the job: then the result file tells finished from lost, and the lock
  // is kept until Forget (or Start). A busy lock means a shim runs it: its pid is watched.
  Reattached Decide(int64_t id) {
    Reattached fate;
    if (dir_fd_ < 0) return fate;
    for (int attempt = 0; attempt < 4; ++attempt) {
      int fd = KeptLock(id);
      if (fd < 0) fd = OpenLockAt(dir_fd_, id);
      if (fd < 0) return fate;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        if (!LockIsCurrent(dir_fd_, id, fd)) {  // removed or replaced meanwhile: look again
          ::close(fd);
          continue;
        }
        held_locks_[id] = fd;
        Result<ShimResult> result = ReadResult(id);
        if (result.ok()) {
          fate.state = ReattachState::kFinished;
          fate.result = *result;
        }
        return fate;
      }
      const pid_t pid = ReadLockPid(fd);
      const int pidfd = pid > 0 ? PidfdOpen(pid) : -1;
      // Still taken once the pidfd is open? Then `pid` is the holder, alive, and cannot be
      // reused while the pidfd exists. (Closing `fd` releases the lock if we just got it.)
      const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
      ::close(fd);
      if (busy && pidfd >= 0) {
        WatchPid(id, pid, pidfd, /*child=*/false);
        fate.state = ReattachState::kRunning;
        return fate;
      }
      if (pidfd >= 0) ::close(pidfd);
      if (busy && pid == 0) break;  // the holder has not written its pid yet
    }
    WatchLater(id);
    fate.state = ReattachState::kRunning;
    return fate;
  }

  // The lock we keep for `id`, if it still guards the job's lock file; otherwise releases it.
  int KeptLock(int64_t id) {
    auto held = held_locks_.find(id);
    if (held == held_locks_.end()) return -1;
    if (LockIsCurrent(dir_fd_, id, held->second)) return held->second;
    ReleaseLock(id);
    return -1;
  }

  Result<ShimResult> ReadResult(int64_t id) {
    Result<std::string> text = ReadFileAt(dir_fd_, ResultFileName(id));
    if (!text.ok()) return text.status();
    Result<ShimResult> result = ShimResultFromJson(*text);
    if (!result.ok()) {
      return Status(Code::kInternal,
                    "invalid " + ResultFileName(id) + ": " + result.status().ToString());
    }
    return result;
  }

  void ReleaseLock(int64_t id) {
    auto held = held_locks_.find(id);
    if (held == held_locks_.end()) return;
    ::close(held->second);
    held_locks_.erase(held);
  }

  // Removes the job's files; the lock file last and only then our lock on it, so that a shim
  // which gets the lock afterwards finds no spec and runs nothing. After a clean end (our shim
  // wrote its result) only the spec, the result and the lock can be there.
  void RemoveFiles(int64_t id) {
    const bool clean = clean_ends_.erase(id) != 0;
    if (dir_fd_ < 0) return;
    std::vector<std::string> names = {SpecFileName(id), ResultFileName(id)};
    if (!clean) {
      names.insert(names.end(), {SpecFileName(id) + ".tmp", ResultFileName(id) + ".tmp"});
    }
    if (!clean || options_.keep_shim_log) names.push_back(ShimLogFileName(id));
    names.push_back(LockFileName(id));
    for (const std::string& name : names) ::unlinkat(dir_fd_, name.c_str(), 0);
    // Left behind only by a PMIx shim that was killed (it removes the folder itself).
    const std::string pmix = PmixFolderName(id);
    if (!clean && ::unlinkat(dir_fd_, pmix.c_str(), AT_REMOVEDIR) != 0 && errno == ENOTEMPTY) {
      std::error_code ignored;
      std::filesystem::remove_all(options_.run_dir + "/" + pmix, ignored);  // follows no link
    }
    ReleaseLock(id);
  }

  boost::asio::io_context& io_;
  const LocalExecutorOptions options_;
  const ExitCallback on_exit_;
  int dir_fd_ = -1;
  Status dir_status_;  // why dir_fd_ is -1
  int devnull_fd_ = -1;
  posix_spawn_file_actions_t quiet_actions_;
  posix_spawnattr_t attributes_;
  std::unique_ptr<ShimZygote> zygote_;  // started by the first Start; replaced when broken
  std::chrono::steady_clock::time_point zygote_retry_;  // no zygote start before then
  std::map<int64_t, Watch> running_;   // jobs whose on_exit is to come
  std::map<int64_t, Watch> orphans_;   // forgotten while running: reaped, then files removed
  std::map<int64_t, int> held_locks_;  // job -> lock fd we hold (Reattach, Decide)
  std::set<int64_t> terminate_pending_;
  std::set<int64_t> clean_ends_;  // our shim exited 0 with its result: few files to remove
  uint64_t next_serial_ = 0;
  // Completion handlers hold a weak_ptr to this: shared only to let them see that the
  // executor is gone (they run on the io_context, possibly after ~Impl).
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

LocalExecutor::LocalExecutor(boost::asio::io_context& io, LocalExecutorOptions options,
                             ExitCallback on_exit)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(on_exit))) {}
LocalExecutor::~LocalExecutor() = default;
Status LocalExecutor::Start(const ShimSpec& spec) { return impl_->Start(spec); }
void LocalExecutor::Terminate(int64_t job_id) { impl_->Terminate(job_id); }
Status LocalExecutor::Signal(int64_t job_id, int signo) { return impl_->Signal(job_id, signo); }
LocalExecutor::Reattached LocalExecutor::Reattach(int64_t job_id) {
  return impl_->Reattach(job_id);
}
void LocalExecutor::Forget(int64_t job_id) { impl_->Forget(job_id); }
size_t LocalExecutor::running_count() const { return impl_->running_count(); }

pid_t LocalExecutor::ShimPid(int64_t job_id) const { return impl_->ShimPid(job_id); }

}  // namespace converge::exec
