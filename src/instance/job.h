// Job: the instance's in-memory view of one job. Active jobs carry their parsed jobspec and
// allocation; inactive ones keep only the durable record (the jobspec stays in the store),
// so that an instance holding 100,000 finished jobs stays small.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobspec/jobspec.h"
#include "sched/allocation.h"
#include "store/job_record.h"

namespace converge::instance {

enum class JobState { kNew, kDepend, kPriority, kSched, kRun, kCleanup, kInactive };

const char* JobStateName(JobState state);  // "NEW", "DEPEND", ...
std::optional<JobState> ParseJobState(std::string_view name);

// A dependency of RFC 26's "after" family.
struct Dependency {
  enum class Kind { kAfterOk, kAfterAny, kAfterNotOk };
  Kind kind = Kind::kAfterOk;
  int64_t job = 0;
  std::string ToString() const;  // "afterok:12"
};

// What only an active job needs; dropped when the job becomes inactive.
struct ActiveJob {
  jobspec::Jobspec spec;
  std::vector<Dependency> dependencies;         // all of them, as submitted
  std::optional<sched::Allocation> allocation;  // RUN and CLEANUP
  bool cancel_requested = false;
  bool started = false;                         // the shim was spawned
  bool queued = false;                          // submitted to the scheduler's queue
};

struct Job {
  store::JobRecord record;
  JobState state = JobState::kNew;
  int64_t next_seq = 0;                 // seq of the next event
  std::unique_ptr<ActiveJob> active;    // null once INACTIVE
};

}  // namespace converge::instance
