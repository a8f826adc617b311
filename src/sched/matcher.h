// Matcher: places a compiled Request on a ResourceState under a match policy.
//
// The request tree may skip graph levels (node -> core finds cores under sockets). Slots
// whose contents are only pools (cores, GPUs, memory) land on one host each, within one
// socket when a socket can hold them (locality), else across the host. Claims are applied
// to the state as the search goes, so aggregates always reflect the partial placement;
// a failed Match leaves the state exactly as it found it.
//
// Not thread-safe; one Matcher per state. The state must outlive the matcher.
#pragma once

#include <optional>
#include <vector>

#include "sched/allocation.h"
#include "sched/host_filter.h"
#include "sched/policy.h"
#include "sched/request.h"
#include "sched/resource_state.h"

namespace converge::sched {

class Matcher {
 public:
  Matcher(ResourceState& state, MatchPolicy policy) : state_(state), policy_(policy) {}

  // Places `request` and claims its resources in the state. `filter` (may be null)
  // restricts the hosts. Returns nullopt, with the state unchanged, when it does not fit.
  // Cost: O(k log hosts) host searches for k hosts used, plus the leaves claimed.
  std::optional<Allocation> Match(const Request& request, const HostFilter* filter);

  // Gives back everything `allocation` claimed.
  void Release(const Allocation& allocation);
  // Claims `allocation` again (e.g. to overlay a reservation while planning).
  void Claim(const Allocation& allocation);

 private:
  struct Mark {
    size_t items;
    size_t slot_hosts;
  };
  class HostCursor;

  Mark Here() const { return {items_.size(), slot_hosts_.size()}; }
  void RollbackTo(Mark mark);
  void Take(VertexId leaf, int64_t amount);
  void TakeWhole(VertexId container);

  bool MatchList(const std::vector<RequestNode>& list, VertexId scope);
  bool MatchNode(const RequestNode& node, VertexId scope);
  bool MatchHosts(const RequestNode& node, VertexId scope);
  bool MatchContainers(const RequestNode& node, VertexId scope);
  bool TakePool(const RequestNode& node, VertexId scope);
  bool MatchSlots(const RequestNode& node, VertexId scope);
  // Slots of one unit of one pool each (slot -> core[1]).
  static bool OneUnitEach(const RequestNode& slot);
  // Places such slots on the free units of hosts [first, last) in graph order, as many on
  // each host as it has: the same placement as slot by slot under first/low, without the
  // per-slot search.
  bool TakeUnitSlots(const RequestNode& slot, int32_t first, int32_t last,
                     const ResourceState::HostQuery& query);
  bool PlaceSlotOnHost(const RequestNode& slot, VertexId host);
  bool HostUsable(VertexId v) const;
  bool FitsIn(const RequestNode& node, VertexId v) const;

  ResourceState& state_;
  MatchPolicy policy_;
  // Per-Match scratch.
  const Request* request_ = nullptr;
  const HostFilter* filter_ = nullptr;
  std::vector<Allocation::Item> items_;
  std::vector<VertexId> slot_hosts_;
};

}  // namespace converge::sched
