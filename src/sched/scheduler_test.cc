#include "sched/scheduler.h"

#include <gtest/gtest.h>

#include "sched/testing/fixtures.h"

namespace converge::sched {
namespace {

using testing::MakeCluster;
using testing::Res;
using testing::Slot;
using testing::Spec;

// 4 nodes x 8 cores = 32 cores.
class SchedulerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Scheduler> Make(QueuePolicy policy, int depth = -1) {
    auto scheduler = Scheduler::Create(graph_, {.queue_policy = policy,
                                                .reservation_depth = depth});
    EXPECT_TRUE(scheduler.ok());
    return std::move(scheduler).value();
  }
  static JobRequest Cores(JobId id, int64_t cores, double duration, int64_t priority = 0) {
    return {id, priority, 0, Spec({Slot(cores, {Res("core", 1)})}, duration)};
  }
  static std::vector<JobId> Ids(const std::vector<StartDecision>& decisions) {
    std::vector<JobId> ids;
    for (const auto& decision : decisions) ids.push_back(decision.id);
    return ids;
  }

  resource::Graph graph_ = MakeCluster({.nodes = 4});
};

TEST_F(SchedulerTest, RejectsWhatTheGraphCanNeverHold) {
  auto scheduler = Make(QueuePolicy::kEasy);
  Status too_big = scheduler->Submit(Cores(1, 33, 10));
  EXPECT_EQ(too_big.code(), Code::kUnsatisfiable);
  EXPECT_NE(too_big.message().find("33 cores"), std::string::npos) << too_big.message();
  Status no_gpus = scheduler->Submit({2, 0, 0, Spec({Slot(1, {Res("gpu", 1)})})});
  EXPECT_EQ(no_gpus.code(), Code::kUnsatisfiable);
  EXPECT_EQ(no_gpus.where(), "resources[0].with[0]");
  EXPECT_EQ(scheduler->pending_count(), 0u);
}

// Issue 16 item 5: queues with policies of their own over one resource state.
class QueuesTest : public SchedulerTest {
 protected:
  std::unique_ptr<Scheduler> MakeQueues(std::vector<QueueOptions> queues) {
    auto scheduler = Scheduler::Create(graph_, {.queues = std::move(queues)});
    EXPECT_TRUE(scheduler.ok());
    return std::move(scheduler).value();
  }
  static JobRequest InQueue(int queue, JobRequest request) {
    request.queue = queue;
    return request;
  }
};

TEST_F(QueuesTest, EachQueueKeepsItsOwnPolicy) {
  auto scheduler = MakeQueues({{QueuePolicy::kFcfs}, {QueuePolicy::kEasy}});
  ASSERT_TRUE(scheduler->Submit(InQueue(0, Cores(1, 24, 100))).ok());
  ASSERT_TRUE(scheduler->Submit(InQueue(0, Cores(2, 32, 100))).ok());  // fcfs head, blocked
  ASSERT_TRUE(scheduler->Submit(InQueue(0, Cores(3, 1, 10))).ok());    // may not pass it
  ASSERT_TRUE(scheduler->Submit(InQueue(1, Cores(4, 1, 10))).ok());    // another queue: may
  EXPECT_EQ(Ids(scheduler->Schedule(0)), (std::vector<JobId>{1, 4}));
  Result<std::string> why = scheduler->WhyPending(3, 0);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("job 2"), std::string::npos) << *why;
  EXPECT_EQ(scheduler->Submit(InQueue(2, Cores(5, 1, 10))).where(), "queue");
}

TEST_F(QueuesTest, EarlierQueuesGoFirstAndTheirReservationsHoldAgainstLaterOnes) {
  auto scheduler = MakeQueues({{QueuePolicy::kEasy}, {QueuePolicy::kEasy}});
  // Queue 1's job came first with a higher priority; queue 0 is walked first all the same.
  ASSERT_TRUE(scheduler->Submit(InQueue(1, Cores(1, 32, 100, 20))).ok());
  ASSERT_TRUE(scheduler->Submit(InQueue(0, Cores(2, 16, 100))).ok());
  ASSERT_TRUE(scheduler->Submit(InQueue(0, Cores(3, 32, 100))).ok());  // reserved at t=100
  EXPECT_EQ(Ids(scheduler->Schedule(0)), std::vector<JobId>{2});
  EXPECT_EQ(scheduler->ReservedStart(3), std::optional<Time>(100));
  // Queue 1 backfills only around queue 0's reservation: 50 s fits before t=100, 500 s not.
  ASSERT_TRUE(scheduler->Submit(InQueue(1, Cores(4, 8, 500))).ok());
  ASSERT_TRUE(scheduler->Submit(InQueue(1, Cores(5, 8, 50))).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(1)), std::vector<JobId>{5});
}

TEST_F(QueuesTest, AStoppedQueueStartsNothingUntilStartedAgain) {
  auto scheduler = MakeQueues({{QueuePolicy::kEasy}, {QueuePolicy::kConservative}});
  ASSERT_TRUE(scheduler->SetQueueStarted(1, false).ok());
  ASSERT_TRUE(scheduler->Submit(InQueue(1, Cores(1, 1, 10))).ok());
  ASSERT_TRUE(scheduler->Submit(InQueue(0, Cores(2, 1, 10))).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(0)), std::vector<JobId>{2});
  EXPECT_EQ(scheduler->WhyPending(1, 0).value(), "its queue is stopped");
  ASSERT_TRUE(scheduler->SetQueueStarted(1, true).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(1)), std::vector<JobId>{1});
  EXPECT_EQ(scheduler->SetQueueStarted(2, true).code(), Code::kNotFound);
}

TEST_F(SchedulerTest, RejectsDuplicateIds) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 1, 10)).ok());
  EXPECT_EQ(scheduler->Submit(Cores(1, 1, 10)).code(), Code::kInvalidArgument);
}

TEST_F(SchedulerTest, FcfsNeverPassesTheBlockedHead) {
  auto scheduler = Make(QueuePolicy::kFcfs);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 24, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 1, 10)).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(0)), std::vector<JobId>{1});
  Result<std::string> why = scheduler->WhyPending(3, 0);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("queued behind job 2"), std::string::npos) << *why;
}

TEST_F(SchedulerTest, AReservationBehindAJobWithNoTimeLimitGivesNoTime) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 24, 0)).ok());  // no time limit
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 100)).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(0)), std::vector<JobId>{1});
  Result<std::string> why = scheduler->WhyPending(2, 0);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("reserved to start when job 1 ends (it has no time limit)"),
            std::string::npos)
      << *why;
  EXPECT_EQ(why->find("t+"), std::string::npos) << *why;
}

TEST_F(SchedulerTest, EasyBackfillsOnlyWhatEndsBeforeTheReservation) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 24, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 8, 200)).ok());  // would delay job 2
  ASSERT_TRUE(scheduler->Submit(Cores(4, 8, 50)).ok());   // ends in time
  EXPECT_EQ(Ids(scheduler->Schedule(0)), (std::vector<JobId>{1, 4}));
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  EXPECT_EQ(scheduler->ReservedStart(3), std::nullopt);  // easy: one reservation
  Result<std::string> why = scheduler->WhyPending(2, 0);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("reserved to start at t+100 s behind job 1"), std::string::npos) << *why;
  // Job 4 ends early; job 1 ends at 100 and job 2 starts on time.
  ASSERT_TRUE(scheduler->Release(4, 50).ok());
  EXPECT_TRUE(scheduler->Schedule(50).empty());
  ASSERT_TRUE(scheduler->Release(1, 100).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(100)), std::vector<JobId>{2});
}

TEST_F(SchedulerTest, ConservativeReservesEveryBlockedJob) {
  auto scheduler = Make(QueuePolicy::kConservative);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 24, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 8, 200)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(4, 8, 50)).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(0)), (std::vector<JobId>{1, 4}));
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  EXPECT_EQ(scheduler->ReservedStart(3), 200);
  EXPECT_EQ(scheduler->NextReservedStart(), 100);
  ASSERT_TRUE(scheduler->Release(1, 100).ok());
  ASSERT_TRUE(scheduler->Release(4, 50).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(100)), (std::vector<JobId>{2}));
  EXPECT_EQ(scheduler->NextReservedStart(), 200);
  ASSERT_TRUE(scheduler->Release(2, 200).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(200)), (std::vector<JobId>{3}));
  EXPECT_EQ(scheduler->NextReservedStart(), std::nullopt);
}

// EASY counts the head of one-unit slots: job 2 (30 cores) is reserved at 100 with 2 cores
// of slack. An exclusive one-core job would hold a whole node (8 cores) past 100, so it
// waits although it asks for 1; two one-core jobs fit the slack, a third does not.
TEST_F(SchedulerTest, EasyCountsTheHeadAndWhatBackfillsReallyHold) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 24, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 30, 100)).ok());
  jobspec::ResourceRequest whole = Slot(1, {Res("core", 1)});
  whole.exclusive = true;
  ASSERT_TRUE(scheduler->Submit({3, 0, 0, Spec({whole}, 500)}).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(4, 1, 500)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(5, 1, 500)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(6, 1, 500)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(7, 4, 50)).ok());  // ends by 100: no slack needed
  EXPECT_EQ(Ids(scheduler->Schedule(0)), (std::vector<JobId>{1, 4, 5, 7}));
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  ASSERT_TRUE(scheduler->Release(1, 100).ok());
  ASSERT_TRUE(scheduler->Release(7, 50).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(100)), (std::vector<JobId>{2}));
}

// Conservative counts while every pending job is one-unit slots, and hands the queue back
// to the graph planner when another shape arrives: nobody is started twice or lost, and
// the node-shaped job gets a reservation of its own.
TEST_F(SchedulerTest, ConservativeSwitchesBetweenCountingAndTheGraph) {
  auto scheduler = Make(QueuePolicy::kConservative);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 16, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 16, 100)).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(0)), std::vector<JobId>{1});
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  EXPECT_EQ(scheduler->ReservedStart(3), 100);
  ASSERT_TRUE(scheduler->Submit({4, 0, 0, Spec({Res("node", 2, {Res("core", 8)})}, 100)}).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(1)), std::vector<JobId>{});
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  EXPECT_EQ(scheduler->ReservedStart(3), 100);
  EXPECT_EQ(scheduler->ReservedStart(4), 200);
  ASSERT_TRUE(scheduler->Release(1, 50).ok());  // early: everything moves up
  EXPECT_EQ(Ids(scheduler->Schedule(50)), (std::vector<JobId>{2, 3}));
  EXPECT_EQ(scheduler->ReservedStart(4), 150);
  ASSERT_TRUE(scheduler->Release(2, 150).ok());
  ASSERT_TRUE(scheduler->Release(3, 150).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(150)), std::vector<JobId>{4});
  EXPECT_EQ(scheduler->pending_count(), 0u);
}

// A drained host keeps counting off (its free cores are no use): the graph planner plans.
TEST_F(SchedulerTest, CountingNeedsEveryHostUp) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->SetHostAvailable(graph_.VerticesOfType(resource::kNode)[3], false).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(1, 16, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 16, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 8, 500)).ok());
  // 24 cores are usable: job 2 waits for job 1 (counting would see 16 free now, the
  // drained node's among them, and reserve it now); job 3 takes the other 8 past 100,
  // which leaves job 2 its 16 then.
  EXPECT_EQ(Ids(scheduler->Schedule(0)), (std::vector<JobId>{1, 3}));
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  ASSERT_TRUE(scheduler->Release(1, 100).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(100)), std::vector<JobId>{2});
}

TEST_F(SchedulerTest, DepthTwoReservesTwoJobs) {
  auto scheduler = Make(QueuePolicy::kEasy, 2);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 32, 100)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(4, 32, 100)).ok());
  scheduler->Schedule(0);
  EXPECT_EQ(scheduler->ReservedStart(2), 100);
  EXPECT_EQ(scheduler->ReservedStart(3), 200);
  EXPECT_EQ(scheduler->ReservedStart(4), std::nullopt);
}

TEST_F(SchedulerTest, HigherPriorityRunsFirstThenSubmitOrder) {
  auto scheduler = Make(QueuePolicy::kFcfs);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 32, 10, 0)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 10, 5)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(3, 32, 10, 5)).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(0)), std::vector<JobId>{2});
  ASSERT_TRUE(scheduler->Release(2, 10).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(10)), std::vector<JobId>{3});
  ASSERT_TRUE(scheduler->Release(3, 20).ok());
  EXPECT_EQ(Ids(scheduler->Schedule(20)), std::vector<JobId>{1});
}

TEST_F(SchedulerTest, CancelPendingAndReleaseUnknown) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 32, 10)).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(2, 32, 10)).ok());
  scheduler->Schedule(0);
  EXPECT_TRUE(scheduler->CancelPending(2).ok());
  EXPECT_EQ(scheduler->CancelPending(2).code(), Code::kNotFound);
  EXPECT_EQ(scheduler->Release(99, 0).code(), Code::kNotFound);
  EXPECT_EQ(scheduler->WhyPending(1, 0).status().code(), Code::kNotFound);
}

TEST_F(SchedulerTest, SameInputsGiveTheSameSchedule) {
  auto run = [&] {
    auto scheduler = Make(QueuePolicy::kEasy);
    std::vector<std::pair<JobId, int64_t>> starts;
    for (JobId id = 1; id <= 40; ++id) {
      EXPECT_TRUE(scheduler->Submit(Cores(id, 1 + (id * 7) % 16, 10 + (id * 13) % 50)).ok());
    }
    std::vector<std::pair<int64_t, JobId>> ends;
    for (int64_t now = 0; now < 2000 && (scheduler->pending_count() > 0 || !ends.empty());
         ++now) {
      for (auto it = ends.begin(); it != ends.end();) {
        if (it->first == now) {
          EXPECT_TRUE(scheduler->Release(it->second, now).ok());
          it = ends.erase(it);
        } else {
          ++it;
        }
      }
      for (const StartDecision& decision : scheduler->Schedule(now)) {
        starts.push_back({decision.id, now});
        ends.push_back({decision.expected_end, decision.id});
      }
    }
    return starts;
  };
  auto first = run();
  EXPECT_EQ(first.size(), 40u);
  EXPECT_EQ(first, run());
}

TEST_F(SchedulerTest, NodeShapeExplainsMissingNodes) {
  auto scheduler = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(scheduler->Submit(Cores(1, 20, 100)).ok());
  jobspec::ResourceRequest nodes = Res("node", 4, {Slot(1, {Res("core", 8)})});
  ASSERT_TRUE(scheduler->Submit({2, 0, 0, Spec({nodes}, 60)}).ok());
  scheduler->Schedule(0);
  Result<std::string> why = scheduler->WhyPending(2, 0);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("waiting for 3 of 4 nodes with 8 cores free"), std::string::npos) << *why;
}

TEST_F(SchedulerTest, RestoreClaimsTheRecordedAllocation) {
  auto first = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(first->Submit(Cores(1, 24, 100)).ok());
  std::vector<StartDecision> started = first->Schedule(0);
  ASSERT_EQ(started.size(), 1u);

  auto restarted = Make(QueuePolicy::kEasy);
  ASSERT_TRUE(restarted->Restore(Cores(1, 24, 100), started[0].allocation, 0).ok());
  EXPECT_EQ(restarted->running_count(), 1u);
  EXPECT_EQ(restarted->Restore(Cores(2, 24, 100), started[0].allocation, 0).code(),
            Code::kInvalidArgument);  // the same cores cannot be held twice
  ASSERT_TRUE(restarted->Submit(Cores(3, 16, 10)).ok());
  EXPECT_TRUE(restarted->Schedule(1).empty());  // only 8 cores are free
  ASSERT_TRUE(restarted->Release(1, 2).ok());
  EXPECT_EQ(Ids(restarted->Schedule(2)), std::vector<JobId>{3});
}

TEST_F(SchedulerTest, DrainedHostsTakeNoNewWork) {
  auto scheduler = Make(QueuePolicy::kEasy);
  std::vector<resource::VertexId> nodes;
  for (resource::VertexId v = 0; v < graph_.size(); ++v) {
    if (graph_.type(v) == resource::kNode) nodes.push_back(v);
  }
  ASSERT_EQ(nodes.size(), 4u);
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(scheduler->SetHostAvailable(nodes[i], false).ok());
  ASSERT_TRUE(scheduler->Submit(Cores(1, 16, 10)).ok());
  EXPECT_TRUE(scheduler->Schedule(0).empty());
  ASSERT_TRUE(scheduler->SetHostAvailable(nodes[0], true).ok());
  std::vector<StartDecision> started = scheduler->Schedule(1);
  ASSERT_EQ(started.size(), 1u);
  for (resource::VertexId node : started[0].allocation.nodes) {
    EXPECT_TRUE(node == nodes[0] || node == nodes[3]);
  }
  EXPECT_EQ(scheduler->SetHostAvailable(graph_.root(), false).code(), Code::kNotFound);
}

}  // namespace
}  // namespace converge::sched
