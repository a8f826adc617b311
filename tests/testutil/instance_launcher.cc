#include "tests/testutil/instance_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace converge::testutil {
namespace {

bool SocketAnswers(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

CommandResult RunConvergeWithEnv(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& input) {
  std::vector<std::string> argv = {ConvergeBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, env, input, false);
}

CommandResult RunProgram(const std::vector<std::string>& argv, const std::string& input) {
  return RunCommand(argv, {}, input, true);
}

InstanceLauncher::InstanceLauncher(InstanceOptions options)
    : options_(std::move(options)),
      state_dir_(dir_.path() + "/state"),
      socket_(dir_.path() + "/state/converge.sock") {}

InstanceLauncher::~InstanceLauncher() {
  // `converge stop` cancels the jobs (and so ends services and their processes) before the
  // instance exits; a signal would leave them running under their shims.
  if (pid_ > 0 && !Stop() && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  // Shims still running (the instance was killed): SIGTERM lets them end their tasks, then
  // SIGKILL; then their run folder goes (STATE/run is it, or a link to it in /dev/shm).
  char resolved[PATH_MAX];
  const std::string run = state_dir_ + "/run";
  if (::realpath(run.c_str(), resolved)) {
    const std::string shims = std::string("converge-shim ") + resolved + " ";
    if (RunProgram({"pkill", "-TERM", "-f", shims}).exit_code == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      RunProgram({"pkill", "-KILL", "-f", shims});
    }
    std::error_code ignored;
    std::filesystem::remove_all(resolved, ignored);
  }
}

bool InstanceLauncher::Start() {
  std::vector<std::string> args = {ConvergeBinary(), "start", "--state", state_dir_,
                                   "--policy", options_.policy};
  if (!options_.resources.empty()) {
    args.push_back("--resources");
    args.push_back(options_.resources);
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  if (options_.tcp) {
    for (const std::string& address : {"unix:" + socket_, std::string("tcp:127.0.0.1:0")}) {
      args.push_back("--listen");
      args.push_back(address);
    }
  }
  std::string log_path = dir_.path() + "/instance.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return false;
  }
  for (int i = 0; i < 1000; ++i) {
    if (SocketAnswers(socket_)) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void InstanceLauncher::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool InstanceLauncher::Stop() {
  if (pid_ <= 0) return true;
  CommandResult stop = Run({"stop"});
  int status = 0;
  for (int i = 0; i < 1500; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return stop.exit_code == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

CommandResult InstanceLauncher::Run(const std::vector<std::string>& args,
                                    const std::string& input,
                                    const std::map<std::string, std::string>& env) const {
  std::map<std::string, std::string> all = env;
  all["CONVERGE_URI"] = uri();
  return RunConvergeWithEnv(args, all, input);
}

std::string InstanceLauncher::log() const { return ReadFile(dir_.path() + "/instance.log"); }

std::string InstanceLauncher::TcpAddress() const {
  const std::string text = log();
  const std::string marker = "listening: tcp:";
  size_t at = text.rfind(marker);
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at);
  return text.substr(at + 11, end - at - 11);
}

void InstanceLauncher::PrintLogIfFailed() const {
  if (::testing::Test::HasFailure()) std::cerr << "--- instance log ---\n" << log() << "---\n";
}

}  // namespace converge::testutil
