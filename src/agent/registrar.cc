#include "agent/registrar.h"

#include <cstdio>

#include "api/http_client.h"

namespace converge::agent {
namespace {

// A leader that stops answering (its host down, the network cut) fails a registration after
// about this long, instead of blocking the thread for the kernel's retransmission time.
constexpr int kDeadPeerSeconds = 6;

}  // namespace

Registrar::Registrar(api::Address leader, std::string token, Registration registration,
                     std::chrono::milliseconds period)
    : leader_(std::move(leader)),
      token_(std::move(token)),
      body_(ToJson(registration)),
      period_(period),
      thread_([this] { Run(); }) {}

Registrar::~Registrar() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Registrar::Run() {
  std::unique_ptr<api::HttpClient> client;
  bool registered = false;
  std::string last_error;
  for (;;) {
    std::string error;
    if (!client) {
      Result<std::unique_ptr<api::HttpClient>> connected =
          api::HttpClient::Connect(leader_, token_, kDeadPeerSeconds);
      if (connected.ok()) {
        client = std::move(connected).value();
      } else {
        error = connected.status().ToString();
      }
    }
    if (client) {
      Result<api::HttpResponse> response = client->Call("POST", "/v1/agents", body_);
      if (!response.ok()) {
        error = response.status().ToString();
        client.reset();
      } else if (response->status != 200) {
        error = "the leader answered " + std::to_string(response->status) + ": " + response->body;
      }
    }
    if (error.empty() && !registered) {
      std::fprintf(stderr, "converge agent: registered with %s\n", leader_.ToString().c_str());
    } else if (!error.empty() && (registered || error != last_error)) {
      std::fprintf(stderr, "converge agent: cannot register with %s: %s\n",
                   leader_.ToString().c_str(), error.c_str());
    }
    registered = error.empty();
    last_error = error;
    std::unique_lock<std::mutex> lock(mutex_);
    // Until registered, retry sooner: a leader waiting for its agents should not wait long.
    const auto delay = registered ? period_ : std::min(period_, std::chrono::milliseconds(200));
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
  }
}

}  // namespace converge::agent
