#include <gtest/gtest.h>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

using testing::Find;
using testing::ReadTestData;

const Metric& Sysbench() { return *FindMetric("sysbench"); }

TEST(SysbenchMetricTest, ParsesTheCpuReport) {
  Result<std::vector<Value>> values = Sysbench().Parse(ReadTestData("sysbench_cpu.txt"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(testing::NamesWellFormed(*values));
  const std::vector<Value> expected = {
      {"events_per_s", 4270.76, "1/s"},  {"total_time", 1.0002, "s"},
      {"total_events", 4274, ""},        {"latency_min_ms", 0.22, "ms"},
      {"latency_avg_ms", 0.23, "ms"},    {"latency_max_ms", 8.32, "ms"},
      {"latency_p95_ms", 0.23, "ms"}};
  EXPECT_EQ(*values, expected);
}

TEST(SysbenchMetricTest, ParsesTheMemoryReport) {
  Result<std::vector<Value>> values = Sysbench().Parse(ReadTestData("sysbench_memory.txt"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*Find(*values, "transfer_mib_s"), (Value{"transfer_mib_s", 6963.44, "MiB/s"}));
  EXPECT_EQ(*Find(*values, "operations_per_s"),
            (Value{"operations_per_s", 7130560.65, "1/s"}));
  EXPECT_EQ(Find(*values, "events_per_s"), nullptr);
  EXPECT_EQ(Find(*values, "latency_max_ms")->value, 2.10);
}

TEST(SysbenchMetricTest, RefusesTruncatedReports) {
  const std::string report = ReadTestData("sysbench_cpu.txt");
  EXPECT_FALSE(Sysbench().Parse(report.substr(0, report.find("events per second"))).ok());
  EXPECT_FALSE(Sysbench().Parse("    events per second:\n").ok());
  EXPECT_FALSE(Sysbench().Parse("    events per second: many\n").ok());
}

TEST(SysbenchMetricTest, PlansAThreadPerCore) {
  Result<Plan> plan =
      Sysbench().MakePlan({{"test", "memory"}, {"threads", "2"}, {"time", "5"}}, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->cores_per_task, 2);
  EXPECT_FALSE(plan->whole_job);
  EXPECT_NE(plan->argv[2].find("exec sysbench memory --threads=2 --time=5 run"),
            std::string::npos);
}

TEST(SysbenchMetricTest, RefusesBadValuesNamingTheOption) {
  const std::pair<const char*, const char*> bad[] = {
      {"test", "fileio"}, {"test", "cpu;id"}, {"threads", "0"}, {"time", ""}};
  for (const auto& [name, value] : bad) {
    Result<Plan> plan = Sysbench().MakePlan({{name, value}}, Placement{});
    ASSERT_FALSE(plan.ok()) << name << "=" << value;
    EXPECT_EQ(plan.status().where(), std::string("options.") + name);
  }
}

TEST(SysbenchMetricTest, ScriptOutputParses) {
  if (!testing::Installed("sysbench")) GTEST_SKIP() << "sysbench is not installed";
  Result<Plan> plan = Sysbench().MakePlan({{"time", "1"}}, Placement{});
  ASSERT_TRUE(plan.ok());
  const std::string output = testing::RunTask(plan->argv);
  Result<std::vector<Value>> values = Sysbench().Parse(output);
  ASSERT_TRUE(values.ok()) << values.status().ToString() << "\n" << output;
  EXPECT_GT(Find(*values, "events_per_s")->value, 0);
}

}  // namespace
}  // namespace converge::benchmarks
