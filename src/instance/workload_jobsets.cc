// WorkloadManager: JobSets and MiniClusters (their jobs' lifecycles), and Recover().
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "instance/workload_manager.h"

namespace converge::instance {
namespace {

workload::ChildPhase PhaseOfEvent(const store::Event& event) {
  if (event.name == "start") return workload::ChildPhase::kRunning;
  nlohmann::json context = nlohmann::json::parse(event.context, nullptr, false);
  const bool completed = context.is_object() && context.value("result", "") == "completed";
  return completed ? workload::ChildPhase::kSucceeded : workload::ChildPhase::kFailed;
}

// The phase a job is in now, for re-linking after a restart.
workload::ChildPhase PhaseOfJob(const Job& job) {
  if (job.state == JobState::kInactive) {
    return job.record.result == "completed" ? workload::ChildPhase::kSucceeded
                                            : workload::ChildPhase::kFailed;
  }
  return job.state == JobState::kRun ? workload::ChildPhase::kRunning
                                     : workload::ChildPhase::kPending;
}

}  // namespace

void WorkloadManager::ReconcileJobSet(Object& object) {
  const Key key{object.document.kind, object.document.metadata.name};
  for (int round = 0; round < 2; ++round) {  // a failed create may lead to cancels
    std::vector<workload::JobSetAction> actions = object.jobset->Reconcile(clock_.Now());
    if (actions.empty()) return;
    for (const workload::JobSetAction& action : actions) {
      if (action.type == workload::JobSetAction::Type::kCancel) {
        const Job* job = jobs_.Find(action.job_id);
        if (job && job->state != JobState::kInactive) jobs_.Cancel(kInstanceCaller, action.job_id);
        continue;
      }
      Result<nlohmann::json> spec = workload::JobSetChildJobspec(
          object.document, action.replicated_job, action.job_index, object.context);
      Result<std::vector<int64_t>> ids = spec.ok() ? jobs_.Submit(object.owner, {spec->dump()})
                                                   : Result<std::vector<int64_t>>(spec.status());
      if (!ids.ok()) {
        object.jobset->CreateFailed(action, ids.status().ToString(), clock_.Now());
        continue;
      }
      object.jobset->Created(action, ids->front(), clock_.Now());
      owner_of_job_[ids->front()] = key;
    }
  }
}

void WorkloadManager::OnJobSetChild(Object& object, int64_t job, const store::Event& event) {
  object.jobset->Observe(job, PhaseOfEvent(event), clock_.Now());
  ReconcileJobSet(object);
}

void WorkloadManager::StartMiniCluster(Object& object) {
  const std::string& name = object.document.metadata.name;
  const std::string parent = options_.state_dir + "/miniclusters";
  object.minicluster.state_dir = parent + "/" + name;
  std::error_code ignored;  // a MiniCluster of the same name before this one left its state
  std::filesystem::remove_all(object.minicluster.state_dir, ignored);
  ::mkdir(parent.c_str(), 0711);
  ::mkdir(object.minicluster.state_dir.c_str(), 0700);
  if (object.owner.uid > 0 && ::geteuid() == 0) {
    if (::chown(object.minicluster.state_dir.c_str(), static_cast<uid_t>(object.owner.uid),
                static_cast<gid_t>(-1)) != 0) {
      Note(object, "Warning", std::string("chown state folder: ") + std::strerror(errno));
    }
  }
  Result<nlohmann::json> spec = workload::MiniClusterJobspec(
      object.document, options_.converge_path, object.minicluster.state_dir, object.context);
  Result<std::vector<int64_t>> ids = spec.ok() ? jobs_.Submit(object.owner, {spec->dump()})
                                               : Result<std::vector<int64_t>>(spec.status());
  if (!ids.ok()) {
    object.minicluster.phase = "Failed";
    Note(object, "Failed", ids.status().ToString());
    return;
  }
  object.minicluster.job = ids->front();
  owner_of_job_[ids->front()] = {object.document.kind, name};
  Note(object, "Created", "nested instance is job " + std::to_string(ids->front()));
}

void WorkloadManager::OnMiniClusterJob(Object& object, const store::Event& event) {
  switch (PhaseOfEvent(event)) {
    case workload::ChildPhase::kRunning:
      object.minicluster.phase = "Running";
      break;
    case workload::ChildPhase::kSucceeded:
      object.minicluster.phase = "Succeeded";
      break;
    default:
      object.minicluster.phase = "Failed";
      break;
  }
  Note(object, object.minicluster.phase, "job " + std::to_string(event.job_id) + " " + event.name);
}

Status WorkloadManager::Recover() {
  Result<std::optional<std::string>> saved = jobs_.GetMeta("workloads");
  if (!saved.ok()) return saved.status();
  if (!*saved) return Status::Ok();
  nlohmann::json all = nlohmann::json::parse(**saved, nullptr, false);
  if (!all.is_object()) return Status::Invalid("meta workloads", "is not a JSON object");
  for (const auto& [key_text, entry] : all.items()) {
    Result<workload::Document> document =
        workload::ParseDocumentJson(entry.at("document").dump(), "saved " + key_text);
    if (!document.ok()) return document.status();
    Caller owner{entry["owner"].value("uid", int64_t{0}), entry["owner"].value("admin", false)};
    workload::ChildContext context{
        entry.value("cwd", ""), entry.value("environment", std::map<std::string, std::string>{})};
    const Key key{document->kind, document->metadata.name};
    std::unique_ptr<Object> object = Create(owner, std::move(document).value(), context);
    object->created = entry.value("created", 0.0);
    object->events = entry.value("events", nlohmann::json::array());
    const nlohmann::json& service = entry["service"];
    object->service.port = service.value("port", int64_t{0});
    object->service.job = service.value("job", int64_t{0});
    object->service.restarts = service.value("restarts", int64_t{0});
    object->service.state = service.value("state", "Pending");
    object->service.restarts_in_a_row = service.value("restarts_in_a_row", int64_t{0});
    object->service.backoff_delay = service.value("backoff_delay", 0.0);
    object->service.next_start = service.value("next_start", 0.0);
    object->service.message = service.value("message", "");
    object->service.replace = service.value("replace", false);
    const nlohmann::json& minicluster = entry["minicluster"];
    object->minicluster.job = minicluster.value("job", int64_t{0});
    object->minicluster.phase = minicluster.value("phase", "Pending");
    object->minicluster.state_dir = minicluster.value("state_dir", "");
    const nlohmann::json& metricset = entry["metricset"];
    object->metricset.phase = metricset.value("phase", "Pending");
    object->metricset.next = metricset.value("next", size_t{0});
    object->metricset.job = metricset.value("job", int64_t{0});
    object->metricset.results = metricset.value("results", nlohmann::json::array());
    if (object->jobset) {
      Result<workload::JobSetController> controller = workload::JobSetController::FromJson(
          std::get<workload::JobSetSpec>(object->document.spec), entry.at("jobset"));
      if (!controller.ok()) return controller.status().WithPrefix(key_text);
      object->jobset = std::make_unique<workload::JobSetController>(std::move(controller).value());
    }
    objects_[key] = std::move(object);
  }
  // Re-link jobs and catch up with what happened while the instance was down.
  for (auto& [key, object] : objects_) {
    if (object->jobset) {
      for (int64_t id : object->jobset->ActiveChildren()) {
        owner_of_job_[id] = key;
        const Job* job = jobs_.Find(id);
        object->jobset->Observe(id, job ? PhaseOfJob(*job) : workload::ChildPhase::kFailed,
                                clock_.Now());
      }
      ReconcileJobSet(*object);
    } else if (key.first == workload::Kind::kService) {
      const Job* job = object->service.job > 0 ? jobs_.Find(object->service.job) : nullptr;
      if (job && job->state != JobState::kInactive) {
        owner_of_job_[object->service.job] = key;
        const bool probed =
            !std::get<workload::ServiceSpec>(object->document.spec).health_http.empty();
        if (job->state != JobState::kRun || object->service.replace) {
          SetServiceState(*object, "Pending");  // replace: it is being stopped for a new spec
        } else if (!probed) {
          SetServiceState(*object, "Ready");
        } else {
          SetServiceState(*object, "Starting");
          Probe(key);
        }
      } else if (object->service.state == "Backoff") {
        // The restart keeps its time: an instance restart does not make it come sooner (nor,
        // if the clock went back, later than one delay from now).
        const double delay = object->service.backoff_delay;
        ArmRestart(key, std::clamp(object->service.next_start - clock_.Now(), 0.0, delay));
      } else if (object->service.state != "Failed" && object->service.state != "Completed") {
        if (job) {  // it ended while the instance was down: as if it had ended now
          ServiceEnded(*object, job->record.id, job->record.result != "completed",
                       job->record.result + " (exit " + std::to_string(job->record.exit_code) +
                           ")");
        } else {
          StartService(*object);
        }
      }
    } else if (key.first == workload::Kind::kMetricSet) {
      MetricSetState& state = object->metricset;
      const Job* job = state.job > 0 ? jobs_.Find(state.job) : nullptr;
      const bool collected = !state.results.empty() &&
                             state.results.back().value("job", int64_t{0}) == state.job;
      if (state.phase == "Succeeded" || state.phase == "Failed") {
        // done
      } else if (job && job->state != JobState::kInactive) {
        owner_of_job_[state.job] = key;
      } else if (state.job == 0) {
        SubmitNextMetric(*object);  // saved before its first job was submitted
      } else {
        if (job && !collected) CollectMetric(*object, *job);  // it ended while we were down
        SubmitNextMetric(*object);
      }
    } else if (object->minicluster.job > 0) {
      const Job* job = jobs_.Find(object->minicluster.job);
      if (job && job->state != JobState::kInactive) {
        owner_of_job_[object->minicluster.job] = key;
      } else if (job) {
        object->minicluster.phase = job->record.result == "completed" ? "Succeeded" : "Failed";
      }
    }
  }
  Save();
  jobs_.Reevaluate();  // jobs held for services during JobManager::Recover()
  return Status::Ok();
}

}  // namespace converge::instance
