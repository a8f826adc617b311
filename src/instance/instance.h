// Instance: a running converge instance — resource graph, store, executor, job manager and
// HTTP server wired onto one io_context.
//
// Layout of the state folder (created 0700): state.db (SQLite, WAL), converge.sock (default
// listener, 0600), token (bearer token for TCP listeners, 0600), run/ (shim files), output/
// (default job output). Not thread-safe: everything runs on the io_context's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/address.h"
#include "common/status.h"
#include "instance/queue_table.h"
#include "sched/policy.h"

namespace converge::instance {

struct InstanceOptions {
  std::string state_dir;              // required
  std::string resources_path;         // cluster YAML or JGF; "" = this machine (hwloc)
  std::vector<std::string> listen;    // addresses; empty = unix:STATE/converge.sock
  // tcp:HOST:PORT addresses that serve GET /metrics alone, without a token, for scrapers:
  // loopback only, unless metrics_any_address.
  std::vector<std::string> metrics_listen;
  bool metrics_any_address = false;
  sched::QueuePolicy policy = sched::QueuePolicy::kEasy;
  sched::MatchPolicy match = sched::MatchPolicy::kFirst;  // which resources a job gets
  std::vector<QueueConfig> queues;  // --queue: named queues in order (queue_table.h)
  std::string shim_path;              // the converge-shim binary
  std::string pmix_shim_path;         // converge-shim-pmix; "" = jobs cannot get PMIx
  double grace_seconds = 5;           // SIGTERM -> SIGKILL on cancel and time limit
  bool sync_full = true;              // fsync every commit (see store/store.h)
  // Let every local user reach the Unix sockets (mode 0666, state folder 0711); callers are
  // still told apart by SO_PEERCRED and may act only on their own jobs.
  bool multiuser = false;
  // Open API connections at most (0: from RLIMIT_NOFILE); the owner keeps a reserve
  // (api::HttpServerOptions).
  size_t max_connections = 0;
  // Multi-node (static bootstrap): the hosts whose agents run the jobs, in graph order; empty
  // = this machine alone. Needs a tcp listener (the first is where agents register) and
  // token_file. The graph is built from the agents' topologies, unless resources_path is
  // given too (a nested instance spread over its parent's allocation): then the file is the
  // graph, and every agent must be one of its nodes.
  std::vector<std::string> agent_hosts;
  std::string token_file;           // the TCP token (shared with the agents); "" = STATE/token
  double agent_wait_seconds = 60;   // how long start waits for the last agent to register
  // Inside a Slurm allocation: the command that starts one agent per node (one srun step;
  // its output goes to STATE/agents.log), and properties every node gets (the partition).
  std::vector<std::string> agent_launch;
  std::vector<std::pair<std::string, std::string>> node_properties;
};

class Instance {
 public:
  // Loads the resources, opens the store, recovers jobs and starts listening.
  // Errors name what failed (a bad resources file, a state folder in use, a bad address).
  static Result<std::unique_ptr<Instance>> Start(boost::asio::io_context& io,
                                                 InstanceOptions options);
  ~Instance();

  // A few lines for `converge start` to print: resources, listeners, state folder, and a
  // note when the declared resources exceed this machine.
  std::string Banner() const;
  // The addresses actually listened on (tcp port 0 resolved), the API's and the metrics'.
  const std::vector<api::Address>& addresses() const;
  const std::vector<api::Address>& metrics_addresses() const;
  // Cancels running jobs, waits for them, then stops serving and stops the io_context.
  // Pending jobs stay queued for the next start.
  void Shutdown();
  // Stops serving and the io_context at once; running jobs keep running under their shims
  // and are re-attached by the next start.
  void Detach();

 private:
  class Impl;
  explicit Instance(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::instance
