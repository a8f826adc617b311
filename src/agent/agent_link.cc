#include "agent/agent_link.h"

#include <boost/asio/post.hpp>

#include "api/http_client.h"

namespace converge::agent {

AgentLink::AgentLink(boost::asio::io_context& io, api::Address address, std::string token,
                     Callbacks callbacks)
    : io_(io),
      address_(std::move(address)),
      token_(std::move(token)),
      callbacks_(std::move(callbacks)),
      requests_([this] { RunRequests(); }),
      poll_([this] { RunPoll(); }) {}

AgentLink::~AgentLink() {
  *alive_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  requests_.join();
  poll_.join();
}

bool AgentLink::Stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void AgentLink::Send(std::string method, std::string target, std::string body, Reply reply) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({std::move(method), std::move(target), std::move(body), std::move(reply)});
  }
  wake_.notify_all();
}

Result<api::HttpResponse> AgentLink::CallNow(const std::string& method, const std::string& target) {
  Result<std::unique_ptr<api::HttpClient>> client =
      api::HttpClient::Connect(address_, token_, kDeadPeerSeconds);
  if (!client.ok()) return client.status();
  return (*client)->Call(method, target);
}

void AgentLink::RunRequests() {
  std::unique_ptr<api::HttpClient> client;
  for (;;) {
    Request request;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
    }
    Result<api::HttpResponse> response = Status(Code::kInternal, "not sent");
    if (!client) {
      Result<std::unique_ptr<api::HttpClient>> connected =
          api::HttpClient::Connect(address_, token_, kDeadPeerSeconds);
      if (connected.ok()) {
        client = std::move(connected).value();
      } else {
        response = connected.status();
      }
    }
    if (client) {
      response = client->Call(request.method, request.target, request.body);
      if (!response.ok()) client.reset();
    }
    if (!request.reply) continue;
    boost::asio::post(io_, [alive = alive_, reply = std::move(request.reply),
                            response = std::move(response)]() mutable {
      if (*alive) reply(std::move(response));
    });
  }
}

void AgentLink::RunPoll() {
  std::unique_ptr<api::HttpClient> client;
  int64_t after = 0;
  Status lost;
  while (!Stopping()) {
    if (!client) {
      Result<std::unique_ptr<api::HttpClient>> connected =
          api::HttpClient::Connect(address_, token_, kDeadPeerSeconds);
      if (!connected.ok()) {
        lost = connected.status();
        break;
      }
      client = std::move(connected).value();
    }
    Result<api::HttpResponse> response =
        client->Call("GET", "/v1/agent/finished?after=" + std::to_string(after) +
                                "&wait=" + std::to_string(kPollSeconds));
    if (!response.ok()) {
      lost = response.status();
      break;
    }
    if (response->status != 200) {
      lost = Status(Code::kInternal, "the agent answered " + std::to_string(response->status) +
                                         ": " + response->body);
      break;
    }
    Result<FinishedBatch> batch = FinishedBatchFromJson(response->body);
    if (!batch.ok()) {
      lost = batch.status().WithPrefix("the agent's finished parts");
      break;
    }
    after = batch->next;
    if (batch->parts.empty()) continue;
    boost::asio::post(io_, [this, alive = alive_, batch = std::move(batch).value()] {
      if (*alive) callbacks_.on_finished(batch);
    });
  }
  if (Stopping()) return;
  boost::asio::post(io_, [this, alive = alive_, lost] {
    if (*alive) callbacks_.on_lost(lost);
  });
}

}  // namespace converge::agent
