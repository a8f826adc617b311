#include "agent/agent_command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "agent/agent_service.h"
#include "agent/registrar.h"
#include "api/http_server.h"
#include "api/token_file.h"
#include "common/random_hex.h"
#include "common/version.h"
#include "exec/run_files.h"
#include "exec/self_path.h"
#include "exec/topology_xml.h"
#include "provenance/node_facts.h"
#include "resource/readers/hwloc.h"
#include "resource/writers/jgf.h"

namespace converge::agent {
namespace {

struct AgentFlags {
  AgentOptions options;
  std::string token_file;
};

// The default state folder of an agent: one per user, node name and leader, so that agents of
// two instances on one host (two clusters whose nodes share names) never share run files, whose
// names are only job ids. The leader's address is digested with FNV-1a (stable across builds).
std::string DefaultStateFolder(const std::string& name, const api::Address& leader) {
  uint64_t digest = 14695981039346656037ull;
  for (unsigned char c : leader.ToString()) digest = (digest ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(digest));
  return "/tmp/converge-agent-" + std::to_string(::geteuid()) + "-" + name + "-" + hex;
}

// The local address this host reaches `leader` from (a connected UDP socket sends nothing).
Result<std::string> AddressTowards(const api::Address& leader) {
  in_addr target{};
  if (::inet_pton(AF_INET, leader.host.c_str(), &target) != 1) {
    return Status::Invalid("--leader",
                           "the leader's host must be an IPv4 address to derive "
                           "--listen; give --listen tcp:ADDR:PORT");
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status(Code::kInternal, std::string("socket: ") + std::strerror(errno));
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(leader.port));
  remote.sin_addr = target;
  sockaddr_in local{};
  socklen_t length = sizeof local;
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) {
    return Status(Code::kInternal, std::string("no route to the leader: ") + std::strerror(error),
                  leader.ToString());
  }
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
  return std::string(text);
}

std::string DefaultName() {
  if (const char* slurm = std::getenv("SLURMD_NODENAME"); slurm != nullptr && *slurm != '\0') {
    return slurm;
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
  std::string name = host;
  return name.substr(0, name.find('.'));
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "converge agent: %s\n", message.c_str());
  return 1;
}

}  // namespace

int RunAgent(const AgentOptions& options) {
  Result<api::Address> leader = api::ParseAddress(options.leader);
  if (!leader.ok()) return Fail(leader.status().WithPrefix("--leader").ToString());
  if (leader->kind != api::Address::Kind::kTcp) return Fail("--leader: must be tcp:HOST:PORT");
  std::string listen_text = options.listen;
  if (listen_text.empty()) {
    Result<std::string> local = AddressTowards(*leader);
    if (!local.ok()) return Fail(local.status().ToString());
    listen_text = "tcp:" + *local + ":0";
  }
  Result<api::Address> listen = api::ParseAddress(listen_text);
  if (!listen.ok()) return Fail(listen.status().WithPrefix("--listen").ToString());
  if (listen->kind != api::Address::Kind::kTcp) return Fail("--listen: must be tcp:ADDR:PORT");
  const std::string name = options.name.empty() ? DefaultName() : options.name;
  const std::string state = options.state.empty() ? DefaultStateFolder(name, *leader) : options.state;
  ::umask(077);
  if (::mkdir(state.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(state + ": cannot create folder: " + std::strerror(errno));
  }
  // The parts' run folder is recorded here (the default is in /tmp): it must be our own
  // folder, which nobody else may change, and not a link.
  struct stat info {};
  if (::lstat(state.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid() ||
      (info.st_mode & 022) != 0) {
    return Fail(state + ": is not a folder of uid " + std::to_string(::geteuid()) +
                " that only it may change; use --state with a folder of your own");
  }
  const std::string shim = exec::BesideSelf("converge-shim");
  if (::access(shim.c_str(), X_OK) != 0) return Fail(shim + " is missing: it runs every job");
  Result<resource::Graph> topology = resource::ReadLocalMachine();
  if (!topology.ok()) return Fail(topology.status().WithPrefix("hwloc").ToString());

  ::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io(1);
  // The PMIx shim serves specs that offer "pmix" (the leader offers it when it has one too).
  std::string pmix_shim = exec::BesideSelf("converge-shim-pmix");
  if (::access(pmix_shim.c_str(), X_OK) != 0) pmix_shim.clear();
  Result<std::string> run_dir = exec::PrepareRunFolder(state);
  if (!run_dir.ok()) return Fail(run_dir.status().WithPrefix("run folder").ToString());
  AgentService service(io, exec::LocalExecutorOptions{.run_dir = *run_dir,
                                                      .shim_path = shim,
                                                      .pmix_shim_path = pmix_shim},
                       exec::ExchangeEndpoint{leader->ToString(), options.token});
  api::Router router;
  service.AddRoutes(router);
  api::HttpServerOptions server_options;
  server_options.token = options.token;
  server_options.max_body_bytes = size_t{64} << 20;  // a ShimSpec of many tasks
  api::HttpServer server(io, server_options, router.AsHandler());
  Result<api::Address> bound = server.Listen(*listen);
  if (!bound.ok()) return Fail(bound.status().WithPrefix("--listen").ToString());

  Result<std::string> boot_id = RandomHex(16);
  if (!boot_id.ok()) return Fail(boot_id.status().ToString());
  Result<std::unique_ptr<exec::LocalTopology>> xml = exec::LocalTopology::Load();
  if (!xml.ok()) return Fail(xml.status().WithPrefix("hwloc").ToString());
  const provenance::NodeFacts facts =
      provenance::CollectNodeFacts((*xml)->xml(), kConvergeVersion);
  Registration registration{name, bound->ToString(), *boot_id, resource::WriteJgf(*topology),
                            provenance::ToJson(facts, true).dump(
                                -1, ' ', false, nlohmann::json::error_handler_t::replace)};
  if (!options.quiet) {
    std::printf("converge agent: node %s serving on %s (state %s), leader %s\n", name.c_str(),
                bound->ToString().c_str(), state.c_str(), leader->ToString().c_str());
    std::fflush(stdout);
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  auto stop = [&] {
    signals.cancel();
    server.Stop();  // parts keep running under their shims; a new agent re-attaches them
    io.stop();
  };
  Registrar registrar(
      *leader, options.token, registration,
      std::chrono::milliseconds(static_cast<int64_t>(options.heartbeat * 1000)),
      std::chrono::milliseconds(static_cast<int64_t>(options.exit_without_leader * 1000)),
      [&] { boost::asio::post(io, stop); }, !options.quiet);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (!error) stop();
  });
  io.run();
  exec::ReleaseRunFolder(state, *run_dir);  // kept while parts still run under their shims
  return 0;
}

void AddAgentCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<AgentFlags>();
  AgentOptions& options = flags->options;
  CLI::App* agent = app.add_subcommand("agent", "Run this node's agent of a multi-node instance");
  agent->add_option("--leader", options.leader, "The leader's TCP API address, tcp:ADDR:PORT")
      ->required();
  agent
      ->add_option("--token-file", flags->token_file,
                   "File with the token shared by the leader and its agents (mode 0600)")
      ->required();
  agent->add_option("--listen", options.listen,
                    "tcp:ADDR:PORT to serve the leader on (default: port 0 on the address "
                    "this host reaches the leader from)");
  agent->add_option("--name", options.name,
                    "This node's name (default: SLURMD_NODENAME, or the host name)");
  agent->add_option("--state", options.state,
                    "Folder of the parts' run files (default: /tmp/converge-agent-UID-NAME-DIGEST, "
                    "DIGEST naming the leader)");
  agent
      ->add_option("--heartbeat", options.heartbeat,
                   "Seconds between registrations (how soon a restarted leader knows this node)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 60.0));
  agent
      ->add_option("--exit-without-leader", options.exit_without_leader,
                   "Exit once the leader has not answered for this many seconds after it "
                   "answered once (agents that belong to one nested instance); 0 = never")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  agent->callback([flags, exit_code] {
    Result<std::string> token = api::ReadTokenFile(flags->token_file);
    if (!token.ok()) {
      *exit_code = Fail(token.status().WithPrefix("--token-file").ToString());
      return;
    }
    flags->options.token = *token;
    *exit_code = RunAgent(flags->options);
  });
}

}  // namespace converge::agent
