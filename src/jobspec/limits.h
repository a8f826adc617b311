// The limits on what one request may ask for: every quantity a request can multiply (tasks,
// copies, replicas, durations, environment, dependencies, jobspecs per submit) has one named
// bound here, checked at admission so that a job that could not be planned is refused at
// submit (4xx) and never accepted, stored, and then crashed on. docs/api.md ("Limits") lists
// them for users; an error names the field and the limit, e.g.
//   tasks[0].count.per_slot: must be <= 100000 (the limit on tasks per job)
// Constants only: no state, safe everywhere (pure layers included).
#pragma once

#include <cstddef>
#include <cstdint>

namespace converge::jobspec {

// Tasks of one job (per_slot × the most slots the job can get, total, per_resource count).
// Tasks may outnumber cores (oversubscription stays allowed), hence a fixed bound rather than
// the graph's core count; the graph only bounds how many slots a job can get.
inline constexpr int64_t kMaxTasksPerJob = 100'000;

// Bytes of the task plan of one job: tasks × (command + environment bytes of one task). The
// plan holds a copy of both per task, so this bounds the instance's memory per job launch.
inline constexpr int64_t kMaxTaskPlanBytes = 256LL << 20;

// Longest time limit (attributes.system.duration, -t): 100 years. Keeps start + duration in
// milliseconds far inside int64 (deadlines are int64 ms since the epoch).
inline constexpr double kMaxDurationSeconds = 100.0 * 365 * 86400;

// Bytes of one task's command: the sum over its words of (length + 1). Linux refuses more
// than 128 KiB in one argument, and about 2 MiB of argv + environment in all.
inline constexpr size_t kMaxCommandBytes = 256 << 10;

// Bytes of a job's environment (attributes.system.environment): the sum over its variables
// of (name + value + 2).
inline constexpr size_t kMaxEnvironmentBytes = 256 << 10;

// Dependencies of one job (attributes.system.dependencies).
inline constexpr size_t kMaxDependencies = 1000;

// Jobspecs in one POST /v1/jobs body (a JSON array); `converge submit --cc` sends 256 a post.
inline constexpr size_t kMaxJobsPerSubmit = 1000;

// Copies of one `converge submit --cc IDSET` (ids in the set).
inline constexpr int64_t kMaxCopies = 10'000;

// JobSets: replicas of one replicated job, tasks (parallelism) of one child job, and child
// jobs of one JobSet in all (the sum of replicas over its replicated jobs).
inline constexpr int64_t kMaxReplicas = 1000;
inline constexpr int64_t kMaxParallelism = 10'000;
inline constexpr int64_t kMaxJobSetChildJobs = 10'000;

}  // namespace converge::jobspec
