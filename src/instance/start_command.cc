// `converge start`: runs an instance in the foreground, or in the background with --detach.
#include "instance/start_command.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "agent/multi_node_executor.h"
#include "api/http_client.h"
#include "exec/self_path.h"
#include "instance/instance.h"
#include "instance/nested_instance.h"
#include "instance/slurm_bootstrap.h"

namespace converge::instance {
namespace {

struct StartFlags {
  std::string resources;
  std::string state;
  std::vector<std::string> listen;
  std::vector<std::string> metrics_listen;
  bool metrics_any_address = false;
  std::string policy = "easy";
  std::string match = "first";
  std::vector<std::string> queues;  // --queue NAME[:POLICY][:LIMIT=VALUE...]
  bool detach = false;
  double grace = 5;
  std::string sync = "full";
  bool multiuser = false;
  size_t max_connections = 0;  // 0: from RLIMIT_NOFILE
  bool nested = false;
  std::vector<std::string> command;  // --nested: the initial program
  std::vector<std::string> shims;    // --nested: launchers the initial program gets
  int64_t shim_ntasks = 0;           // their SLURM_NTASKS
  int64_t shim_cpus_per_task = 0;    // their SLURM_CPUS_PER_TASK
  std::string nodes;                 // hosts file of a multi-node instance (static bootstrap)
  std::string token_file;
  double agent_wait = 60;
  bool no_slurm = false;             // inside an allocation, stay on this machine
};

// Every running job holds a pidfd in the instance: raise the soft limit on open files towards
// the hard one (capped, since tasks inherit it and some programs loop over every descriptor).
void RaiseOpenFileLimit() {
  constexpr rlim_t kWanted = 65536;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= kWanted) return;
  limit.rlim_cur = std::min(kWanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Starts the instance and runs it until it stops. `report` gets "" and the banner on success,
// or the error. Returns the exit status.
int RunInstance(const InstanceOptions& options,
                const std::function<void(const std::string& error, const std::string& banner)>&
                    report) {
  boost::asio::io_context io(1);
  Result<std::unique_ptr<Instance>> instance = Instance::Start(io, options);
  if (!instance.ok()) {
    report(instance.status().ToString(), "");
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (!error) (*instance)->Detach();  // jobs keep running; the next start re-attaches them
  });
  report("", (*instance)->Banner());
  io.run();
  return 0;
}

int Start(const StartFlags& flags) {
  InstanceOptions options;
  options.state_dir = flags.state.empty() ? api::DefaultStateDir() : flags.state;
  options.resources_path = flags.resources;
  options.listen = flags.listen;
  options.metrics_listen = flags.metrics_listen;
  options.metrics_any_address = flags.metrics_any_address;
  options.grace_seconds = flags.grace;
  options.sync_full = flags.sync == "full";
  options.multiuser = flags.multiuser;
  options.max_connections = flags.max_connections;
  options.token_file = flags.token_file;
  options.agent_wait_seconds = flags.agent_wait;
  if (!flags.nodes.empty()) {
    if (!flags.resources.empty() || flags.nested) {
      std::fprintf(stderr, "converge start: --nodes takes its resources from the agents (no "
                           "--resources or --nested)\n");
      return 2;
    }
    Result<std::vector<std::string>> hosts = agent::ReadHostsFile(flags.nodes);
    if (!hosts.ok()) {
      std::fprintf(stderr, "converge start: --nodes: %s\n", hosts.status().ToString().c_str());
      return 2;
    }
    options.agent_hosts = *hosts;
    if (flags.token_file.empty()) {
      std::fprintf(stderr, "converge start: --nodes needs --token-file (the agents' token)\n");
      return 2;
    }
  } else if (flags.resources.empty() && !flags.nested && !flags.no_slurm) {
    // Inside a Slurm allocation: one agent per node through one srun step.
    std::string tcp_listen;
    for (const std::string& text : flags.listen) {
      if (text.rfind("tcp:", 0) == 0 && tcp_listen.empty()) tcp_listen = text;
    }
    Result<std::optional<SlurmAgents>> slurm = DetectSlurmAllocation(
        options.state_dir, exec::SelfExecutable(), tcp_listen);
    if (!slurm.ok()) {
      std::fprintf(stderr, "converge start: %s\n", slurm.status().ToString().c_str());
      return 2;
    }
    if (slurm->has_value()) {
      SlurmAgents& agents = **slurm;
      options.agent_hosts = agents.hosts;
      options.agent_launch = agents.launch;
      options.node_properties = agents.properties;
      if (tcp_listen.empty()) {
        if (options.listen.empty()) options.listen.push_back("unix:" + options.state_dir +
                                                             "/converge.sock");
        options.listen.push_back(agents.listen);
      }
    }
  }
  Result<sched::QueuePolicy> policy = sched::ParseQueuePolicy(flags.policy);
  if (!policy.ok()) {
    std::fprintf(stderr, "converge start: --policy: %s\n", policy.status().ToString().c_str());
    return 2;
  }
  options.policy = *policy;
  Result<sched::MatchPolicy> match = sched::ParseMatchPolicy(flags.match);
  if (!match.ok()) {
    std::fprintf(stderr, "converge start: --match: %s\n", match.status().ToString().c_str());
    return 2;
  }
  options.match = *match;
  for (const std::string& text : flags.queues) {
    Result<QueueConfig> queue = ParseQueueFlag(text, *policy);
    if (!queue.ok()) {
      std::fprintf(stderr, "converge start: %s\n", queue.status().ToString().c_str());
      return 2;
    }
    options.queues.push_back(*queue);
  }
  options.shim_path = exec::BesideSelf("converge-shim");
  if (::access(options.shim_path.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "converge start: %s is missing: it runs every job\n",
                 options.shim_path.c_str());
    return 1;
  }
  // Optional: built only with libpmix; without it jobs get no PMIx server.
  if (std::string pmix = exec::BesideSelf("converge-shim-pmix"); ::access(pmix.c_str(), X_OK) == 0) {
    options.pmix_shim_path = pmix;
  }
  ::signal(SIGPIPE, SIG_IGN);
  RaiseOpenFileLimit();

  if (flags.nested) {
    if (flags.detach) {
      std::fprintf(stderr, "converge start: --nested runs in the foreground (no --detach)\n");
      return 2;
    }
    options.state_dir = flags.state;  // "" = a temporary folder
    options.sync_full = false;        // the parent's store is the durable record
    return RunNestedInstance(
        {options, flags.command, {flags.shims, flags.shim_ntasks, flags.shim_cpus_per_task}});
  }
  if (!flags.command.empty() || !flags.shims.empty()) {
    std::fprintf(stderr, "converge start: a command and --shims are only for --nested\n");
    return 2;
  }

  if (!flags.detach) {
    return RunInstance(options, [](const std::string& error, const std::string& banner) {
      if (!error.empty()) {
        std::fprintf(stderr, "converge start: %s\n", error.c_str());
      } else {
        std::fputs(banner.c_str(), stdout);
        std::fflush(stdout);
      }
    });
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    std::perror("converge start: pipe");
    return 1;
  }
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("converge start: fork");
    return 1;
  }
  if (child > 0) {
    ::close(pipe_fds[1]);
    std::string message;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, n);
    ::close(pipe_fds[0]);
    if (message.rfind("ok\n", 0) == 0) {
      std::fputs(message.c_str() + 3, stdout);
      return 0;
    }
    std::fprintf(stderr, "converge start: %s\n",
                 message.empty() ? "the instance exited during start-up"
                                 : message.substr(message.find('\n') + 1).c_str());
    return 1;
  }
  ::close(pipe_fds[0]);
  ::setsid();
  int rc = RunInstance(options, [&](const std::string& error, const std::string& banner) {
    if (!error.empty()) {
      WriteAll(pipe_fds[1], "error\n" + error);
      ::close(pipe_fds[1]);
      return;
    }
    const std::string log = options.state_dir + "/instance.log";
    int log_fd =
        ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    std::fputs(banner.c_str(), stdout);
    std::fflush(stdout);
    WriteAll(pipe_fds[1], "ok\n" + banner + "  log: " + log + "\n");
    ::close(pipe_fds[1]);
  });
  std::fflush(nullptr);
  ::_exit(rc);
}

}  // namespace

void AddStartCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<StartFlags>();
  CLI::App* start = app.add_subcommand("start", "Start an instance (the daemon)");
  start->add_option("--resources", flags->resources,
                    "Cluster YAML or JGF file (default: this machine, from hwloc)");
  start->add_option("--state", flags->state,
                    "State folder (default: $XDG_STATE_HOME/converge/default)");
  start->add_option("--listen", flags->listen,
                    "unix:PATH or tcp:HOST:PORT, repeatable (default: unix:STATE/converge.sock)");
  start->add_option("--metrics-listen", flags->metrics_listen,
                    "tcp:HOST:PORT serving GET /metrics (Prometheus) without a token, "
                    "repeatable; loopback only unless --metrics-any-address");
  start->add_flag("--metrics-any-address", flags->metrics_any_address,
                  "Let --metrics-listen bind addresses other than loopback (anyone who can "
                  "reach them reads the metrics)");
  start->add_option("--queue", flags->queues,
                    "A named queue, NAME[:POLICY][:max-time=DURATION][:max-nodes=N] "
                    "(repeatable; scheduled in this order; the first is the default; POLICY "
                    "defaults to --policy)")
      ->allow_extra_args(false);
  start->add_option("--policy", flags->policy, "Queue policy: fcfs, easy or conservative")
      ->capture_default_str();
  start->add_option("--match", flags->match,
                    "Match policy: first, low, high, pack or spread (as converge sim --match)")
      ->capture_default_str();
  start->add_option("--grace", flags->grace,
                    "Seconds between SIGTERM and SIGKILL on cancel and time limit")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  start->add_option("--sync", flags->sync,
                    "full: fsync every commit (survives power loss); normal: survives the "
                    "instance being killed")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  start->add_flag("--detach", flags->detach, "Run in the background once started");
  start->add_flag("--multiuser", flags->multiuser,
                  "Let all local users submit through the Unix socket (SO_PEERCRED tells them "
                  "apart); tasks run as the submitting user when the instance runs as root");
  start->add_option("--max-connections", flags->max_connections,
                    "Open API connections at most; more callers get 503 (default: half the "
                    "open-file limit, at most 4096; the last 8 are kept for the owner)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  start->add_flag("--nested", flags->nested,
                  "Run inside a job of a parent instance, on exactly the job's resources; with "
                  "a command after --, run it as the initial program and stop when it ends");
  start->add_option("command", flags->command, "--nested: initial program and its arguments");
  start->add_option("--shims", flags->shims,
                    "--nested: give the initial program these launchers as converge "
                    "commands (srun, flux; comma-separated), unless it runs inside a real "
                    "Slurm allocation or Flux instance")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(CLI::IsMember({"srun", "flux"}));
  start->add_option("--shim-ntasks", flags->shim_ntasks, "--shims srun: SLURM_NTASKS")
      ->check(CLI::PositiveNumber);
  start->add_option("--shim-cpus-per-task", flags->shim_cpus_per_task,
                    "--shims srun: SLURM_CPUS_PER_TASK")
      ->check(CLI::PositiveNumber);
  start->add_option("--nodes", flags->nodes,
                    "Hosts file (one name or hostlist per line): run jobs on these nodes "
                    "through their `converge agent`s, which register at the tcp --listen "
                    "address with --token-file's token");
  start->add_option("--token-file", flags->token_file,
                    "Token of the TCP listeners, shared with the agents (default: STATE/token)");
  start->add_flag("--no-slurm", flags->no_slurm,
                  "Inside a Slurm allocation, run on this machine only (no agents)");
  start->add_option("--agent-wait", flags->agent_wait,
                    "--nodes: seconds to wait for every agent to register")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  start->callback([flags, exit_code] { *exit_code = Start(*flags); });
}

}  // namespace converge::instance
