// MetricSet spec reader: the nodes, the metrics (plugins of src/benchmarks, their options
// checked by the plugin's own MakePlan) and the acceptance checks.
#include <cmath>
#include <utility>

#include "benchmarks/metric.h"
#include "jobspec/duration.h"
#include "workload/field_reader.h"
#include "workload/spec_parse.h"

namespace converge::workload {
namespace {

constexpr int64_t kMaxMetricSetNodes = 1024;
constexpr size_t kMaxMetrics = 64;

Result<bool> Bool(const FieldReader& reader, std::string_view key) {
  if (!reader.Has(key)) return false;
  const nlohmann::json& value = reader.Raw(key);
  if (!value.is_boolean()) return Status::Invalid(reader.PathOf(key), "must be true or false");
  return value.get<bool>();
}

Result<double> Number(const FieldReader& reader, std::string_view key) {
  const nlohmann::json& value = reader.Raw(key);
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    return Status::Invalid(reader.PathOf(key), "must be a number");
  }
  return value.get<double>();
}

Result<MetricRun> ParseRun(const nlohmann::json& value, const std::string& path, int64_t nodes) {
  Result<FieldReader> run = FieldReader::Open(value, path, {"name", "options"});
  if (!run.ok()) return run.status();
  CONVERGE_RETURN_IF_ERROR(run->Require("name"));
  MetricRun out;
  Result<std::string> name = run->String("name");
  if (!name.ok()) return name.status();
  const benchmarks::Metric* metric = benchmarks::FindMetric(*name);
  if (metric == nullptr) {
    return Status::Invalid(run->PathOf("name"), "unknown metric \"" + name->substr(0, 64) +
                                                    "\" (known: " + benchmarks::MetricNames() +
                                                    ")");
  }
  out.name = *name;
  Result<std::map<std::string, std::string>> options = run->StringMap("options");
  if (!options.ok()) return options.status();
  out.options = std::move(*options);
  Result<benchmarks::Plan> plan = metric->MakePlan(out.options, {nodes});
  if (!plan.ok()) return plan.status().WithPrefix(path);
  return out;
}

Result<MetricCheck> ParseCheck(const nlohmann::json& value, const std::string& path,
                               const std::vector<MetricRun>& runs) {
  Result<FieldReader> check =
      FieldReader::Open(value, path, {"metric", "op", "value", "baseline"});
  if (!check.ok()) return check.status();
  MetricCheck out;
  CONVERGE_RETURN_IF_ERROR(check->Require("metric"));
  Result<std::string> metric = check->String("metric");
  if (!metric.ok()) return metric.status();
  const size_t dot = metric->find('.');
  const std::string plugin = metric->substr(0, dot);
  bool known = false;
  for (const MetricRun& run : runs) known = known || run.name == plugin;
  if (dot == std::string::npos || dot + 1 == metric->size() || !known) {
    return Status::Invalid(check->PathOf("metric"),
                           "must be PLUGIN.VALUE with PLUGIN one of this set's metrics "
                           "(\"sysbench.events_per_s\")");
  }
  out.metric = *metric;
  Result<MetricCheck::Op> op = check->Enum("op", MetricCheck::Op::kGe,
                                           {{">=", MetricCheck::Op::kGe},
                                            {">", MetricCheck::Op::kGt},
                                            {"<=", MetricCheck::Op::kLe},
                                            {"<", MetricCheck::Op::kLt}});
  if (!op.ok()) return op.status();
  out.op = *op;
  if (check->Has("value") == check->Has("baseline")) {
    return Status::Invalid(path, "needs exactly one of value (a threshold) and baseline (a "
                                 "fraction of the earlier runs' mean)");
  }
  if (check->Has("value")) {
    Result<double> threshold = Number(*check, "value");
    if (!threshold.ok()) return threshold.status();
    out.value = *threshold;
  } else {
    Result<double> baseline = Number(*check, "baseline");
    if (!baseline.ok()) return baseline.status();
    if (!(*baseline > 0)) return Status::Invalid(check->PathOf("baseline"), "must be > 0");
    out.baseline = *baseline;
  }
  return out;
}

}  // namespace

Result<MetricSetSpec> ParseMetricSetSpec(const nlohmann::json& value) {
  Result<FieldReader> spec = FieldReader::Open(
      value, "spec", {"nodes", "metrics", "expect", "drainOnFailure", "duration"});
  if (!spec.ok()) return spec.status();
  MetricSetSpec out;
  Result<int64_t> nodes = spec->Int("nodes", 1);
  if (!nodes.ok()) return nodes.status();
  if (*nodes < 1 || *nodes > kMaxMetricSetNodes) {
    return Status::Invalid(spec->PathOf("nodes"),
                           "must be 1.." + std::to_string(kMaxMetricSetNodes));
  }
  out.nodes = *nodes;
  CONVERGE_RETURN_IF_ERROR(spec->Require("metrics"));
  Result<std::vector<const nlohmann::json*>> metrics = spec->List("metrics");
  if (!metrics.ok()) return metrics.status();
  if (metrics->empty() || metrics->size() > kMaxMetrics) {
    return Status::Invalid(spec->PathOf("metrics"),
                           "must list 1.." + std::to_string(kMaxMetrics) + " metrics");
  }
  for (size_t i = 0; i < metrics->size(); ++i) {
    Result<MetricRun> run =
        ParseRun(*(*metrics)[i], IndexPath(spec->PathOf("metrics"), i), out.nodes);
    if (!run.ok()) return run.status();
    out.metrics.push_back(std::move(*run));
  }
  Result<std::vector<const nlohmann::json*>> expect = spec->List("expect");
  if (!expect.ok()) return expect.status();
  for (size_t i = 0; i < expect->size(); ++i) {
    Result<MetricCheck> check =
        ParseCheck(*(*expect)[i], IndexPath(spec->PathOf("expect"), i), out.metrics);
    if (!check.ok()) return check.status();
    out.expect.push_back(std::move(*check));
  }
  Result<bool> drain = Bool(*spec, "drainOnFailure");
  if (!drain.ok()) return drain.status();
  out.drain_on_failure = *drain;
  Result<std::string> duration = spec->String("duration");
  if (!duration.ok()) return duration.status();
  if (!duration->empty()) {
    Result<double> seconds = jobspec::ParseDuration(*duration);
    if (!seconds.ok() || !(*seconds > 0)) {
      return Status::Invalid(spec->PathOf("duration"), "must be a duration (\"10m\")");
    }
  }
  out.duration = std::move(*duration);
  return out;
}

}  // namespace converge::workload
