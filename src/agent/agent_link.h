// AgentLink: the leader's connection to one agent. Requests are sent in the order given by one
// worker thread (blocking api::HttpClient), and a second thread long-polls the agent's finished
// parts. Replies, finished batches and the loss of the agent are delivered on the leader's
// io_context thread, tagged with the link's generation so that the owner can drop what a
// replaced link still delivers. The agent is lost when the poll fails (connection refused or
// broken): then the poller stops and on_lost fires once.
//
// Construct and destroy on the io_context thread; Send() is for that thread too. The destructor
// stops both threads (waiting for a request or a poll in flight, at most kPollSeconds).
#pragma once

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/protocol.h"
#include "api/address.h"
#include "api/http_types.h"
#include "common/status.h"

namespace converge::agent {

class AgentLink {
 public:
  static constexpr int kPollSeconds = 2;  // how long one poll waits for a finished part
  // An agent whose host stops answering (down, cut off) is lost after about this long.
  static constexpr int kDeadPeerSeconds = 6;
  using Reply = std::function<void(Result<api::HttpResponse>)>;

  struct Callbacks {
    std::function<void(const FinishedBatch& batch)> on_finished;
    std::function<void(const Status& why)> on_lost;
  };

  AgentLink(boost::asio::io_context& io, api::Address address, std::string token,
            Callbacks callbacks);
  ~AgentLink();

  // Queues a request; `reply` (may be empty) runs on the io_context thread with the response
  // or the transport error, unless the link was destroyed first.
  void Send(std::string method, std::string target, std::string body, Reply reply);
  // One request now, on the calling thread, on a connection of its own (used while the leader
  // recovers, before its loop runs). Errors: as api::HttpClient.
  Result<api::HttpResponse> CallNow(const std::string& method, const std::string& target);

  const api::Address& address() const { return address_; }

 private:
  struct Request {
    std::string method, target, body;
    Reply reply;
  };
  void RunRequests();
  void RunPoll();
  bool Stopping();

  boost::asio::io_context& io_;
  const api::Address address_;
  const std::string token_;
  Callbacks callbacks_;
  // Set to false when the link is destroyed: handlers already posted check it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> queue_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;      // GUARDED_BY(mutex_)
  std::thread requests_;
  std::thread poll_;
};

}  // namespace converge::agent
