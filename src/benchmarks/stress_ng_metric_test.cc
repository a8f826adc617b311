#include <gtest/gtest.h>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

using testing::Find;
using testing::ReadTestData;

const Metric& StressNg() { return *FindMetric("stress-ng"); }

TEST(StressNgMetricTest, ParsesTheYamlMetricsOfTheCpuStressor) {
  Result<std::vector<Value>> values = StressNg().Parse(ReadTestData("stress-ng_cpu.yaml"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(testing::NamesWellFormed(*values));
  EXPECT_EQ(values->size(), 4u);
  for (const Value& value : *values) EXPECT_GT(value.value, 0) << value.name;
  EXPECT_EQ(Find(*values, "bogo_ops_per_s")->unit, "1/s");
  EXPECT_EQ(Find(*values, "wall_time")->unit, "s");
}

TEST(StressNgMetricTest, ParsesTheVmStressorsExactValues) {
  Result<std::vector<Value>> values = StressNg().Parse(ReadTestData("stress-ng_vm.yaml"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*Find(*values, "bogo_ops"), (Value{"bogo_ops", 5163, ""}));
  EXPECT_EQ(*Find(*values, "bogo_ops_per_s"), (Value{"bogo_ops_per_s", 4757.838291, "1/s"}));
}

TEST(StressNgMetricTest, RefusesTruncatedOrForeignYaml) {
  const std::string yaml = ReadTestData("stress-ng_cpu.yaml");
  EXPECT_FALSE(StressNg().Parse(yaml.substr(0, yaml.find("metrics:"))).ok());
  EXPECT_FALSE(StressNg().Parse(yaml.substr(0, yaml.find("bogo-ops-per-second-real"))).ok());
  EXPECT_FALSE(StressNg().Parse("metrics:\n    - stressor: cpu\n"
                                "      bogo-ops-per-second-real-time: lots\n").ok());
}

TEST(StressNgMetricTest, PlansAWorkerPerCore) {
  Result<Plan> plan =
      StressNg().MakePlan({{"stressor", "matrix"}, {"workers", "4"}, {"timeout", "2"}}, {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->cores_per_task, 4);
  EXPECT_FALSE(plan->whole_job);
  EXPECT_NE(plan->argv[2].find("stress-ng --matrix 4 --timeout 2s"), std::string::npos);
}

TEST(StressNgMetricTest, RefusesBadValuesNamingTheOption) {
  const std::pair<const char*, const char*> bad[] = {
      {"stressor", "fork"}, {"stressor", "cpu --all"}, {"workers", "0"}, {"timeout", "3s"}};
  for (const auto& [name, value] : bad) {
    Result<Plan> plan = StressNg().MakePlan({{name, value}}, Placement{});
    ASSERT_FALSE(plan.ok()) << name << "=" << value;
    EXPECT_EQ(plan.status().where(), std::string("options.") + name);
  }
}

TEST(StressNgMetricTest, ScriptOutputParses) {
  if (!testing::Installed("stress-ng")) GTEST_SKIP() << "stress-ng is not installed";
  Result<Plan> plan = StressNg().MakePlan({{"timeout", "1"}}, Placement{});
  ASSERT_TRUE(plan.ok());
  const std::string output = testing::RunTask(plan->argv);
  Result<std::vector<Value>> values = StressNg().Parse(output);
  ASSERT_TRUE(values.ok()) << values.status().ToString() << "\n" << output;
  EXPECT_GT(Find(*values, "bogo_ops_per_s")->value, 0);
}

}  // namespace
}  // namespace converge::benchmarks
