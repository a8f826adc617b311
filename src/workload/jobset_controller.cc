#include "workload/jobset_controller.h"

#include <algorithm>

namespace converge::workload {
namespace {

constexpr size_t kMaxEvents = 200;

bool IsActive(ChildPhase phase) {
  return phase == ChildPhase::kPending || phase == ChildPhase::kRunning;
}

Result<ChildPhase> ParseChildPhase(const std::string& name) {
  for (ChildPhase phase :
       {ChildPhase::kPending, ChildPhase::kRunning, ChildPhase::kSucceeded, ChildPhase::kFailed}) {
    if (name == ChildPhaseName(phase)) return phase;
  }
  return Status::Invalid("phase", "unknown child phase '" + name + "'");
}

const char* PhaseName(JobSetController::Phase phase) {
  switch (phase) {
    case JobSetController::Phase::kActive:
      return "Active";
    case JobSetController::Phase::kCompleted:
      return "Completed";
    case JobSetController::Phase::kFailed:
      return "Failed";
  }
  return "?";
}

}  // namespace

const char* ChildPhaseName(ChildPhase phase) {
  switch (phase) {
    case ChildPhase::kPending:
      return "Pending";
    case ChildPhase::kRunning:
      return "Running";
    case ChildPhase::kSucceeded:
      return "Succeeded";
    case ChildPhase::kFailed:
      return "Failed";
  }
  return "?";
}

JobSetController::JobSetController(JobSetSpec spec) : spec_(std::move(spec)) {
  for (size_t r = 0; r < spec_.replicated_jobs.size(); ++r) {
    for (int64_t i = 0; i < spec_.replicated_jobs[r].replicas; ++i) {
      Slot slot;
      slot.replicated_job = r;
      slot.job_index = i;
      slots_.push_back(slot);
    }
  }
}

Result<JobSetController> JobSetController::FromJson(JobSetSpec spec, const nlohmann::json& saved) {
  JobSetController controller(std::move(spec));
  try {
    const std::string phase = saved.at("phase").get<std::string>();
    controller.phase_ = phase == "Completed" ? Phase::kCompleted
                        : phase == "Failed"  ? Phase::kFailed
                                             : Phase::kActive;
    controller.restarts_ = saved.at("restarts").get<int64_t>();
    controller.conditions_ = saved.at("conditions");
    controller.events_ = saved.at("events");
    const nlohmann::json& slots = saved.at("slots");
    if (slots.size() != controller.slots_.size()) {
      return Status::Invalid("slots", "saved state does not match the spec");
    }
    for (size_t s = 0; s < slots.size(); ++s) {
      Slot& slot = controller.slots_[s];
      slot.backoff_used = slots[s].at("backoff_used").get<int64_t>();
      slot.needs_create = slots[s].at("needs_create").get<bool>();
      for (const nlohmann::json& saved_attempt : slots[s].at("attempts")) {
        Attempt attempt;
        attempt.job_id = saved_attempt.at("job").get<int64_t>();
        Result<ChildPhase> child_phase =
            ParseChildPhase(saved_attempt.at("phase").get<std::string>());
        if (!child_phase.ok()) return child_phase.status();
        attempt.phase = *child_phase;
        attempt.superseded = saved_attempt.at("superseded").get<bool>();
        attempt.cancel_sent = saved_attempt.value("cancel_sent", false);
        slot.attempts.push_back(attempt);
      }
    }
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("jobset state", error.what());
  }
  return controller;
}

nlohmann::json JobSetController::ToJson() const {
  nlohmann::json slots = nlohmann::json::array();
  for (const Slot& slot : slots_) {
    nlohmann::json attempts = nlohmann::json::array();
    for (const Attempt& attempt : slot.attempts) {
      attempts.push_back({{"job", attempt.job_id},
                          {"phase", ChildPhaseName(attempt.phase)},
                          {"superseded", attempt.superseded},
                          {"cancel_sent", attempt.cancel_sent}});
    }
    slots.push_back({{"backoff_used", slot.backoff_used},
                     {"needs_create", slot.needs_create},
                     {"attempts", attempts}});
  }
  return {{"phase", PhaseName(phase_)},
          {"restarts", restarts_},
          {"conditions", conditions_},
          {"events", events_},
          {"slots", slots}};
}

const JobSetController::Attempt* JobSetController::Current(const Slot& slot) const {
  if (slot.attempts.empty() || slot.attempts.back().superseded) return nullptr;
  return &slot.attempts.back();
}

bool JobSetController::ReplicatedJobReady(size_t index, bool complete) const {
  for (const Slot& slot : slots_) {
    if (slot.replicated_job != index) continue;
    const Attempt* current = Current(slot);
    if (!current || slot.needs_create) return false;
    if (current->phase == ChildPhase::kSucceeded) continue;
    if (complete || current->phase != ChildPhase::kRunning) return false;
  }
  return true;
}

std::string JobSetController::WhyWaiting(size_t index) const {
  if (spec_.in_order) {
    for (size_t before = 0; before < index; ++before) {
      if (!ReplicatedJobReady(before, false)) {
        return "waiting for replicatedJob " + spec_.replicated_jobs[before].name +
               " to be ready (startupPolicy InOrder)";
      }
    }
  }
  for (const DependsOn& dependency : spec_.replicated_jobs[index].depends_on) {
    for (size_t other = 0; other < spec_.replicated_jobs.size(); ++other) {
      if (spec_.replicated_jobs[other].name != dependency.name) continue;
      const bool complete = dependency.status == DependsOn::Status::kComplete;
      if (!ReplicatedJobReady(other, complete)) {
        return "waiting for replicatedJob " + dependency.name + " to be " +
               (complete ? "complete" : "ready") + " (dependsOn)";
      }
    }
  }
  return "";
}

std::vector<JobSetAction> JobSetController::Reconcile(double now) {
  (void)now;
  std::vector<JobSetAction> actions;
  for (Slot& slot : slots_) {
    for (Attempt& attempt : slot.attempts) {
      const bool unwanted = attempt.superseded || finished();
      if (unwanted && IsActive(attempt.phase) && !attempt.cancel_sent) {
        actions.push_back(
            {JobSetAction::Type::kCancel, slot.replicated_job, slot.job_index, attempt.job_id});
        attempt.cancel_sent = true;
      }
    }
  }
  if (finished()) return actions;
  for (size_t r = 0; r < spec_.replicated_jobs.size(); ++r) {
    if (!WhyWaiting(r).empty()) continue;
    for (const Slot& slot : slots_) {
      if (slot.replicated_job == r && slot.needs_create) {
        actions.push_back({JobSetAction::Type::kCreate, r, slot.job_index, 0});
      }
    }
  }
  return actions;
}

void JobSetController::Created(const JobSetAction& action, int64_t job_id, double now) {
  for (Slot& slot : slots_) {
    if (slot.replicated_job != action.replicated_job || slot.job_index != action.job_index) {
      continue;
    }
    for (Attempt& attempt : slot.attempts) attempt.superseded = true;
    slot.attempts.push_back(Attempt{job_id, ChildPhase::kPending, false, false});
    slot.needs_create = false;
    Event(now, "Created", "child job " + ChildName(slot) + " is job " + std::to_string(job_id));
  }
}

void JobSetController::CreateFailed(const JobSetAction& action, const std::string& reason,
                                    double now) {
  const std::string name =
      spec_.replicated_jobs[action.replicated_job].name + "-" + std::to_string(action.job_index);
  Finish(Phase::kFailed, "CreateFailed", "cannot create child job " + name + ": " + reason, now);
}

JobSetController::Slot* JobSetController::SlotOf(int64_t job_id, Attempt** attempt) {
  for (Slot& slot : slots_) {
    for (Attempt& candidate : slot.attempts) {
      if (candidate.job_id == job_id) {
        *attempt = &candidate;
        return &slot;
      }
    }
  }
  return nullptr;
}

bool JobSetController::owns(int64_t job_id) const {
  for (const Slot& slot : slots_) {
    for (const Attempt& attempt : slot.attempts) {
      if (attempt.job_id == job_id) return true;
    }
  }
  return false;
}

void JobSetController::Observe(int64_t job_id, ChildPhase phase, double now) {
  Attempt* attempt = nullptr;
  Slot* slot = SlotOf(job_id, &attempt);
  if (!slot || attempt->phase == phase) return;
  attempt->phase = phase;
  if (attempt->superseded || finished()) return;
  if (phase == ChildPhase::kSucceeded) {
    Event(now, "Succeeded", "child job " + ChildName(*slot) + " succeeded");
    CheckSuccess(now);
  } else if (phase == ChildPhase::kFailed) {
    OnFailure(*slot, now);
  }
}

void JobSetController::OnFailure(Slot& slot, double now) {
  const ReplicatedJob& replicated = spec_.replicated_jobs[slot.replicated_job];
  if (slot.backoff_used < replicated.backoff_limit) {
    ++slot.backoff_used;
    slot.needs_create = true;
    Event(now, "Retrying",
          "child job " + ChildName(slot) + " failed; re-running it (backoffLimit " +
              std::to_string(slot.backoff_used) + "/" + std::to_string(replicated.backoff_limit) +
              ")");
    return;
  }
  if (restarts_ >= spec_.max_restarts) {
    Finish(Phase::kFailed, "FailurePolicyMaxRestartsReached",
           "child job " + ChildName(slot) + " failed and maxRestarts (" +
               std::to_string(spec_.max_restarts) + ") is reached",
           now);
    return;
  }
  ++restarts_;
  if (spec_.restart_strategy == JobSetSpec::RestartStrategy::kRestartJob) {
    slot.backoff_used = 0;
    slot.needs_create = true;
    Event(now, "Restarting",
          "child job " + ChildName(slot) + " failed; restarting it alone (restart " +
              std::to_string(restarts_) + "/" + std::to_string(spec_.max_restarts) + ")");
    return;
  }
  for (Slot& each : slots_) {
    for (Attempt& attempt : each.attempts) attempt.superseded = true;
    each.backoff_used = 0;
    each.needs_create = true;
  }
  Event(now, "Restarting",
        "child job " + ChildName(slot) + " failed; recreating all child jobs (restart " +
            std::to_string(restarts_) + "/" + std::to_string(spec_.max_restarts) + ")");
}

void JobSetController::CheckSuccess(double now) {
  auto targeted = [&](size_t index) {
    const std::vector<std::string>& targets = spec_.success_targets;
    return targets.empty() || std::find(targets.begin(), targets.end(),
                                        spec_.replicated_jobs[index].name) != targets.end();
  };
  bool all = true;
  bool any = false;
  for (const Slot& slot : slots_) {
    if (!targeted(slot.replicated_job)) continue;
    const Attempt* current = Current(slot);
    const bool succeeded =
        current && !slot.needs_create && current->phase == ChildPhase::kSucceeded;
    all = all && succeeded;
    any = any || succeeded;
  }
  const bool done = spec_.success_operator == JobSetSpec::Operator::kAll ? all : any;
  if (done) {
    Finish(Phase::kCompleted, "AllJobsCompleted",
           spec_.success_operator == JobSetSpec::Operator::kAll
               ? "every targeted child job succeeded (successPolicy All)"
               : "a targeted child job succeeded (successPolicy Any)",
           now);
  }
}

void JobSetController::Stop(double now) {
  if (!finished()) Finish(Phase::kFailed, "Deleted", "the JobSet was deleted", now);
}

void JobSetController::Finish(Phase phase, const std::string& reason, const std::string& message,
                              double now) {
  phase_ = phase;
  conditions_.push_back({{"type", phase == Phase::kCompleted ? "Completed" : "Failed"},
                         {"status", "True"},
                         {"reason", reason},
                         {"message", message},
                         {"lastTransitionTime", now}});
  Event(now, phase == Phase::kCompleted ? "Completed" : "Failed", message);
}

std::vector<int64_t> JobSetController::ActiveChildren() const {
  std::vector<int64_t> ids;
  for (const Slot& slot : slots_) {
    for (const Attempt& attempt : slot.attempts) {
      if (IsActive(attempt.phase)) ids.push_back(attempt.job_id);
    }
  }
  return ids;
}

nlohmann::json JobSetController::StatusJson() const {
  nlohmann::json per_job = nlohmann::json::array();
  nlohmann::json children = nlohmann::json::array();
  for (size_t r = 0; r < spec_.replicated_jobs.size(); ++r) {
    int64_t active = 0, ready = 0, succeeded = 0, failed = 0;
    for (const Slot& slot : slots_) {
      if (slot.replicated_job != r) continue;
      for (const Attempt& attempt : slot.attempts) {
        if (attempt.phase == ChildPhase::kFailed && !attempt.cancel_sent) ++failed;
      }
      const Attempt* current = Current(slot);
      if (current && !slot.needs_create) {
        active += IsActive(current->phase) ? 1 : 0;
        ready += current->phase == ChildPhase::kRunning ? 1 : 0;
        succeeded += current->phase == ChildPhase::kSucceeded ? 1 : 0;
        children.push_back({{"name", ChildName(slot)},
                            {"job", current->job_id},
                            {"phase", ChildPhaseName(current->phase)}});
      }
    }
    per_job.push_back({{"name", spec_.replicated_jobs[r].name},
                       {"active", active},
                       {"ready", ready},
                       {"succeeded", succeeded},
                       {"failed", failed}});
  }
  return {{"phase", PhaseName(phase_)},
          {"restarts", restarts_},
          {"conditions", conditions_},
          {"replicatedJobsStatus", per_job},
          {"childJobs", children}};
}

std::vector<std::string> JobSetController::PendingReasons() const {
  std::vector<std::string> reasons;
  if (finished()) return reasons;
  for (size_t r = 0; r < spec_.replicated_jobs.size(); ++r) {
    std::string why = WhyWaiting(r);
    if (why.empty()) continue;
    for (const Slot& slot : slots_) {
      if (slot.replicated_job == r && slot.needs_create) {
        reasons.push_back(spec_.replicated_jobs[r].name + ": " + why);
        break;
      }
    }
  }
  return reasons;
}

void JobSetController::Event(double now, const std::string& type, const std::string& message) {
  events_.push_back({{"time", now}, {"type", type}, {"message", message}});
  if (events_.size() > kMaxEvents) events_.erase(events_.begin());
}

std::string JobSetController::ChildName(const Slot& slot) const {
  return spec_.replicated_jobs[slot.replicated_job].name + "-" + std::to_string(slot.job_index);
}

}  // namespace converge::workload
