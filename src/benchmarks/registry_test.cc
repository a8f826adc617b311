#include <gtest/gtest.h>

#include <set>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

TEST(RegistryTest, ListsEveryPluginByName) {
  EXPECT_EQ(MetricNames(), "fio, hpcc, iperf3, lammps, stress-ng, sysbench");
  std::set<std::string> names;
  for (const Metric* metric : AllMetrics()) names.insert(std::string(metric->name()));
  EXPECT_EQ(names.size(), 6u);
}

TEST(RegistryTest, FindsKnownNamesAndNotOthers) {
  for (const Metric* metric : AllMetrics()) EXPECT_EQ(FindMetric(metric->name()), metric);
  EXPECT_EQ(FindMetric("hpl"), nullptr);
  EXPECT_EQ(FindMetric(""), nullptr);
  EXPECT_EQ(FindMetric("HPCC"), nullptr);
}

TEST(RegistryTest, EveryPluginDescribesItselfAndItsOptions) {
  for (const Metric* metric : AllMetrics()) {
    EXPECT_FALSE(metric->description().empty()) << metric->name();
    EXPECT_FALSE(metric->options().empty()) << metric->name();
    for (const auto& [name, description] : metric->options()) {
      EXPECT_FALSE(description.empty()) << metric->name() << "." << name;
    }
  }
}

TEST(RegistryTest, EveryPluginPlansWithDefaultsAndRefusesUnknownOptions) {
  for (const Metric* metric : AllMetrics()) {
    Result<Plan> plan = metric->MakePlan({}, Placement{});
    ASSERT_TRUE(plan.ok()) << metric->name() << ": " << plan.status().ToString();
    ASSERT_EQ(plan->argv.size(), 3u);
    EXPECT_EQ(plan->argv[0], "sh");
    EXPECT_EQ(plan->argv[1], "-c");
    Result<Plan> bad = metric->MakePlan({{"no-such-option", "1"}}, Placement{});
    ASSERT_FALSE(bad.ok()) << metric->name();
    EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(bad.status().where(), "options.no-such-option");
  }
}

TEST(RegistryTest, EveryParseRefusesEmptyAndGarbageOutput) {
  const std::string garbage[] = {"", "\n\n", "hello world", "{", "}{", std::string(3, '\0'),
                                 "=\n=\n==", "- stressor:\nmetrics:\n", "[[[[[[[[[["};
  for (const Metric* metric : AllMetrics()) {
    for (const std::string& text : garbage) {
      Result<std::vector<Value>> values = metric->Parse(text);
      EXPECT_FALSE(values.ok()) << metric->name() << " accepted '" << text << "'";
      if (!values.ok()) {
        EXPECT_EQ(values.status().code(), Code::kInvalidArgument);
      }
    }
  }
}

TEST(RegistryTest, NoParseFailsBadlyOnAnyCutOfAnyRealOutput) {
  const char* files[] = {"hpcc_1rank.txt",     "hpcc_2ranks.txt",       "lammps_1proc.txt",
                         "lammps_2procs.txt",  "fio_randread.json",     "fio_randrw.json",
                         "iperf3_client.json", "iperf3_client_refused.json",
                         "stress-ng_cpu.yaml", "sysbench_cpu.txt",      "sysbench_memory.txt"};
  for (const char* file : files) {
    const std::string output = testing::ReadTestData(file);
    ASSERT_FALSE(output.empty()) << file;
    for (const Metric* metric : AllMetrics()) {
      for (size_t size = 0; size < output.size(); size += 13) {
        Result<std::vector<Value>> values = metric->Parse(output.substr(0, size));
        if (values.ok()) {
          EXPECT_TRUE(testing::NamesWellFormed(*values)) << metric->name() << " " << file;
        } else {
          EXPECT_EQ(values.status().code(), Code::kInvalidArgument);
        }
      }
    }
  }
}

}  // namespace
}  // namespace converge::benchmarks
