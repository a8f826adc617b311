#include "instance/instance.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <boost/asio/steady_timer.hpp>

#include "agent/multi_node_executor.h"
#include "api/http_server.h"
#include "api/router.h"
#include "api/token_file.h"
#include "common/hostlist.h"
#include "common/version.h"
#include "exec/local_executor.h"
#include "exec/run_files.h"
#include "exec/self_path.h"
#include "exec/topology_xml.h"
#include "instance/agent_bootstrap.h"
#include "instance/asio_clock.h"
#include "instance/event_stream.h"
#include "instance/job_manager.h"
#include "instance/provenance_recorder.h"
#include "instance/query_service.h"
#include "instance/routes.h"
#include "instance/slurm_bootstrap.h"
#include "instance/workload_manager.h"
#include "resource/readers/hwloc.h"
#include "resource/readers/load.h"
#include "store/store.h"

namespace converge::instance {
namespace {

double WallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) {
    struct stat info;
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return Status::Ok();
    return Status(Code::kInvalidArgument, "exists and is not a folder", path);
  }
  return Status(Code::kInternal, std::string("cannot create folder: ") + std::strerror(errno),
                path);
}

// Creates the parent folders of `path` as needed (like mkdir -p), mode 0700.
Status MakeDirs(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status(Code::kInternal, std::string("cannot create folder: ") + std::strerror(errno),
                    prefix);
    }
  }
  return MakeDir(path, 0700);
}

// The state folder holds the store, the token and the link to the run folder: it must be a
// folder of ours that nobody else may change (created 0700 when missing).
Status CheckStateFolder(const std::string& state) {
  struct stat info {};
  if (::stat(state.c_str(), &info) != 0) {
    return Status(Code::kInternal, std::string("cannot inspect: ") + std::strerror(errno), state);
  }
  if (info.st_uid != ::geteuid() || (info.st_mode & 022) != 0) {
    return Status(Code::kPermissionDenied,
                  "is not a folder of uid " + std::to_string(::geteuid()) +
                      " that only it may change (owner " + std::to_string(info.st_uid) +
                      "); use a folder of your own for the state",
                  state);
  }
  return Status::Ok();
}

// Evidence that jobs ran from this state folder before (StoreOptions::used_before), or "".
std::string EarlierUse(const std::string& state) {
  const std::string output = state + "/output";
  DIR* dir = ::opendir(output.c_str());
  if (dir == nullptr) return "";
  bool used = false;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") {
      used = true;
      break;
    }
  }
  ::closedir(dir);
  return used ? output + " holds the output of earlier jobs" : "";
}

int64_t CountType(const resource::Graph& graph, resource::TypeId type) {
  int64_t count = 0;
  for (resource::VertexId v = 0; v < graph.size(); ++v) count += graph.type(v) == type;
  return count;
}

// A graph given beside agents (a nested instance's) must name every agent's node.
Status EveryAgentIsANode(const std::vector<agent::Registration>& agents,
                         const resource::Graph& graph) {
  std::set<std::string> nodes;
  for (resource::VertexId v : graph.VerticesOfType(resource::kNode)) nodes.insert(graph.name(v));
  for (const agent::Registration& registration : agents) {
    if (nodes.count(registration.name) == 0) {
      return Status::Invalid("agents", "node " + registration.name + " is not in the resources");
    }
  }
  return Status::Ok();
}

}  // namespace

class Instance::Impl {
 public:
  Impl(boost::asio::io_context& io, InstanceOptions options)
      : io_(io), options_(std::move(options)) {}

  ~Impl() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  Status Start() {
    const std::string& state = options_.state_dir;
    if (state.empty()) return Status::Invalid("--state", "must not be empty");
    // Everything the instance creates is its owner's alone unless it says otherwise.
    ::umask(077);
    CONVERGE_RETURN_IF_ERROR(MakeDirs(state));
    CONVERGE_RETURN_IF_ERROR(CheckStateFolder(state));
    lock_fd_ = ::open((state + "/instance.lock").c_str(),
                      O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status(Code::kInvalidArgument,
                    "another instance is using this state folder (stop it with converge stop)",
                    state);
    }
    Result<std::string> run_dir = exec::PrepareRunFolder(state);
    if (!run_dir.ok()) return run_dir.status().WithPrefix("run folder");
    run_dir_ = *run_dir;
    const std::string earlier_use = EarlierUse(state);
    CONVERGE_RETURN_IF_ERROR(MakeDir(state + "/output", 0700));

    std::vector<agent::Registration> agents;
    if (!options_.agent_hosts.empty()) {
      Result<AgentBootstrap> bootstrap = StartAgentBootstrap();
      if (!bootstrap.ok()) return bootstrap.status();
      agents = std::move(bootstrap->agents);
      graph_ = std::move(bootstrap->graph);
      if (!options_.resources_path.empty()) {  // a nested instance: its parent's allocation
        Result<resource::Graph> graph = resource::LoadResourceFile(options_.resources_path);
        if (!graph.ok()) return graph.status().WithPrefix(options_.resources_path);
        CONVERGE_RETURN_IF_ERROR(EveryAgentIsANode(agents, *graph));
        graph_ = std::make_unique<resource::Graph>(std::move(graph).value());
      }
      agent_launcher_ = bootstrap->launcher;
      if (agent_launcher_ > 0) {
        CONVERGE_RETURN_IF_ERROR(RecordAgentStep(state, agent_launcher_, bootstrap_listen_));
      }
    } else {
      Result<resource::Graph> graph = options_.resources_path.empty()
                                          ? resource::ReadLocalMachine()
                                          : resource::LoadResourceFile(options_.resources_path);
      if (!graph.ok()) {
        return graph.status().WithPrefix(
            options_.resources_path.empty() ? "hwloc" : options_.resources_path);
      }
      graph_ = std::make_unique<resource::Graph>(std::move(graph).value());
    }

    Result<std::unique_ptr<store::Store>> store =
        store::Store::Open(state + "/state.db", {.synchronous_full = options_.sync_full,
                                                 .deferred_sync = true,
                                                 .used_before = earlier_use});
    if (!store.ok()) return store.status();
    store_ = std::move(store).value();

    CONVERGE_RETURN_IF_ERROR(StartProvenance(agents));

    auto on_exit = [this](int64_t id, Result<exec::ShimResult> result) {
      jobs_->OnShimExit(id, std::move(result));
    };
    if (!agents.empty()) {
      auto multi_node = std::make_unique<agent::MultiNodeExecutor>(
          io_, token_, agents, on_exit,
          [this](const std::string& node, bool up, const std::string& reason) {
            std::fprintf(stderr, "converge: node %s is %s%s%s\n", node.c_str(),
                         up ? "up" : "down", reason.empty() ? "" : ": ", reason.c_str());
            if (jobs_) jobs_->SetDown(node, !up, reason);
          });
      multi_node_ = multi_node.get();
      multi_node_->OnRegistered([this](const agent::Registration& registration) {
        NoteNodeFacts(registration);
      });
      executor_ = std::move(multi_node);
    } else {
      executor_ = std::make_unique<exec::LocalExecutor>(
          io_,
          exec::LocalExecutorOptions{.run_dir = run_dir_,
                                     .shim_path = options_.shim_path,
                                     .pmix_shim_path = options_.pmix_shim_path},
          on_exit);
    }

    std::vector<std::string> listen = options_.listen;
    if (listen.empty()) listen.push_back("unix:" + state + "/converge.sock");
    std::vector<api::Address> wanted;
    bool tcp = false;
    for (const std::string& text : listen) {
      Result<api::Address> address = api::ParseAddress(text);
      if (!address.ok()) return address.status().WithPrefix("--listen");
      tcp = tcp || address->kind == api::Address::Kind::kTcp;
      wanted.push_back(*address);
    }
    std::string uri;
    for (const api::Address& address : wanted) {
      if (address.kind == api::Address::Kind::kUnix && uri.empty()) uri = address.ToString();
    }

    machine_cpus_ = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    JobManagerOptions manager;
    manager.scheduler.queue_policy = options_.policy;
    manager.scheduler.match_policy = options_.match;
    manager.queues = BlessedHosts(options_.queues);
    manager.output_dir = state + "/output";
    manager.tasks.bind_cores = options_.resources_path.empty();
    manager.tasks.machine_cpus = machine_cpus_;
    if (multi_node_ != nullptr) manager.tasks.machine_cpus = INT_MAX;  // ids from each node's hwloc
    manager.tasks.base_environment = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
    if (!uri.empty()) manager.tasks.base_environment["CONVERGE_URI"] = uri;
    manager.grace_ms = static_cast<int64_t>(options_.grace_seconds * 1000);
    manager.run_as_submitter = ::geteuid() == 0;
    manager.pmix_default = !options_.pmix_shim_path.empty();
    Result<std::unique_ptr<JobManager>> jobs = JobManager::Create(
        io_, *graph_, *store_, *executor_, std::move(manager), clock_);
    if (!jobs.ok()) return jobs.status();
    jobs_ = std::move(jobs).value();
    jobs_->SetProvenanceRecorder(provenance_.get());
    // The workload manager's hooks must be in place while jobs are recovered (a job that needs
    // a service waits for it); its own objects are recovered after the jobs they refer to.
    // Job output is read back with the rights of whoever may read it (job_output_file.h).
    const JobOutputAccess output_access{state + "/output", ::geteuid() == 0};
    WorkloadOptions workload_options;
    workload_options.state_dir = state;
    workload_options.converge_path = exec::SelfExecutable();
    workload_options.output_access = output_access;
    workloads_ = std::make_unique<WorkloadManager>(io_, *jobs_, workload_options, clock_);
    // One stream of job, workload and node events (GET /v1/events).
    jobs_->AddEventSink([this](const store::Event& event) { events_.AddJobEvent(event); });
    jobs_->OnNodeEvent([this](const std::string& node, const std::string& what,
                              const std::string& reason) {
      events_.Add(clock_.Now(), "node", node, what, reason);
    });
    workloads_->OnNote([this](double time, const std::string& kind, const std::string& name,
                              const std::string& type, const std::string& message) {
      events_.Add(time, kind, name, type, message);
    });
    CONVERGE_RETURN_IF_ERROR(jobs_->Recover());
    CONVERGE_RETURN_IF_ERROR(workloads_->Recover().WithPrefix("saved workloads"));

    context_ = std::make_unique<RouteContext>(RouteContext{
        io_, *jobs_, static_cast<int64_t>(::geteuid()), WallClock(), WallClock,
        [this] { Shutdown(); }, workloads_.get(),
        output_access, &request_metrics_, &events_,
        &report_, store_.get()});
    queries_ = std::make_unique<QueryService>(io_, store_->path(), query::QueryLimits{});
    context_->queries = queries_.get();
    AddRoutes(router_, context_.get());
    router_.SetMetrics(&request_metrics_);
    if (multi_node_ != nullptr) multi_node_->AddRoutes(router_);
    api::HttpServerOptions server_options;
    server_options.max_connections = options_.max_connections;
    server_options.owner_uid = static_cast<int64_t>(::geteuid());
    if (tcp && token_.empty()) {
      Result<std::string> token = options_.token_file.empty()
                                      ? api::LoadOrCreateTokenFile(state + "/token")
                                      : api::ReadTokenFile(options_.token_file);
      if (!token.ok()) return token.status();
      token_ = *token;
    }
    server_options.token = token_;
    server_options.public_prefix = kUiPublicPrefix;
    server_ = std::make_unique<api::HttpServer>(
        io_, server_options, RefuseWritesWhileDegraded(context_.get(), router_.AsHandler()));
    for (const api::Address& address : wanted) {
      Result<api::Address> bound = server_->Listen(address);
      if (!bound.ok()) return bound.status().WithPrefix(address.ToString());
      addresses_.push_back(*bound);
      if (options_.multiuser && bound->kind == api::Address::Kind::kUnix) {
        ::chmod(bound->path.c_str(), 0666);
      }
    }
    if (options_.multiuser) ::chmod(state.c_str(), 0711);
    return ListenForMetrics();
  }

  // This machine's facts, and those each agent registered with (provenance_recorder.h).
  Status StartProvenance(const std::vector<agent::Registration>& agents) {
    Result<std::unique_ptr<exec::LocalTopology>> topology = exec::LocalTopology::Load();
    if (!topology.ok()) return topology.status().WithPrefix("hwloc");
    provenance_ = std::make_unique<ProvenanceRecorder>(
        *store_, provenance::CollectNodeFacts((*topology)->xml(), kConvergeVersion),
        options_.queues);
    for (const agent::Registration& registration : agents) NoteNodeFacts(registration);
    return Status::Ok();
  }

  void NoteNodeFacts(const agent::Registration& registration) {
    if (registration.facts.empty()) return;
    Status status = provenance_->SetNodeFacts(registration.name, registration.facts);
    if (!status.ok()) {
      std::fprintf(stderr, "converge: the facts of node %s are not used: %s\n",
                   registration.name.c_str(), status.ToString().c_str());
    }
  }

  // `queues` with the hosts each one blesses now (QueueConfig::blessed_hosts).
  std::vector<QueueConfig> BlessedHosts(std::vector<QueueConfig> queues) const {
    std::vector<std::string> nodes;
    for (resource::VertexId v : graph_->VerticesOfType(resource::kNode)) {
      nodes.push_back(graph_->name(v));
    }
    for (QueueConfig& queue : queues) {
      if (queue.blesses()) {
        queue.blessed_hosts = CompressHostlist(provenance_->BlessedNodes(queue.name, nodes));
      }
    }
    return queues;
  }

  // The --metrics-listen addresses: GET /metrics alone, without a token.
  Status ListenForMetrics() {
    if (options_.metrics_listen.empty()) return Status::Ok();
    AddMetricsRoute(metrics_router_, context_.get());
    metrics_router_.SetMetrics(&request_metrics_);
    api::HttpServerOptions metrics_options;
    metrics_options.open_loopback_tcp = true;
    metrics_options.open_tcp_any_address = options_.metrics_any_address;
    metrics_options.max_connections = 64;
    metrics_server_ = std::make_unique<api::HttpServer>(io_, metrics_options,
                                                        metrics_router_.AsHandler());
    for (const std::string& text : options_.metrics_listen) {
      Result<api::Address> address = api::ParseAddress(text);
      if (!address.ok()) return address.status().WithPrefix("--metrics-listen");
      if (address->kind != api::Address::Kind::kTcp) {
        return Status::Invalid("--metrics-listen", "'" + text + "' is not tcp:HOST:PORT");
      }
      Result<api::Address> bound = metrics_server_->Listen(*address);
      if (!bound.ok()) return bound.status().WithPrefix("--metrics-listen " + text);
      metrics_addresses_.push_back(*bound);
    }
    return Status::Ok();
  }

  // Waits for the agents of options_.agent_hosts on the first tcp --listen address.
  Result<AgentBootstrap> StartAgentBootstrap() {
    std::string tcp_listen;
    for (const std::string& text : options_.listen) {
      if (text.rfind("tcp:", 0) == 0 && tcp_listen.empty()) tcp_listen = text;
    }
    if (tcp_listen.empty()) {
      return Status::Invalid("--listen", "--nodes needs a tcp:ADDR:PORT listener for the agents");
    }
    // The agents' token: the file given, or (Slurm, whose agents read the state folder on the
    // shared file system) STATE/token.
    const std::string token_file =
        options_.token_file.empty() ? options_.state_dir + "/token" : options_.token_file;
    Result<std::string> token = options_.token_file.empty()
                                    ? api::LoadOrCreateTokenFile(token_file)
                                    : api::ReadTokenFile(token_file);
    if (!token.ok()) return token.status().WithPrefix("--token-file");
    token_ = *token;
    AgentBootstrapOptions bootstrap;
    bootstrap.hosts = options_.agent_hosts;
    bootstrap.listen = tcp_listen;
    bootstrap_listen_ = tcp_listen;
    bootstrap.token = token_;
    bootstrap.wait_seconds = options_.agent_wait_seconds;
    bootstrap.properties = options_.node_properties;
    bootstrap.launch = options_.agent_launch;
    bootstrap.launch_log = options_.state_dir + "/agents.log";
    return BootstrapAgents(bootstrap);
  }

  std::string Banner() const {
    const int64_t nodes = CountType(*graph_, resource::kNode);
    const int64_t cores = CountType(*graph_, resource::kCore);
    const int64_t gpus = CountType(*graph_, resource::kGpu);
    std::ostringstream out;
    out << "converge: instance started (pid " << ::getpid() << ")\n";
    out << "  resources: " << nodes << (nodes == 1 ? " node, " : " nodes, ") << cores
        << " cores, " << gpus << " GPUs from "
        << (!options_.resources_path.empty() ? options_.resources_path
            : multi_node_ != nullptr         ? "their agents (hwloc on each node)"
                                             : "this machine (hwloc)")
        << (multi_node_ != nullptr && !options_.resources_path.empty() ? ", run by their agents"
                                                                       : "")
        << "\n";
    if (multi_node_ == nullptr && !options_.resources_path.empty() &&
        (nodes > 1 || cores > machine_cpus_)) {
      out << "  test mode: the graph declares more than this machine has (" << machine_cpus_
          << " cpus); every task runs here, placement and environment follow the graph, and "
             "tasks are not bound to cores\n";
    }
    for (const api::Address& address : addresses_) {
      out << "  listening: " << address.ToString() << "\n";
    }
    out << "  dashboard: converge ui prints its address\n";
    for (const api::Address& address : metrics_addresses_) {
      out << "  metrics: http://" << address.host << ":" << address.port << "/metrics\n";
    }
    out << "  state: " << options_.state_dir << "\n";
    out << "  policy: " << sched::QueuePolicyName(options_.policy) << "\n";
    return out.str();
  }

  void Shutdown() {
    jobs_->Shutdown([this] {
      // Give the replies in flight (e.g. the shutdown request's own) a moment to leave.
      stop_timer_.expires_after(std::chrono::milliseconds(200));
      stop_timer_.async_wait([this](const boost::system::error_code&) {
        // No job runs any more: a run folder with nothing in it is not needed either.
        exec::ReleaseRunFolder(options_.state_dir, run_dir_);
        // No job runs: the agents of a Slurm step may go.
        if (multi_node_ != nullptr) {
          EndRecordedAgentStep(options_.state_dir);
        }
        Detach();
      });
    });
  }

  void Detach() {
    if (server_) server_->Stop();
    if (metrics_server_) metrics_server_->Stop();
    io_.stop();
  }

  std::vector<api::Address> addresses_;
  std::vector<api::Address> metrics_addresses_;

 private:
  boost::asio::io_context& io_;
  InstanceOptions options_;
  int lock_fd_ = -1;
  std::string run_dir_;
  int machine_cpus_ = 1;
  std::unique_ptr<resource::Graph> graph_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<exec::Executor> executor_;
  agent::MultiNodeExecutor* multi_node_ = nullptr;  // executor_, in a multi-node instance
  std::string token_;                                // of the TCP listeners (and agents)
  std::string bootstrap_listen_;  // where the agents register
  pid_t agent_launcher_ = 0;  // the srun step of the agents (Slurm), ended by Shutdown()
  AsioClock clock_{io_};  // the loop's time and timers, for the managers below
  EventStream events_;  // before the managers that feed it
  JobReport report_;
  std::unique_ptr<ProvenanceRecorder> provenance_;
  std::unique_ptr<JobManager> jobs_;
  std::unique_ptr<WorkloadManager> workloads_;
  std::unique_ptr<RouteContext> context_;
  std::unique_ptr<QueryService> queries_;
  api::RequestMetrics request_metrics_;  // before the routers and servers that count in it
  api::Router router_;
  std::unique_ptr<api::HttpServer> server_;
  api::Router metrics_router_;  // GET /metrics alone, for --metrics-listen
  std::unique_ptr<api::HttpServer> metrics_server_;
  boost::asio::steady_timer stop_timer_{io_};
};

Result<std::unique_ptr<Instance>> Instance::Start(boost::asio::io_context& io,
                                                  InstanceOptions options) {
  auto impl = std::make_unique<Impl>(io, std::move(options));
  CONVERGE_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<Instance>(new Instance(std::move(impl)));
}

Instance::Instance(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Instance::~Instance() = default;
std::string Instance::Banner() const { return impl_->Banner(); }
const std::vector<api::Address>& Instance::addresses() const { return impl_->addresses_; }
const std::vector<api::Address>& Instance::metrics_addresses() const {
  return impl_->metrics_addresses_;
}
void Instance::Shutdown() { impl_->Shutdown(); }
void Instance::Detach() { impl_->Detach(); }

}  // namespace converge::instance
