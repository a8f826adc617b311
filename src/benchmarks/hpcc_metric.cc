// hpcc: the HPC Challenge suite (HPL, DGEMM, STREAM, PTRANS, RandomAccess, FFT, ping-pong
// and ring latency/bandwidth) as one Open MPI program over all the MetricSet's tasks.
//
// Each task writes hpccinf.txt (N and NB from the options; the P x Q grid from
// CONVERGE_TASK_COUNT, the squarest P <= Q) into a fresh temporary folder and runs `hpcc`
// there; rank 0 then prints hpccoutf.txt's summary section, KEY=VALUE lines, which Parse
// reads. hpcc prints -1 for what it did not measure (the ping-pong and ring values with one
// rank, the memory values without a limit): Parse leaves those out rather than report them.
#include <map>
#include <optional>
#include <string>

#include "benchmarks/metric.h"
#include "benchmarks/option_values.h"
#include "benchmarks/output_text.h"

namespace converge::benchmarks {
namespace {

constexpr const char* kName = "hpcc";

// Debian's example hpccinf.txt (/usr/share/doc/hpcc/examples/_hpccinf.txt) with @N@, @NB@ and
// the shell's $p and $q put in.
constexpr const char* kInputTemplate =
    "HPLinpack benchmark input file\n"
    "Innovative Computing Laboratory, University of Tennessee\n"
    "HPL.out      output file name (if any)\n"
    "8            device out (6=stdout,7=stderr,file)\n"
    "1            # of problems sizes (N)\n"
    "@N@         Ns\n"
    "1            # of NBs\n"
    "@NB@           NBs\n"
    "0            PMAP process mapping (0=Row-,1=Column-major)\n"
    "1            # of process grids (P x Q)\n"
    "$p            Ps\n"
    "$q            Qs\n"
    "16.0         threshold\n"
    "1            # of panel fact\n"
    "2            PFACTs (0=left, 1=Crout, 2=Right)\n"
    "1            # of recursive stopping criterium\n"
    "4            NBMINs (>= 1)\n"
    "1            # of panels in recursion\n"
    "2            NDIVs\n"
    "1            # of recursive panel fact.\n"
    "1            RFACTs (0=left, 1=Crout, 2=Right)\n"
    "1            # of broadcast\n"
    "1            BCASTs (0=1rg,1=1rM,2=2rg,3=2rM,4=Lng,5=LnM)\n"
    "1            # of lookahead depth\n"
    "1            DEPTHs (>=0)\n"
    "2            SWAP (0=bin-exch,1=long,2=mix)\n"
    "64           swapping threshold\n"
    "0            L1 in (0=transposed,1=no-transposed) form\n"
    "0            U  in (0=transposed,1=no-transposed) form\n"
    "1            Equilibration (0=no,1=yes)\n"
    "8            memory alignment in double (> 0)\n"
    "##### This line (no. 32) is ignored (it serves as a separator). ######\n"
    "0                      \t\tNumber of additional problem sizes for PTRANS\n"
    "1200 10000 30000        \tvalues of N\n"
    "0                       \tnumber of additional blocking sizes for PTRANS\n"
    "40 9 8 13 13 20 16 32 64       \tvalues of NB\n";

// The script's parts around the input file. Only validated integers are put in it.
constexpr const char* kScriptHead =
    "set -eu\n"
    "command -v hpcc >/dev/null 2>&1 || { echo 'converge: hpcc is not installed' >&2; "
    "exit 127; }\n"
    "dir=$(mktemp -d \"${TMPDIR:-/tmp}/converge-hpcc.XXXXXX\")\n"
    "trap 'rm -rf \"$dir\"' EXIT\n"
    "cd \"$dir\"\n"
    "count=${CONVERGE_TASK_COUNT:-1}\n"
    "p=1\n"
    "i=1\n"
    "while [ $((i * i)) -le \"$count\" ]; do\n"
    "  [ $((count % i)) -ne 0 ] || p=$i\n"
    "  i=$((i + 1))\n"
    "done\n"
    "q=$((count / p))\n"
    "cat > hpccinf.txt <<EOF\n";
constexpr const char* kScriptTail =
    "EOF\n"
    "status=0\n"
    "hpcc || status=$?\n"
    "if [ \"${CONVERGE_TASK_RANK:-0}\" = 0 ] && [ -f hpccoutf.txt ]; then\n"
    "  sed -n '/^Begin of Summary section/,/^End of Summary section/p' hpccoutf.txt\n"
    "  [ \"$status\" -eq 0 ] || tail -n 20 hpccoutf.txt >&2\n"
    "fi\n"
    "exit \"$status\"\n";

struct SummaryValue {
  const char* key;   // in hpcc's summary
  const char* name;  // the Value's
  const char* unit;
  double scale;
};

constexpr SummaryValue kValues[] = {
    {"HPL_Tflops", "hpl_gflops", "Gflop/s", 1000},
    {"HPL_time", "hpl_time", "s", 1},
    {"HPL_N", "hpl_n", "", 1},
    {"StarDGEMM_Gflops", "star_dgemm_gflops", "Gflop/s", 1},
    {"SingleDGEMM_Gflops", "single_dgemm_gflops", "Gflop/s", 1},
    {"StarSTREAM_Triad", "star_stream_triad_gb_s", "GB/s", 1},
    {"SingleSTREAM_Triad", "single_stream_triad_gb_s", "GB/s", 1},
    {"PTRANS_GBs", "ptrans_gb_s", "GB/s", 1},
    {"MPIRandomAccess_GUPs", "mpi_random_access_gups", "GUP/s", 1},
    {"StarRandomAccess_GUPs", "star_random_access_gups", "GUP/s", 1},
    {"SingleRandomAccess_GUPs", "single_random_access_gups", "GUP/s", 1},
    {"StarFFT_Gflops", "star_fft_gflops", "Gflop/s", 1},
    {"SingleFFT_Gflops", "single_fft_gflops", "Gflop/s", 1},
    {"MPIFFT_Gflops", "mpi_fft_gflops", "Gflop/s", 1},
    {"MinPingPongLatency_usec", "ping_pong_latency_min_us", "us", 1},
    {"AvgPingPongLatency_usec", "ping_pong_latency_avg_us", "us", 1},
    {"MaxPingPongLatency_usec", "ping_pong_latency_max_us", "us", 1},
    {"MinPingPongBandwidth_GBytes", "ping_pong_bandwidth_min_gb_s", "GB/s", 1},
    {"AvgPingPongBandwidth_GBytes", "ping_pong_bandwidth_avg_gb_s", "GB/s", 1},
    {"MaxPingPongBandwidth_GBytes", "ping_pong_bandwidth_max_gb_s", "GB/s", 1},
    {"NaturallyOrderedRingLatency_usec", "ring_latency_natural_us", "us", 1},
    {"RandomlyOrderedRingLatency_usec", "ring_latency_random_us", "us", 1},
    {"NaturallyOrderedRingBandwidth_GBytes", "ring_bandwidth_natural_gb_s", "GB/s", 1},
    {"RandomlyOrderedRingBandwidth_GBytes", "ring_bandwidth_random_gb_s", "GB/s", 1},
    {"CommWorldProcs", "procs", "", 1},
};

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class HpccMetric final : public Metric {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "HPC Challenge (HPL, DGEMM, STREAM, PTRANS, RandomAccess, FFT, ping-pong) over all "
           "tasks as one MPI program";
  }
  std::vector<std::pair<std::string, std::string>> options() const override {
    return {{"n", "HPL problem size, the matrix order (default 1000: about 2 s on 2 cores)"},
            {"nb", "HPL block size (default 80)"},
            {"tasks-per-node", "MPI ranks on each node (default 1)"}};
  }

  Result<Plan> MakePlan(const Options& options, const Placement& placement) const override {
    CONVERGE_RETURN_IF_ERROR(CheckOptionNames(kName, options, this->options()));
    Result<int64_t> n = ParseCount(options, "n", 1000, 1, 1'000'000);
    if (!n) return n.status();
    Result<int64_t> nb = ParseCount(options, "nb", 80, 1, 4096);
    if (!nb) return nb.status();
    if (*nb > *n) return Status::Invalid("options.nb", "nb is larger than n");
    Result<int64_t> per_node = ParseCount(options, "tasks-per-node", 1, 1, 1024);
    if (!per_node) return per_node.status();
    std::string input = Replace(kInputTemplate, "@N@", std::to_string(*n));
    input = Replace(input, "@NB@", std::to_string(*nb));
    Plan plan;
    plan.argv = {"sh", "-c", std::string(kScriptHead) + input + kScriptTail};
    plan.tasks_per_node = *per_node;
    plan.mpi = true;
    plan.whole_job = true;
    return plan;
  }

  Result<std::vector<Value>> Parse(std::string_view output) const override {
    std::map<std::string_view, std::string_view> summary;
    bool begun = false;
    bool ended = false;
    for (std::string_view line : Lines(output)) {
      line = Trim(line);
      if (line.starts_with("Begin of Summary section")) {
        begun = true;
      } else if (line.starts_with("End of Summary section")) {
        ended = begun;
      } else if (begun && !ended) {
        const size_t equals = line.find('=');
        if (equals != std::string_view::npos) {
          summary[line.substr(0, equals)] = line.substr(equals + 1);
        }
      }
    }
    if (!begun) return Status::Invalid(kName, "no 'Begin of Summary section' in the output");
    if (!ended) return Status::Invalid(kName, "the summary section has no end: output cut off?");
    auto success = summary.find("Success");
    if (success != summary.end() && success->second != "1") {
      return Status::Invalid(kName, "hpcc reported Success=" + std::string(success->second));
    }
    auto hpl = summary.find("HPL_Tflops");
    if (hpl == summary.end()) return Status::Invalid(kName, "no 'HPL_Tflops' in the summary");
    std::optional<double> tflops = ParseNumber(hpl->second);
    if (!tflops || *tflops <= 0) {
      return Status::Invalid(kName, "HPL_Tflops=" + std::string(hpl->second) +
                                        ": HPL did not run (is P x Q more than the ranks?)");
    }
    std::vector<Value> values;
    for (const SummaryValue& wanted : kValues) {
      auto it = summary.find(wanted.key);
      if (it == summary.end()) continue;
      std::optional<double> value = ParseNumber(it->second);
      if (!value) {
        return Status::Invalid(kName, std::string("'") + wanted.key + "' is not a number: '" +
                                          std::string(it->second) + "'");
      }
      if (*value < 0) continue;  // -1: not measured (e.g. ping-pong with one rank)
      values.push_back({wanted.name, *value * wanted.scale, wanted.unit});
    }
    return values;
  }
};

}  // namespace

const Metric& HpccMetricPlugin() {
  static const HpccMetric metric;
  return metric;
}

}  // namespace converge::benchmarks
