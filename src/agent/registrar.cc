#include "agent/registrar.h"

#include <algorithm>
#include <cstdio>

#include "api/http_client.h"

namespace converge::agent {
namespace {

// A leader that stops answering (its host down, the network cut) fails a registration after
// about this long, instead of blocking the thread for the kernel's retransmission time.
constexpr int kDeadPeerSeconds = 6;

// With a gone_after, how long the first registration may take before the leader counts as
// gone (it may still be starting).
constexpr std::chrono::seconds kFirstRegistrationWait(60);

}  // namespace

Registrar::Registrar(api::Address leader, std::string token, Registration registration,
                     std::chrono::milliseconds period, std::chrono::milliseconds gone_after,
                     std::function<void()> on_gone, bool log)
    : leader_(std::move(leader)),
      token_(std::move(token)),
      body_(ToJson(registration)),
      period_(period),
      gone_after_(gone_after),
      on_gone_(std::move(on_gone)),
      log_(log),
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
  bool ever_registered = false;
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_success;
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
    if (log_ && error.empty() && !registered) {
      std::fprintf(stderr, "converge agent: registered with %s\n", leader_.ToString().c_str());
    } else if (log_ && !error.empty() && (registered || error != last_error)) {
      std::fprintf(stderr, "converge agent: cannot register with %s: %s\n",
                   leader_.ToString().c_str(), error.c_str());
    }
    registered = error.empty();
    last_error = error;
    const auto now = std::chrono::steady_clock::now();
    if (registered) {
      ever_registered = true;
      last_success = now;
    } else if (gone_after_.count() > 0 &&
               (ever_registered ? now - last_success >= gone_after_
                                : now - started >= std::max<std::chrono::nanoseconds>(
                                                       gone_after_, kFirstRegistrationWait))) {
      if (log_) {
        std::fprintf(stderr, "converge agent: the leader %s is gone; leaving\n",
                     leader_.ToString().c_str());
      }
      if (on_gone_) on_gone_();
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    // Until registered, retry sooner: a leader waiting for its agents should not wait long.
    const auto delay = registered ? period_ : std::min(period_, std::chrono::milliseconds(200));
    if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
  }
}

}  // namespace converge::agent
