// libFuzzer target: ParseSwf() must never crash or hang on any input. Whatever parses is
// turned into a workload (every record is simulated or skipped), and small traces are
// simulated under EASY on their declared machine: the run must succeed and the schedule
// must pass the validity checker.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/machine.h"
#include "sim/simulator.h"
#include "sim/swf.h"
#include "sim/validate_schedule.h"
#include "sim/workload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace converge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<sim::SwfTrace> trace = sim::ParseSwf(text);
  if (!trace.ok()) {
    if (trace.status().where().rfind("line ", 0) != 0) std::abort();  // errors name the line
    return 0;
  }
  sim::Workload workload = sim::WorkloadFromSwf(*trace);
  if (static_cast<int64_t>(workload.jobs.size()) + workload.skipped_invalid != workload.records) {
    std::abort();
  }
  const int64_t procs = sim::TraceMachineProcs(*trace);
  if (workload.jobs.size() > 32 || procs < 1 || procs > 32) return 0;
  Result<resource::Graph> graph = sim::BuildMachine(procs, 1);
  if (!graph.ok()) std::abort();
  sim::SimOptions options;
  options.scheduler.queue_policy = sched::QueuePolicy::kEasy;
  Result<sim::SimResult> result = sim::Simulate(*graph, workload, options);
  if (!result.ok()) std::abort();
  if (result->jobs.size() + result->unsatisfiable.size() != workload.jobs.size()) std::abort();
  if (!sim::ValidateSchedule({result->jobs, procs, options.scheduler.queue_policy,
                              &result->first_reservation})
           .empty()) {
    std::abort();
  }
  return 0;
}
