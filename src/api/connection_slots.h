// ConnectionSlots: how many connections a server holds open, and whether one more may come in.
//
// Beyond `max` connections nobody is admitted; the last `owner_reserve` slots are only for the
// instance owner's Unix-socket connections (SO_PEERCRED uid == owner_uid), so that the owner
// can always connect (`converge stop`) while other callers fill the rest. A Lease holds a slot
// until it is released or destroyed. Shared by the server and its connections (a connection may
// outlive the server); single-threaded, like the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "api/http_types.h"

namespace converge::api {

struct ConnectionLimits {
  size_t max = 0;            // > 0
  size_t owner_reserve = 0;  // at most max / 2 is used
  int64_t owner_uid = -1;    // -1: nobody gets the reserve
};

// The default cap: half the soft RLIMIT_NOFILE (the rest is for the store, jobs and output
// files), between 16 and 4096.
size_t DefaultMaxConnections();

class ConnectionSlots : public std::enable_shared_from_this<ConnectionSlots> {
 public:
  class Lease {
   public:
    Lease() = default;
    explicit Lease(std::shared_ptr<ConnectionSlots> slots) : slots_(std::move(slots)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      Release();
      slots_ = std::move(other.slots_);
      return *this;
    }
    ~Lease() { Release(); }
    void Release() {
      if (slots_) --slots_->open_;
      slots_.reset();
    }

   private:
    std::shared_ptr<ConnectionSlots> slots_;
  };

  explicit ConnectionSlots(ConnectionLimits limits) : limits_(limits) {}
  // A slot for `peer`, or nullopt when it must be turned away (503).
  std::optional<Lease> Admit(const Peer& peer);
  size_t open() const { return open_; }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  ConnectionLimits limits_;
  size_t open_ = 0;
};

}  // namespace converge::api
