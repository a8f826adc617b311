#include "sim/workload.h"

#include <algorithm>
#include <unordered_set>

namespace converge::sim {

Workload WorkloadFromSwf(const SwfTrace& trace, const WorkloadOptions& options) {
  Workload workload;
  size_t count = trace.records.size();
  if (options.limit >= 0) count = std::min(count, static_cast<size_t>(options.limit));
  workload.records = static_cast<int64_t>(count);
  workload.jobs.reserve(count);
  std::unordered_set<int64_t> seen;
  for (size_t i = 0; i < count; ++i) {
    const SwfRecord& record = trace.records[i];
    int64_t procs = record.allocated_procs >= 0 ? record.allocated_procs : record.requested_procs;
    int64_t estimate = record.requested_time >= 0 ? record.requested_time : record.run_time;
    bool valid = record.run_time >= 0 && procs > 0 && record.submit_time >= 0 &&
                 record.submit_time <= kMaxSimTime && record.run_time <= kMaxSimTime &&
                 estimate <= kMaxSimTime;
    valid = valid && seen.insert(record.job_number).second;
    if (!valid) {
      ++workload.skipped_invalid;
      continue;
    }
    SimJob job;
    job.id = record.job_number;
    job.submit_time = record.submit_time;
    job.procs = procs;
    job.requested_time = estimate;
    job.killed = record.run_time > estimate;
    job.run_time = std::min(record.run_time, estimate);
    workload.jobs.push_back(job);
  }
  return workload;
}

int64_t TraceMachineProcs(const SwfTrace& trace) {
  if (trace.max_procs) return *trace.max_procs;
  if (trace.max_nodes) return *trace.max_nodes;
  return 0;
}

}  // namespace converge::sim
