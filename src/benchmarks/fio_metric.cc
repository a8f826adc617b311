// fio: storage bandwidth, IOPS and completion latency on each node, one fio job per task
// (not MPI; each rank's output is its own node's result).
//
// The script runs fio for `runtime` seconds (time based) on a `size` file in a fresh folder,
// made under `directory` (default: $TMPDIR or /tmp) and removed afterwards, and prints fio's
// JSON. Parse reads jobs[0]'s read and write parts, each only if it did I/O.
#include <optional>
#include <string>

#include "benchmarks/json_output.h"
#include "benchmarks/metric.h"
#include "benchmarks/option_values.h"
#include "benchmarks/shell_quote.h"

namespace converge::benchmarks {
namespace {

constexpr const char* kName = "fio";

// Each direction's values, from jobs[0].<direction>; absent when it did no I/O.
Status AddDirection(const nlohmann::json& job, const std::string& direction,
                    std::vector<Value>& values) {
  const std::optional<double> ios = NumberAt(job, {direction, "total_ios"});
  if (!ios || *ios <= 0) return Status::Ok();
  const std::optional<double> bytes = NumberAt(job, {direction, "bw_bytes"});
  const std::optional<double> iops = NumberAt(job, {direction, "iops"});
  const std::optional<double> mean = NumberAt(job, {direction, "clat_ns", "mean"});
  if (!bytes || !iops || !mean) {
    return Status::Invalid(kName, "no " + direction + ".bw_bytes, .iops or .clat_ns.mean");
  }
  values.push_back({direction + "_bw_mib_s", *bytes / (1024.0 * 1024.0), "MiB/s"});
  values.push_back({direction + "_iops", *iops, "1/s"});
  values.push_back({direction + "_clat_mean_us", *mean / 1000, "us"});
  const std::optional<double> p99 =
      NumberAt(job, {direction, "clat_ns", "percentile", "99.000000"});
  if (p99) values.push_back({direction + "_clat_p99_us", *p99 / 1000, "us"});
  return Status::Ok();
}

class FioMetric final : public Metric {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "fio storage bandwidth, IOPS and latency on each node";
  }
  std::vector<std::pair<std::string, std::string>> options() const override {
    return {{"rw", "read, write, randread, randwrite or randrw (default randread)"},
            {"bs", "block size, e.g. 4k (default 4k)"},
            {"size", "file size, e.g. 64m (default 64m)"},
            {"runtime", "seconds of I/O (default 5)"},
            {"directory", "absolute path of a folder to test in (default: $TMPDIR or /tmp)"},
            {"iodepth", "I/Os in flight, for asynchronous engines (default 1)"},
            {"ioengine", "psync, sync, libaio, io_uring, posixaio or mmap (default psync)"},
            {"direct", "true: O_DIRECT, bypassing the page cache (default false)"}};
  }

  Result<Plan> MakePlan(const Options& options, const Placement& placement) const override {
    CONVERGE_RETURN_IF_ERROR(CheckOptionNames(kName, options, this->options()));
    Result<std::string> rw = ParseChoice(options, "rw", "randread",
                                         {"read", "write", "randread", "randwrite", "randrw"});
    if (!rw) return rw.status();
    Result<std::string> bs = ParseSize(options, "bs", "4k");
    if (!bs) return bs.status();
    Result<std::string> size = ParseSize(options, "size", "64m");
    if (!size) return size.status();
    Result<int64_t> runtime = ParseCount(options, "runtime", 5, 1, 86400);
    if (!runtime) return runtime.status();
    Result<std::optional<std::string>> directory = ParseAbsolutePath(options, "directory");
    if (!directory) return directory.status();
    if (*directory && (*directory)->find(':') != std::string::npos) {
      return Status::Invalid("options.directory", "fio reads ':' as a list of folders: choose "
                                                  "a folder whose path has no ':'");
    }
    Result<int64_t> iodepth = ParseCount(options, "iodepth", 1, 1, 4096);
    if (!iodepth) return iodepth.status();
    Result<std::string> engine = ParseChoice(
        options, "ioengine", "psync", {"psync", "sync", "libaio", "io_uring", "posixaio", "mmap"});
    if (!engine) return engine.status();
    Result<bool> direct = ParseFlag(options, "direct", false);
    if (!direct) return direct.status();

    std::string script =
        "set -eu\n"
        "command -v fio >/dev/null 2>&1 || { echo 'converge: fio is not installed' >&2; "
        "exit 127; }\n";
    script += "base=" + (*directory ? ShellQuote(**directory) : "\"${TMPDIR:-/tmp}\"") + "\n";
    script += "dir=$(mktemp -d \"$base/converge-fio.XXXXXX\")\n";
    script += "trap 'rm -rf \"$dir\"' EXIT\n";
    script += "fio --output-format=json --name=converge --directory=\"$dir\"";
    script += " --rw=" + ShellQuote(*rw) + " --bs=" + ShellQuote(*bs) +
              " --size=" + ShellQuote(*size) + " --runtime=" + std::to_string(*runtime) +
              " --time_based --ioengine=" + ShellQuote(*engine) +
              " --iodepth=" + std::to_string(*iodepth) + " --direct=" + (*direct ? "1" : "0") +
              "\n";
    Plan plan;
    plan.argv = {"sh", "-c", script};
    plan.time_limit = *runtime + 120;  // laying the file out comes first
    return plan;
  }

  Result<std::vector<Value>> Parse(std::string_view output) const override {
    Result<nlohmann::json> report = FindJsonObject(output, kName);
    if (!report) return report.status();
    const nlohmann::json* job = JsonAt(*report, {"jobs", "0"});
    if (job == nullptr || !job->is_object()) {
      return Status::Invalid(kName, "no jobs[0] in the JSON");
    }
    const std::optional<double> error = NumberAt(*job, {"error"});
    if (error && *error != 0) {
      return Status::Invalid(kName, "fio's job failed with error " +
                                        std::to_string(static_cast<int64_t>(*error)));
    }
    std::vector<Value> values;
    CONVERGE_RETURN_IF_ERROR(AddDirection(*job, "read", values));
    CONVERGE_RETURN_IF_ERROR(AddDirection(*job, "write", values));
    if (values.empty()) return Status::Invalid(kName, "no read or write I/O in jobs[0]");
    return values;
  }
};

}  // namespace

const Metric& FioMetricPlugin() {
  static const FioMetric metric;
  return metric;
}

}  // namespace converge::benchmarks
