// ExchangeClient: a shim's side of the allgathers between the shims of one multi-part job
// (PMI data: the KVS of PMI-1, the modex blobs of PMIx), through the job's leader. Each round
// posts this part's bytes; its outcome is every part's bytes, in part order, once all parts of
// the job posted theirs (docs/formats/agent.md, "Exchange"):
//   POST /v1/exchange/{job}/{channel}/{round}?part=K&parts=P   body: this part's bytes
//     200: FrameParts() of every part's bytes   202: not complete yet (posted again)
//     410: the job ended on some node (the round fails)
// Transport errors and other answers (a restarting leader) are retried with back-off for as
// long as the client lives: a round completes, fails on 410 or a refused request (400, 401,
// 403, 409, 413: more bytes than the leader takes), or is cancelled by the destructor.
//
// The requests run on a thread of the client's own, started by the first Begin() — after the
// shim started every task, since a round needs all the part's ranks — so that no task is
// forked while it runs. Every method is for the owner's thread; event_fd() (an eventfd) is
// readable while an outcome waits to be taken.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::exec {

// Parts' bytes in one body: for each part, its length in decimal, '\n', then the bytes.
std::string FrameParts(const std::vector<std::string>& parts);
// Errors: kInvalidArgument when `body` is not `parts` frames exactly.
Result<std::vector<std::string>> UnframeParts(std::string_view body, size_t parts);

class ExchangeClient {
 public:
  static constexpr int kDeadPeerSeconds = 10;  // a leader that vanished fails a request after
  // REQUIRES: 0 <= part < parts; channel is a word of [a-z0-9].
  ExchangeClient(ExchangeEndpoint endpoint, int64_t job_id, std::string channel, int part,
                 int parts);
  ~ExchangeClient();
  ExchangeClient(const ExchangeClient&) = delete;
  ExchangeClient& operator=(const ExchangeClient&) = delete;

  // Starts the next round with this part's bytes. REQUIRES: no round in flight (the previous
  // outcome was taken).
  void Begin(std::string data);
  bool in_flight() const { return in_flight_; }
  int event_fd() const { return event_fd_; }
  // The outcome of the round in flight once it ended (clears event_fd()), else nullopt.
  std::optional<Result<std::vector<std::string>>> Take();

 private:
  void Run();
  Result<std::vector<std::string>> Exchange(int64_t round, const std::string& data);
  // One POST: the body of a 200, nullopt for "ask again" (202, or an error worth a retry).
  Result<std::optional<std::string>> Post(const std::string& target, const std::string& data,
                                          std::string* retry_reason);
  bool WaitUnlessStopping(int milliseconds);

  const ExchangeEndpoint endpoint_;
  const int64_t job_id_;
  const std::string channel_;
  const int part_;
  const int parts_;
  const int event_fd_;
  bool in_flight_ = false;  // owner's thread only
  int64_t next_round_ = 0;  // owner's thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;                                      // GUARDED_BY(mutex_)
  std::optional<std::string> request_;                         // GUARDED_BY(mutex_)
  int64_t request_round_ = 0;                                  // GUARDED_BY(mutex_)
  std::optional<Result<std::vector<std::string>>> outcome_;    // GUARDED_BY(mutex_)
  int active_fd_ = -1;  // the socket of the request in flight; GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace converge::exec
