#include "instance/workload_manager.h"

#include "benchmarks/metric.h"

#include <cctype>

#include "workload/redact.h"

namespace converge::instance {
namespace {

constexpr const char* kMetaKey = "workloads";
constexpr size_t kMaxObjectEvents = 100;

std::string KeyText(workload::Kind kind, const std::string& name) {
  return std::string(workload::KindName(kind)) + "/" + name;
}

std::string DocumentLabel(size_t index, const workload::Document& document) {
  return "document " + std::to_string(index + 1) + " (" + workload::KindName(document.kind) + " " +
         document.metadata.name + ")";
}

// The document JSON without metadata.labels: what must match for a labels-only update.
nlohmann::json WithoutLabels(nlohmann::json document) {
  if (document.contains("metadata")) document["metadata"].erase("labels");
  return document;
}

// `status` with "document N (Kind name): " in front of its field path.
Status Labelled(const Status& status, const std::string& label) {
  return Status(status.code(), status.message(),
                status.where().empty() ? label : label + ": " + status.where());
}

}  // namespace

WorkloadManager::WorkloadManager(boost::asio::io_context& io, JobManager& jobs,
                                 WorkloadOptions options, Clock& clock)
    : io_(io), jobs_(jobs), options_(std::move(options)), clock_(clock) {
  jobs_.SetHooks({
      .admit = [this](const jobspec::Jobspec& spec) { return AdmitServices(spec); },
      .hold = [this](const Job& job) { return HoldForServices(job); },
      .environment = [this](const Job&) { return ServiceEnvironment(); },
      .before_commit = [this] { return TakeSaved(); },
  });
  job_sink_ = jobs_.AddEventSink([this](const store::Event& event) { OnJobEvent(event); });
}

WorkloadManager::~WorkloadManager() {
  *alive_ = false;
  jobs_.SetHooks({});
  jobs_.RemoveEventSink(job_sink_);
}

Status WorkloadManager::Validate(const Caller& caller,
                                 const std::vector<workload::Document>& documents,
                                 const workload::ChildContext& context) const {
  for (size_t i = 0; i < documents.size(); ++i) {
    const workload::Document& document = documents[i];
    const std::string label = DocumentLabel(i, document);
    auto existing = objects_.find({document.kind, document.metadata.name});
    if (existing != objects_.end()) {
      const Caller& owner = existing->second->owner;
      if (!IsOwnerOrAdmin(caller, owner.uid)) {
        return Status(Code::kSkip, "belongs to another user", label);
      }
      Status update = CheckUpdate(*existing->second, document);
      if (!update.ok()) return Labelled(update, label);
      continue;
    }
    std::vector<nlohmann::json> specs;
    if (document.kind == workload::Kind::kJobSet) {
      const auto& spec = std::get<workload::JobSetSpec>(document.spec);
      for (const std::string& service : spec.needs_services) {
        bool known = objects_.count({workload::Kind::kService, service}) > 0;
        for (const workload::Document& other : documents) {
          known =
              known || (other.kind == workload::Kind::kService && other.metadata.name == service);
        }
        if (!known) {
          return Status::Invalid(label + ": spec.needsServices",
                                 "no Service named '" + service + "'");
        }
      }
      for (size_t r = 0; r < spec.replicated_jobs.size(); ++r) {
        Result<nlohmann::json> child = workload::JobSetChildJobspec(document, r, 0, context);
        if (!child.ok()) return Labelled(child.status(), label);
        (*child)["attributes"]["system"]["converge"].erase("needs_services");
        specs.push_back(std::move(child).value());
      }
    } else if (document.kind == workload::Kind::kService) {
      const auto& spec = std::get<workload::ServiceSpec>(document.spec);
      Result<int64_t> port = AssignPort(spec, document.metadata.name, documents);
      if (!port.ok()) return Labelled(port.status(), label);
      Result<nlohmann::json> job = workload::ServiceJobspec(document, *port, context);
      if (!job.ok()) return Labelled(job.status(), label);
      specs.push_back(std::move(job).value());
    } else if (document.kind == workload::Kind::kMetricSet) {
      const auto& spec = std::get<workload::MetricSetSpec>(document.spec);
      for (size_t m = 0; m < spec.metrics.size(); ++m) {
        const workload::MetricRun& run = spec.metrics[m];
        Result<benchmarks::Plan> plan =
            benchmarks::FindMetric(run.name)->MakePlan(run.options, {spec.nodes});  // parsed
        if (!plan.ok()) return Labelled(plan.status(), label);
        Result<nlohmann::json> job = workload::MetricSetJobspec(document, m, *plan, context);
        if (!job.ok()) return Labelled(job.status(), label);
        specs.push_back(std::move(job).value());
      }
    } else {
      Result<nlohmann::json> job = workload::MiniClusterJobspec(document, options_.converge_path,
                                                                options_.state_dir, context);
      if (!job.ok()) return Labelled(job.status(), label);
      specs.push_back(std::move(job).value());
    }
    for (const nlohmann::json& spec : specs) {
      Status check = jobs_.Check(caller, spec.dump());
      if (!check.ok()) return Labelled(check, label);
    }
  }
  return Status::Ok();
}

Status WorkloadManager::CheckUpdate(const Object& existing,
                                    const workload::Document& document) const {
  const nlohmann::json wanted = nlohmann::json::parse(document.canonical);
  if (WithoutLabels(wanted) == WithoutLabels(existing.document_json)) return Status::Ok();
  if (document.kind == workload::Kind::kService) return Status::Ok();  // restarted with it
  std::string fields;
  const nlohmann::json& before = existing.document_json["spec"];
  for (const auto& [key, value] : wanted["spec"].items()) {
    if (!before.contains(key) || before[key] != value) fields += (fields.empty() ? "" : ", ") + key;
  }
  for (const auto& [key, value] : before.items()) {
    if (!wanted["spec"].contains(key)) fields += (fields.empty() ? "" : ", ") + key;
  }
  return Status::Invalid("spec", "cannot change a " +
                                     std::string(workload::KindName(document.kind)) +
                                     " in place (changed: " + (fields.empty() ? "spec" : fields) +
                                     "); delete it and apply again");
}

Result<std::vector<ApplyOutcome>> WorkloadManager::Apply(const Caller& caller,
                                                         std::vector<workload::Document> documents,
                                                         const workload::ChildContext& context) {
  CONVERGE_RETURN_IF_ERROR(Validate(caller, documents, context));
  // Services first: JobSets of the same batch may need them.
  std::stable_sort(documents.begin(), documents.end(), [](const auto& a, const auto& b) {
    return (a.kind == workload::Kind::kService) > (b.kind == workload::Kind::kService);
  });
  std::vector<ApplyOutcome> outcomes;
  std::vector<Key> to_start;
  for (workload::Document& document : documents) {
    const Key key{document.kind, document.metadata.name};
    ApplyOutcome outcome{workload::KindName(document.kind), document.metadata.name, "unchanged"};
    auto existing = objects_.find(key);
    if (existing == objects_.end()) {
      objects_[key] = Create(caller, std::move(document), context);
      to_start.push_back(key);
      outcome.action = "created";
    } else if (existing->second->document.canonical != document.canonical) {
      Object& object = *existing->second;
      nlohmann::json wanted = nlohmann::json::parse(document.canonical);
      const bool restart = WithoutLabels(wanted) != WithoutLabels(object.document_json);
      object.document_json = std::move(wanted);
      object.document = std::move(document);
      object.context = context;
      outcome.action = "configured";
      // A Service restarts with its new spec, also one that never got a process (its port
      // was taken) or is waiting in Backoff.
      if (restart && object.document.kind == workload::Kind::kService) {
        Note(object, "Updated", "spec changed; restarting the service");
        object.service.restarts_in_a_row = 0;
        const Job* job = object.service.job > 0 ? jobs_.Find(object.service.job) : nullptr;
        if (job && job->state != JobState::kInactive) {
          // Not ready while the old process stops: OnServiceJob starts the new spec.
          object.service.replace = true;
          object.service.message = "restarting with the changed spec";
          SetServiceState(object, "Pending");
          jobs_.Cancel(kInstanceCaller, object.service.job);
        } else {
          to_start.push_back(key);
        }
      }
    }
    outcomes.push_back(outcome);
  }
  for (const Key& key : to_start) Start(*objects_.at(key));
  Save();
  return outcomes;
}

std::unique_ptr<WorkloadManager::Object> WorkloadManager::Create(
    const Caller& caller, workload::Document document, const workload::ChildContext& context) {
  auto object = std::make_unique<Object>();
  object->document_json = nlohmann::json::parse(document.canonical);
  object->owner = caller;
  object->context = context;
  object->created = clock_.Now();
  if (document.kind == workload::Kind::kJobSet) {
    object->jobset =
        std::make_unique<workload::JobSetController>(std::get<workload::JobSetSpec>(document.spec));
  }
  object->document = std::move(document);
  return object;
}

void WorkloadManager::Start(Object& object) {
  switch (object.document.kind) {
    case workload::Kind::kJobSet:
      return ReconcileJobSet(object);
    case workload::Kind::kService:
      return StartService(object);
    case workload::Kind::kMiniCluster:
      return StartMiniCluster(object);
    case workload::Kind::kMetricSet:
      return SubmitNextMetric(object);
  }
}

Status WorkloadManager::Delete(const Caller& caller, workload::Kind kind, const std::string& name) {
  auto it = objects_.find({kind, name});
  if (it == objects_.end()) {
    return Status(Code::kNotFound, KeyText(kind, name) + " not found");
  }
  Object& object = *it->second;
  if (!IsOwnerOrAdmin(caller, object.owner.uid)) {
    return Status(Code::kSkip, KeyText(kind, name) + " belongs to another user");
  }
  std::vector<int64_t> cancel;
  if (object.jobset) cancel = object.jobset->ActiveChildren();
  if (object.service.job > 0) cancel.push_back(object.service.job);
  if (object.minicluster.job > 0) cancel.push_back(object.minicluster.job);
  if (object.metricset.job > 0) cancel.push_back(object.metricset.job);
  if (object.service.timer) object.service.timer->Cancel();
  for (int64_t job : cancel) {
    owner_of_job_.erase(job);
    const Job* found = jobs_.Find(job);
    if (found && found->state != JobState::kInactive) jobs_.Cancel(kInstanceCaller, job);
  }
  objects_.erase(it);
  Save();
  return Status::Ok();
}

void WorkloadManager::OnJobEvent(const store::Event& event) {
  if (event.name != "start" && event.name != "clean") return;
  auto owner = owner_of_job_.find(event.job_id);
  if (owner == owner_of_job_.end()) return;
  auto it = objects_.find(owner->second);
  if (it == objects_.end()) return;
  Object& object = *it->second;
  switch (object.document.kind) {
    case workload::Kind::kJobSet:
      OnJobSetChild(object, event.job_id, event);
      break;
    case workload::Kind::kService:
      OnServiceJob(object, event);
      break;
    case workload::Kind::kMiniCluster:
      OnMiniClusterJob(object, event);
      break;
    case workload::Kind::kMetricSet:
      OnMetricSetJob(object, event);
      break;
  }
  if (event.name == "clean") owner_of_job_.erase(event.job_id);
  Save();
}

void WorkloadManager::Note(Object& object, const std::string& type, const std::string& message) {
  const double now = clock_.Now();
  object.events.push_back({{"time", now}, {"type", type}, {"message", message}});
  if (note_sink_) {
    std::string kind = workload::KindName(object.document.kind);
    for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    note_sink_(now, kind, object.document.metadata.name, type, message);
  }
  if (object.events.size() > kMaxObjectEvents) object.events.erase(object.events.begin());
}

nlohmann::json WorkloadManager::ToJson(const Object& object, const Caller& viewer) const {
  nlohmann::json body = IsOwnerOrAdmin(viewer, object.owner.uid)
                            ? object.document_json
                            : workload::WithoutEnvironment(object.document_json);
  body["metadata"]["creationTimestamp"] = object.created;
  nlohmann::json status;
  switch (object.document.kind) {
    case workload::Kind::kJobSet:
      status = object.jobset->StatusJson();
      break;
    case workload::Kind::kService: {
      const ServiceState& service = object.service;
      status = {{"phase", service.state},
                {"ready", service.state == "Ready"},
                {"port", service.port},
                {"url", workload::ServiceUrl(service.port)},
                {"restarts", service.restarts},
                {"message", service.message},
                {"job", service.job}};
      if (service.state == "Backoff") status["nextStartTime"] = service.next_start;
      break;
    }
    case workload::Kind::kMiniCluster:
      status = {{"phase", object.minicluster.phase},
                {"job", object.minicluster.job},
                {"uri", "unix://" + object.minicluster.state_dir + "/converge.sock"}};
      break;
    case workload::Kind::kMetricSet:
      status = {{"phase", object.metricset.phase},
                {"job", object.metricset.job},
                {"completed", object.metricset.results.size()},
                {"metrics", std::get<workload::MetricSetSpec>(object.document.spec)
                                .metrics.size()},
                {"results", object.metricset.results}};
      break;
  }
  body["status"] = status;
  return body;
}

Result<nlohmann::json> WorkloadManager::Get(const Caller& viewer, workload::Kind kind,
                                            const std::string& name) const {
  auto it = objects_.find({kind, name});
  if (it == objects_.end()) return Status(Code::kNotFound, KeyText(kind, name) + " not found");
  return ToJson(*it->second, viewer);
}

nlohmann::json WorkloadManager::List(const Caller& viewer, workload::Kind kind) const {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [key, object] : objects_) {
    if (key.first == kind) items.push_back(ToJson(*object, viewer));
  }
  return {{"items", items}};
}

Result<nlohmann::json> WorkloadManager::Describe(const Caller& viewer, workload::Kind kind,
                                                 const std::string& name) const {
  auto it = objects_.find({kind, name});
  if (it == objects_.end()) return Status(Code::kNotFound, KeyText(kind, name) + " not found");
  const Object& object = *it->second;
  nlohmann::json body = ToJson(object, viewer);
  nlohmann::json reasons = nlohmann::json::array();
  std::vector<int64_t> children;
  if (object.jobset) {
    body["events"] = object.jobset->events();
    for (const std::string& reason : object.jobset->PendingReasons()) reasons.push_back(reason);
    children = object.jobset->ActiveChildren();
  } else {
    body["events"] = object.events;
    children.push_back(object.service.job > 0       ? object.service.job
                       : object.minicluster.job > 0 ? object.minicluster.job
                                                    : object.metricset.job);
  }
  for (int64_t id : children) {
    const Job* job = jobs_.Find(id);
    if (!job || (job->state != JobState::kDepend && job->state != JobState::kSched)) continue;
    reasons.push_back("job " + std::to_string(id) + " (" + job->record.name +
                      "): " + jobs_.QueueReason(*job));
  }
  body["pendingReasons"] = reasons;
  return body;
}

void WorkloadManager::Save() {
  save_due_ = true;
  jobs_.RequestCommit();
}

std::vector<std::pair<std::string, std::string>> WorkloadManager::TakeSaved() {
  if (!save_due_) return {};
  save_due_ = false;
  nlohmann::json saved = nlohmann::json::object();
  for (const auto& [key, object] : objects_) {
    nlohmann::json entry = {{"document", object->document_json},
                            {"owner", {{"uid", object->owner.uid}, {"admin", object->owner.admin}}},
                            {"cwd", object->context.cwd},
                            {"environment", object->context.environment},
                            {"created", object->created},
                            {"events", object->events}};
    if (object->jobset) entry["jobset"] = object->jobset->ToJson();
    entry["service"] = {{"port", object->service.port},
                        {"job", object->service.job},
                        {"restarts", object->service.restarts},
                        {"restarts_in_a_row", object->service.restarts_in_a_row},
                        {"backoff_delay", object->service.backoff_delay},
                        {"next_start", object->service.next_start},
                        {"message", object->service.message},
                        {"replace", object->service.replace},
                        {"state", object->service.state}};
    entry["metricset"] = {{"phase", object->metricset.phase},
                          {"next", object->metricset.next},
                          {"job", object->metricset.job},
                          {"results", object->metricset.results}};
    entry["minicluster"] = {{"job", object->minicluster.job},
                            {"phase", object->minicluster.phase},
                            {"state_dir", object->minicluster.state_dir}};
    saved[KeyText(key.first, key.second)] = std::move(entry);
  }
  return {{kMetaKey, saved.dump()}};
}

}  // namespace converge::instance
