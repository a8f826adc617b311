#include "sched/running_index.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "sched/matcher.h"
#include "sched/request.h"
#include "sched/resource_state.h"
#include "sched/testing/fixtures.h"

namespace converge::sched {
namespace {

using testing::MakeCluster;
using testing::Res;
using testing::Slot;
using testing::Spec;

// ByReadyTime computed from scratch: each host with its pool's capacity >= amount, keyed by
// the end after which its running jobs leave `amount` free (kIdleNow if they do now).
std::set<std::pair<int64_t, int32_t>> ReadyOrderOf(const ResourceState& state,
                                                   const RunningIndex& index, int pool,
                                                   int64_t amount) {
  std::set<std::pair<int64_t, int32_t>> order;
  for (int32_t host = 0; host < static_cast<int32_t>(state.hosts().size()); ++host) {
    const int64_t capacity = state.Capacity(state.hosts()[host], pool);
    if (capacity < amount) continue;
    int64_t used = 0;
    for (const RunningIndex::Entry& entry : index.OnHost(host)) used += entry.usage[pool];
    int64_t key = RunningIndex::kIdleNow;
    for (const RunningIndex::Entry& entry : index.OnHost(host)) {
      if (capacity - used >= amount) break;
      used -= entry.usage[pool];
      key = entry.end;
    }
    order.emplace(key, host);
  }
  return order;
}

// The orders asked for follow every Add and Remove, also once more pairs were asked for than
// are kept (a dropped one is built again when asked for).
TEST(RunningIndexTest, ReadyOrdersFollowStartsAndEnds) {
  const resource::Graph graph =
      MakeCluster({.nodes = 12, .sockets = 2, .cores_per_socket = 3, .gpus_per_socket = 1});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  RunningIndex index(state);
  const int cores = state.PoolOf(resource::kCore);
  const int gpus = state.PoolOf(resource::kGpu);
  ASSERT_GE(cores, 0);
  ASSERT_GE(gpus, 0);
  const Request core_job = CompileRequest(Spec({Slot(1, {Res("core", 1)})}), state).value();
  const Request gpu_job =
      CompileRequest(Spec({Slot(1, {Res("core", 2), Res("gpu", 1)})}), state).value();
  // More (pool, amount) pairs than the index keeps; amounts up to over a host's capacity.
  std::vector<std::pair<int, int64_t>> asked;
  for (int64_t amount = 1; amount <= 7; ++amount) asked.emplace_back(cores, amount);
  for (int64_t amount = 1; amount <= 3; ++amount) asked.emplace_back(gpus, amount);
  ASSERT_GT(asked.size(), RunningIndex::kMaxReadyOrders);

  std::mt19937_64 rng(11);
  std::vector<std::unique_ptr<Allocation>> allocations;  // by job; null once ended
  std::vector<int64_t> live;
  for (int step = 0; step < 400; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      const Request& request = rng() % 4 == 0 ? gpu_job : core_job;
      std::optional<Allocation> allocation = matcher.Match(request, nullptr);
      if (allocation) {
        const int64_t job = static_cast<int64_t>(allocations.size());
        allocations.push_back(std::make_unique<Allocation>(std::move(*allocation)));
        // Few distinct ends, so that hosts tie.
        index.Add(job, 10 * static_cast<int64_t>(1 + rng() % 6), *allocations.back());
        live.push_back(job);
      }
    } else {
      const size_t at = rng() % live.size();
      const int64_t job = live[at];
      index.Remove(job, *allocations[job]);
      matcher.Release(*allocations[job]);
      allocations[job].reset();
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
    for (int ask = 0; ask < 3; ++ask) {
      const auto [pool, amount] = asked[rng() % asked.size()];
      EXPECT_EQ(index.ByReadyTime(pool, amount), ReadyOrderOf(state, index, pool, amount))
          << "step " << step << " pool " << pool << " amount " << amount;
    }
  }
}

}  // namespace
}  // namespace converge::sched
