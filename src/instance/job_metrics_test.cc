// JobManager::WriteMetrics against a FakeExecutor and a ManualClock: the gauges follow the
// jobs' states, the counters their transitions and results, and waits and run times are
// measured on the Clock (virtual seconds here).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "instance/job_manager.h"
#include "instance/manager_test_support.h"
#include "tests/testutil/run_command.h"

namespace converge::instance {
namespace {

using exec::FakeExecutor;
using testing::Jobspec;
using testing::ManagerLife;

std::string With(const std::string& text, const std::string& key, nlohmann::json value) {
  nlohmann::json spec = nlohmann::json::parse(text);
  spec["attributes"]["system"][key] = std::move(value);
  return spec.dump();
}

class JobMetricsTest : public ::testing::Test {
 protected:
  // The value of `series` (name{labels} exactly as printed) in a scrape now, or -1.
  double Value(const std::string& series) {
    metrics::TextFormat out;
    life.jobs->WriteMetrics(out);
    const std::string text = "\n" + out.text();
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no " << series << " in\n" << out.text();
      return -1;
    }
    return std::stod(text.substr(at + series.size() + 2));
  }

  converge::testutil::TempDir dir;
  resource::Graph graph = testing::SmallGraph();  // one node of 4 cores
  ManualClock clock{1'800'000'000.0};
  ManagerLife life{dir.path(), graph, clock};
};

TEST_F(JobMetricsTest, GaugesFollowStatesAndCountersTransitionsOnVirtualTime) {
  const int64_t first = life.Submit(Jobspec(1, 4, /*duration=*/60));
  const int64_t second = life.Submit(Jobspec(1, 4, /*duration=*/60));
  life.Submit(With(Jobspec(1, 1), "priority", kHeldUrgency));
  life.Submit(With(Jobspec(1, 1), "dependencies",
                   nlohmann::json::array({{{"scheme", "begin-time"}, {"value", "1800003600"}}})));
  ASSERT_EQ(life.State(first), "RUN");
  ASSERT_EQ(life.State(second), "SCHED");
  const std::string node = graph.name(graph.VerticesOfType(resource::kNode).front());

  EXPECT_EQ(Value(R"(converge_jobs{state="RUN",queue=""})"), 1);
  EXPECT_EQ(Value(R"(converge_jobs{state="SCHED",queue=""})"), 1);
  EXPECT_EQ(Value(R"(converge_jobs{state="PRIORITY",queue=""})"), 1);
  EXPECT_EQ(Value(R"(converge_jobs{state="DEPEND",queue=""})"), 1);
  EXPECT_EQ(Value(R"(converge_scheduler_pending_jobs{reason="reserved"})"), 1);
  EXPECT_EQ(Value(R"(converge_scheduler_pending_jobs{reason="held"})"), 1);
  EXPECT_EQ(Value(R"(converge_scheduler_pending_jobs{reason="begin-time"})"), 1);
  EXPECT_EQ(Value(R"(converge_scheduler_pending_jobs{reason="resources"})"), 0);
  EXPECT_EQ(Value("converge_scheduler_reservations"), 1);
  EXPECT_EQ(Value(R"(converge_cores{state="allocated"})"), 4);
  EXPECT_EQ(Value(R"(converge_cores{state="free"})"), 0);
  EXPECT_EQ(Value(R"(converge_node_cores_allocated{node=")" + node + R"("})"), 4);
  EXPECT_EQ(Value(R"(converge_node_state{node=")" + node + R"(",state="allocated"})"), 1);
  EXPECT_EQ(Value(R"(converge_jobs_submitted_total{queue=""})"), 4);
  EXPECT_EQ(Value(R"(converge_job_transitions_total{state="DEPEND"})"), 4);

  // The first job ends 5 s later (virtual) and the second starts.
  clock.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(life.executor->Finish(first, FakeExecutor::Exited(0)).ok());
  life.Settle();
  ASSERT_EQ(life.State(second), "RUN");
  EXPECT_EQ(Value(R"(converge_jobs_ended_total{queue="",result="completed"})"), 1);
  EXPECT_EQ(Value(R"(converge_jobs{state="INACTIVE",queue=""})"), 1);
  EXPECT_EQ(Value(R"(converge_job_transitions_total{state="RUN"})"), 2);
  EXPECT_EQ(Value(R"(converge_job_wait_seconds_count{queue=""})"), 2);
  EXPECT_EQ(Value(R"(converge_job_wait_seconds_sum{queue=""})"), 5);
  EXPECT_EQ(Value(R"(converge_job_wait_seconds_bucket{queue="",le="1"})"), 1);
  EXPECT_EQ(Value(R"(converge_job_wait_seconds_bucket{queue="",le="10"})"), 2);
  EXPECT_EQ(Value("converge_job_run_seconds_sum"), 5);
  EXPECT_EQ(Value("converge_scheduler_reservations"), 0);
  EXPECT_EQ(Value("converge_job_submit_duration_seconds_count"), 4);
  EXPECT_GE(Value("converge_store_commit_duration_seconds_count"), 1);
  EXPECT_GE(Value("converge_store_commit_rows_sum"), 4 * 3);  // at least submit+validate+row
  EXPECT_EQ(Value("converge_store_degraded"), 0);

  ASSERT_TRUE(life.jobs->Cancel(kInstanceCaller, second).ok());
  life.Settle();
  ASSERT_TRUE(life.executor->Finish(second, FakeExecutor::Terminated()).ok());
  life.Settle();
  EXPECT_EQ(Value(R"(converge_jobs_ended_total{queue="",result="canceled"})"), 1);
  EXPECT_EQ(Value(R"(converge_cores{state="free"})"), 4);
}

TEST_F(JobMetricsTest, DrainedCoresAreNotFree) {
  const std::string node = graph.name(graph.VerticesOfType(resource::kNode).front());
  life.Submit(Jobspec(1, 1));
  ASSERT_TRUE(life.jobs->SetDrained(node, true, "maintenance").ok());
  life.Settle();
  EXPECT_EQ(Value(R"(converge_cores{state="allocated"})"), 1);
  EXPECT_EQ(Value(R"(converge_cores{state="drained"})"), 3);
  EXPECT_EQ(Value(R"(converge_cores{state="free"})"), 0);
  EXPECT_EQ(Value(R"(converge_nodes{state="drained"})"), 1);
}

}  // namespace
}  // namespace converge::instance
