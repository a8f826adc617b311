// ExchangeHub: the leader's side of the exchanges between the shims of a multi-part job
// (exec/exchange_client.h, docs/formats/agent.md "Exchange"): for each job and channel ("pmi",
// "pmix") it collects a round's bytes from every part and answers every part with all of them.
//
// POST /v1/exchange/{id}/{channel}/{round}?part=K&parts=P (token holders: the agents' shims)
//   200  FrameParts() of the round's parts, once all P posted (a part may post again: the last
//        completed round is answered until a newer one completes)
//   202  after kHoldSeconds without the others (the shim posts again)
//   404  no such job runs on several nodes here (yet: a restarted leader may not know it)
//   409  P or the round disagrees with what the other parts posted; 410  the job ended
// A part's bytes are at most the server's body limit; channels are the two names above, so a
// job holds at most 2 × P bodies here.
//
// Not thread-safe: the io_context's thread only. Must outlive the router it adds routes to.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/router.h"

namespace converge::agent {

class ExchangeHub {
 public:
  static constexpr int kHoldSeconds = 20;
  // `running(id)`: whether job `id` runs here on several nodes (posts for others get 404).
  ExchangeHub(boost::asio::io_context& io, std::function<bool(int64_t)> running);
  ~ExchangeHub();

  void AddRoutes(api::Router& router);
  // A part of the job ended: waiting posts and posts of new rounds get 410 from now on (the
  // last completed round is still answered). Held until Forget().
  void End(int64_t job_id);
  // The job is over everywhere: everything held for it goes.
  void Forget(int64_t job_id);

 private:
  struct Waiter {
    std::shared_ptr<api::Responder> responder;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };
  struct Channel {
    int parts = 0;
    int64_t round = -1;                          // the round being collected, -1 before any
    std::vector<std::optional<std::string>> data;  // by part, for `round`
    std::vector<Waiter> waiters;
    int64_t done_round = -1;  // the last completed round, and its answer
    std::string done_body;
  };
  struct Job {
    bool ended = false;
    std::map<std::string, Channel> channels;
  };

  void Post(const api::HttpRequest& request, std::shared_ptr<api::Responder> responder);
  // Keeps the post waiting for the round's other parts, at most kHoldSeconds.
  void Hold(int64_t job_id, const std::string& name, std::shared_ptr<api::Responder> responder);
  void Complete(Channel& channel);
  static void ReleaseWaiters(Channel& channel, const api::HttpResponse& response);

  boost::asio::io_context& io_;
  std::function<bool(int64_t)> running_;
  std::map<int64_t, Job> jobs_;
};

}  // namespace converge::agent
