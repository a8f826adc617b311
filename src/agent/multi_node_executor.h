// MultiNodeExecutor: runs each job's tasks on their nodes through those nodes' agents (the
// leader's exec::Executor in a multi-node instance; contract in exec/executor.h).
//
// Start() splits the ShimSpec's tasks by TaskSpec::node and sends each node's part to its
// agent; the job's exit is reported once every part ended, combined: the largest exit code,
// the first signal, timed_out/terminated if any part was, the first exec_error, the earliest
// start and the latest end, and the PMI abort of the part that ended first. A part that
// cannot be started, or whose agent is lost, ends with an exec_error naming the node; then, as
// when a part ends by a signal or a PMI abort, the job's other parts are terminated. A job on one node keeps
// the spec's PMI servers; one spanning several nodes gets them too, each part with the job's
// layout (exec::JobLayout: which node each rank is on), and the parts' shims meet in the
// ExchangeHub served here for their barriers (a part that ends fails the others' barriers).
//
// Nodes: the agents named at construction (all registered). An agent is lost when its link's
// poll fails: its node is reported down (on_node_state), and it is up again when the agent
// registers anew (POST /v1/agents, AddRoutes); parts left on it by failed jobs are then
// terminated and forgotten there. Start() refuses a job with a part on a down node.
//
// Reattach() (leader restart) asks every agent, synchronously, about the job: the parts are
// those on agents that know it. Not thread-safe: the io_context's thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_link.h"
#include "agent/exchange_hub.h"
#include "agent/protocol.h"
#include "api/router.h"
#include "exec/executor.h"

namespace converge::agent {

class MultiNodeExecutor final : public exec::Executor {
 public:
  // Called when a node goes down (`up` false, with the reason) or comes back.
  using NodeStateCallback =
      std::function<void(const std::string& node, bool up, const std::string& reason)>;

  // `agents`: one registration per node, every name distinct. The links start at once.
  MultiNodeExecutor(boost::asio::io_context& io, std::string token,
                    const std::vector<Registration>& agents, ExitCallback on_exit,
                    NodeStateCallback on_node_state);
  ~MultiNodeExecutor() override;

  // Called with each registration accepted after construction that is not a heartbeat (a new
  // agent start on a node), before the node is reported up.
  void OnRegistered(std::function<void(const Registration&)> callback) {
    on_registered_ = std::move(callback);
  }

  // POST /v1/agents: an agent (re-)registers. Agents not named at construction get 403.
  // POST /v1/exchange/...: the parts' PMI exchange (exchange_hub.h).
  void AddRoutes(api::Router& router);

  Status Start(const exec::ShimSpec& spec) override;
  void Terminate(int64_t job_id) override;
  Status Signal(int64_t job_id, int signo) override;
  Reattached Reattach(int64_t job_id) override;
  void Forget(int64_t job_id) override;
  size_t running_count() const override;
  pid_t ShimPid(int64_t) const override { return 0; }  // tasks run on other hosts

 private:
  struct Part {
    std::string node;
    bool ended = false;
    exec::ShimResult result;
  };
  struct Run {
    std::vector<Part> parts;
    bool reported = false;  // the exit was reported (or Reattach returned kFinished)
    bool failing = false;   // a part failed and the others were told to end
  };
  struct Node {
    Registration registration;
    uint64_t generation = 0;
    bool up = false;
    std::unique_ptr<AgentLink> link;
    std::set<int64_t> orphans;  // parts of ended jobs to terminate and forget once it is back
  };

  Status Register(const Registration& registration);
  void Connect(Node& node);
  void OnFinished(const std::string& node, uint64_t generation, const FinishedBatch& batch);
  void OnLost(const std::string& node, uint64_t generation, const Status& why);
  // Marks the part of `job_id` on `node` ended with `result`; reports the job when all ended.
  void EndPart(int64_t job_id, const std::string& node, const exec::ShimResult& result);
  void TerminateParts(int64_t job_id);
  // `failing`: the executor ended parts because another failed (their `terminated` is ours).
  static exec::ShimResult Combine(const std::vector<Part>& parts, bool failing);
  // Gives every part of a multi-node job its layout. Errors: ranks not dense (no PMI then).
  static Status LayOut(const exec::ShimSpec& spec, std::map<std::string, exec::ShimSpec>& by_node);

  boost::asio::io_context& io_;
  const std::string token_;
  ExitCallback on_exit_;
  NodeStateCallback on_node_state_;
  std::function<void(const Registration&)> on_registered_;
  std::map<std::string, Node> nodes_;
  std::map<int64_t, Run> jobs_;
  uint64_t next_generation_ = 1;
  ExchangeHub hub_;  // after jobs_: its callback reads them
};

// Runs a registration-only server on `listen` (its own io_context) until every agent named in
// `hosts` registered, and returns their registrations in `hosts` order. Errors:
// kUnavailable naming the hosts still missing after `timeout_seconds`; kInternal when it
// cannot listen.
Result<std::vector<Registration>> WaitForAgents(const std::vector<std::string>& hosts,
                                                const std::string& listen, const std::string& token,
                                                double timeout_seconds);

// The host names of a hosts file: one name or hostlist ("n[01-04]") per line, "#" comments,
// blank lines ignored. Errors: kNotFound (unreadable), kInvalidArgument (`FILE:LINE`: a bad
// hostlist, a repeated name, no names at all).
Result<std::vector<std::string>> ReadHostsFile(const std::string& path);

}  // namespace converge::agent
