#include "instance/agent_bootstrap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "agent/multi_node_executor.h"
#include "resource/compose.h"
#include "resource/readers/jgf.h"

extern char** environ;

namespace converge::instance {
namespace {

Result<pid_t> SpawnLauncher(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own session: a Ctrl-C meant for the leader does not end the agents (and their jobs).
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return Status(Code::kInternal, std::string("cannot start: ") + std::strerror(error), argv[0]);
  }
  return pid;
}

}  // namespace

int FreeTcpPort(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &local.sin_addr);
  socklen_t length = sizeof local;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
    port = ntohs(local.sin_port);
  }
  ::close(fd);
  return port;
}

Result<AgentBootstrap> BootstrapAgents(const AgentBootstrapOptions& options) {
  pid_t launcher = 0;
  if (!options.launch.empty()) {
    Result<pid_t> spawned = SpawnLauncher(options.launch, options.launch_log);
    if (!spawned.ok()) return spawned.status().WithPrefix("agents");
    launcher = *spawned;
  }
  Result<std::vector<agent::Registration>> agents =
      agent::WaitForAgents(options.hosts, options.listen, options.token, options.wait_seconds);
  if (!agents.ok()) {
    if (launcher > 0) {
      ::kill(launcher, SIGTERM);
      ::waitpid(launcher, nullptr, 0);
      return Status(agents.status().code(),
                    agents.status().message() + "; the agents' step logs to " + options.launch_log);
    }
    return agents.status();
  }
  std::vector<resource::Graph> topologies;
  topologies.reserve(agents->size());
  for (const agent::Registration& registration : *agents) {
    Result<resource::Graph> topology = resource::ReadJgf(registration.topology);
    if (!topology.ok()) {
      return topology.status().WithPrefix("topology of " + registration.name);
    }
    topologies.push_back(std::move(topology).value());
  }
  std::vector<resource::NodePart> parts;
  for (size_t i = 0; i < agents->size(); ++i) {
    parts.push_back({(*agents)[i].name, &topologies[i], options.properties});
  }
  Result<resource::Graph> graph = resource::ComposeNodes(parts);
  if (!graph.ok()) return graph.status();
  AgentBootstrap bootstrap;
  bootstrap.agents = std::move(agents).value();
  bootstrap.launcher = launcher;
  bootstrap.graph = std::make_unique<resource::Graph>(std::move(graph).value());
  return bootstrap;
}

}  // namespace converge::instance
