// The table of metric plugins. Adding one: its <name>_metric.cc defining the function below,
// and one line here and in kMetrics.
#include <array>

#include "benchmarks/metric.h"

namespace converge::benchmarks {

// Each in its <name>_metric.cc: the plugin, a function-local static const object.
const Metric& FioMetricPlugin();
const Metric& HpccMetricPlugin();
const Metric& Iperf3MetricPlugin();
const Metric& LammpsMetricPlugin();
const Metric& StressNgMetricPlugin();
const Metric& SysbenchMetricPlugin();

namespace {

// By name, as MetricNames() lists them.
const std::array<const Metric*, 6>& Table() {
  static const std::array<const Metric*, 6> kMetrics = {
      &FioMetricPlugin(),    &HpccMetricPlugin(),     &Iperf3MetricPlugin(),
      &LammpsMetricPlugin(), &StressNgMetricPlugin(), &SysbenchMetricPlugin(),
  };
  return kMetrics;
}

}  // namespace

const Metric* FindMetric(std::string_view name) {
  for (const Metric* metric : Table()) {
    if (metric->name() == name) return metric;
  }
  return nullptr;
}

std::vector<const Metric*> AllMetrics() { return {Table().begin(), Table().end()}; }

std::string MetricNames() {
  std::string names;
  for (const Metric* metric : Table()) {
    if (!names.empty()) names += ", ";
    names += metric->name();
  }
  return names;
}

}  // namespace converge::benchmarks
