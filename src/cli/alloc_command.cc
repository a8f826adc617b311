// `converge alloc [flags] [CMD...]`: allocate resources as a nested instance and run CMD (by
// default $SHELL, interactively) with CONVERGE_URI pointing at that instance, like `flux
// alloc` and `salloc`. When CMD ends the allocation is released and alloc exits with CMD's
// status.
//
// API calls (parent): POST /v1/jobs (the job runs `converge start --nested --state DIR`),
// GET /v1/jobs/ID while it starts, POST /v1/jobs/ID/cancel at the end. The nested instance
// is ready when GET /v1/health answers on DIR/converge.sock.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "api/http_client.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "exec/launcher_shims.h"
#include "exec/self_path.h"
#include "jobspec/shell_options.h"

namespace converge::cli {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);

api::Address UnixAddress(const std::string& path) {
  api::Address address;
  address.kind = api::Address::Kind::kUnix;
  address.path = path;
  return address;
}

// Polls until the nested instance at `socket` answers, or the job ends. Errors say why the
// job ended.
Status WaitUntilReady(Session& parent, const std::string& id, const std::string& socket) {
  for (;;) {
    Result<std::unique_ptr<api::HttpClient>> child =
        api::HttpClient::Connect(UnixAddress(socket), "");
    if (child.ok() && (*child)->Call("GET", "/v1/health").ok()) return Status::Ok();
    Result<nlohmann::json> job = parent.Call("GET", "/v1/jobs/" + id);
    if (!job.ok()) return job.status();
    if (job->value("state", "") == "INACTIVE") {
      return Status(Code::kInternal, "job " + id + " ended before its instance was ready: " +
                                         job->value("result", "") + " " + job->value("reason", ""));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

// The variables of `srun` and `flux` shims for the allocation's shell (exec/launcher_shims.h),
// with the links in `dir`; none inside a real Slurm allocation or Flux instance, or on error.
std::vector<std::string> ShimVariables(Session& parent, const std::string& id,
                                       const JobOptions& options, const std::string& dir) {
  const std::vector<std::string> launchers =
      exec::LaunchersToEmulate({"srun", "flux"}, [](const char* name) {
        return static_cast<const char*>(std::getenv(name));
      });
  if (launchers.empty()) return {};
  Result<std::string> folder = exec::InstallShims(dir, exec::SelfExecutable(), launchers);
  Result<nlohmann::json> job = parent.Call("GET", "/v1/jobs/" + id);
  if (!folder.ok() || !job.ok()) return {};
  exec::BatchJobFacts facts;
  facts.job_id = id;
  facts.job_name = job->value("name", "");
  facts.nodelist = job->value("nodelist", "");
  facts.nnodes = job->value("nnodes", int64_t{0});
  const char* pwd = std::getenv("PWD");
  facts.submit_dir = pwd ? pwd : "";
  exec::ShimRequest request{launchers, SlurmTaskCount(options),
                            options.cores_per_task > 1 ? options.cores_per_task : 0};
  const char* path = std::getenv("PATH");
  return exec::ShimEnvironment(launchers, *folder, path ? path : "", request, facts);
}

// Runs `command` with CONVERGE_URI=`uri` and `variables` ("NAME=VALUE"), in the foreground;
// returns its exit status.
int RunForeground(const std::vector<std::string>& command, const std::string& uri,
                  const std::vector<std::string>& variables) {
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    ::setenv("CONVERGE_URI", uri.c_str(), 1);
    for (const std::string& entry : variables) {
      const size_t equals = entry.find('=');
      ::setenv(entry.substr(0, equals).c_str(), entry.substr(equals + 1).c_str(), 1);
    }
    ::signal(SIGINT, SIG_DFL);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "converge alloc: cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::signal(SIGINT, SIG_IGN);  // Ctrl-C belongs to the shell running inside
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::signal(SIGINT, SIG_DFL);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

// Cancels the job and waits until it is inactive (so that its resources are free on return).
void Release(Session& parent, const std::string& id) {
  parent.Call("POST", "/v1/jobs/" + id + "/cancel");
  for (;;) {
    Result<nlohmann::json> job = parent.Call("GET", "/v1/jobs/" + id);
    if (!job.ok() || job->value("state", "") == "INACTIVE") return;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int Alloc(const JobOptions& options, bool shims, std::vector<std::string> command) {
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command = {shell && *shell ? shell : "/bin/sh"};
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/converge-alloc-XXXXXX";
  JobOptions job_options = options;
  if (job_options.job_name.empty()) job_options.job_name = "alloc";
  // The nested instance's state folder is made (mkdtemp) only once its jobspec is known to be
  // good, and not at all in a dry run, which shows the folder's XXXXXX template.
  auto jobspec_for = [&](const std::string& state) -> Result<nlohmann::json> {
    Result<nlohmann::json> spec = BuildJobspec(
        job_options, {exec::SelfExecutable(), "start", "--nested", "--state", state},
        CurrentJobContext());
    if (spec.ok()) jobspec::SetOneTaskPerNode(*spec);  // rank 0 leads, the others are agents
    return spec;
  };
  Result<nlohmann::json> spec = jobspec_for(dir);
  if (!spec.ok()) return Fail("alloc", spec.status());
  if (options.dry_run) return PrintDryRun({spec->dump()});
  if (!::mkdtemp(dir.data())) {
    return Fail("alloc", Status(Code::kInternal, "mkdtemp: " + std::string(std::strerror(errno))));
  }
  auto remove_dir = [&] {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  };
  spec = jobspec_for(dir);
  if (!spec.ok()) {
    remove_dir();
    return Fail("alloc", spec.status());
  }
  Result<Session> parent = Session::Open();
  if (!parent.ok()) {
    remove_dir();
    return Fail("alloc", parent.status());
  }
  Result<nlohmann::json> answer = parent->Call("POST", "/v1/jobs", spec->dump());
  if (!answer.ok()) {
    remove_dir();
    return Fail("alloc", answer.status());
  }
  const std::string id = answer->value("id", nlohmann::json()).dump();
  std::fprintf(stderr, "converge alloc: job %s; waiting for its instance\n", id.c_str());
  const std::string socket = dir + "/converge.sock";
  Status ready = WaitUntilReady(*parent, id, socket);
  if (!ready.ok()) {
    Release(*parent, id);
    remove_dir();
    return Fail("alloc", ready);
  }
  const std::vector<std::string> variables =
      shims ? ShimVariables(*parent, id, options, dir) : std::vector<std::string>{};
  const int status = RunForeground(command, "unix://" + socket, variables);
  Release(*parent, id);
  remove_dir();
  return status;
}

}  // namespace

void AddAllocCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<JobOptions>();
  auto no_shims = std::make_shared<bool>(false);
  CLI::App* alloc = app.add_subcommand(
      "alloc", "Allocate resources as a nested instance and run a shell (or CMD) inside");
  AddJobOptions(alloc, options.get());
  alloc->add_flag("--no-shims", *no_shims,
                  "srun and flux in the shell are not converge's (by default they run as "
                  "converge run/submit in the allocation, outside a real Slurm or Flux)");
  alloc->prefix_command();
  alloc->footer(
      "Example: converge alloc -N2   (then `converge submit ...` schedules inside the two "
      "nodes; exit the shell to release them)");
  alloc->callback(
      [=] { *exit_code = Alloc(*options, !*no_shims, TrailingCommand(alloc)); });
}

}  // namespace converge::cli
