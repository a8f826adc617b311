#include <gtest/gtest.h>

#include <thread>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

using testing::Find;
using testing::ReadTestData;

const Metric& Iperf3() { return *FindMetric("iperf3"); }

TEST(Iperf3MetricTest, ParsesTheClientsReport) {
  Result<std::vector<Value>> values = Iperf3().Parse(ReadTestData("iperf3_client.json"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(testing::NamesWellFormed(*values));
  EXPECT_EQ(*Find(*values, "sent_gbit_s"),
            (Value{"sent_gbit_s", 21387891362.211952 / 1e9, "Gbit/s"}));
  EXPECT_EQ(*Find(*values, "received_gbit_s"),
            (Value{"received_gbit_s", 21317875357.949062 / 1e9, "Gbit/s"}));
  EXPECT_EQ(*Find(*values, "retransmits"), (Value{"retransmits", 6, ""}));
  EXPECT_EQ(*Find(*values, "mean_rtt_us"), (Value{"mean_rtt_us", 81, "us"}));
}

TEST(Iperf3MetricTest, LeavesOutTheRttAReceivingClientCannotMeasure) {
  Result<std::vector<Value>> values =
      Iperf3().Parse(ReadTestData("iperf3_client_reverse_parallel.json"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(Find(*values, "sent_gbit_s")->value, 21404742860.5936 / 1e9);
  EXPECT_EQ(Find(*values, "mean_rtt_us"), nullptr);
}

TEST(Iperf3MetricTest, ReportsIperfsErrorAndRefusesTruncatedJson) {
  Status refused = Iperf3().Parse(ReadTestData("iperf3_client_refused.json")).status();
  EXPECT_EQ(refused.code(), Code::kInvalidArgument);
  EXPECT_NE(refused.message().find("Connection refused"), std::string::npos);
  const std::string report = ReadTestData("iperf3_client.json");
  EXPECT_FALSE(Iperf3().Parse(report.substr(0, report.size() - 40)).ok());
  EXPECT_FALSE(Iperf3().Parse("{\"end\": {\"sum_sent\": {\"bits_per_second\": \"fast\"}}}").ok());
}

TEST(Iperf3MetricTest, PlacesTwoTasksOnOneNodeOrOneOnEachOfTwo) {
  Result<Plan> one = Iperf3().MakePlan({}, Placement{1});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->tasks_per_node, 2);
  EXPECT_TRUE(one->whole_job);
  EXPECT_FALSE(one->mpi);
  Result<Plan> two = Iperf3().MakePlan({{"server", "node2.example"}}, Placement{2});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->tasks_per_node, 1);
  EXPECT_NE(two->argv[2].find("iperf3 -c 'node2.example' -p 5201 -J -t 2 -P 1"),
            std::string::npos);
  EXPECT_EQ(Iperf3().MakePlan({}, Placement{2}).status().where(), "options.server");
  EXPECT_EQ(Iperf3().MakePlan({}, Placement{3}).status().where(), "nodes");
  EXPECT_EQ(Iperf3().MakePlan({}, Placement{0}).status().where(), "nodes");
}

TEST(Iperf3MetricTest, RefusesBadValuesNamingTheOption) {
  const std::pair<const char*, const char*> bad[] = {
      {"server", "-R"},   {"server", "a b"},    {"server", "$(id)"}, {"server", ""},
      {"port", "0"},      {"port", "65536"},    {"time", "0"},       {"parallel", "129"},
      {"reverse", "on"}};
  for (const auto& [name, value] : bad) {
    Result<Plan> plan = Iperf3().MakePlan({{name, value}}, Placement{});
    ASSERT_FALSE(plan.ok()) << name << "=" << value;
    EXPECT_EQ(plan.status().where(), std::string("options.") + name);
  }
  EXPECT_TRUE(Iperf3().MakePlan({{"server", "fe80::1%eth0"}}, Placement{}).ok());
}

TEST(Iperf3MetricTest, ScriptsClientAndServerMeasureOverLoopback) {
  if (!testing::Installed("iperf3")) GTEST_SKIP() << "iperf3 is not installed";
  Result<Plan> plan = Iperf3().MakePlan({{"port", "5287"}, {"time", "1"}}, Placement{1});
  ASSERT_TRUE(plan.ok());
  // The client starts first and must wait for the server.
  std::string client;
  std::thread client_task([&] { client = testing::RunTask(plan->argv, 0, 2); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  testing::RunTask(plan->argv, 1, 2);
  client_task.join();
  Result<std::vector<Value>> values = Iperf3().Parse(client);
  ASSERT_TRUE(values.ok()) << values.status().ToString() << "\n" << client;
  EXPECT_GT(Find(*values, "sent_gbit_s")->value, 0);
}

}  // namespace
}  // namespace converge::benchmarks
