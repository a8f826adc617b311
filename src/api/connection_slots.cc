#include "api/connection_slots.h"

#include <sys/resource.h>

#include <algorithm>

namespace converge::api {

size_t DefaultMaxConnections() {
  constexpr size_t kFewest = 16;
  constexpr size_t kMost = 4096;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return kFewest;
  if (limit.rlim_cur == RLIM_INFINITY) return kMost;
  return std::clamp<size_t>(static_cast<size_t>(limit.rlim_cur) / 2, kFewest, kMost);
}

std::optional<ConnectionSlots::Lease> ConnectionSlots::Admit(const Peer& peer) {
  const size_t max = std::max<size_t>(1, limits_.max);
  const size_t reserve = std::min(limits_.owner_reserve, max / 2);
  const bool owner = peer.unix_socket && limits_.owner_uid >= 0 && peer.uid == limits_.owner_uid;
  const size_t allowed = owner ? max : max - reserve;
  if (open_ >= allowed) return std::nullopt;
  ++open_;
  return Lease(shared_from_this());
}

}  // namespace converge::api
