#include "exec/shim_zygote.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "exec/run_files.h"
#include "exec/shim.h"
#include "exec/shim_signals.h"

extern char** environ;

namespace converge::exec {

namespace {

constexpr uint32_t kKeepLog = 1;
// How long the executor waits for an answer: a fork takes well under a millisecond; a zygote
// that takes this long is stuck and replaced.
constexpr int kAnswerTimeoutMs = 5000;

struct ZygoteRequest {
  int64_t job_id = 0;
  uint32_t flags = 0;
  uint32_t reserved = 0;
};

struct ZygoteReply {
  int32_t pid = 0;    // > 0: the shim; 0: the fork failed with `error`
  int32_t error = 0;  // errno
};

// fork() whose child is a child of our parent (CLONE_PARENT). Its exit signal is ours (the
// kernel takes it from us: clone3 refuses one with CLONE_PARENT), SIGCHLD as posix_spawn
// gave it. The child continues on a copy of our stack, like fork(). Single-threaded callers.
pid_t ForkBesideUs() {
  // struct clone_args up to `tls` (CLONE_ARGS_SIZE_VER0), spelled out: <linux/sched.h>
  // clashes with glibc's <sched.h>.
  struct {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  } args{};
  constexpr uint64_t kCloneParent = 0x00008000ULL;
  args.flags = kCloneParent;
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

// The forked shim's life; never returns.
[[noreturn]] void BecomeShim(int socket_fd, const std::string& run_dir,
                             const ZygoteRequest& request) {
  ::close(socket_fd);
  ::setsid();
  if ((request.flags & kKeepLog) != 0) {
    const std::string log = run_dir + "/" + ShimLogFileName(request.job_id);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                          0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
  }
  const int code = RunShim(run_dir, request.job_id);
  std::fflush(nullptr);
  ::_exit(code);
}

}  // namespace

int RunShimZygote(int socket_fd, const std::string& run_dir) {
  struct stat info {};
  if (::fstat(socket_fd, &info) != 0 || !S_ISSOCK(info.st_mode)) {
    std::fprintf(stderr, "converge-shim --zygote: fd %d is not the executor's socket\n",
                 socket_fd);
    return kShimUsage;
  }
  for (;;) {
    ZygoteRequest request;
    const ssize_t got = ::recv(socket_fd, &request, sizeof request, 0);
    if (got == 0) return kShimOk;  // the executor is gone
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return kShimIoError;
    if (got != static_cast<ssize_t>(sizeof request) || request.job_id <= 0) return kShimUsage;
    const pid_t pid = ForkBesideUs();
    if (pid == 0) BecomeShim(socket_fd, run_dir, request);
    ZygoteReply reply;
    reply.pid = pid > 0 ? pid : 0;
    reply.error = pid > 0 ? 0 : errno;
    if (::send(socket_fd, &reply, sizeof reply, MSG_NOSIGNAL) != sizeof reply) {
      return kShimIoError;
    }
  }
}

Result<std::unique_ptr<ShimZygote>> ShimZygote::Start(const std::string& shim_path,
                                                      const std::string& run_dir) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return Status(Code::kInternal, "cannot start the shim zygote: socketpair: " +
                                       ErrnoText(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_adddup2(&actions, 0, 1);
  posix_spawn_file_actions_adddup2(&actions, 0, 2);
  posix_spawn_file_actions_adddup2(&actions, pair[1], 3);  // dup2 clears close-on-exec
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  SetShimSpawnAttributes(&attributes);
  std::string program = shim_path, mode = "--zygote", folder = run_dir;
  char* argv[] = {program.data(), mode.data(), folder.data(), nullptr};
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pair[1]);
  if (error != 0) {
    ::close(pair[0]);
    return Status(Code::kInternal, "cannot start the shim zygote " + shim_path + ": " +
                                       ErrnoText(error));
  }
  return std::unique_ptr<ShimZygote>(new ShimZygote(pid, pair[0]));
}

ShimZygote::~ShimZygote() {
  ::close(socket_fd_);
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

Result<pid_t> ShimZygote::Fork(int64_t job_id, bool keep_log) {
  auto broken = [this](const std::string& why) {
    broken_ = true;
    return Status(Code::kInternal, "the shim zygote (pid " + std::to_string(pid_) + ") " + why);
  };
  if (broken_) return broken("stopped answering before");
  ZygoteRequest request;
  request.job_id = job_id;
  request.flags = keep_log ? kKeepLog : 0;
  if (::send(socket_fd_, &request, sizeof request, MSG_NOSIGNAL) != sizeof request) {
    return broken("cannot be asked: " + ErrnoText(errno));
  }
  pollfd answer{socket_fd_, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&answer, 1, kAnswerTimeoutMs);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return broken("did not answer");
  ZygoteReply reply;
  const ssize_t got = ::recv(socket_fd_, &reply, sizeof reply, MSG_DONTWAIT);
  if (got != static_cast<ssize_t>(sizeof reply)) {
    return broken(got == 0 ? "has exited" : "answered badly");
  }
  if (reply.pid <= 0) {
    return Status(Code::kInternal, "cannot fork a shim: " + ErrnoText(reply.error));
  }
  return static_cast<pid_t>(reply.pid);
}

}  // namespace converge::exec
