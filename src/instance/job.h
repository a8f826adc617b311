// Job: the instance's in-memory view of one job. Active jobs carry their parsed jobspec and
// allocation; inactive ones keep only the durable record (the jobspec stays in the store),
// so that an instance holding 100,000 finished jobs stays small.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "instance/clock.h"
#include "jobspec/jobspec.h"
#include "sched/allocation.h"
#include "store/job_record.h"

namespace converge::instance {

enum class JobState { kNew, kDepend, kPriority, kSched, kRun, kCleanup, kInactive };

const char* JobStateName(JobState state);  // "NEW", "DEPEND", ...
std::optional<JobState> ParseJobState(std::string_view name);

// An RFC 26 dependency: the "after" family on job `job` (after = once it started, the others
// once it ended: with any result, completed, or not completed), `singleton` (once no earlier
// job of the same user and name is active), or `begin-time` (once the clock reaches `time`).
struct Dependency {
  enum class Kind { kAfterOk, kAfterAny, kAfterNotOk, kAfter, kSingleton, kBeginTime };
  Kind kind = Kind::kAfterOk;
  int64_t job = 0;    // the after family
  double time = 0;    // begin-time: epoch seconds
  bool on_job() const { return kind != Kind::kSingleton && kind != Kind::kBeginTime; }
  std::string ToString() const;  // "afterok:12", "singleton", "begin-time:1765000000"
};

// What only an active job needs; dropped when the job becomes inactive.
struct ActiveJob {
  jobspec::Jobspec spec;
  std::vector<Dependency> dependencies;         // all of them, as submitted
  std::optional<sched::Allocation> allocation;  // RUN and CLEANUP
  bool cancel_requested = false;
  bool started = false;                         // the shim was spawned
  bool queued = false;                          // submitted to the scheduler's queue
  std::unique_ptr<Timer> begin_timer;           // armed while a begin-time is ahead
};

struct Job {
  store::JobRecord record;
  JobState state = JobState::kNew;
  int64_t next_seq = 0;                 // seq of the next event
  std::unique_ptr<ActiveJob> active;    // null once INACTIVE
};

}  // namespace converge::instance
