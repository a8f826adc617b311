// RunShim: the per-job supervisor's life, from taking the job's lock to writing its result.
//
//   1. Take ID.lock (flock LOCK_EX|LOCK_NB) or exit kShimLockBusy; write our pid into it. The
//      lock stays held until the process exits. Exit kShimLockBusy as well if the file locked is
//      no longer ID.lock (removed or replaced since we opened it: its lock guards nothing), or
//      if ID.result.json already exists: the job ran already, and a job never runs twice.
//   2. Block SIGCHLD/SIGTERM/SIGINT and read them from a signalfd (no handlers, no globals).
//      The LocalExecutor spawns the shim with them blocked already, so a SIGTERM sent right
//      after the spawn is never lost: it is found pending before any task starts.
//   3. Read ID.spec.json. Missing: exit kShimBadSpec and write nothing (the instance forgot the
//      job; there is nobody to tell; the lock file stays, so that no later shim runs it). Invalid:
//      write a result whose exec_error says what is wrong, so the instance learns why the job
//      failed, and exit kShimBadSpec.
//   4. Open the outputs the job named (and /dev/null for stdin), enter the working directory.
//      A failure is recorded as exec_error (exit code 127) and no task runs. A stream to the
//      instance's default file goes through a pipe of the shim's (OutputRelay), and the file
//      is created at its first byte (OutputSink): a silent job leaves no file.
//   5. SuperviseTasks (task_supervisor.h) runs the tasks; then ID.result.json is written
//      (temp file, fdatasync, rename) and RunShim returns kShimOk.
//
// Files, when the tasks run as another user: the paths the job named (its outputs and working
// directory) are opened and entered with that user's rights (FsIdentity), so a job reaches
// only what its user could; the instance's own default output files are created by the shim,
// never through a link. The run folder and the spec must pass the trust rule (run_files.h).
#include "exec/shim.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "exec/fs_identity.h"
#include "exec/job_container.h"
#include "exec/label_io_service.h"
#include "exec/output_relay.h"
#include "exec/output_sink.h"
#include "exec/pmi_simple_service.h"
#include "exec/run_files.h"
#include "exec/shim_signals.h"
#include "exec/shim_spec.h"
#include "exec/task_launcher.h"
#include "exec/task_supervisor.h"

namespace converge::exec {

namespace {

constexpr int kCannotStart = 127;

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

void Complain(const std::string& run_dir, int64_t job_id, const std::string& message) {
  std::fprintf(stderr, "converge-shim %s %lld: %s\n", run_dir.c_str(),
               static_cast<long long>(job_id), message.c_str());
}

// Makes sure descriptors 0-2 are open, so that files opened later never take their numbers
// (the tasks' dup2 to 0-2 would then overwrite one another).
void FillStandardFds() {
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
  }
}

// Opens a path the job named for appending (created 0644 when missing), with the rights in
// force (the caller assumes the job's user first); a FIFO without a reader is refused rather
// than waited for.
Result<Fd> OpenNamedOutput(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
               0644));
  if (!fd.valid()) {
    return Status(Code::kInternal, "cannot open output " + path + ": " + ErrnoText(errno));
  }
  ::fcntl(fd.get(), F_SETFL, O_APPEND);  // blocking writes from here on
  return fd;
}

// The tasks' stdin, stdout and stderr. A stream to the instance's default file goes through
// the shim (OutputRelay into a lazily created file); a path the job named is opened here.
struct Outputs {
  Fd stdin_fd;
  Fd stdout_fd;  // a named path's descriptor (invalid for a default file)
  Fd stderr_fd;  // the same, unless stderr shares stdout's path
  OutputSink stdout_sink = OutputSink::Descriptor(-1);
  OutputSink stderr_sink = OutputSink::Descriptor(-1);
  bool shared = false;  // stderr goes where stdout goes
  OutputSink* err_sink() { return shared ? &stdout_sink : &stderr_sink; }
};

// `path` made absolute against the working directory now (the default files are created
// after the shim entered the job's).
std::string Absolute(const std::string& path) {
  char here[4096];
  if (path.empty() || path.front() == '/' || ::getcwd(here, sizeof here) == nullptr) return path;
  return std::string(here) + "/" + path;
}

// Opens the paths the job named (with the rights in force) and prepares the default files'
// sinks (created only when written).
Status OpenOutputs(const ShimSpec& spec, Outputs& outputs) {
  const std::string out_path = spec.stdout_path.empty() ? "/dev/null" : spec.stdout_path;
  const std::string err_path = spec.stderr_path.empty() ? "/dev/null" : spec.stderr_path;
  outputs.shared = err_path == out_path;
  if (spec.stdout_default) {
    outputs.stdout_sink = OutputSink::DefaultFile(Absolute(out_path), spec.fresh_outputs);
  } else {
    Result<Fd> out = OpenNamedOutput(out_path);
    if (!out.ok()) return out.status();
    outputs.stdout_fd = std::move(out).value();
    outputs.stdout_sink = OutputSink::Descriptor(outputs.stdout_fd.get());
  }
  if (outputs.shared) return Status::Ok();
  if (spec.stderr_default) {
    outputs.stderr_sink = OutputSink::DefaultFile(Absolute(err_path), spec.fresh_outputs);
  } else {
    Result<Fd> err = OpenNamedOutput(err_path);
    if (!err.ok()) return err.status();
    outputs.stderr_fd = std::move(err).value();
    outputs.stderr_sink = OutputSink::Descriptor(outputs.stderr_fd.get());
  }
  return Status::Ok();
}

// Enters `cwd` (made absolute first, so a task switching user can enter it again).
Result<std::string> EnterWorkingDirectory(const std::string& cwd) {
  if (cwd.empty()) return std::string();
  std::string absolute = cwd;
  if (cwd.front() != '/') {
    char here[4096];
    if (::getcwd(here, sizeof here) == nullptr) {
      return Status(Code::kInternal, "cannot resolve directory '" + cwd + "': " + ErrnoText(errno));
    }
    absolute = std::string(here) + "/" + cwd;
  }
  if (::chdir(absolute.c_str()) != 0) {
    return Status(Code::kInternal, "cannot change to directory '" + cwd + "': " + ErrnoText(errno));
  }
  return absolute;
}

class Shim {
 public:
  Shim(std::string run_dir, int64_t job_id, const PmixServiceFactory& make_pmix)
      : run_dir_(std::move(run_dir)), job_id_(job_id), make_pmix_(make_pmix) {}

  ~Shim() {
    if (signals_blocked_) ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  int Run() {
    FillStandardFds();
    if (int code = TakeLock(); code != kShimOk) return code;
    if (int code = RouteSignals(); code != kShimOk) return code;

    Result<std::string> text = ReadFileAt(dir_.get(), SpecFileName(job_id_), /*trusted=*/true);
    if (!text.ok() && text.status().code() == Code::kNotFound) {
      Complain(run_dir_, job_id_, "no spec: the job is unknown; nothing was run");
      return kShimBadSpec;
    }
    Result<ShimSpec> spec = text.ok() ? ShimSpecFromJson(*text) : Result<ShimSpec>(text.status());
    if (spec.ok() && spec->job_id != job_id_) {
      spec = Status::Invalid(
          "job_id", "is " + std::to_string(spec->job_id) + ", expected " + std::to_string(job_id_));
    }
    if (!spec.ok()) {
      int code = Finish(
          CannotStart("invalid spec " + SpecFileName(job_id_) + ": " + spec.status().ToString()));
      return code == kShimOk ? kShimBadSpec : code;
    }
    return Finish(RunTasks(*spec));
  }

 private:
  int TakeLock() {
    Result<int> dir = OpenRunFolder(run_dir_);
    if (!dir.ok()) {
      Complain(run_dir_, job_id_, "run folder refused: " + dir.status().message());
      return kShimIoError;
    }
    dir_ = Fd(*dir);
    int fd = OpenLockAt(dir_.get(), job_id_);
    if (fd < 0) {
      Complain(run_dir_, job_id_, "cannot open " + LockFileName(job_id_) + ": " + ErrnoText(-fd));
      return kShimIoError;
    }
    lock_ = Fd(fd);
    if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return kShimLockBusy;
      Complain(run_dir_, job_id_, "cannot lock " + LockFileName(job_id_) + ": " + ErrnoText(errno));
      return kShimIoError;
    }
    if (!LockIsCurrent(dir_.get(), job_id_, lock_.get())) {
      Complain(run_dir_, job_id_, "the lock file was removed or replaced; nothing was run");
      return kShimLockBusy;
    }
    if (int error = WriteLockPid(lock_.get(), ::getpid()); error != 0) {
      // Not fatal: an instance that reattaches then watches the lock instead of our pid.
      Complain(run_dir_, job_id_, "cannot write our pid to the lock: " + ErrnoText(error));
    }
    if (::faccessat(dir_.get(), ResultFileName(job_id_).c_str(), F_OK, 0) == 0) {
      Complain(run_dir_, job_id_, "the job already has a result; nothing was run");
      return kShimLockBusy;
    }
    return kShimOk;
  }

  int RouteSignals() {
    sigset_t handled = ShimSignals();
    ::sigprocmask(SIG_BLOCK, &handled, &old_mask_);
    signals_blocked_ = true;
    // SIGCHLD ignored would reap the tasks behind our back; the shim writes only to files.
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &action, nullptr);
    action.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &action, nullptr);
    signal_fd_ = Fd(::signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!signal_fd_.valid()) {
      Complain(run_dir_, job_id_, "cannot create a signalfd: " + ErrnoText(errno));
      return kShimIoError;
    }
    return kShimOk;
  }

  static ShimResult CannotStart(std::string why) {
    ShimResult result;
    result.exit_code = kCannotStart;
    result.exec_error = std::move(why);
    result.start_ms = result.end_ms = EpochMs();
    return result;
  }

  ShimResult RunTasks(const ShimSpec& spec) {
    const bool switch_user = spec.uid > 0 && ::geteuid() == 0;
    const uid_t uid = static_cast<uid_t>(spec.uid);
    const gid_t gid = static_cast<gid_t>(spec.gid);
    std::vector<gid_t> groups;
    for (int64_t group : spec.groups) groups.push_back(static_cast<gid_t>(group));
    ::umask(022);  // the tasks' files are created as usual (the instance's umask is 077)
    Outputs outputs;
    outputs.stdin_fd = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!outputs.stdin_fd.valid()) return CannotStart("cannot open /dev/null: " + ErrnoText(errno));
    Status opened;
    Result<std::string> cwd = std::string();
    {
      // What the job named is reached with its user's rights alone: it may write and enter only
      // what that user could (and the files it creates are the user's).
      std::optional<FsIdentity> as_user;
      if (switch_user) {
        Result<FsIdentity> assumed = FsIdentity::Assume(uid, gid, groups);
        if (!assumed.ok()) return CannotStart(assumed.status().message());
        as_user.emplace(std::move(assumed).value());
      }
      opened = OpenOutputs(spec, outputs);
      if (opened.ok()) cwd = EnterWorkingDirectory(spec.cwd);
    }
    if (!opened.ok()) return CannotStart(opened.message());
    if (!cwd.ok()) return CannotStart(cwd.status().message());
    // The default files' streams reach them through the shim, which creates them when written.
    const bool err_default = outputs.shared ? spec.stdout_default : spec.stderr_default;
    const bool relay_out = spec.stdout_default && !spec.label_stdout;
    const bool relay_err = err_default && !spec.label_stderr;
    std::unique_ptr<OutputRelay> relay;
    if (relay_out || relay_err) {
      Result<std::unique_ptr<OutputRelay>> made =
          OutputRelay::Make(relay_out ? &outputs.stdout_sink : nullptr,
                            relay_err ? outputs.err_sink() : nullptr);
      if (!made.ok()) return CannotStart(made.status().message());
      relay = std::move(made).value();
    }

    LaunchSetup setup;
    setup.stdin_fd = outputs.stdin_fd.get();
    // A labelled stream's descriptor is replaced per task (LabelIoService); -1 is then never
    // used.
    setup.stdout_fd = relay_out ? relay->stdout_fd() : outputs.stdout_fd.get();
    setup.stderr_fd = relay_err        ? relay->stderr_fd()
                      : outputs.shared ? outputs.stdout_fd.get()
                                       : outputs.stderr_fd.get();
    setup.cwd = *cwd;
    setup.switch_user = switch_user;
    setup.uid = uid;
    setup.gid = gid;
    setup.groups = std::move(groups);
    std::unique_ptr<TaskService> pmix;
    if (OffersPmi(spec, "pmix")) {
      if (!make_pmix_) {
        return CannotStart("the job asks for PMIx, which this shim cannot serve (converge was "
                           "built without libpmix, or converge-shim-pmix is missing)");
      }
      if (switch_user) return CannotStart("PMIx is served only to tasks of the instance's user");
      Result<std::unique_ptr<TaskService>> made = make_pmix_(spec, run_dir_);
      if (!made.ok()) return CannotStart(made.status().message());
      pmix = std::move(made).value();
    }
    std::string why_not_cgroup;
    std::unique_ptr<JobContainer> container = MakeJobContainer(
        job_id_, spec.containment == "subreaper" ? Containment::kSubreaper : Containment::kAuto,
        &why_not_cgroup);
    if (!why_not_cgroup.empty()) {
      Complain(run_dir_, job_id_, "no cgroup for the job (" + why_not_cgroup +
                                      "); its process tree contains it");
    }
    setup.cgroup_fd = container->cgroup_fd();
    setup.cgroup_procs_fd = container->cgroup_procs_fd();
    TaskLauncher launcher(std::move(setup));
    SupervisorOptions options;
    if (pmix) options.services.push_back(pmix.get());
    options.signal_fd = signal_fd_.get();
    options.deadline_ms = spec.deadline_ms;
    options.warn_signal = spec.warn_signal;
    options.warn_ms = spec.warn_ms;
    options.grace_ms = spec.grace_ms;
    options.kill_wait_ms = spec.kill_wait_ms;
    std::unique_ptr<TaskService> pmi = MakePmi(spec);
    if (pmi) options.services.push_back(pmi.get());
    std::unique_ptr<TaskService> labels;
    if (spec.label_stdout || spec.label_stderr) {
      labels = std::make_unique<LabelIoService>(&outputs.stdout_sink, outputs.err_sink(),
                                                spec.label_stdout, spec.label_stderr);
      options.services.push_back(labels.get());
    }
    if (relay) options.services.push_back(relay.get());
    ShimResult result = SuperviseTasks(spec.tasks, launcher, *container, options);
    for (const OutputSink* sink : {&outputs.stdout_sink, &outputs.stderr_sink}) {
      if (result.output_error.empty()) result.output_error = sink->error();
    }
    if (!result.output_error.empty()) Complain(run_dir_, job_id_, result.output_error);
    if (Status released = container->Release(); !released.ok()) {
      Complain(run_dir_, job_id_, released.message());
    }
    return result;
  }

  // The PMI-1 server when the spec asks for it, or null (with a line on stderr when the tasks
  // cannot be numbered for PMI: the job runs without it).
  std::unique_ptr<TaskService> MakePmi(const ShimSpec& spec) {
    if (std::find(spec.pmi.begin(), spec.pmi.end(), "simple") == spec.pmi.end()) return nullptr;
    Result<std::unique_ptr<PmiSimpleService>> service =
        PmiSimpleService::Make(spec);
    if (!service.ok()) {
      Complain(run_dir_, job_id_, "no PMI for the job: " + service.status().ToString());
      return nullptr;
    }
    return std::move(service).value();
  }

  int Finish(const ShimResult& result) {
    Status written = WriteFileAtomicAt(dir_.get(), ResultFileName(job_id_), ToJson(result),
                                       /*sync=*/true);
    if (!written.ok()) {
      Complain(run_dir_, job_id_, "cannot write the result: " + written.ToString());
      return kShimIoError;
    }
    return kShimOk;
  }

  const std::string run_dir_;
  const int64_t job_id_;
  const PmixServiceFactory& make_pmix_;
  Fd dir_;
  Fd lock_;  // held (flock) from TakeLock until the process exits
  Fd signal_fd_;
  sigset_t old_mask_{};
  bool signals_blocked_ = false;
};

}  // namespace

int RunShim(const std::string& run_dir, int64_t job_id, const PmixServiceFactory& make_pmix) {
  return Shim(run_dir, job_id, make_pmix).Run();
}

int64_t ShimJobIdArgument(const char* name, int argc, char** argv) {
  int64_t job_id = 0;
  if (argc == 3) {
    const char* end = argv[2] + std::strlen(argv[2]);
    auto [stop, error] = std::from_chars(argv[2], end, job_id);
    if (error != std::errc() || stop != end || job_id <= 0) job_id = 0;
  }
  if (job_id == 0) std::fprintf(stderr, "usage: %s RUN_DIR JOB_ID (a positive integer)\n", name);
  return job_id;
}

}  // namespace converge::exec
