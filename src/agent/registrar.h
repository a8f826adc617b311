// Registrar: the agent's side of registration — a thread that POSTs the agent's Registration
// to the leader's /v1/agents at once and then every `period`, so that a leader that restarts
// (or started after the agent) learns of the agent within one period. Logs to stderr when the
// leader becomes reachable or stops being so (unless `log` is false).
//
// With `gone_after` > 0 the agents of a nested instance end with their leader: `on_gone` is
// called once, on the Registrar's thread, when the leader has failed every registration for
// `gone_after` since one succeeded, or for 60 s (at least gone_after) when none ever did.
//
// Thread-safe to construct and destroy from one thread; the destructor stops the thread (it may
// wait for one request in flight).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/protocol.h"
#include "api/address.h"

namespace converge::agent {

class Registrar {
 public:
  Registrar(api::Address leader, std::string token, Registration registration,
            std::chrono::milliseconds period,
            std::chrono::milliseconds gone_after = std::chrono::milliseconds(0),
            std::function<void()> on_gone = {}, bool log = true);
  ~Registrar();

 private:
  void Run();

  const api::Address leader_;
  const std::string token_;
  const std::string body_;
  const std::chrono::milliseconds period_;
  const std::chrono::milliseconds gone_after_;
  const std::function<void()> on_gone_;
  const bool log_;  // report reachability changes on stderr
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace converge::agent
