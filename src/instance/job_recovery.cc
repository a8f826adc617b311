// JobManager::Recover: rebuilds the instance's jobs from the store after a restart.
//
// The rules (docs/formats/eventlog.md, "Restart"): inactive jobs keep their results; jobs
// that had not started are queued again; running jobs are re-attached to their shims, or
// take the result their shim recorded, or — when no shim and no result exist — are started
// now if their `start` event was never committed (the instance died between `alloc` and
// spawning) and failed with "lost on instance restart" otherwise. No job runs twice.
// A stored job that cannot be taken up again (unknown state, no or unreadable jobspec, one
// over today's limits, e.g. accepted by an older version) is failed with the reason in an
// `exception` event, and recovery goes on with the others: it never stops the instance.
#include "instance/job_json.h"
#include "instance/job_manager.h"
#include "instance/job_request.h"

namespace converge::instance {

Status JobManager::Recover() {
  Result<std::vector<store::JobRecord>> records = store_.LoadJobs();
  if (!records.ok()) return records.status();
  std::vector<int64_t> to_advance;
  std::vector<int64_t> to_enqueue;
  std::vector<int64_t> to_launch;
  std::vector<std::pair<int64_t, exec::ShimResult>> finished;
  std::vector<int64_t> lost;
  for (store::JobRecord& record : *records) {
    const int64_t id = record.id;
    next_id_ = std::max(next_id_, id + 1);
    std::optional<JobState> state = ParseJobState(record.state);
    Job& job = jobs_.emplace(id, Job{std::move(record), state.value_or(JobState::kRun), 0, nullptr})
                   .first->second;
    if (state == JobState::kInactive) continue;

    Result<std::vector<store::Event>> events = store_.ReadEvents(id);
    if (!events.ok()) return events.status();
    job.next_seq = static_cast<int64_t>(events->size());
    // Why this stored job cannot be taken up again, or "" (it is failed below, not the start).
    std::string unrecoverable;
    Result<JobRequestFacts> facts = Status(Code::kNotFound, "");
    if (!state) {
      unrecoverable = "unknown state '" + job.record.state + "' in the store";
    } else {
      Result<std::string> text = store_.ReadJobspec(id);
      if (!text.ok() && text.status().code() != Code::kNotFound) return text.status();
      facts = text.ok() ? ReadJobRequest(*text, options_.output_dir, id)
                        : Result<JobRequestFacts>(text.status());
      Status limits = facts.ok()
                          ? CheckTaskLimits(facts->spec, graph_, options_.tasks.base_environment)
                          : facts.status();
      if (!limits.ok()) unrecoverable = "stored jobspec unreadable: " + limits.ToString();
    }
    job.active = std::make_unique<ActiveJob>();
    if (!unrecoverable.empty()) {
      Post(job, "exception", {{"type", "restart"}, {"severity", 0}, {"note", unrecoverable}});
      if (!state || job.state == JobState::kRun || job.state == JobState::kCleanup) {
        // Takes the lock (a shim that starts late runs nothing) and ends a running one.
        exec::Executor::Reattached fate = executor_.Reattach(id);
        if (fate.state == exec::Executor::ReattachState::kRunning) executor_.Terminate(id);
      }
      job.state = JobState::kDepend;  // nothing to release: the allocation was never restored
      Finish(job, "failed", 0, 0, "lost on instance restart (" + unrecoverable + ")");
      continue;
    }
    job.active->spec = std::move(facts->spec);
    // A queue's time limit given at submit (queue_table.h) is in the record, not the text.
    if (job.record.duration > 0) job.active->spec.system.duration = job.record.duration;
    queues_.Place(queues_.IndexOf(job.record.queue), job.active->spec);  // not in the text
    job.active->dependencies = std::move(facts->dependencies);
    bool started = false;
    for (const store::Event& event : *events) {
      if (event.name == "exception" && event.context.find("\"cancel\"") != std::string::npos) {
        job.active->cancel_requested = true;
      }
      started = started || event.name == "start";
    }

    if (job.state == JobState::kSched || job.state == JobState::kPriority) {
      to_enqueue.push_back(id);
      continue;
    }
    if (job.state != JobState::kRun && job.state != JobState::kCleanup) {
      SetState(job, JobState::kDepend);
      WatchDependencies(job);
      to_advance.push_back(id);
      continue;
    }
    nlohmann::json parsed = nlohmann::json::parse(job.record.allocation, nullptr, false);
    Result<sched::Allocation> allocation =
        parsed.is_discarded()
            ? Result<sched::Allocation>(Status::Invalid("allocation", "not valid JSON"))
            : AllocationFromJson(parsed);
    Status restored = allocation.status();
    if (restored.ok()) {
      sched::JobRequest request{id, job.record.priority,
                                static_cast<sched::Time>(job.record.submit_time),
                                job.active->spec};
      restored = scheduler_->Restore(std::move(request), *allocation,
                                     static_cast<sched::Time>(job.record.start_time));
    }
    SetState(job, JobState::kRun);
    exec::Executor::Reattached fate = executor_.Reattach(id);
    if (!restored.ok()) {
      // The resources changed under the job: it cannot be accounted for any more.
      if (fate.state == exec::Executor::ReattachState::kRunning) executor_.Terminate(id);
      job.state = JobState::kDepend;  // nothing to release
      Post(job, "exception", {{"type", "restart"}, {"severity", 0},
                              {"note", "allocation not restorable: " + restored.ToString()}});
      Finish(job, "failed", 0, 0, "lost on instance restart (resources changed)");
      continue;
    }
    job.active->allocation = std::move(allocation).value();
    for (const auto& item : job.active->allocation->items) used_[item.vertex] += item.amount;
    job.active->started = true;
    switch (fate.state) {
      case exec::Executor::ReattachState::kRunning:
        break;
      case exec::Executor::ReattachState::kFinished:
        finished.emplace_back(id, fate.result);
        break;
      case exec::Executor::ReattachState::kLost:
        (started ? lost : to_launch).push_back(id);
        break;
    }
  }

  Result<std::optional<std::string>> drained = store_.GetMeta("drained");
  if (!drained.ok()) return drained.status();
  if (*drained) {
    nlohmann::json names = nlohmann::json::parse(**drained, nullptr, false);
    if (names.is_object()) {
      for (const auto& [name, reason] : names.items()) {
        if (nodes_by_name_.count(name) && reason.is_string()) {
          SetDrained(name, true, reason.get<std::string>());
        }
      }
    }
  }

  Result<std::optional<std::string>> stopped = store_.GetMeta("stopped_queues");
  if (!stopped.ok()) return stopped.status();
  if (*stopped) {
    nlohmann::json names = nlohmann::json::parse(**stopped, nullptr, false);
    for (const nlohmann::json& name : names.is_array() ? names : nlohmann::json::array()) {
      if (name.is_string()) SetQueueStarted(name.get<std::string>(), false);  // gone: ignored
    }
  }

  for (const auto& [id, result] : finished) OnShimExit(id, result);
  for (int64_t id : lost) {
    Job& job = jobs_.at(id);
    Post(job, "exception", {{"type", "restart"}, {"severity", 0},
                            {"note", "lost on instance restart"}});
    Finish(job, "failed", 0, 0, "lost on instance restart");
  }
  for (int64_t id : to_launch) {  // Start() takes over the lock Reattach() kept
    jobs_.at(id).active->started = false;
    Launch(id, /*first_start=*/false);
  }
  for (int64_t id : to_enqueue) Enqueue(jobs_.at(id));
  for (int64_t id : to_advance) Advance(jobs_.at(id));
  RequestSchedule();
  return Status::Ok();
}

}  // namespace converge::instance
