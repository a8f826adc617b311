// `converge sim`: replay an SWF trace through the real scheduler with a virtual clock.
//
//   converge sim --trace FILE.swf[.gz] [--policy fcfs|easy|conservative]
//                [--match first|low|high|pack|spread]
//                [--resources FILE | --nodes N [--cores-per-node C]] [--limit N]
//                [--json] [--jobs-csv OUT.csv] [--plot OUT.svg] [--html OUT.html] [--validate]
//   converge sim --trace FILE --sweep [--policy LIST] [--match LIST] [--nodes LIST]
//                [--threads N] [--csv OUT.csv] [--json]
//
// Prints a summary (human text, or one JSON object with --json) on stdout. Exit status:
// 0 done; 1 the trace, the machine or an output file could not be read/written, or the
// simulation failed; 2 usage error; 3 --validate found the schedule invalid (the
// violations go to stderr). Progress goes to stderr when stderr is a terminal.
// This file owns the wall clock (sim_seconds); src/sim itself never reads one.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/columns.h"
#include "common/split.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "cli/sim_sweep.h"
#include "sched/policy.h"
#include "sim/machine.h"
#include "sim/metrics.h"
#include "sim/report.h"
#include "sim/report_csv.h"
#include "sim/report_html.h"
#include "sim/report_svg.h"
#include "sim/simulator.h"
#include "sim/sweep_report.h"
#include "sim/swf.h"
#include "sim/swf_file.h"
#include "sim/validate_schedule.h"
#include "sim/workload.h"

#if __has_include("resource/readers/load.h")
#include "resource/readers/load.h"
#define CONVERGE_SIM_HAS_RESOURCE_LOADER 1
#else
#define CONVERGE_SIM_HAS_RESOURCE_LOADER 0
#endif

namespace converge::cli {

namespace {

constexpr int kFailed = 1;
constexpr int kUsageError = 2;
constexpr int kInvalidSchedule = 3;

constexpr const char* kRules = R"(SWF rules:
  processors  = allocated processors (field 5), or requested processors (field 8)
                when field 5 is missing (-1)
  run time    = field 4; estimate = requested time (field 9), or the run time when
                field 9 is missing (-1)
  a job whose run time exceeds its estimate is killed at the estimate
  skipped (counted): run time < 0, no processors (<= 0), submit time < 0, a repeated
                job number, or times beyond 10^12 s; jobs larger than the machine are
                rejected by the scheduler and counted as skipped ("unsatisfiable")
  machine     = the header's MaxProcs (else MaxNodes) single-core nodes, unless
                --nodes/--cores-per-node or --resources is given
  --limit N   = only the first N job records of the trace
Events: at each time t, all jobs ending at t are released (by job id), then all jobs
submitted at t are submitted (by job id), then the scheduler runs once at t; it also
runs when a reservation falls due at an instant with no other event.
Every job asks for slot[procs]->core[1] with duration = estimate, priority 0.
Exit status: 0 ok, 1 failure, 2 usage error, 3 --validate found violations.)";

struct SimFlags {
  std::string trace;
  std::string policy = "easy";
  std::string match = "first";
  std::string resources;
  std::vector<int64_t> nodes;  // empty: not given; several only with --sweep
  int64_t cores_per_node = 0;
  int64_t limit = -1;
  bool json = false;
  std::string jobs_csv;
  std::string plot;
  std::string html;
  bool validate = false;
  bool sweep = false;
  int threads = 0;  // --sweep: worker threads; 0 = one per core
  std::string csv;  // --sweep: the comparison as CSV
};

// Prints "sim: 42% (1234/5678 jobs)" on stderr, at most once per percent.
class Progress : public sim::SimObserver {
 public:
  void OnProgress(int64_t finished, int64_t total) override {
    if (total <= 0) return;
    int64_t percent = finished * 100 / total;
    if (percent == last_percent_) return;
    last_percent_ = percent;
    std::fprintf(stderr, "\rsim: %3lld%% (%lld/%lld jobs)", static_cast<long long>(percent),
                 static_cast<long long>(finished), static_cast<long long>(total));
    std::fflush(stderr);
  }
  void Finish() {
    if (last_percent_ >= 0) std::fprintf(stderr, "\n");
  }

 private:
  int64_t last_percent_ = -1;
};

int Fail(const std::string& message) {
  std::cerr << "converge sim: " << message << "\n";
  return kFailed;
}

int Usage(const std::string& message) {
  std::cerr << "converge sim: " << message << "\n";
  return kUsageError;
}

Result<resource::Graph> MakeMachine(const SimFlags& flags, const sim::SwfTrace& trace) {
  if (!flags.resources.empty()) {
#if CONVERGE_SIM_HAS_RESOURCE_LOADER
    return resource::LoadResourceFile(flags.resources);
#else
    return Status::Invalid("--resources", "not supported by this build (no resource loader)");
#endif
  }
  if (!flags.nodes.empty()) {
    return sim::BuildMachine(flags.nodes[0],
                             flags.cores_per_node > 0 ? flags.cores_per_node : 1);
  }
  int64_t procs = sim::TraceMachineProcs(trace);
  if (procs <= 0) {
    return Status::Invalid("--nodes", "the trace has no MaxProcs or MaxNodes header line; "
                                      "give the machine with --nodes or --resources");
  }
  return sim::BuildMachine(procs, 1);
}

// A machine that could not be built (named by its file, when it came from one).
int MachineFailure(const SimFlags& flags, const Status& status) {
  std::string prefix = flags.resources.empty() ? "" : flags.resources + ": ";
  return Fail(prefix + status.ToString());
}

template <typename Policy>
Result<std::vector<Policy>> ParseList(const std::string& text,
                                      Result<Policy> (*parse)(std::string_view)) {
  std::vector<Policy> policies;
  for (const std::string& item : SplitString(text, ',')) {  // an empty item is refused
    Result<Policy> policy = parse(item);
    if (!policy.ok()) return policy.status();
    if (std::find(policies.begin(), policies.end(), *policy) == policies.end()) {
      policies.push_back(*policy);
    }
  }
  return policies;
}

struct LoadedTrace {
  sim::SwfTrace trace;
  sim::Workload workload;
};

// The trace and its workload, or nullopt with *error set to the message to print.
std::optional<LoadedTrace> LoadTrace(const SimFlags& flags, std::string* error) {
  Result<std::string> text = sim::ReadTraceFile(flags.trace);
  if (!text.ok()) {
    *error = text.status().ToString();
    return std::nullopt;
  }
  Result<sim::SwfTrace> trace = sim::ParseSwf(*text);
  text = std::string();  // free the text before simulating
  if (!trace.ok()) {
    *error = flags.trace + ": " + trace.status().ToString();
    return std::nullopt;
  }
  LoadedTrace loaded{std::move(trace).value(), {}};
  loaded.workload = sim::WorkloadFromSwf(loaded.trace, {.limit = flags.limit});
  return loaded;
}

int RunSweepCommand(const SimFlags& flags) {
  if (!flags.jobs_csv.empty() || !flags.plot.empty() || !flags.html.empty() || flags.validate) {
    return Usage("--jobs-csv, --plot, --html and --validate describe one run; not with --sweep");
  }
  Result<std::vector<sched::QueuePolicy>> policies =
      ParseList<sched::QueuePolicy>(flags.policy, sched::ParseQueuePolicy);
  if (!policies.ok()) return Usage("--policy: " + policies.status().message());
  Result<std::vector<sched::MatchPolicy>> matches =
      ParseList<sched::MatchPolicy>(flags.match, sched::ParseMatchPolicy);
  if (!matches.ok()) return Usage("--match: " + matches.status().message());
  std::string error;
  std::optional<LoadedTrace> loaded = LoadTrace(flags, &error);
  if (!loaded) return Fail(error);

  std::optional<resource::Graph> shared;
  std::vector<std::pair<int64_t, std::string>> machines;  // nodes (0: shared), label
  const int64_t cores = flags.cores_per_node > 0 ? flags.cores_per_node : 1;
  if (!flags.resources.empty() || flags.nodes.empty()) {
    Result<resource::Graph> graph = MakeMachine(flags, loaded->trace);
    if (!graph.ok()) return MachineFailure(flags, graph.status());
    shared = std::move(graph).value();
    machines.push_back({0, flags.resources.empty()
                               ? std::to_string(sim::CoreCount(*shared)) + "x1"
                               : flags.resources});
  }
  for (int64_t nodes : flags.nodes) {
    machines.push_back({nodes, std::to_string(nodes) + "x" + std::to_string(cores)});
  }
  std::vector<SweepRun> runs;
  for (const auto& [nodes, label] : machines) {
    for (sched::QueuePolicy policy : *policies) {
      for (sched::MatchPolicy match : *matches) {
        runs.push_back({policy, match, nodes == 0 ? &*shared : nullptr, nodes, cores, label});
      }
    }
  }
  const int threads = flags.threads > 0
                          ? flags.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<sim::SweepRow> rows = RunSweep(loaded->workload, runs, threads);
  if (!flags.csv.empty() && !WriteOutputFile(flags.csv, sim::SweepCsv(rows)).ok()) {
    return Fail(flags.csv + ": cannot write");
  }
  std::cout << (flags.json ? sim::SweepJson(rows) : FormatColumns(sim::SweepCells(rows)));
  for (const sim::SweepRow& row : rows) {
    if (!row.error.empty()) return kFailed;
  }
  return 0;
}

int RunSim(const SimFlags& flags) {
  if (flags.cores_per_node != 0 && flags.nodes.empty()) {
    return Usage("--cores-per-node needs --nodes");
  }
  for (int64_t nodes : flags.nodes) {
    if (nodes < 1) return Usage("--nodes and --cores-per-node must be >= 1");
  }
  if (flags.cores_per_node < 0) return Usage("--nodes and --cores-per-node must be >= 1");
  if (flags.threads < 0) return Usage("--threads must be >= 1");
  if (flags.sweep) return RunSweepCommand(flags);
  if (flags.nodes.size() > 1) return Usage("--nodes: a list of machines needs --sweep");
  if (flags.threads != 0 || !flags.csv.empty()) return Usage("--threads and --csv need --sweep");
  Result<sched::QueuePolicy> policy = sched::ParseQueuePolicy(flags.policy);
  if (!policy.ok()) return Usage("--policy: " + policy.status().message());
  Result<sched::MatchPolicy> match = sched::ParseMatchPolicy(flags.match);
  if (!match.ok()) return Usage("--match: " + match.status().message());

  std::string error;
  std::optional<LoadedTrace> loaded = LoadTrace(flags, &error);
  if (!loaded) return Fail(error);
  const sim::SwfTrace* trace = &loaded->trace;
  const sim::Workload& workload = loaded->workload;

  Result<resource::Graph> graph = MakeMachine(flags, *trace);
  if (!graph.ok()) return MachineFailure(flags, graph.status());
  const int64_t procs = sim::CoreCount(*graph);

  sim::SimOptions options;
  options.scheduler.queue_policy = *policy;
  options.scheduler.match_policy = *match;
  options.reservations =
      flags.validate ? sim::ReservationTracking::kAuto : sim::ReservationTracking::kNone;
  std::unique_ptr<Progress> progress;
  if (isatty(STDERR_FILENO)) progress = std::make_unique<Progress>();

  auto begin = std::chrono::steady_clock::now();
  Result<sim::SimResult> result = sim::Simulate(*graph, workload, options, progress.get());
  double sim_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (progress) progress->Finish();
  if (!result.ok()) return Fail("simulation failed: " + result.status().ToString());

  sim::Metrics metrics = sim::ComputeMetrics(result->jobs, procs);
  metrics.unsatisfiable = static_cast<int64_t>(result->unsatisfiable.size());
  metrics.skipped = workload.skipped_invalid + metrics.unsatisfiable;
  metrics.policy = sched::QueuePolicyName(*policy);

  if (!flags.jobs_csv.empty() &&
      !WriteOutputFile(flags.jobs_csv, sim::JobsCsv(result->jobs)).ok()) {
    return Fail(flags.jobs_csv + ": cannot write");
  }
  if (!flags.plot.empty() || !flags.html.empty()) {
    std::string name = flags.trace.substr(flags.trace.find_last_of('/') + 1);
    sim::PlotOptions plot;
    plot.title = name + " - " + metrics.policy + ", " + std::to_string(procs) + " procs";
    const std::string svg = sim::UtilizationSvg(result->jobs, procs, plot);
    if (!flags.plot.empty() && !WriteOutputFile(flags.plot, svg).ok()) {
      return Fail(flags.plot + ": cannot write");
    }
    if (!flags.html.empty() &&
        !WriteOutputFile(flags.html, sim::ReportHtml(metrics, sim_seconds, svg, plot.title)).ok()) {
      return Fail(flags.html + ": cannot write");
    }
  }

  int status = 0;
  std::string validity;
  if (flags.validate) {
    std::vector<std::string> violations = sim::ValidateSchedule(
        {result->jobs, procs, *policy, &result->first_reservation});
    for (const std::string& violation : violations) {
      std::cerr << "converge sim: invalid schedule: " << violation << "\n";
    }
    validity = violations.empty() ? "valid" : "INVALID";
    if (!violations.empty()) status = kInvalidSchedule;
  }
  if (flags.json) {
    std::cout << sim::MetricsJson(metrics, sim_seconds);
  } else {
    std::cout << sim::MetricsText(metrics, sim_seconds);
    if (!validity.empty()) std::cout << "schedule      " << validity << "\n";
  }
  return status;
}

}  // namespace

void AddSimCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* sim = app.add_subcommand(
      "sim", "Replay an SWF workload trace through the scheduler with a virtual clock");
  sim->footer(kRules);
  sim->add_option("--trace", flags->trace, "Trace file (.swf or .swf.gz)")->required();
  sim->add_option("--policy", flags->policy,
                  "Queue policy: fcfs, easy, conservative (with --sweep a comma list)")
      ->capture_default_str();
  sim->add_option("--match", flags->match,
                  "Match policy: first, low, high, pack, spread (with --sweep a comma list)")
      ->capture_default_str();
  CLI::Option* resources =
      sim->add_option("--resources", flags->resources, "Cluster description file");
  CLI::Option* nodes =
      sim->add_option("--nodes", flags->nodes, "Number of nodes (with --sweep a comma list)")
          ->delimiter(',');
  sim->add_option("--cores-per-node", flags->cores_per_node, "Cores per node (default 1)");
  resources->excludes(nodes);
  sim->add_option("--limit", flags->limit, "Simulate only the first N job records");
  sim->add_flag("--json", flags->json, "Print the summary as one JSON object");
  sim->add_option("--jobs-csv", flags->jobs_csv, "Write one CSV row per simulated job");
  sim->add_option("--plot", flags->plot, "Write an SVG of utilization and queue length");
  sim->add_option("--html", flags->html,
                  "Write a self-contained HTML report: the summary and the same chart");
  sim->add_flag("--validate", flags->validate,
                "Check the schedule (capacity, causality, fcfs order, reservations); exit 3 "
                "if it is invalid");
  sim->add_flag("--sweep", flags->sweep,
                "Run every combination of --policy, --match and --nodes on the same trace and "
                "print one comparison table");
  sim->add_option("--threads", flags->threads,
                  "With --sweep: simulations at once (default: one per core)");
  sim->add_option("--csv", flags->csv, "With --sweep: also write the comparison as CSV");
  sim->callback([flags, exit_code] { *exit_code = RunSim(*flags); });
}

}  // namespace converge::cli
