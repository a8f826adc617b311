// sysbench: CPU events per second (`cpu`: prime numbers) or memory transfer rate (`memory`)
// on each node, with the events' latency (not MPI; each rank's output is its own node's).
//
// The script runs `sysbench TEST --threads=N --time=T run`; Parse reads its report.
#include <optional>
#include <string>

#include "benchmarks/metric.h"
#include "benchmarks/option_values.h"
#include "benchmarks/output_text.h"

namespace converge::benchmarks {
namespace {

constexpr const char* kName = "sysbench";

// "    events per second:  4270.76" and the like: the number after `key`.
struct ReportValue {
  const char* key;
  const char* name;
  const char* unit;
};

constexpr ReportValue kValues[] = {
    {"events per second:", "events_per_s", "1/s"},
    {"total time:", "total_time", "s"},
    {"total number of events:", "total_events", ""},
    {"min:", "latency_min_ms", "ms"},
    {"avg:", "latency_avg_ms", "ms"},
    {"max:", "latency_max_ms", "ms"},
    {"95th percentile:", "latency_p95_ms", "ms"},
};

class SysbenchMetric final : public Metric {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "sysbench CPU events or memory transfer rate, and latency, on each node";
  }
  std::vector<std::pair<std::string, std::string>> options() const override {
    return {{"test", "cpu or memory (default cpu)"},
            {"threads", "worker threads, one core each (default 1)"},
            {"time", "seconds (default 3)"}};
  }

  Result<Plan> MakePlan(const Options& options, const Placement& placement) const override {
    CONVERGE_RETURN_IF_ERROR(CheckOptionNames(kName, options, this->options()));
    Result<std::string> test = ParseChoice(options, "test", "cpu", {"cpu", "memory"});
    if (!test) return test.status();
    Result<int64_t> threads = ParseCount(options, "threads", 1, 1, 1024);
    if (!threads) return threads.status();
    Result<int64_t> seconds = ParseCount(options, "time", 3, 1, 86400);
    if (!seconds) return seconds.status();
    // Only a checked choice and numbers reach the script.
    const std::string script =
        "command -v sysbench >/dev/null 2>&1 || { echo 'converge: sysbench is not installed' "
        ">&2; exit 127; }\n"
        "exec sysbench " + *test + " --threads=" + std::to_string(*threads) +
        " --time=" + std::to_string(*seconds) + " run\n";
    Plan plan;
    plan.argv = {"sh", "-c", script};
    plan.cores_per_task = *threads;
    plan.time_limit = *seconds + 60;
    return plan;
  }

  Result<std::vector<Value>> Parse(std::string_view output) const override {
    std::vector<Value> values;
    bool rate = false;
    bool in_latency = false;
    for (std::string_view line : Lines(output)) {
      line = Trim(line);
      if (line.starts_with("Latency (ms):")) {
        in_latency = true;
        continue;
      }
      if (line.empty()) in_latency = false;
      // Memory: "6968.12 MiB transferred (6963.44 MiB/sec)", "Total operations: 7135353
      // (7130560.65 per second)".
      if (std::optional<std::string_view> mib = After(line, "MiB transferred (")) {
        if (std::optional<double> value = LeadingNumber(*mib)) {
          values.push_back({"transfer_mib_s", *value, "MiB/s"});
          rate = true;
        }
        continue;
      }
      if (line.starts_with("Total operations:")) {
        if (std::optional<std::string_view> ops = After(line, "(")) {
          if (std::optional<double> value = LeadingNumber(*ops)) {
            values.push_back({"operations_per_s", *value, "1/s"});
          }
        }
        continue;
      }
      for (const ReportValue& wanted : kValues) {
        const bool latency = wanted.unit == std::string_view("ms");
        if (latency != in_latency || !line.starts_with(wanted.key)) continue;
        std::optional<double> value =
            LeadingNumber(line.substr(std::string_view(wanted.key).size()));
        if (!value) {
          return Status::Invalid(kName, std::string("'") + wanted.key + "' has no number");
        }
        values.push_back({wanted.name, *value, wanted.unit});
        if (wanted.name == std::string_view("events_per_s")) rate = true;
      }
    }
    if (!rate) {
      return Status::Invalid(kName, "no 'events per second:' (cpu) or 'MiB transferred' "
                                    "(memory) line in the report");
    }
    return values;
  }
};

}  // namespace

const Metric& SysbenchMetricPlugin() {
  static const SysbenchMetric metric;
  return metric;
}

}  // namespace converge::benchmarks
