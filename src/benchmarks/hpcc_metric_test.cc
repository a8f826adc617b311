#include <gtest/gtest.h>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

using testing::Find;
using testing::ReadTestData;

const Metric& Hpcc() { return *FindMetric("hpcc"); }

TEST(HpccMetricTest, ParsesTheSummaryOfTwoRanks) {
  const std::string summary = ReadTestData("hpcc_2ranks.txt");
  ASSERT_FALSE(summary.empty());
  Result<std::vector<Value>> values = Hpcc().Parse(summary);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(testing::NamesWellFormed(*values));
  EXPECT_EQ(*Find(*values, "hpl_gflops"), (Value{"hpl_gflops", 0.00362389 * 1000, "Gflop/s"}));
  EXPECT_EQ(*Find(*values, "hpl_n"), (Value{"hpl_n", 1000, ""}));
  EXPECT_EQ(*Find(*values, "procs"), (Value{"procs", 2, ""}));
  EXPECT_EQ(*Find(*values, "star_dgemm_gflops"), (Value{"star_dgemm_gflops", 2.83428, "Gflop/s"}));
  EXPECT_EQ(*Find(*values, "single_stream_triad_gb_s"),
            (Value{"single_stream_triad_gb_s", 74.1287, "GB/s"}));
  EXPECT_EQ(*Find(*values, "ptrans_gb_s"), (Value{"ptrans_gb_s", 0.440742, "GB/s"}));
  EXPECT_EQ(*Find(*values, "mpi_random_access_gups"),
            (Value{"mpi_random_access_gups", 0.0110992, "GUP/s"}));
  EXPECT_EQ(*Find(*values, "star_fft_gflops"), (Value{"star_fft_gflops", 6.44942, "Gflop/s"}));
  EXPECT_EQ(*Find(*values, "ping_pong_latency_avg_us"),
            (Value{"ping_pong_latency_avg_us", 0.359292, "us"}));
  EXPECT_EQ(*Find(*values, "ping_pong_bandwidth_min_gb_s"),
            (Value{"ping_pong_bandwidth_min_gb_s", 13.4852, "GB/s"}));
  for (const Value& value : *values) EXPECT_GT(value.value, 0) << value.name;
}

TEST(HpccMetricTest, LeavesOutWhatOneRankCannotMeasure) {
  Result<std::vector<Value>> values = Hpcc().Parse(ReadTestData("hpcc_1rank.txt"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_DOUBLE_EQ(Find(*values, "hpl_gflops")->value, 5.23128);
  EXPECT_EQ(Find(*values, "procs")->value, 1);
  // hpcc prints -1 for ping-pong and ring values with one rank.
  EXPECT_EQ(Find(*values, "ping_pong_latency_avg_us"), nullptr);
  EXPECT_EQ(Find(*values, "ring_bandwidth_natural_gb_s"), nullptr);
}

TEST(HpccMetricTest, RefusesTruncatedOrFailedSummaries) {
  const std::string summary = ReadTestData("hpcc_2ranks.txt");
  Result<std::vector<Value>> cut = Hpcc().Parse(summary.substr(0, summary.size() / 2));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("no end"), std::string::npos);
  std::string no_hpl = "Begin of Summary section.\nSuccess=1\nEnd of Summary section.\n";
  EXPECT_NE(Hpcc().Parse(no_hpl).status().message().find("HPL_Tflops"), std::string::npos);
  EXPECT_FALSE(Hpcc().Parse("Begin of Summary section.\nSuccess=0\nHPL_Tflops=1\n"
                            "End of Summary section.\n").ok());
  EXPECT_FALSE(Hpcc().Parse("Begin of Summary section.\nHPL_Tflops=0\n"
                            "End of Summary section.\n").ok());
  EXPECT_FALSE(Hpcc().Parse("Begin of Summary section.\nHPL_Tflops=1\nPTRANS_GBs=fast\n"
                            "End of Summary section.\n").ok());
}

TEST(HpccMetricTest, PlansOneMpiProgramWithTheGivenSizes) {
  Result<Plan> plan = Hpcc().MakePlan({{"n", "2000"}, {"nb", "64"}, {"tasks-per-node", "2"}},
                                      Placement{3});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->mpi);
  EXPECT_TRUE(plan->whole_job);
  EXPECT_EQ(plan->tasks_per_node, 2);
  EXPECT_NE(plan->argv[2].find("\n2000         Ns\n"), std::string::npos);
  EXPECT_NE(plan->argv[2].find("\n64           NBs\n"), std::string::npos);
  EXPECT_EQ(Hpcc().MakePlan({}, Placement{})->tasks_per_node, 1);
}

TEST(HpccMetricTest, RefusesBadValuesNamingTheOption) {
  const std::pair<const char*, const char*> bad[] = {
      {"n", "0"}, {"n", "1000; reboot"}, {"n", "big"}, {"nb", "0"}, {"nb", "2000"},
      {"tasks-per-node", "0"}};
  for (const auto& [name, value] : bad) {
    Result<Plan> plan = Hpcc().MakePlan({{name, value}}, Placement{});
    ASSERT_FALSE(plan.ok()) << name << "=" << value;
    EXPECT_EQ(plan.status().where(), std::string("options.") + name);
  }
}

TEST(HpccMetricTest, GridIsTheSquarestFactorisationOfTheTaskCount) {
  // The script's P x Q loop, run alone: cut at the input file.
  const std::string script = Hpcc().MakePlan({}, Placement{})->argv[2];
  const std::string grid = script.substr(script.find("count="), script.find("cat >") -
                                                                    script.find("count=")) +
                           "echo \"$p $q\"\n";
  const std::pair<int, const char*> cases[] = {{1, "1 1\n"}, {2, "1 2\n"}, {4, "2 2\n"},
                                               {6, "2 3\n"}, {7, "1 7\n"}, {12, "3 4\n"}};
  for (const auto& [count, expected] : cases) {
    EXPECT_EQ(testing::RunTask({"sh", "-c", grid}, 0, count), expected) << count;
  }
}

}  // namespace
}  // namespace converge::benchmarks
