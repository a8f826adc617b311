#include <gtest/gtest.h>

#include "workload/document.h"

namespace converge::workload {
namespace {

constexpr const char* kHead = "apiVersion: converge/v1\nkind: MetricSet\nmetadata: {name: m}\n";

Result<MetricSetSpec> Parse(const std::string& spec) {
  Result<std::vector<Document>> documents = ParseDocuments(kHead + spec, "m.yaml");
  if (!documents.ok()) return documents.status();
  return std::get<MetricSetSpec>(documents->front().spec);
}

TEST(MetricSetParse, ReadsNodesMetricsChecksAndFlags) {
  Result<MetricSetSpec> spec = Parse(R"(spec:
  nodes: 4
  drainOnFailure: true
  duration: 10m
  metrics:
    - {name: fio, options: {bs: 64k, runtime: 2}}
    - {name: sysbench}
  expect:
    - {metric: sysbench.events_per_s, op: ">", value: 100}
    - {metric: fio.read_iops, baseline: 0.9}
)");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->nodes, 4);
  EXPECT_TRUE(spec->drain_on_failure);
  EXPECT_EQ(spec->duration, "10m");
  ASSERT_EQ(spec->metrics.size(), 2u);
  EXPECT_EQ(spec->metrics[0].name, "fio");
  EXPECT_EQ(spec->metrics[0].options,
            (std::map<std::string, std::string>{{"bs", "64k"}, {"runtime", "2"}}));
  ASSERT_EQ(spec->expect.size(), 2u);
  EXPECT_EQ(spec->expect[0].op, MetricCheck::Op::kGt);
  EXPECT_EQ(spec->expect[0].value, 100);
  EXPECT_EQ(spec->expect[1].op, MetricCheck::Op::kGe);
  EXPECT_EQ(spec->expect[1].baseline, 0.9);
}

TEST(MetricSetParse, RefusesWhatCannotRunNamingTheField) {
  for (const auto& [spec, field] : std::vector<std::pair<std::string, std::string>>{
           {"spec: {metrics: [{name: iperf3}], nodes: 3}", "spec.metrics[0].nodes"},
           {"spec: {metrics: [{name: sysbench, options: {time: soon}}]}",
            "spec.metrics[0].options.time"},
           {"spec: {metrics: [{name: sysbench}], duration: forever}", "spec.duration"},
           {"spec: {metrics: [{name: sysbench}], expect: [{metric: sysbench.x, op: '!=', "
            "value: 1}]}",
            "spec.expect[0].op"},
           {"spec: {metrics: [{name: sysbench}], expect: [{metric: sysbench.x, baseline: 0}]}",
            "spec.expect[0].baseline"},
           {"spec: {metrics: [{name: sysbench}], extra: 1}", "spec.extra"}}) {
    Result<MetricSetSpec> refused = Parse(spec);
    ASSERT_FALSE(refused.ok()) << spec;
    EXPECT_NE(refused.status().message().find(field), std::string::npos)
        << spec << ": " << refused.status().ToString();
  }
}

}  // namespace
}  // namespace converge::workload
