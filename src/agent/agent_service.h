// AgentService: what `converge agent` serves to its leader — the job parts of this node, each
// run by its own converge-shim through an exec::LocalExecutor (so tasks outlive the agent, and
// a restarted agent re-attaches them when the leader asks).
//
// Routes (docs/formats/agent.md; every one needs the bearer token, as all TCP routes do):
//   POST   /v1/agent/parts                 start a part (body: ShimSpec JSON)
//   POST   /v1/agent/parts/{id}/terminate  SIGTERM to the part's shim (no-op if unknown)
//   GET    /v1/agent/parts/{id}            running | finished (+result) | unknown
//   DELETE /v1/agent/parts/{id}            forget: the leader recorded the end durably
//   GET    /v1/agent/finished?after=N&wait=S  parts finished after sequence N; waits up to S
//                                          seconds (at most 30) for one when there is none
// A finished part's result is kept until the leader forgets it.
// Not thread-safe: the io_context's thread only. Must outlive the router it adds routes to.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "agent/protocol.h"
#include "api/router.h"
#include "exec/local_executor.h"

namespace converge::agent {

class AgentService {
 public:
  // `exchange`: the leader's address and token, given to the parts of multi-node jobs.
  AgentService(boost::asio::io_context& io, exec::LocalExecutorOptions options,
               exec::ExchangeEndpoint exchange);
  ~AgentService();

  void AddRoutes(api::Router& router);
  size_t running_count() const { return executor_->running_count(); }

 private:
  struct Part {
    PartStatus status;
    int64_t sequence = 0;  // when it finished (FinishedBatch numbering)
  };
  struct Waiter {
    int64_t after = 0;
    std::shared_ptr<api::Responder> responder;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };

  void OnExit(int64_t job_id, Result<exec::ShimResult> result);
  void Start(const api::HttpRequest& request, api::Responder& responder);
  // The part of `job_id`, re-attached from the run folder if need be; nullptr when unknown.
  const Part* Known(int64_t job_id);
  void Query(int64_t job_id, api::Responder& responder);
  void Finished(const api::HttpRequest& request, std::shared_ptr<api::Responder> responder);
  FinishedBatch FinishedAfter(int64_t after) const;
  void WakeWaiters();

  boost::asio::io_context& io_;
  const exec::ExchangeEndpoint exchange_;
  std::unique_ptr<exec::LocalExecutor> executor_;
  std::map<int64_t, Part> parts_;
  int64_t sequence_ = 0;
  std::vector<Waiter> waiters_;
};

}  // namespace converge::agent
