// Randomised workloads on small clusters: whatever the policy, running jobs never share a
// core or a GPU beyond capacity, every job eventually runs, reserved jobs never start later
// than their first reservation, and fcfs starts jobs in queue order.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "sched/scheduler.h"
#include "sched/testing/fixtures.h"

namespace converge::sched {
namespace {

using testing::MakeCluster;
using testing::Res;
using testing::Slot;
using testing::Spec;

struct Params {
  QueuePolicy queue;
  MatchPolicy match;
  uint64_t seed;
};

class SchedulerPropertyTest : public ::testing::TestWithParam<Params> {};

jobspec::Jobspec RandomSpec(std::mt19937_64& rng, double duration) {
  switch (rng() % 5) {
    case 0: return Spec({Slot(1 + rng() % 12, {Res("core", 1)})}, duration);
    case 1: return Spec({Slot(1 + rng() % 3, {Res("core", 2), Res("gpu", 1)})}, duration);
    case 2: {
      jobspec::ResourceRequest node = Res("node", 1 + rng() % 3, {Slot(1, {Res("core", 2)})});
      node.exclusive = rng() % 2 == 0;
      return Spec({node}, duration);
    }
    case 3: return Spec({Res("node", 1 + rng() % 2, {Slot(2, {Res("core", 3)})})}, duration);
    default: return Spec({Slot(1, {Res("core", 8)})}, duration);
  }
}

TEST_P(SchedulerPropertyTest, SchedulesAreValid) {
  const Params params = GetParam();
  resource::Graph graph = MakeCluster({.nodes = 6, .sockets = 2, .cores_per_socket = 4,
                                       .gpus_per_socket = 1});
  auto scheduler =
      Scheduler::Create(graph, {.queue_policy = params.queue, .match_policy = params.match})
          .value();
  std::mt19937_64 rng(params.seed);
  const int kJobs = 150;
  std::multimap<Time, JobId> submits, ends;
  std::map<JobId, Time> first_reservation, started_at;
  std::map<resource::VertexId, int64_t> in_use;
  std::map<JobId, Allocation> allocations;
  std::vector<JobId> start_order;
  Time t = 0;
  for (JobId id = 1; id <= kJobs; ++id) {
    t += static_cast<Time>(rng() % 20);
    submits.insert({t, id});
  }
  std::map<JobId, jobspec::Jobspec> specs;
  std::map<JobId, Time> run_time;
  for (JobId id = 1; id <= kJobs; ++id) {
    Time estimate = 10 + static_cast<Time>(rng() % 200);
    specs[id] = RandomSpec(rng, static_cast<double>(estimate));
    run_time[id] = 1 + static_cast<Time>(rng() % estimate);  // estimates are upper bounds
  }
  Time now = 0;
  while (!submits.empty() || !ends.empty() || scheduler->pending_count() > 0) {
    Time next = INT64_MAX;
    if (!submits.empty()) next = std::min(next, submits.begin()->first);
    if (!ends.empty()) next = std::min(next, ends.begin()->first);
    ASSERT_NE(next, INT64_MAX) << "pending jobs but nothing will ever happen";
    now = next;
    while (!ends.empty() && ends.begin()->first == now) {
      JobId id = ends.begin()->second;
      ends.erase(ends.begin());
      ASSERT_TRUE(scheduler->Release(id, now).ok());
      for (const auto& item : allocations[id].items) in_use[item.vertex] -= item.amount;
    }
    while (!submits.empty() && submits.begin()->first == now) {
      JobId id = submits.begin()->second;
      submits.erase(submits.begin());
      ASSERT_TRUE(scheduler->Submit({id, 0, now, specs[id]}).ok());
    }
    for (StartDecision& decision : scheduler->Schedule(now)) {
      started_at[decision.id] = now;
      start_order.push_back(decision.id);
      for (const auto& item : decision.allocation.items) {
        in_use[item.vertex] += item.amount;
        ASSERT_LE(in_use[item.vertex], graph.capacity(item.vertex))
            << "vertex " << graph.Path(item.vertex) << " over-allocated at t=" << now;
      }
      allocations[decision.id] = decision.allocation;
      ends.insert({now + run_time[decision.id], decision.id});
    }
    for (JobId id = 1; id <= kJobs; ++id) {
      std::optional<Time> reserved = scheduler->ReservedStart(id);
      if (reserved && !first_reservation.count(id)) first_reservation[id] = *reserved;
    }
  }
  EXPECT_EQ(started_at.size(), static_cast<size_t>(kJobs));
  if (params.queue != QueuePolicy::kFcfs) {
    for (const auto& [id, reserved] : first_reservation) {
      EXPECT_LE(started_at[id], reserved) << "job " << id << " started after its reservation";
    }
  } else {
    for (size_t i = 1; i < start_order.size(); ++i) {
      EXPECT_LT(start_order[i - 1], start_order[i]) << "fcfs started a job out of order";
    }
  }
}

std::vector<Params> AllParams() {
  std::vector<Params> params;
  for (QueuePolicy queue : {QueuePolicy::kFcfs, QueuePolicy::kEasy, QueuePolicy::kConservative}) {
    for (MatchPolicy match : {MatchPolicy::kFirst, MatchPolicy::kHigh, MatchPolicy::kPack,
                              MatchPolicy::kSpread}) {
      for (uint64_t seed : {1, 2, 3}) params.push_back({queue, match, seed});
    }
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, SchedulerPropertyTest, ::testing::ValuesIn(AllParams()),
                         [](const ::testing::TestParamInfo<Params>& info) {
                           return std::string(QueuePolicyName(info.param.queue)) + "_" +
                                  MatchPolicyName(info.param.match) + "_" +
                                  std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace converge::sched
