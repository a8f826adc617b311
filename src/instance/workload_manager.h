// WorkloadManager: the declarative objects of a running instance — JobSets, Services and
// MiniClusters (src/workload) — and the jobs that realise them.
//
// Apply() validates every document (including a dry run of each jobspec it will submit, so an
// impossible request is refused before anything changes) and then creates, keeps or updates
// the objects, all or none. Objects create their jobs through the JobManager and learn their
// jobs' fates from its committed events: JobSets through a workload::JobSetController,
// Services through their own lifecycle (port, readiness probe, restart with exponential
// backoff; probe intervals and back-off delays run on the Clock's timers), MiniClusters as
// one nested-instance job, MetricSets as one job per metric, run in turn, whose output is
// parsed into results (docs/metricset.md). Services shape every job through
// JobManager hooks: jobs get CONVERGE_SERVICE_<NAME>_URL, and a job that needs a service
// waits in DEPEND until the service is READY. Objects are saved in the store (meta key
// "workloads") in the same commit as the jobs they create, so that a restarted instance picks
// them up again and never runs a child twice.
// Not thread-safe: everything runs on the instance's io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "instance/clock.h"
#include "instance/job_manager.h"
#include "instance/job_output_file.h"
#include "metrics/text_format.h"
#include "workload/child_jobspec.h"
#include "workload/document.h"
#include "workload/jobset_controller.h"

namespace converge::instance {

struct WorkloadOptions {
  std::string state_dir;      // MiniClusters keep their state in STATE/miniclusters/NAME
  std::string converge_path;  // the converge binary that MiniClusters run
  JobOutputAccess output_access;  // how MetricSets read their jobs' output back
  int port_min = 20000;       // services' automatic ports come from [port_min, port_max]
  int port_max = 29999;
  double probe_interval = 1.0;   // seconds between readiness probes
  double backoff_initial = 1.0;  // first restart delay, doubled per restart in a row
  double backoff_max = 60.0;     // restart delay cap
};

struct ApplyOutcome {
  std::string kind;
  std::string name;
  std::string action;  // "created", "unchanged", "configured"
};

class WorkloadManager {
 public:
  // `jobs` and `clock` must outlive the manager. Installs the manager's JobManager hooks and
  // event sink. `io` runs the readiness probes' sockets.
  WorkloadManager(boost::asio::io_context& io, JobManager& jobs, WorkloadOptions options,
                  Clock& clock);
  ~WorkloadManager();

  // Loads the saved objects and reconciles them with the jobs' current states. Call after
  // JobManager::Recover().
  Status Recover();

  // Applies `documents` (all or none). Errors: kInvalidArgument (bad document, a changed spec
  // that cannot be updated — the message says why), kUnsatisfiable (a job that can never run
  // here), kSkip (an object of another user).
  Result<std::vector<ApplyOutcome>> Apply(const Caller& caller,
                                          std::vector<workload::Document> documents,
                                          const workload::ChildContext& context);
  // Deletes an object and cancels its jobs. Errors: kNotFound, kSkip (not yours).
  Status Delete(const Caller& caller, workload::Kind kind, const std::string& name);

  // Kubernetes-style objects: apiVersion, kind, metadata, spec, status. The environment in
  // the spec (`env` fields) is shown only to the object's owner and the instance owner
  // (IsOwnerOrAdmin): `viewer` is who asks. Errors: kNotFound.
  Result<nlohmann::json> Get(const Caller& viewer, workload::Kind kind,
                             const std::string& name) const;
  nlohmann::json List(const Caller& viewer, workload::Kind kind) const;
  // Get() plus "events" and "pendingReasons".
  Result<nlohmann::json> Describe(const Caller& viewer, workload::Kind kind,
                                  const std::string& name) const;
  // Every service: name, state, port, url, restarts, job.
  nlohmann::json Services() const;
  // Called with every event an object records (what `describe` lists): time, the kind in
  // lower case ("service"), the object's name, the event's type ("Ready") and message. One
  // sink; null removes it.
  using NoteSink = std::function<void(double time, const std::string& kind,
                                      const std::string& name, const std::string& type,
                                      const std::string& message)>;
  void OnNote(NoteSink sink) { note_sink_ = std::move(sink); }
  // Appends the Service, JobSet and MiniCluster metrics (docs/metrics.md) to `out`.
  void WriteMetrics(metrics::TextFormat& out) const;

 private:
  struct ServiceState {
    int64_t port = 0;
    std::string state = "Pending";  // Pending Starting Ready NotReady Backoff Failed Completed
    int64_t job = 0;
    int64_t restarts = 0;           // restarts so far (a start refused for a taken port counts)
    int64_t restarts_in_a_row = 0;  // since the last READY: sets the backoff
    double backoff_delay = 0;       // seconds of the pending restart (Backoff)
    double next_start = 0;          // epoch seconds of the pending restart (Backoff), else 0
    std::string message;            // why it is not READY, or why it ended; "" when READY
    int probe_failures = 0;
    uint64_t listener = 0;  // inode of the listening socket found to be the service's own
    bool replace = false;   // cancelled to apply a changed spec: start it again
    std::unique_ptr<Timer> timer;  // the next probe or the pending restart
  };
  struct MiniClusterState {
    int64_t job = 0;
    std::string phase = "Pending";  // Pending Running Succeeded Failed
    std::string state_dir;
  };
  struct MetricSetState {
    std::string phase = "Pending";  // Pending Running Succeeded Failed
    size_t next = 0;                // the metric to submit next
    int64_t job = 0;                // the job of the metric submitted last
    // One entry per metric run: {metric, job, outcome, message, values, checks}.
    nlohmann::json results = nlohmann::json::array();
  };
  struct Object {
    workload::Document document;
    nlohmann::json document_json;  // as applied, status removed
    Caller owner;
    workload::ChildContext context;
    double created = 0;
    std::unique_ptr<workload::JobSetController> jobset;
    ServiceState service;
    MiniClusterState minicluster;
    MetricSetState metricset;
    nlohmann::json events = nlohmann::json::array();  // services and MiniClusters
  };
  using Key = std::pair<workload::Kind, std::string>;

  Status Validate(const Caller& caller, const std::vector<workload::Document>& documents,
                  const workload::ChildContext& context) const;
  Status CheckUpdate(const Object& existing, const workload::Document& document) const;
  std::unique_ptr<Object> Create(const Caller& caller, workload::Document document,
                                 const workload::ChildContext& context);
  void Start(Object& object);
  void OnJobEvent(const store::Event& event);
  // Marks the objects for saving: TakeSaved() writes them once into the next commit, the
  // same one as the job submissions and cancels made alongside.
  void Save();
  std::vector<std::pair<std::string, std::string>> TakeSaved();
  nlohmann::json ToJson(const Object& object, const Caller& viewer) const;
  void Note(Object& object, const std::string& type, const std::string& message);

  // JobSets (workload_jobsets.cc).
  void ReconcileJobSet(Object& object);
  void OnJobSetChild(Object& object, int64_t job, const store::Event& event);
  // Services (workload_services.cc).
  Result<int64_t> AssignPort(const workload::ServiceSpec& spec, const std::string& name,
                             const std::vector<workload::Document>& batch) const;
  // Starts the service's process, unless its port is in use by another process: then the
  // start fails and follows the restart policy (ScheduleRestart).
  void StartService(Object& object);
  void OnServiceJob(Object& object, const store::Event& event);
  // The service's process `job` ended (`failed` or not; `detail` says how): restart it after
  // the backoff, or leave it Failed/Completed, as its restart policy says.
  void ServiceEnded(Object& object, int64_t job, bool failed, const std::string& detail);
  // Enters Backoff for the next delay (1, 2, 4 … backoff_max s per restart in a row); `why`
  // is the reason shown in the status and the event.
  void ScheduleRestart(Object& object, const std::string& why);
  // Starts the service of `key` after `seconds`, if it is still in Backoff then.
  void ArmRestart(const Key& key, double seconds);
  void Probe(const Key& key);
  void SetServiceState(Object& object, const std::string& state);
  std::string HoldForServices(const Job& job) const;
  Status AdmitServices(const jobspec::Jobspec& spec) const;
  std::map<std::string, std::string> ServiceEnvironment() const;
  // MiniClusters.
  void StartMiniCluster(Object& object);
  void OnMiniClusterJob(Object& object, const store::Event& event);
  // MetricSets (workload_metricsets.cc): their metrics run one after the other.
  void SubmitNextMetric(Object& object);
  void OnMetricSetJob(Object& object, const store::Event& event);
  // Reads the results of the metric whose job `job` ended, stores them, checks them.
  void CollectMetric(Object& object, const Job& job);

  boost::asio::io_context& io_;
  JobManager& jobs_;
  WorkloadOptions options_;
  Clock& clock_;
  std::map<Key, std::unique_ptr<Object>> objects_;
  std::map<int64_t, Key> owner_of_job_;
  bool save_due_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted handlers
  int job_sink_ = 0;  // JobManager::AddEventSink's handle
  NoteSink note_sink_;
};

}  // namespace converge::instance
