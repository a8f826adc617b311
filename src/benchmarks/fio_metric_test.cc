#include <gtest/gtest.h>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

using testing::Find;
using testing::ReadTestData;

const Metric& Fio() { return *FindMetric("fio"); }

TEST(FioMetricTest, ParsesARandomReadReport) {
  Result<std::vector<Value>> values = Fio().Parse(ReadTestData("fio_randread.json"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(testing::NamesWellFormed(*values));
  EXPECT_EQ(values->size(), 4u);  // no writes: no write_* values
  EXPECT_EQ(*Find(*values, "read_bw_mib_s"),
            (Value{"read_bw_mib_s", 61737685 / (1024.0 * 1024.0), "MiB/s"}));
  EXPECT_EQ(*Find(*values, "read_iops"), (Value{"read_iops", 15072.677093, "1/s"}));
  EXPECT_EQ(*Find(*values, "read_clat_mean_us"),
            (Value{"read_clat_mean_us", 65870.334045 / 1000, "us"}));
  EXPECT_EQ(*Find(*values, "read_clat_p99_us"), (Value{"read_clat_p99_us", 116.224, "us"}));
}

TEST(FioMetricTest, ParsesBothDirectionsOfAMixedReport) {
  Result<std::vector<Value>> values = Fio().Parse(ReadTestData("fio_randrw.json"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(values->size(), 8u);
  EXPECT_EQ(Find(*values, "write_iops")->value, 9903.096903);
  EXPECT_EQ(Find(*values, "write_clat_p99_us")->value, 9.024);
  for (const Value& value : *values) EXPECT_GT(value.value, 0) << value.name;
}

TEST(FioMetricTest, SkipsWarningsBeforeTheJson) {
  const std::string report = "fio: this platform does not support process shared mutexes\n" +
                             ReadTestData("fio_randread.json");
  EXPECT_TRUE(Fio().Parse(report).ok());
}

TEST(FioMetricTest, RefusesTruncatedFailedOrIdleReports) {
  const std::string report = ReadTestData("fio_randrw.json");
  EXPECT_FALSE(Fio().Parse(report.substr(0, report.size() / 2)).ok());
  EXPECT_FALSE(Fio().Parse("{\"jobs\": []}").ok());
  EXPECT_FALSE(Fio().Parse("{\"jobs\": [{\"error\": 5, \"read\": {}}]}").ok());
  EXPECT_FALSE(Fio().Parse("{\"jobs\": [{\"error\": 0, \"read\": {\"total_ios\": 0}}]}").ok());
  EXPECT_FALSE(Fio().Parse("{\"jobs\": [{\"read\": {\"total_ios\": 5, \"iops\": \"x\"}}]}").ok());
  EXPECT_FALSE(Fio().Parse("{\"jobs\": {\"0\": 1}}").ok());
}

TEST(FioMetricTest, PlansOneJobPerNodeWithQuotedValues) {
  Result<Plan> plan = Fio().MakePlan({{"rw", "randrw"}, {"bs", "64k"}, {"size", "1g"},
                                      {"runtime", "10"}, {"directory", "/scratch/it's"},
                                      {"ioengine", "libaio"}, {"iodepth", "32"},
                                      {"direct", "true"}},
                                     Placement{4});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_FALSE(plan->mpi);
  EXPECT_FALSE(plan->whole_job);
  EXPECT_EQ(plan->tasks_per_node, 1);
  const std::string& script = plan->argv[2];
  EXPECT_NE(script.find("base='/scratch/it'\\''s'"), std::string::npos);
  EXPECT_NE(script.find("--rw='randrw' --bs='64k' --size='1g' --runtime=10 --time_based "
                        "--ioengine='libaio' --iodepth=32 --direct=1"),
            std::string::npos);
}

TEST(FioMetricTest, RefusesBadValuesNamingTheOption) {
  const std::pair<const char*, const char*> bad[] = {
      {"rw", "trim"},      {"bs", "4kb"},          {"size", "0"},          {"runtime", "0"},
      {"runtime", "5s"},   {"directory", "tmp"},   {"directory", "/a:/b"}, {"iodepth", "0"},
      {"ioengine", "sg"},  {"direct", "2"},        {"bs", "4k --filename=/dev/sda"}};
  for (const auto& [name, value] : bad) {
    Result<Plan> plan = Fio().MakePlan({{name, value}}, Placement{});
    ASSERT_FALSE(plan.ok()) << name << "=" << value;
    EXPECT_EQ(plan.status().where(), std::string("options.") + name);
  }
}

}  // namespace
}  // namespace converge::benchmarks
