#include "instance/nested_instance.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "api/http_client.h"
#include "exec/pidfd.h"

namespace converge::instance {
namespace {

// The parent job's resources as JGF text.
Result<std::string> FetchParentResources() {
  const char* job = std::getenv("CONVERGE_JOB_ID");
  if (!job || !*job) {
    return Status::Invalid("CONVERGE_JOB_ID", "is not set: --nested runs inside a job");
  }
  Result<std::unique_ptr<api::HttpClient>> client = api::HttpClient::ConnectFromEnvironment();
  if (!client.ok()) return client.status().WithPrefix("parent instance");
  Result<api::HttpResponse> answer =
      (*client)->Call("GET", std::string("/v1/jobs/") + job + "/resources");
  if (!answer.ok()) return answer.status().WithPrefix("parent instance");
  if (answer->status != 200) {
    return Status(Code::kInternal, "parent instance answered " + std::to_string(answer->status) +
                                       " for the resources of job " + job + ": " + answer->body);
  }
  return answer->body;
}

// Forks and execs `command` with CONVERGE_URI set to `uri`. Returns the child's pid.
Result<pid_t> SpawnInitialProgram(const std::vector<std::string>& command, const std::string& uri) {
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string uri_entry = "CONVERGE_URI=" + uri;
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status(Code::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::putenv(const_cast<char*>(uri_entry.c_str()));
    ::unsetenv("CONVERGE_TOKEN");
    ::unsetenv("CONVERGE_TOKEN_FILE");
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "converge: cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

int ExitStatusOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

}  // namespace

int RunNestedInstance(NestedOptions options) {
  std::optional<std::filesystem::path> temporary;
  if (options.instance.state_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/converge-nested-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::fprintf(stderr, "converge start --nested: mkdtemp %s: %s\n", pattern.c_str(),
                   std::strerror(errno));
      return 1;
    }
    temporary = pattern;
    options.instance.state_dir = pattern;
  }
  auto cleanup = [&] {
    if (!temporary) return;
    std::error_code ignored;
    const std::filesystem::path run =
        std::filesystem::canonical(*temporary / "run", ignored);  // the /dev/shm run folder
    if (!run.empty()) std::filesystem::remove_all(run, ignored);
    std::filesystem::remove_all(*temporary, ignored);
  };
  Result<std::string> resources = FetchParentResources();
  if (!resources.ok()) {
    std::fprintf(stderr, "converge start --nested: %s\n", resources.status().ToString().c_str());
    cleanup();
    return 1;
  }
  options.instance.resources_path = options.instance.state_dir + "/resources.json";
  std::ofstream(options.instance.resources_path) << *resources;

  int exit_status = 0;
  {
    boost::asio::io_context io(1);
    Result<std::unique_ptr<Instance>> instance = Instance::Start(io, options.instance);
    if (!instance.ok()) {
      std::fprintf(stderr, "converge start --nested: %s\n", instance.status().ToString().c_str());
      cleanup();
      return 1;
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& error, int) {
      if (!error) (*instance)->Shutdown();
    });
    std::optional<boost::asio::posix::stream_descriptor> program_end;
    pid_t program = -1;
    if (!options.command.empty()) {
      const std::string uri = "unix://" + options.instance.state_dir + "/converge.sock";
      Result<pid_t> pid = SpawnInitialProgram(options.command, uri);
      if (!pid.ok()) {
        std::fprintf(stderr, "converge start --nested: %s\n", pid.status().ToString().c_str());
        exit_status = 1;
        (*instance)->Shutdown();
      } else {
        program = *pid;
        int pidfd = exec::PidfdOpen(program);
        program_end.emplace(io, pidfd);
        program_end->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                [&](const boost::system::error_code&) {
                                  int status = 0;
                                  ::waitpid(program, &status, 0);
                                  exit_status = ExitStatusOf(status);
                                  signals.cancel();
                                  (*instance)->Shutdown();
                                });
      }
    }
    io.run();
  }
  cleanup();
  return exit_status;
}

}  // namespace converge::instance
