#include "instance/nested_instance.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "agent/agent_command.h"
#include "api/http_client.h"
#include "exec/pidfd.h"
#include "exec/pmi_simple_client.h"
#include "exec/self_path.h"
#include "exec/launcher_shims.h"
#include "instance/nested_bootstrap.h"
#include "resource/readers/jgf.h"

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

// This process's environment without the parent's credentials, with CONVERGE_URI = `uri` and
// `extra` ("NAME=VALUE", replacing variables of those names).
std::vector<std::string> InitialEnvironment(const std::string& uri,
                                            const std::vector<std::string>& extra) {
  std::vector<std::string> replaced = extra;
  replaced.push_back("CONVERGE_URI=" + uri);
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string name = name_of(*entry);
    if (name == "CONVERGE_TOKEN" || name == "CONVERGE_TOKEN_FILE") continue;
    const bool overridden = std::any_of(replaced.begin(), replaced.end(), [&](const auto& e) {
      return name_of(e) == name;
    });
    if (!overridden) env.push_back(*entry);
  }
  env.insert(env.end(), replaced.begin(), replaced.end());
  return env;
}

// Forks and execs `command` with InitialEnvironment(uri, extra). Returns the child's pid.
Result<pid_t> SpawnInitialProgram(const std::vector<std::string>& command, const std::string& uri,
                                  const std::vector<std::string>& extra) {
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::vector<std::string> env = InitialEnvironment(uri, extra);
  std::vector<char*> envp;
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status(Code::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvpe(argv[0], argv.data(), envp.data());
    std::fprintf(stderr, "converge: cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

// A new folder $TMPDIR/`name`-XXXXXX (mkdtemp: mode 0700, a fresh unpredictable name).
Result<std::string> TemporaryFolder(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + name + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    return Status(Code::kInternal, std::string("mkdtemp: ") + std::strerror(errno), pattern);
  }
  return pattern;
}

// Seconds an agent of a nested instance outlives its leader's silence, and how long it waits
// for the leader to listen at all.
constexpr double kAgentLeaderGoneSeconds = 5;
constexpr double kAgentFindLeaderSeconds = 60;

// The job's task count (CONVERGE_TASK_COUNT; 1 when unset).
int JobTaskCount() {
  const char* text = std::getenv("CONVERGE_TASK_COUNT");
  return text && *text ? std::max(1, std::atoi(text)) : 1;
}

std::string NodeName() {
  const char* node = std::getenv("CONVERGE_NODE");
  return node ? node : "";
}

// The batch job's facts for sbatch's variables: from this task's environment and the job's
// resources (JGF); the name from the parent instance.
exec::BatchJobFacts FactsOfThisJob(const std::string& jgf) {
  exec::BatchJobFacts facts;
  auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "");
  };
  facts.job_id = env("CONVERGE_JOB_ID");
  facts.nodelist = env("CONVERGE_NODELIST");
  facts.node = NodeName();
  facts.submit_dir = env("PWD");  // the submitting shell's, copied with its environment
  if (facts.submit_dir.empty()) {
    std::error_code error;
    facts.submit_dir = std::filesystem::current_path(error).string();
  }
  facts.array_copy = !env("SLURM_ARRAY_TASK_ID").empty();
  Result<resource::Graph> graph = resource::ReadJgf(jgf);
  for (resource::VertexId node :
       graph.ok() ? graph->VerticesOfType(resource::kNode) : std::vector<resource::VertexId>{}) {
    ++facts.nnodes;
    int64_t cores = 0;
    for (resource::VertexId v = node; v < graph->SubtreeEnd(node); ++v) {
      cores += graph->type(v) == resource::kCore;
    }
    facts.cpus_per_node.push_back(cores);
    if (graph->name(node) == facts.node || (facts.node.empty() && facts.nnodes == 1)) {
      facts.cpus_on_node = cores;
    }
  }
  Result<std::unique_ptr<api::HttpClient>> client = api::HttpClient::ConnectFromEnvironment();
  if (client.ok()) {
    Result<api::HttpResponse> answer = (*client)->Call("GET", "/v1/jobs/" + facts.job_id);
    if (answer.ok() && answer->status == 200) {
      nlohmann::json job = nlohmann::json::parse(answer->body, nullptr, false);
      if (job.is_object() && job.contains("name") && job["name"].is_string()) {
        facts.job_name = job["name"].get<std::string>();
      }
    }
  }
  return facts;
}

// The node names of a JGF graph, in graph order.
Result<std::vector<std::string>> NodesOf(const std::string& jgf) {
  Result<resource::Graph> graph = resource::ReadJgf(jgf);
  if (!graph.ok()) return graph.status().WithPrefix("the parent's resources");
  std::vector<std::string> names;
  for (resource::VertexId v : graph->VerticesOfType(resource::kNode)) {
    names.push_back(graph->name(v));
  }
  return names;
}

// Makes `options` the leader of an instance spread over `nodes`: its agents register at a
// port published over PMI, the one of this node is started here.
Status BecomeSpreadLeader(exec::PmiSimpleClient& pmi, const std::vector<std::string>& nodes,
                          InstanceOptions& options) {
  Result<NestedLeader> leader = PublishNestedLeader(pmi, options.state_dir);
  if (!leader.ok()) return leader.status();
  const std::string port = std::to_string(leader->port);
  options.listen = {"unix:" + options.state_dir + "/converge.sock", "tcp:0.0.0.0:" + port};
  options.agent_hosts = nodes;
  options.agent_wait_seconds = kAgentFindLeaderSeconds;
  options.agent_launch = {exec::SelfExecutable(),
                          "agent",
                          "--leader",
                          "tcp:127.0.0.1:" + port,
                          "--token-file",
                          leader->token_file,
                          "--name",
                          NodeName(),
                          "--state",
                          options.state_dir + "/agent",
                          "--exit-without-leader",
                          std::to_string(kAgentLeaderGoneSeconds)};
  return Status::Ok();
}

// Ranks > 0 of an instance spread over nodes: this node's agent, until the leader is gone.
int RunSpreadAgent(exec::PmiSimpleClient pmi) {
  Result<NestedAgentContact> contact = FindNestedLeader(pmi, kAgentFindLeaderSeconds);
  DropParentPmiEnvironment();
  if (!contact.ok()) {
    std::fprintf(stderr, "converge start --nested: %s\n", contact.status().ToString().c_str());
    return 1;
  }
  Result<std::string> state = TemporaryFolder("converge-nested-agent");
  if (!state.ok()) {
    std::fprintf(stderr, "converge start --nested: %s\n", state.status().ToString().c_str());
    return 1;
  }
  agent::AgentOptions options;
  options.leader = contact->leader;
  options.token = contact->token;
  options.name = NodeName();
  options.state = *state;
  options.exit_without_leader = kAgentLeaderGoneSeconds;
  options.quiet = true;  // this task's output is the job's
  const int status = agent::RunAgent(options);
  std::error_code ignored;
  std::filesystem::remove_all(*state, ignored);
  return status;
}

int ExitStatusOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

}  // namespace

int RunNestedInstance(NestedOptions options) {
  // A job of several tasks (one per node) is an instance spread over its nodes: rank 0 leads,
  // the others are agents (nested_bootstrap.h). Either way the parent's PMI ends here.
  std::optional<exec::PmiSimpleClient> pmi;
  if (std::getenv("PMI_FD") != nullptr) {
    Result<exec::PmiSimpleClient> client = exec::PmiSimpleClient::FromEnvironment();
    if (!client.ok()) {
      std::fprintf(stderr, "converge start --nested: %s\n", client.status().ToString().c_str());
      return 1;
    }
    pmi.emplace(std::move(client).value());
  }
  const bool spread = JobTaskCount() > 1;
  if (spread && !pmi) {
    std::fprintf(stderr, "converge start --nested: the job has %d tasks but no PMI-1 (PMI_FD) "
                         "to find its leader; give it shell.options.pmi simple\n", JobTaskCount());
    return 1;
  }
  if (spread && pmi->rank() > 0) return RunSpreadAgent(std::move(*pmi));
  if (!spread) {
    pmi.reset();  // finalizes and closes the parent's PMI connection
    DropParentPmiEnvironment();
  }
  std::optional<std::filesystem::path> temporary;
  auto cleanup = [&] {
    if (!temporary) return;
    std::error_code ignored;
    const std::filesystem::path run =
        std::filesystem::canonical(*temporary / "run", ignored);  // the /dev/shm run folder
    if (!run.empty()) std::filesystem::remove_all(run, ignored);
    std::filesystem::remove_all(*temporary, ignored);
  };
  // Before rank 0 published its address the other ranks wait for it: a failure ends them too.
  auto fail = [&](const Status& status) {
    std::fprintf(stderr, "converge start --nested: %s\n", status.ToString().c_str());
    if (pmi) pmi->Abort(1, "nested leader: " + status.ToString());
    cleanup();
    return 1;
  };
  if (options.instance.state_dir.empty()) {
    Result<std::string> folder = TemporaryFolder("converge-nested");
    if (!folder.ok()) return fail(folder.status());
    temporary = *folder;
    options.instance.state_dir = *folder;
  }
  Result<std::string> resources = FetchParentResources();
  if (!resources.ok()) return fail(resources.status());
  options.instance.resources_path = options.instance.state_dir + "/resources.json";
  std::ofstream(options.instance.resources_path) << *resources;
  if (spread) {
    Result<std::vector<std::string>> nodes = NodesOf(*resources);
    if (!nodes.ok()) return fail(nodes.status());
    if (Status leading = BecomeSpreadLeader(*pmi, *nodes, options.instance); !leading.ok()) {
      return fail(leading);
    }
    pmi.reset();  // finalized: closes the connection
    DropParentPmiEnvironment();
  }
  std::vector<std::string> program_environment;
  const std::vector<std::string> launchers =
      exec::LaunchersToEmulate(options.shims.launchers, [](const char* name) {
        return static_cast<const char*>(std::getenv(name));
      });
  if (!launchers.empty() && !options.command.empty()) {
    Result<std::string> folder =
        exec::InstallShims(options.instance.state_dir, exec::SelfExecutable(), launchers);
    if (!folder.ok()) return fail(folder.status());
    const char* path = std::getenv("PATH");
    program_environment = exec::ShimEnvironment(launchers, *folder, path ? path : "",
                                                options.shims, FactsOfThisJob(*resources));
  }

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
      Result<pid_t> pid = SpawnInitialProgram(options.command, uri, program_environment);
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
