// stress-ng: a stressor's bogo operations per second on each node (not MPI; each rank's
// output is its own node's result).
//
// The script runs `stress-ng --STRESSOR WORKERS --timeout T --metrics-brief --yaml FILE`, sends
// stress-ng's own messages to stderr, and prints FILE: Parse reads its `metrics:` entry for the
// stressor. (The YAML goes to a temporary file: written to a pipe, stress-ng garbles it.)
#include <algorithm>
#include <optional>
#include <string>

#include "benchmarks/metric.h"
#include "benchmarks/option_values.h"
#include "benchmarks/output_text.h"

namespace converge::benchmarks {
namespace {

constexpr const char* kName = "stress-ng";

struct YamlValue {
  const char* key;
  const char* name;
  const char* unit;
};

constexpr YamlValue kValues[] = {
    {"bogo-ops", "bogo_ops", ""},
    {"bogo-ops-per-second-real-time", "bogo_ops_per_s", "1/s"},
    {"bogo-ops-per-second-usr-sys-time", "bogo_ops_per_cpu_s", "1/s"},
    {"wall-clock-time", "wall_time", "s"},
};

class StressNgMetric final : public Metric {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "stress-ng bogo operations per second of one stressor on each node";
  }
  std::vector<std::pair<std::string, std::string>> options() const override {
    return {{"stressor", "cpu, vm, matrix or stream (default cpu)"},
            {"workers", "stressor instances, one core each (default 1)"},
            {"timeout", "seconds (default 3)"}};
  }

  Result<Plan> MakePlan(const Options& options, const Placement& placement) const override {
    CONVERGE_RETURN_IF_ERROR(CheckOptionNames(kName, options, this->options()));
    Result<std::string> stressor =
        ParseChoice(options, "stressor", "cpu", {"cpu", "vm", "matrix", "stream"});
    if (!stressor) return stressor.status();
    Result<int64_t> workers = ParseCount(options, "workers", 1, 1, 1024);
    if (!workers) return workers.status();
    Result<int64_t> timeout = ParseCount(options, "timeout", 3, 1, 86400);
    if (!timeout) return timeout.status();
    // Only checked choices and numbers reach the script.
    const std::string script =
        "set -eu\n"
        "command -v stress-ng >/dev/null 2>&1 || { echo 'converge: stress-ng is not installed' "
        ">&2; exit 127; }\n"
        "file=$(mktemp \"${TMPDIR:-/tmp}/converge-stress-ng.XXXXXX\")\n"
        "trap 'rm -f \"$file\"' EXIT\n"
        "stress-ng --" + *stressor + " " + std::to_string(*workers) + " --timeout " +
        std::to_string(*timeout) + "s --metrics-brief --yaml \"$file\" >&2\n"
        "cat \"$file\"\n";
    Plan plan;
    plan.argv = {"sh", "-c", script};
    plan.cores_per_task = *workers;
    plan.time_limit = *timeout + 60;
    return plan;
  }

  Result<std::vector<Value>> Parse(std::string_view output) const override {
    // metrics:
    //     - stressor: cpu
    //       bogo-ops: 1562
    //       ...
    bool in_metrics = false;
    bool in_entry = false;
    std::vector<Value> values;
    for (std::string_view line : Lines(output)) {
      const std::string_view trimmed = Trim(line);
      if (line == "metrics:") {
        in_metrics = true;
        continue;
      }
      if (!in_metrics) continue;
      if (!line.empty() && line.front() != ' ') break;  // the next top-level section
      if (trimmed.starts_with("- ")) {
        if (in_entry) break;  // one stressor only: the first entry
        in_entry = trimmed.starts_with("- stressor:");
        continue;
      }
      if (!in_entry) continue;
      const size_t colon = trimmed.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view key = trimmed.substr(0, colon);
      for (const YamlValue& wanted : kValues) {
        if (key != wanted.key) continue;
        std::optional<double> value = ParseNumber(Trim(trimmed.substr(colon + 1)));
        if (!value) {
          return Status::Invalid(kName, std::string("'") + wanted.key + "' is not a number");
        }
        values.push_back({wanted.name, *value, wanted.unit});
      }
    }
    if (!in_metrics) return Status::Invalid(kName, "no 'metrics:' section in the YAML output");
    const bool has_rate = std::any_of(values.begin(), values.end(), [](const Value& value) {
      return value.name == "bogo_ops_per_s";
    });
    if (!has_rate) {
      return Status::Invalid(kName, "no 'bogo-ops-per-second-real-time' in the metrics");
    }
    return values;
  }
};

}  // namespace

const Metric& StressNgMetricPlugin() {
  static const StressNgMetric metric;
  return metric;
}

}  // namespace converge::benchmarks
