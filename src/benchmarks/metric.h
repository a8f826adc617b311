// Benchmark metrics of a MetricSet (docs/metricset.md): each is a small plugin that says how
// its tasks run (Plan) and reads what they printed into typed values (Parse), as the Metrics
// Operator's `metrics:` list. Adding one is one file plus one line in registry.cc. Pure: no
// I/O, no clock. Plugins are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace converge::benchmarks {

// A metric's options as the document gives them (`options: {size: 4k, runtime: 10}`), values
// as text. Plan() refuses unknown names and bad values, naming the option.
using Options = std::map<std::string, std::string>;

// Where the metric runs: the MetricSet's node count (each node gets tasks_per_node tasks).
struct Placement {
  int64_t nodes = 1;
};

struct Plan {
  // Every task's argv (tasks tell themselves apart by CONVERGE_TASK_RANK, 0-based, and
  // CONVERGE_TASK_COUNT). Each task's output lines reach Parse() separated by rank.
  std::vector<std::string> argv;
  int64_t tasks_per_node = 1;
  int64_t cores_per_task = 1;
  // The tasks form one MPI program (the job gets PMIx and Open MPI's settings).
  bool mpi = false;
  // Results are the job's as a whole, read from rank 0's output (an MPI program's summary;
  // iperf3's client): `false` reads every rank's output as its own node's results.
  bool whole_job = false;
  // Seconds the job may run; 0: none.
  int64_t time_limit = 0;
};

struct Value {
  std::string name;  // "hpl_tflops", "stream_triad_mb_s": lowercase, digits and '_'
  double value = 0;
  std::string unit;  // "Tflop/s", "MB/s", "us", "s", "1/s", "" for plain counts
  bool operator==(const Value&) const = default;
};

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string_view name() const = 0;  // "hpcc", "lammps", "fio", ...
  virtual std::string_view description() const = 0;
  // The option names it takes, with a one-line description each (for docs and errors).
  virtual std::vector<std::pair<std::string, std::string>> options() const = 0;
  // Errors: kInvalidArgument with where() "options.NAME" (unknown option, bad value), or
  // "nodes" when the placement cannot run it (iperf3 needs two tasks).
  virtual Result<Plan> MakePlan(const Options& options, const Placement& placement) const = 0;
  // The values in one task's output (whole_job: rank 0's). Errors: kInvalidArgument saying
  // what was missing ("no 'HPL_Tflops' in the summary"): the run counts as failed.
  virtual Result<std::vector<Value>> Parse(std::string_view output) const = 0;
};

// The registered metrics, by name; nullptr for an unknown name.
const Metric* FindMetric(std::string_view name);
std::vector<const Metric*> AllMetrics();
// "fio, hpcc, iperf3, lammps, stress-ng, sysbench".
std::string MetricNames();

}  // namespace converge::benchmarks
