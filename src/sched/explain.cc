#include "sched/explain.h"

namespace converge::sched {

namespace {

std::string Plural(int64_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string DescribePools(const std::vector<int64_t>& demand, const ResourceState& state,
                          const std::string& joiner) {
  std::string text;
  for (size_t p = 0; p < demand.size(); ++p) {
    if (demand[p] <= 0) continue;
    const std::string& type = state.graph().type_name(state.PoolType(static_cast<int>(p)));
    if (!text.empty()) text += joiner;
    text += type == "memory" ? std::to_string(demand[p]) + " MiB memory" : Plural(demand[p], type);
  }
  return text;
}

// Counts available hosts (up to `limit`) that can hold `node` now.
int64_t HostsThatFit(const RequestNode& node, const HostFilter* filter, bool need_idle,
                     ResourceState& state, int64_t limit) {
  auto [first, last] = state.HostRangeIn(state.graph().root());
  ResourceState::HostQuery query;
  query.demand = node.demand;
  query.need_idle = need_idle;
  if (filter != nullptr) {
    query.accept = [&](int32_t host) { return filter->Accepts(state.graph(), state.hosts()[host]); };
  }
  int64_t count = 0;
  for (int32_t position = first; count < limit;) {
    int32_t host = state.FindHost(position, last, false, query);
    if (host < 0) break;
    ++count;
    position = host + 1;
  }
  return count;
}

}  // namespace

std::string DescribeDemand(const Request& request, const ResourceState& state) {
  std::string text;
  for (const RequestNode& root : request.roots) {
    if (root.pool < 0 && root.type != RequestNode::kSlot) {
      text += Plural(root.count, root.type_name) + ", ";
    }
  }
  text += DescribePools(request.total_demand, state, ", ");
  if (text.size() >= 2 && text.compare(text.size() - 2, 2, ", ") == 0) text.resize(text.size() - 2);
  return text.empty() ? "nothing" : text;
}

std::string ExplainPending(const Request& request, const HostFilter* filter,
                           ResourceState& state, const PendingFacts& facts) {
  std::string reason;
  const RequestNode* host_request = nullptr;
  for (const RequestNode& root : request.roots) {
    if (root.type == resource::kNode) host_request = &root;
  }
  if (host_request != nullptr) {
    bool need_idle = host_request->exclusive || request.exclusive_hosts;
    int64_t fit = HostsThatFit(*host_request, filter, need_idle, state, host_request->count);
    std::string with = need_idle ? "idle" : "with " + DescribePools(host_request->demand, state,
                                                                     " and ") + " free";
    if (fit < host_request->count) {
      reason = "waiting for " + std::to_string(host_request->count - fit) + " of " +
               Plural(host_request->count, "node") + " " + with;
    } else {
      reason = "enough nodes are free but held for a reservation that starts first";
    }
  } else {
    const VertexId root = state.graph().root();
    std::string missing;
    for (size_t p = 0; p < request.total_demand.size(); ++p) {
      int64_t free = state.Free(root, static_cast<int>(p));
      if (request.total_demand[p] <= free) continue;
      const std::string& type = state.graph().type_name(state.PoolType(static_cast<int>(p)));
      if (!missing.empty()) missing += ", ";
      missing += std::to_string(free) + " of " + std::to_string(request.total_demand[p]) + " " +
                 type + (type == "memory" ? " MiB" : "s") + " free";
    }
    reason = "waiting for " + DescribeDemand(request, state);
    reason += missing.empty() ? " (free in total, but not in the shape requested)"
                              : " (" + missing + ")";
  }
  if (facts.reserved_start && facts.reserved_behind >= 0 && facts.behind_unlimited) {
    reason += "; reserved to start when job " + std::to_string(facts.reserved_behind) +
              " ends (it has no time limit)";
  } else if (facts.reserved_start) {
    int64_t delta = *facts.reserved_start - facts.now;
    reason += "; reserved to start at t+" + std::to_string(delta) + " s";
    if (facts.reserved_behind >= 0) reason += " behind job " + std::to_string(facts.reserved_behind);
  } else if (facts.fcfs && facts.queued_behind >= 0) {
    reason += "; queued behind job " + std::to_string(facts.queued_behind) +
              " (fcfs: no job passes the queue head)";
  } else if (facts.queued_behind >= 0) {
    reason += "; not reserved: the " + std::to_string(facts.reservation_depth) +
              " reservation(s) the policy allows are held, the last by job " +
              std::to_string(facts.queued_behind);
  } else if (facts.fcfs) {
    reason += "; at the head of the queue (fcfs)";
  }
  return reason;
}

}  // namespace converge::sched
