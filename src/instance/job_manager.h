// JobManager: the job state machine of a running instance.
//
// Owns every job and drives NEW → DEPEND → PRIORITY → SCHED → RUN → CLEANUP → INACTIVE.
// Each transition is appended to the job's eventlog through the Journal and acted upon
// (replies sent, shims spawned or signalled, files removed) only after the batch that holds
// it has been committed. Work that arrives while the loop is busy shares one commit.
// A commit that fails for want of space or an I/O error is retried with back-off (100 ms
// doubling to 5 s, on the Clock's timers) while the manager is degraded(); the actions held
// for it (replies, starts) run once it succeeds. Event times, start and end times and time
// limits (ShimSpec::deadline_ms = start time + duration) come from the Clock. A store that is damaged stops the instance (exit 70).
// Not thread-safe: every method runs on the instance's io_context thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "exec/executor.h"
#include "instance/clock.h"
#include "instance/job.h"
#include "instance/commit_syncer.h"
#include "instance/job_metrics.h"
#include "instance/journal.h"
#include "instance/provenance_recorder.h"
#include "instance/queue_table.h"
#include "instance/task_plan.h"
#include "metrics/text_format.h"
#include "resource/graph.h"
#include "sched/scheduler.h"
#include "store/store.h"

namespace converge::instance {

// Who asks: the uid owning new jobs, and whether they may act on everybody's jobs.
struct Caller {
  int64_t uid = -1;
  bool admin = false;
};
// The instance acting on its own behalf (e.g. a workload object cancelling its jobs).
inline constexpr Caller kInstanceCaller{0, true};
// Whether `caller` is the owner of something owned by `owner_uid` or the instance owner: who
// may change or delete it, and see what only its owner should (its environment, which may
// hold credentials).
inline bool IsOwnerOrAdmin(const Caller& caller, int64_t owner_uid) {
  return caller.admin || caller.uid == owner_uid;
}
// A job's urgency unless its jobspec sets one; urgencies above it are the instance owner's.
inline constexpr int64_t kDefaultUrgency = 16;
// The urgency that holds a job.
inline constexpr int64_t kHeldUrgency = 0;

struct JobManagerOptions {
  sched::SchedulerOptions scheduler;   // queue policy etc.
  std::vector<QueueConfig> queues;     // named queues (queue_table.h); empty: one unnamed
  std::string output_dir;              // default stdout/stderr files: DIR/ID.out, DIR/ID.err
  TaskPlanOptions tasks;               // environment and binding of tasks
  int64_t grace_ms = 5000;             // SIGTERM -> SIGKILL on cancel and timeout
  bool run_as_submitter = false;       // tasks run as the job's uid (the instance is root)
  // Jobs of more than one task whose jobspec names no PMI services get a PMIx server
  // (instance/pmi_choice.h). Set when the executor can serve PMIx (converge-shim-pmix).
  bool pmix_default = false;
};

// Extension points through which the workload layer (services, JobSets) shapes jobs. Each may
// be empty. They run on the loop thread and must not call back into the manager.
struct JobHooks {
  // Admits or refuses a jobspec at submit (e.g. it needs a service that does not exist).
  std::function<Status(const jobspec::Jobspec&)> admit;
  // Non-empty while a DEPEND job must keep waiting (e.g. "waiting for service ml to be READY").
  std::function<std::string(const Job&)> hold;
  // Variables added to every task's environment at launch (e.g. service URLs).
  std::function<std::map<std::string, std::string>(const Job&)> environment;
  // Called as each commit is prepared: store meta entries (key, value) to write in it, so that
  // state derived from jobs is durable together with them.
  std::function<std::vector<std::pair<std::string, std::string>>()> before_commit;
};

// Filters of List(); empty sets mean "any".
struct JobFilter {
  std::set<JobState> states;
  std::set<int64_t> uids;
  std::string queue;  // jobs of this queue ("" any)
  std::string name;   // jobs of this name ("" any)
  std::string node;   // jobs holding resources of this node now ("" any)
  int64_t after = 0;     // ids greater than this
  size_t limit = 1000;
};

class JobManager {
 public:
  // `graph`, `store`, `executor` and `clock` must outlive the manager. The executor's exit
  // callback must lead to OnShimExit().
  static Result<std::unique_ptr<JobManager>> Create(boost::asio::io_context& io,
                                                    const resource::Graph& graph,
                                                    store::Store& store,
                                                    exec::Executor& executor,
                                                    JobManagerOptions options, Clock& clock);
  ~JobManager();

  // Loads the store: finished jobs stay finished, pending jobs are queued again, running jobs
  // are re-attached through the executor or, when their fate cannot be known, failed with
  // "lost on instance restart". Call once, before serving requests.
  Status Recover();

  // Validates and accepts jobspecs (all or none; at most jobspec::kMaxJobsPerSubmit, and each
  // within the limits of jobspec/limits.h for this graph, see CheckTaskLimits). Returns the
  // new ids; they are durable once the callback passed to AfterCommit() runs. Errors:
  // kInvalidArgument (field named, with an "[i]." prefix for arrays), kUnsatisfiable (can
  // never run on this instance's resources).
  Result<std::vector<int64_t>> Submit(const Caller& caller,
                                      std::vector<std::string> jobspec_texts);
  // Cancels a job. Errors: kNotFound, kInvalidArgument "already inactive" (the API's 409),
  // kSkip "not your job" (the API's 403).
  Status Cancel(const Caller& caller, int64_t id);
  // Sets a pending job's urgency (its priority, 0..31, as Flux's): 0 holds it in PRIORITY,
  // unscheduled, until an urgency above 0 releases it; above kDefaultUrgency only the instance
  // owner may set. The job queues again behind the jobs of its new urgency. Errors:
  // kNotFound, kSkip "not your job" (403), kPermissionDenied (403), kInvalidArgument "not
  // pending" (the API's 409) or "urgency" out of range.
  Status SetUrgency(const Caller& caller, int64_t id, int64_t urgency);
  // Sends signal `signo` to a running job's tasks; the job goes on (scancel -s, flux job
  // kill). Errors: kNotFound, kSkip "not your job" (403), kInvalidArgument "not running"
  // (where "id": the API's 409) or "signal" out of 1..64, and the executor's.
  Status Signal(const Caller& caller, int64_t id, int signo);
  // Validates a jobspec as Submit() would, without submitting it. Errors: as Submit().
  Status Check(const Caller& caller, const std::string& jobspec_text);
  void SetHooks(JobHooks hooks) { hooks_ = std::move(hooks); }
  // Records each job's provenance at its first launch, in the commit of its start event; a
  // refusal (a node not blessed) fails the job. `recorder` must outlive the manager.
  void SetProvenanceRecorder(ProvenanceRecorder* recorder) { provenance_ = recorder; }
  // Calls `sink` with every event of every job once it is committed, in commit order, until
  // RemoveEventSink(the handle returned). Sinks run in the order they were added; they may
  // call Submit() and Cancel(), not AddEventSink() or RemoveEventSink().
  int AddEventSink(std::function<void(const store::Event&)> sink);
  void RemoveEventSink(int handle);
  // Calls `sink` with each change of a node: (node, "Drained"|"Undrained"|"Down"|"Up",
  // reason). One sink; null removes it.
  void OnNodeEvent(std::function<void(const std::string& node, const std::string& what,
                                      const std::string& reason)> sink) {
    node_sink_ = std::move(sink);
  }
  // Looks again at jobs held in DEPEND by a hook (call when a hold may have lifted).
  void Reevaluate();
  // Makes sure a commit follows (hooks.before_commit has something to write).
  void RequestCommit() { RequestFlush(); }
  Result<std::optional<std::string>> GetMeta(const std::string& key) const;
  // A MetricSet's result, written in the next commit (store::Store::PutMetricResult), and
  // the earlier values a relative check compares with (store::Store::MetricHistory).
  void PutMetricResult(store::MetricResult result);
  Result<std::vector<double>> MetricHistory(const std::string& metric_set,
                                            const std::string& metric, const std::string& name,
                                            int64_t before_job) const;
  // Runs `action` once everything done so far is durable.
  void AfterCommit(std::function<void()> action);

  const Job* Find(int64_t id) const;
  // Jobs passing `filter`, by id. Errors: kInvalidArgument "node" for an unknown node.
  Result<std::vector<const Job*>> List(const JobFilter& filter) const;
  // The committed eventlog of a job. Errors: kNotFound.
  Result<std::vector<store::Event>> Events(int64_t id) const;
  Result<std::string> Jobspec(int64_t id) const;
  // Calls `on_event` with every event of `id` committed from now on, until it returns false
  // or the job's `clean` event was delivered.
  void Watch(int64_t id, std::function<bool(const store::Event&)> on_event);

  // Why a DEPEND, held PRIORITY or SCHED job waits, for humans; "" for other states.
  std::string QueueReason(const Job& job) const;
  // GET /v1/resources: {"nodes": [...], "states": [...], "totals": {...}} (docs/api.md), as
  // JSON text written directly: at 10,000 nodes, building it as objects first took most of
  // the time.
  std::string ResourcesJsonText() const;
  nlohmann::json QueueJson() const;
  // Drains or undrains the nodes named by the hostlist `targets`. Errors: kNotFound naming
  // an unknown node.
  Status SetDrained(const std::string& targets, bool drained, const std::string& reason);
  // Starts or stops the named queue (sched::Scheduler::SetQueueStarted); stored, so that a
  // restarted instance keeps it stopped. Errors: kNotFound naming an unknown queue.
  Status SetQueueStarted(const std::string& name, bool started);
  // Marks node `name` down (its agent is gone: no new work, shown as "down" with `reason`)
  // or up again. Not stored: a restarted instance learns it from its agents. Errors:
  // kNotFound for an unknown node.
  Status SetDown(const std::string& name, bool down, const std::string& reason);

  // Cancels every active job and calls `done` when none is running any more.
  void Shutdown(std::function<void()> done);

  size_t active_count() const;
  // The session id of running job `id`'s processes (its shim leads the session), or 0 when
  // unknown (not running, or re-attached and its shim's pid not known yet).
  pid_t SessionOf(int64_t id) const { return executor_.ShimPid(id); }
  // Why commits fail and are being retried ("" while the store takes them); the API refuses
  // work that needs a commit meanwhile. store_full(): the cause is a full disk.
  const std::string& degraded() const { return degraded_; }
  bool store_full() const { return store_full_; }
  const resource::Graph& graph() const { return graph_; }

  // What a node holds now: its state (free, mixed, allocated, drained, down), why it is
  // drained or down, and its cores, GPUs and memory (MiB), in all and free.
  struct NodeUsage {
    std::string state;
    std::string reason;
    int64_t cores = 0, cores_free = 0, gpus = 0, gpus_free = 0;
    int64_t memory_mib = 0, memory_free_mib = 0;
  };
  NodeUsage UsageOf(const std::string& name, resource::VertexId node) const;
  // The kind of wait of a pending job, for counting: dependency, singleton, begin-time,
  // workload (a hook holds it, e.g. a service not ready), held, queue-stopped, stopping,
  // reserved (a start is planned), resources; "" for jobs that do not wait.
  std::string PendingKind(const Job& job) const;
  // Appends the job, scheduler, resource and store metrics (docs/metrics.md) to `out`.
  void WriteMetrics(metrics::TextFormat& out) const;
  const JobMetrics& metrics() const { return metrics_; }

  // The executor reports a shim's end here.
  void OnShimExit(int64_t id, Result<exec::ShimResult> result);

 private:
  JobManager(boost::asio::io_context& io, const resource::Graph& graph, store::Store& store,
             exec::Executor& executor, JobManagerOptions options, Clock& clock,
             std::unique_ptr<sched::Scheduler> scheduler, QueueTable queues);

  Result<Job> Prepare(const Caller& caller, const std::string& text, int64_t id);
  void Post(Job& job, const std::string& name, nlohmann::json context = nlohmann::json::object());
  void SetState(Job& job, JobState state);
  void Advance(Job& job);  // from DEPEND onwards as far as dependencies allow
  void Enqueue(Job& job);
  void RunSchedulePass();
  // Starts the shim of a RUN job; `first_start` is false for a relaunch after a restart.
  void Launch(int64_t id, bool first_start);
  // Creates the folder (STATE/output/SHARD, once) of the job's default output files and, at
  // its first start, the files themselves, exclusively (O_EXCL|O_NOFOLLOW, 0600): a default
  // file that exists already holds another job's output and is never appended to, so the job
  // fails instead. A relaunch (the same job after a restart) appends to its own. Other paths
  // are left to the shim. I/O.
  Status PrepareDefaultOutputs(const Job& job, bool first_start);
  void Finish(Job& job, const std::string& result, int exit_code, int signal,
              const std::string& reason);
  void ResolveDependents(const Job& finished);
  // Registers `job` to be advanced when the jobs its dependencies name start or end (for
  // singleton: every earlier active job of its user and name).
  void WatchDependencies(const Job& job);
  // Advances the jobs waiting on `started` (after:ID), keeping them registered.
  void WakeDependentsOfStart(int64_t started);
  // The earliest active job before `job` with its user and name, or null.
  const Job* EarlierNamesake(const Job& job) const;
  // Job `id` when `caller` may act on it (its user or the owner). Errors: kNotFound; kSkip
  // "belongs to USER".
  Result<Job*> CallersJob(const Caller& caller, int64_t id);
  void RequestFlush();
  void RequestSchedule();
  void Flush();
  // Retries a failed commit later (degraded), or stops the instance when it cannot succeed.
  void OnCommitFailure(const Status& status);
  void CheckShutdown();

  boost::asio::io_context& io_;
  const resource::Graph& graph_;
  store::Store& store_;
  exec::Executor& executor_;
  JobManagerOptions options_;
  Clock& clock_;
  std::unique_ptr<sched::Scheduler> scheduler_;
  std::unique_ptr<CommitSyncer> syncer_;  // with a store that syncs later
  Journal journal_;

  std::map<int64_t, Job> jobs_;
  int64_t next_id_ = 1;
  std::unordered_map<int64_t, std::vector<int64_t>> dependents_;  // target -> waiting jobs
  std::vector<store::Event> posted_;  // events of the current batch, for watchers
  std::unordered_map<int64_t, std::vector<std::function<bool(const store::Event&)>>> watchers_;
  std::vector<int64_t> used_;        // per vertex: amount held by running jobs
  std::map<std::string, resource::VertexId> nodes_by_name_;
  std::map<std::string, std::string> drained_;  // node name -> reason
  QueueTable queues_;
  std::set<std::string> stopped_queues_;
  std::map<std::string, std::string> down_;     // node name -> reason (agent gone)
  std::unordered_map<int64_t, std::string> user_names_;  // uid -> login name (cache)
  std::set<std::string> made_folders_;  // output shards known to exist
  JobHooks hooks_;
  ProvenanceRecorder* provenance_ = nullptr;
  std::vector<std::pair<int, std::function<void(const store::Event&)>>> event_sinks_;
  int next_sink_ = 1;
  std::function<void(const std::string&, const std::string&, const std::string&)> node_sink_;
  JobMetrics metrics_;
  bool commit_timed_ = false;  // the batch being committed has its timer (kept over retries)
  bool flush_posted_ = false;  // a Flush() is posted, or its retry timer is set
  int64_t ended_since_trim_ = 0;  // jobs that became inactive since ReturnFreeMemory()
  std::string degraded_;
  bool store_full_ = false;
  int64_t retry_ms_ = 0;  // the back-off of the next retry; 0 while commits succeed
  std::unique_ptr<Timer> retry_timer_;  // the pending retry of a failed commit
  // A pass when the earliest reservation falls due (Scheduler::NextReservedStart).
  std::unique_ptr<Timer> reservation_timer_;
  bool schedule_posted_ = false;
  bool stopping_ = false;  // Shutdown() began: nothing new starts
  std::function<void()> shutdown_done_;
};

}  // namespace converge::instance
