#include "sched/planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sched/matcher.h"
#include "sched/request.h"
#include "sched/resource_state.h"
#include "sched/running_index.h"
#include "sched/testing/fixtures.h"

namespace converge::sched {
namespace {

using testing::ClusterShape;
using testing::MakeCluster;
using testing::Res;
using testing::Slot;
using testing::Spec;

// Whether `behind` names a job whose end makes room at `start` (none when it starts now).
bool EndsAt(const std::vector<Booking>& running, JobId behind, Time start) {
  if (start == 0) return behind == -1;
  return std::any_of(running.begin(), running.end(), [&](const Booking& booking) {
    return booking.job == behind && booking.end == start;
  });
}

// Issue 12, item 3: exclusive requests find their hosts through the index's idle order instead
// of visiting every host; the start and the hosts planned are those of the plain walk over the
// running jobs' ends (no index), on random full and partly full machines, for every count.
TEST(PlannerTest, ExclusiveHostsByIdleTimeMatchTheWalk) {
  const resource::Graph graph = MakeCluster({.nodes = 24, .sockets = 2, .cores_per_socket = 2});
  std::mt19937_64 rng(7);
  for (int round = 0; round < 30; ++round) {
    ResourceState state(graph, true);
    Matcher matcher(state, MatchPolicy::kFirst);
    Planner planner(state, matcher);
    const Request one_core = CompileRequest(Spec({Slot(1, {Res("core", 1)})}), state).value();
    // Jobs over two hosts too: a host is emptied whole, such a job is given back once.
    const Request two_hosts =
        CompileRequest(Spec({Res("node", 2, {Slot(1, {Res("core", 1)})})}), state).value();
    std::vector<Booking> running;
    running.reserve(96);
    const int jobs = 40 + static_cast<int>(rng() % 57);  // up to all 96 cores
    for (JobId id = 0; id < jobs; ++id) {
      std::optional<Allocation> allocation =
          matcher.Match(rng() % 4 == 0 ? two_hosts : one_core, nullptr);
      if (!allocation) break;
      // Few distinct ends, so that hosts tie.
      running.push_back(
          {id, 0, 10 * static_cast<int64_t>(1 + rng() % 8), std::move(*allocation), {}});
    }
    std::sort(running.begin(), running.end(), [](const Booking& a, const Booking& b) {
      return a.end != b.end ? a.end < b.end : a.job < b.job;
    });
    std::vector<const Booking*> by_end;
    RunningIndex index(state);
    for (const Booking& booking : running) {
      by_end.push_back(&booking);
      index.Add(booking.job, booking.end, booking.allocation);
    }
    // Some jobs ended early: the index follows removals too.
    for (size_t i = 0; i < running.size(); i += 5) {
      index.Remove(running[i].job, running[i].allocation);
    }
    for (size_t i = 0; i < running.size(); i += 5) {
      index.Add(running[i].job, running[i].end, running[i].allocation);
    }
    for (int count = 1; count <= 24; count += 1 + static_cast<int>(rng() % 4)) {
      jobspec::ResourceRequest node = Res("node", count, {Slot(1, {Res("core", 1)})});
      node.exclusive = true;
      const Request request = CompileRequest(Spec({node}), state).value();
      std::optional<Plan> fast = planner.EarliestStart(request, nullptr, 0, 100, by_end, {},
                                                       &index);
      std::optional<Plan> walk = planner.EarliestStart(request, nullptr, 0, 100, by_end, {},
                                                       nullptr);
      ASSERT_EQ(fast.has_value(), walk.has_value()) << "round " << round << " count " << count;
      if (!fast) continue;
      EXPECT_EQ(fast->start, walk->start) << "round " << round << " count " << count;
      EXPECT_EQ(fast->allocation.nodes, walk->allocation.nodes)
          << "round " << round << " count " << count;
      EXPECT_TRUE(EndsAt(running, fast->behind, fast->start))
          << "round " << round << " count " << count << " behind " << fast->behind;
    }
  }
}

// Other host-shaped requests read hosts in the index's ready orders, one per pool the share
// needs, until no unread host could be earlier: the start and the hosts planned are those of
// the plain walk, for shares of cores, of GPUs and of both, on random machines.
TEST(PlannerTest, HostShapedRequestsByReadyTimeMatchTheWalk) {
  const resource::Graph graph = MakeCluster(
      {.nodes = 16, .sockets = 2, .cores_per_socket = 2, .gpus_per_socket = 1});
  std::mt19937_64 rng(5);
  for (int round = 0; round < 30; ++round) {
    ResourceState state(graph, true);
    Matcher matcher(state, MatchPolicy::kFirst);
    Planner planner(state, matcher);
    const Request one_core = CompileRequest(Spec({Slot(1, {Res("core", 1)})}), state).value();
    const Request core_and_gpu =
        CompileRequest(Spec({Slot(1, {Res("core", 1), Res("gpu", 1)})}), state).value();
    std::vector<Booking> running;
    running.reserve(64);
    const int jobs = 30 + static_cast<int>(rng() % 35);  // up to all 64 cores
    for (JobId id = 0; id < jobs; ++id) {
      std::optional<Allocation> allocation =
          matcher.Match(rng() % 3 == 0 ? core_and_gpu : one_core, nullptr);
      if (!allocation) continue;
      running.push_back(
          {id, 0, 10 * static_cast<int64_t>(1 + rng() % 8), std::move(*allocation), {}});
    }
    std::sort(running.begin(), running.end(), [](const Booking& a, const Booking& b) {
      return a.end != b.end ? a.end < b.end : a.job < b.job;
    });
    std::vector<const Booking*> by_end;
    RunningIndex index(state);
    for (const Booking& booking : running) {
      by_end.push_back(&booking);
      index.Add(booking.job, booking.end, booking.allocation);
    }
    for (int cores = 0; cores <= 4; ++cores) {
      for (int gpus = 0; gpus <= 2; ++gpus) {
        if (cores + gpus == 0) continue;
        std::vector<jobspec::ResourceRequest> share;
        if (cores > 0) share.push_back(Res("core", cores));
        if (gpus > 0) share.push_back(Res("gpu", gpus));
        const int count = 1 + static_cast<int>(rng() % 16);
        const Request request =
            CompileRequest(Spec({Res("node", count, {Slot(1, share)})}), state).value();
        std::optional<Plan> fast = planner.EarliestStart(request, nullptr, 0, 100, by_end, {},
                                                         &index);
        std::optional<Plan> walk = planner.EarliestStart(request, nullptr, 0, 100, by_end, {},
                                                         nullptr);
        const std::string where = "round " + std::to_string(round) + " count " +
                                  std::to_string(count) + " cores " + std::to_string(cores) +
                                  " gpus " + std::to_string(gpus);
        ASSERT_EQ(fast.has_value(), walk.has_value()) << where;
        if (!fast) continue;
        EXPECT_EQ(fast->start, walk->start) << where;
        EXPECT_EQ(fast->allocation.nodes, walk->allocation.nodes) << where;
        EXPECT_TRUE(EndsAt(running, fast->behind, fast->start)) << where;
      }
    }
  }
}

}  // namespace
}  // namespace converge::sched
