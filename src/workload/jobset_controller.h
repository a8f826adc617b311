// JobSetController: the JobSet semantics (Kubernetes JobSet) as a pure state machine over the
// child jobs of one JobSet. The instance feeds it the phases of child jobs and carries out the
// actions it returns (create a child job, cancel one); the controller never touches a job.
//
// Slots: each replicatedJob has `replicas` slots (its job indexes). A slot's current child is
// its latest attempt; earlier attempts are superseded. A failed child is re-created in its slot
// while the slot's backoffLimit allows; beyond that the JobSet restarts (failurePolicy:
// maxRestarts; all slots with Recreate, only that slot with RestartJob) or fails. successPolicy
// (All|Any over targetReplicatedJobs, default all) completes it. startupPolicy InOrder and
// dependsOn delay the creation of a replicatedJob's children until their predecessors are ready
// (running or succeeded) or, for dependsOn status Complete, succeeded.
// Deterministic; not thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "workload/document.h"

namespace converge::workload {

enum class ChildPhase { kPending, kRunning, kSucceeded, kFailed };
const char* ChildPhaseName(ChildPhase phase);

struct JobSetAction {
  enum class Type { kCreate, kCancel };
  Type type = Type::kCreate;
  size_t replicated_job = 0;  // index in spec.replicated_jobs (kCreate)
  int64_t job_index = 0;      // slot (kCreate)
  int64_t job_id = 0;         // the child to cancel (kCancel)
};

class JobSetController {
 public:
  enum class Phase { kActive, kCompleted, kFailed };

  explicit JobSetController(JobSetSpec spec);
  // Restores a controller saved with ToJson() for the same spec. Errors: kInvalidArgument.
  static Result<JobSetController> FromJson(JobSetSpec spec, const nlohmann::json& saved);
  nlohmann::json ToJson() const;

  // What to do now: children to create (call Created() with each new job id, or
  // CreateFailed()) and children to cancel. Idempotent until something changes.
  std::vector<JobSetAction> Reconcile(double now);
  void Created(const JobSetAction& action, int64_t job_id, double now);
  void CreateFailed(const JobSetAction& action, const std::string& reason, double now);
  // A child job's phase changed. Unknown ids are ignored.
  void Observe(int64_t job_id, ChildPhase phase, double now);
  // The JobSet was deleted: every active child is to be cancelled (by the next Reconcile).
  void Stop(double now);

  Phase phase() const { return phase_; }
  bool finished() const { return phase_ != Phase::kActive; }
  bool owns(int64_t job_id) const;
  // The ids of children that are pending or running, superseded ones included.
  std::vector<int64_t> ActiveChildren() const;
  // Kubernetes-style status: conditions, restarts, replicatedJobsStatus (name, active, ready,
  // succeeded, failed), and the child jobs.
  nlohmann::json StatusJson() const;
  // Recent events, oldest first: {time, type, message}.
  const nlohmann::json& events() const { return events_; }
  // "waiting for replicatedJob driver to be ready (InOrder)" and the like, per replicatedJob
  // that has slots without a child; empty when nothing waits.
  std::vector<std::string> PendingReasons() const;

 private:
  struct Attempt {
    int64_t job_id = 0;
    ChildPhase phase = ChildPhase::kPending;
    bool superseded = false;
    bool cancel_sent = false;
  };
  struct Slot {
    size_t replicated_job = 0;
    int64_t job_index = 0;
    std::vector<Attempt> attempts;
    int64_t backoff_used = 0;
    bool needs_create = true;
  };

  Slot* SlotOf(int64_t job_id, Attempt** attempt);
  const Attempt* Current(const Slot& slot) const;
  bool ReplicatedJobReady(size_t index, bool complete) const;
  std::string WhyWaiting(size_t index) const;
  void OnFailure(Slot& slot, double now);
  void CheckSuccess(double now);
  void Finish(Phase phase, const std::string& reason, const std::string& message, double now);
  void Event(double now, const std::string& type, const std::string& message);
  std::string ChildName(const Slot& slot) const;

  JobSetSpec spec_;
  std::vector<Slot> slots_;  // replicatedJob order, then job index
  Phase phase_ = Phase::kActive;
  int64_t restarts_ = 0;
  nlohmann::json conditions_ = nlohmann::json::array();
  nlohmann::json events_ = nlohmann::json::array();
};

}  // namespace converge::workload
