// MetricSets against a real instance on a declared two-node cluster, with the real benchmark
// programs from Debian: every metric's output is parsed into positive values with units,
// checks pass or fail per node, a failing node is drained, and the results are read back
// through `converge metrics` and `converge query`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/instance_launcher.h"
#include "tests/testutil/run_command.h"

namespace converge {
namespace {

using testutil::CallApi;
using testutil::CommandResult;
using testutil::InstanceLauncher;
using testutil::InstanceOptions;
using testutil::TempDir;

constexpr const char* kCluster = R"(cluster: {name: test}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 1}
)";

bool Installed(const std::string& program) {
  for (const char* folder : {"/usr/bin/", "/usr/local/bin/", "/bin/"}) {
    if (::access((folder + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

class MetricSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"hpcc", "lmp", "sysbench", "stress-ng", "fio", "iperf3"}) {
      if (!Installed(tool)) GTEST_SKIP() << tool << " is not installed (scripts/install-deps)";
    }
    instance_ = std::make_unique<InstanceLauncher>(
        InstanceOptions{.resources = dir_.Write("cluster.yaml", kCluster)});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override {
    if (instance_) instance_->PrintLogIfFailed();
  }

  CommandResult Apply(const std::string& name, const std::string& yaml) {
    return instance_->Run({"apply", "-f", dir_.Write(name + ".yaml", yaml)});
  }
  nlohmann::json WaitDone(const std::string& name, double seconds) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    nlohmann::json object;
    while (std::chrono::steady_clock::now() < deadline) {
      object = CallApi(*instance_, "GET", "/v1/objects/metricset/" + name).body;
      const std::string phase = object.is_object() ? object["status"].value("phase", "") : "";
      if (phase == "Succeeded" || phase == "Failed") return object;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return object;
  }

  TempDir dir_;
  std::unique_ptr<InstanceLauncher> instance_;
};

// Every value of `result` (one metric's entry of status.results) by name.
std::map<std::string, nlohmann::json> ValuesOf(const nlohmann::json& result) {
  std::map<std::string, nlohmann::json> values;
  for (const auto& value : result.value("values", nlohmann::json::array())) {
    values[value.value("name", "") + "@" + std::to_string(value.value("rank", -2))] = value;
  }
  return values;
}

TEST_F(MetricSetTest, EveryBenchmarkGivesPositiveValuesWithUnitsOnBothNodes) {
  CommandResult applied = Apply("all", R"(apiVersion: converge/v1
kind: MetricSet
metadata: {name: all}
spec:
  nodes: 2
  metrics:
    - name: hpcc
    - name: lammps
    - name: sysbench
      options: {time: 1}
    - name: stress-ng
      options: {timeout: 1}
    - name: fio
      options: {runtime: 1, size: 8m}
    - name: iperf3
      options: {time: 1, server: 127.0.0.1}
  expect:
    - {metric: sysbench.events_per_s, op: ">=", value: 1}
)");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const nlohmann::json object = WaitDone("all", 240);
  ASSERT_EQ(object["status"].value("phase", ""), "Succeeded") << object.dump(2);
  const nlohmann::json& results = object["status"]["results"];
  ASSERT_EQ(results.size(), 6u) << object.dump(2);
  std::set<std::string> metrics;
  for (const auto& result : results) {
    const std::string metric = result.value("metric", "");
    metrics.insert(metric);
    EXPECT_NE(result.value("outcome", ""), "error") << result.dump(2);
    ASSERT_FALSE(result["values"].empty()) << result.dump(2);
    for (const auto& value : result["values"]) {
      if (value.value("name", "").find("latency") == std::string::npos &&
          value.value("name", "").find("retransmits") == std::string::npos) {
        EXPECT_GT(value.value("value", 0.0), 0) << metric << ": " << value.dump();
      }
    }
    std::set<std::string> nodes;
    for (const auto& value : result["values"]) nodes.insert(value.value("node", ""));
    if (metric == "sysbench" || metric == "stress-ng" || metric == "fio") {
      EXPECT_EQ(nodes, (std::set<std::string>{"node0", "node1"})) << result.dump(2);
    }
  }
  EXPECT_EQ(metrics, (std::set<std::string>{"hpcc", "lammps", "sysbench", "stress-ng", "fio",
                                            "iperf3"}));
  // A few values whose units are fixed.
  bool hpl = false, steps = false;
  for (const auto& result : results) {
    for (const auto& value : result["values"]) {
      if (value.value("name", "").rfind("hpl_", 0) == 0) hpl = true;
      if (result.value("metric", "") == "lammps" &&
          value.value("name", "") == "timesteps_per_s") {
        steps = value.value("unit", "") == "1/s";
      }
    }
  }
  EXPECT_TRUE(hpl) << results.dump(2);
  EXPECT_TRUE(steps) << results.dump(2);
  CommandResult shown = instance_->Run({"metrics", "show", "all"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("PASS sysbench.events_per_s >= 1"), std::string::npos) << shown.out;
  std::printf("%s", shown.out.c_str());  // the note shows a real result table
}

TEST_F(MetricSetTest, AFailedCheckDrainsTheNodeAndBaselinesCompareWithEarlierRuns) {
  auto set = [](const std::string& name, const std::string& check) {
    return "apiVersion: converge/v1\nkind: MetricSet\nmetadata: {name: " + name +
           "}\nspec:\n  nodes: 2\n  drainOnFailure: true\n  metrics:\n"
           "    - name: sysbench\n      options: {time: 1}\n  expect:\n    - " + check + "\n";
  };
  // Two runs set a baseline; a third compares with it.
  for (int run = 0; run < 2; ++run) {
    ASSERT_EQ(Apply("b", set("cpu", "{metric: sysbench.events_per_s, op: \">=\", "
                                    "baseline: 0.01}")).exit_code, 0);
    nlohmann::json done = WaitDone("cpu", 60);
    ASSERT_EQ(done["status"].value("phase", ""), "Succeeded") << done.dump(2);
    if (run == 0) {
      EXPECT_NE(done.dump().find("this one is the baseline"), std::string::npos) << done.dump();
    } else {
      EXPECT_NE(done.dump().find("mean of 2 earlier values"), std::string::npos) << done.dump();
    }
    ASSERT_EQ(instance_->Run({"delete", "metricset", "cpu"}).exit_code, 0);
  }
  ASSERT_EQ(Apply("f", set("strict", "{metric: sysbench.events_per_s, op: \">=\", "
                                     "value: 1e15}")).exit_code, 0);
  nlohmann::json failed = WaitDone("strict", 60);
  EXPECT_EQ(failed["status"].value("phase", ""), "Failed") << failed.dump(2);
  EXPECT_EQ(failed["status"]["results"][0].value("outcome", ""), "failed") << failed.dump(2);
  CommandResult list = instance_->Run({"resource", "list"});
  EXPECT_NE(list.out.find("drained"), std::string::npos) << list.out;
  CommandResult events = instance_->Run({"describe", "metricset", "strict"});
  EXPECT_NE(events.out.find("Drained"), std::string::npos) << events.out;

  // The results, read back.
  CommandResult runs = instance_->Run({"metrics", "list"});
  EXPECT_NE(runs.out.find("strict"), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("failed"), std::string::npos) << runs.out;
  CommandResult csv = instance_->Run({"metrics", "export", "cpu"});
  EXPECT_EQ(csv.out.rfind("job_id,metric_set,metric,rank,node,name,value,unit,time\r\n", 0), 0u)
      << csv.out;
  CommandResult query = instance_->Run(
      {"query", "--csv", "SELECT count(DISTINCT job_id) FROM metric_values WHERE "
                         "metric_set = 'cpu'"});
  EXPECT_EQ(query.out, "count(DISTINCT job_id)\r\n2\r\n") << query.out << query.err;
  const std::string svg = dir_.path() + "/cpu.svg";
  CommandResult plot =
      instance_->Run({"metrics", "plot", "cpu", "sysbench.events_per_s", "-o", svg});
  EXPECT_EQ(plot.exit_code, 0) << plot.err;
  std::ifstream in(svg);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  EXPECT_NE(text.str().find("node1"), std::string::npos);
}

TEST_F(MetricSetTest, BadDocumentsAreRefusedNamingTheField) {
  const std::string head = "apiVersion: converge/v1\nkind: MetricSet\nmetadata: {name: bad}\n";
  for (const auto& [spec, field] : std::vector<std::pair<std::string, std::string>>{
           {"spec: {metrics: [{name: nosuch}]}", "spec.metrics[0].name"},
           {"spec: {metrics: [{name: fio, options: {bs: 'x; rm -rf /'}}]}",
            "spec.metrics[0].options.bs"},
           {"spec: {metrics: [{name: sysbench, options: {colour: red}}]}",
            "spec.metrics[0].options.colour"},
           {"spec: {metrics: []}", "spec.metrics"},
           {"spec: {nodes: 0, metrics: [{name: sysbench}]}", "spec.nodes"},
           {"spec: {metrics: [{name: sysbench}], expect: [{metric: fio.bw, value: 1}]}",
            "spec.expect[0].metric"},
           {"spec: {metrics: [{name: sysbench}], expect: [{metric: sysbench.x}]}",
            "spec.expect[0]"},
           {"spec: {metrics: [{name: sysbench}], drainOnFailure: 1}", "spec.drainOnFailure"}}) {
    CommandResult refused = Apply("bad", head + spec + "\n");
    EXPECT_NE(refused.exit_code, 0) << spec;
    EXPECT_NE(refused.err.find(field), std::string::npos) << spec << ": " << refused.err;
  }
}

}  // namespace
}  // namespace converge
