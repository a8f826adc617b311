#include "instance/job_manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <boost/asio/post.hpp>

#include "common/hostlist.h"
#include "instance/free_memory.h"
#include "instance/job_json.h"
#include "jobspec/duration.h"
#include "jobspec/limits.h"
#include "jobspec/shell_options.h"
#include "jobspec/write.h"
#include "instance/job_request.h"
#include "instance/pmi_choice.h"
#include "instance/users.h"

namespace converge::instance {

JobManager::JobManager(boost::asio::io_context& io, const resource::Graph& graph,
                       store::Store& store, exec::Executor& executor,
                       JobManagerOptions options, Clock& clock,
                       std::unique_ptr<sched::Scheduler> scheduler, QueueTable queues)
    : io_(io),
      graph_(graph),
      store_(store),
      executor_(executor),
      options_(std::move(options)),
      clock_(clock),
      scheduler_(std::move(scheduler)),
      journal_(store, store.syncs_later() ? Journal::Defer([this](auto actions) {
        syncer_->AfterDurable(std::move(actions));
      })
                                          : Journal::Defer()),
      used_(static_cast<size_t>(graph.size()), 0),
      queues_(std::move(queues)) {
  for (resource::VertexId v = 0; v < graph_.size(); ++v) {
    if (graph_.type(v) == resource::kNode) nodes_by_name_[graph_.name(v)] = v;
  }
  if (store.syncs_later()) {
    syncer_ = std::make_unique<CommitSyncer>(io_, store, [](const Status& status) {
      // What was committed may not be on the disk: stop rather than act on it; a restart
      // recovers from what the store holds.
      std::fprintf(stderr, "converge: cannot make commits durable: %s; stopping\n",
                   status.ToString().c_str());
      std::_Exit(70);
    });
  }
}

JobManager::~JobManager() = default;

Result<std::unique_ptr<JobManager>> JobManager::Create(boost::asio::io_context& io,
                                                       const resource::Graph& graph,
                                                       store::Store& store,
                                                       exec::Executor& executor,
                                                       JobManagerOptions options, Clock& clock) {
  Result<QueueTable> queues = QueueTable::Create(options.queues, options.scheduler.queue_policy);
  if (!queues.ok()) return queues.status();
  if (queues->named()) options.scheduler.queues = queues->SchedulerQueues();
  Result<std::unique_ptr<sched::Scheduler>> scheduler =
      sched::Scheduler::Create(graph, options.scheduler);
  if (!scheduler.ok()) return scheduler.status();
  return std::unique_ptr<JobManager>(new JobManager(io, graph, store, executor,
                                                    std::move(options), clock,
                                                    std::move(scheduler).value(),
                                                    std::move(queues).value()));
}

Result<std::vector<int64_t>> JobManager::Submit(const Caller& caller,
                                                std::vector<std::string> jobspec_texts) {
  const double began = MonotonicSeconds();
  if (jobspec_texts.size() > jobspec::kMaxJobsPerSubmit) {
    return Status::Invalid("body", "holds " + std::to_string(jobspec_texts.size()) +
                                       " jobspecs; at most " +
                                       std::to_string(jobspec::kMaxJobsPerSubmit) +
                                       " (the limit on jobs per submit)");
  }
  std::vector<Job> prepared;
  prepared.reserve(jobspec_texts.size());
  for (size_t i = 0; i < jobspec_texts.size(); ++i) {
    Result<Job> job = Prepare(caller, jobspec_texts[i], next_id_ + static_cast<int64_t>(i));
    if (!job.ok()) {
      for (const Job& done : prepared) {
        if (done.active->queued) scheduler_->CancelPending(done.record.id);
      }
      if (jobspec_texts.size() == 1) return job.status();
      return job.status().WithPrefix("[" + std::to_string(i) + "]");
    }
    prepared.push_back(std::move(job).value());
  }
  std::vector<int64_t> ids;
  for (size_t i = 0; i < prepared.size(); ++i) {
    const int64_t id = next_id_++;
    ids.push_back(id);
    Job& job = jobs_.emplace(id, std::move(prepared[i])).first->second;
    journal_.PutJobspec(id, jobspec::ToJson(job.active->spec).dump());
    Post(job, "submit", {{"userid", job.record.uid}, {"priority", job.record.priority}});
    Post(job, "validate");
    SetState(job, JobState::kDepend);
    ++metrics_.submitted[job.record.queue];
    WatchDependencies(job);
    Advance(job);
  }
  journal_.AfterCommit(
      [this, began] { metrics_.submit_seconds.Observe(MonotonicSeconds() - began); });
  return ids;
}

Result<Job> JobManager::Prepare(const Caller& caller, const std::string& text, int64_t id) {
  Result<JobRequestFacts> facts = ReadJobRequest(text, options_.output_dir, id);
  if (!facts.ok()) return facts.status();
  Result<int> queue = queues_.Admit(facts->spec);  // may give the job its queue's time limit
  if (!queue.ok()) return queue.status();
  CONVERGE_RETURN_IF_ERROR(CheckTaskLimits(facts->spec, graph_, options_.tasks.base_environment));
  if (facts->priority > kDefaultUrgency && !caller.admin) {
    return Status(Code::kPermissionDenied,
                  "only the instance owner may set an urgency above " +
                      std::to_string(kDefaultUrgency),
                  "attributes.system.priority");
  }
  Job job;
  job.record.id = id;
  job.record.uid = caller.uid;
  auto name = user_names_.find(caller.uid);
  if (name == user_names_.end()) name = user_names_.emplace(caller.uid, UserName(caller.uid)).first;
  job.record.user = name->second;
  job.record.name = facts->name;
  job.record.state = JobStateName(JobState::kNew);
  job.record.queue = facts->spec.system.queue;
  job.record.priority = facts->priority;
  job.record.duration = facts->spec.system.duration;
  job.record.submit_time = clock_.Now();
  job.record.output = facts->stdout_path;
  job.record.error_output = facts->stderr_path;
  nlohmann::json dependencies = nlohmann::json::array();
  for (const Dependency& dependency : facts->dependencies) {
    auto target = jobs_.find(dependency.job);
    if (dependency.on_job() && (target == jobs_.end() || dependency.job >= id)) {
      return Status::Invalid("attributes.system.dependencies",
                             dependency.ToString() + ": no such job");
    }
    dependencies.push_back(dependency.ToString());
  }
  job.record.dependencies = dependencies.dump();
  // Queue it now (the scheduler checks that this instance's resources can ever hold it);
  // a job with dependencies leaves the queue again until they are met.
  sched::JobRequest request{id, job.record.priority,
                            static_cast<sched::Time>(job.record.submit_time), facts->spec,
                            *queue};
  if (hooks_.admit) CONVERGE_RETURN_IF_ERROR(hooks_.admit(facts->spec));
  CONVERGE_RETURN_IF_ERROR(scheduler_->Submit(std::move(request)));
  job.active = std::make_unique<ActiveJob>();
  job.active->queued = facts->dependencies.empty();
  if (!job.active->queued) scheduler_->CancelPending(id);
  job.active->spec = std::move(facts->spec);
  job.active->dependencies = std::move(facts->dependencies);
  return job;
}

Status JobManager::Check(const Caller& caller, const std::string& jobspec_text) {
  constexpr int64_t kProbeId = std::numeric_limits<int64_t>::max() - 1;
  Result<Job> job = Prepare(caller, jobspec_text, kProbeId);
  if (!job.ok()) return job.status();
  if (job->active->queued) scheduler_->CancelPending(kProbeId);
  return Status::Ok();
}

void JobManager::Reevaluate() {
  for (auto& [id, job] : jobs_) {
    if (job.state == JobState::kDepend) Advance(job);
  }
  RequestFlush();
}

Result<std::optional<std::string>> JobManager::GetMeta(const std::string& key) const {
  return store_.GetMeta(key);
}

void JobManager::PutMetricResult(store::MetricResult result) {
  store_.PutMetricResult(std::move(result));
  RequestFlush();
}

Result<std::vector<double>> JobManager::MetricHistory(const std::string& metric_set,
                                                      const std::string& metric,
                                                      const std::string& name,
                                                      int64_t before_job) const {
  return store_.MetricHistory(metric_set, metric, name, before_job);
}

void JobManager::Post(Job& job, const std::string& name, nlohmann::json context) {
  store::Event event{job.record.id, job.next_seq++, clock_.Now(), name, context.dump()};
  posted_.push_back(event);
  journal_.AppendEvent(std::move(event));
  journal_.Touch(job.record.id);
  RequestFlush();
}

void JobManager::SetState(Job& job, JobState state) {
  ++metrics_.transitions[static_cast<size_t>(state)];
  job.state = state;
  job.record.state = JobStateName(state);
  journal_.Touch(job.record.id);
}

// Dependency verdict for one dependency on a job that may have finished.
enum class Verdict { kWait, kMet, kNever };

static Verdict Judge(const Dependency& dependency, const Job* target) {
  if (target == nullptr) return Verdict::kNever;
  if (dependency.kind == Dependency::Kind::kAfter) {  // once it started (RFC 26)
    if (target->state == JobState::kInactive) {
      return target->record.start_time > 0 ? Verdict::kMet : Verdict::kNever;
    }
    return target->active->started ? Verdict::kMet : Verdict::kWait;
  }
  if (target->state != JobState::kInactive) return Verdict::kWait;
  const bool ok = target->record.result == "completed";
  switch (dependency.kind) {
    case Dependency::Kind::kAfterAny:
      return Verdict::kMet;
    case Dependency::Kind::kAfterOk:
      return ok ? Verdict::kMet : Verdict::kNever;
    case Dependency::Kind::kAfterNotOk:
      return ok ? Verdict::kNever : Verdict::kMet;
    default:
      return Verdict::kWait;
  }
}

const Job* JobManager::EarlierNamesake(const Job& job) const {
  for (const auto& [id, other] : jobs_) {
    if (id >= job.record.id) break;
    if (other.state != JobState::kInactive && other.record.uid == job.record.uid &&
        other.record.name == job.record.name) {
      return &other;
    }
  }
  return nullptr;
}

void JobManager::WatchDependencies(const Job& job) {
  const int64_t id = job.record.id;
  for (const Dependency& dependency : job.active->dependencies) {
    if (dependency.on_job()) dependents_[dependency.job].push_back(id);
    if (dependency.kind != Dependency::Kind::kSingleton) continue;
    for (const auto& [other_id, other] : jobs_) {
      if (other_id >= id) break;
      if (other.state != JobState::kInactive && other.record.uid == job.record.uid &&
          other.record.name == job.record.name) {
        dependents_[other_id].push_back(id);
      }
    }
  }
}

void JobManager::WakeDependentsOfStart(int64_t started) {
  auto it = dependents_.find(started);
  if (it == dependents_.end()) return;
  const std::vector<int64_t> waiting = it->second;  // Advance may change dependents_
  for (int64_t id : waiting) {
    auto job = jobs_.find(id);
    if (job != jobs_.end()) Advance(job->second);
  }
}

void JobManager::Advance(Job& job) {
  if (job.state != JobState::kDepend) return;
  for (const Dependency& dependency : job.active->dependencies) {
    if (dependency.kind == Dependency::Kind::kSingleton) {
      if (EarlierNamesake(job) != nullptr) return;
      continue;
    }
    if (dependency.kind == Dependency::Kind::kBeginTime) {
      const double ahead = dependency.time - clock_.Now();
      if (ahead <= 0) continue;
      const int64_t id = job.record.id;
      job.active->begin_timer = clock_.After(
          std::chrono::milliseconds(static_cast<int64_t>(std::ceil(ahead * 1000))), [this, id] {
            auto it = jobs_.find(id);
            if (it != jobs_.end()) Advance(it->second);
          });
      return;
    }
    const Job* target = Find(dependency.job);
    Verdict verdict = Judge(dependency, target);
    if (verdict == Verdict::kWait) return;
    if (verdict == Verdict::kNever) {
      const std::string why = "dependency " + dependency.ToString() + " can never be met (job " +
                              std::to_string(dependency.job) + " " +
                              (target ? target->record.result : "is gone") + ")";
      Post(job, "exception", {{"type", "dependency"}, {"severity", 0}, {"note", why}});
      Finish(job, "failed", 0, 0, why);
      return;
    }
  }
  job.active->begin_timer.reset();
  if (hooks_.hold && !hooks_.hold(job).empty()) {
    if (job.active->queued) {  // Prepare() queued it to check it; it must wait outside
      scheduler_->CancelPending(job.record.id);
      job.active->queued = false;
    }
    return;
  }
  Post(job, "depend");
  SetState(job, JobState::kPriority);
  Post(job, "priority", {{"priority", job.record.priority}});
  Enqueue(job);
}

void JobManager::Enqueue(Job& job) {
  if (job.record.priority == kHeldUrgency) {  // held: in PRIORITY, out of the scheduler's queue
    if (job.active->queued) scheduler_->CancelPending(job.record.id);
    job.active->queued = false;
    SetState(job, JobState::kPriority);
    return;
  }
  SetState(job, JobState::kSched);
  Status status = Status::Ok();
  if (!job.active->queued) {
    sched::JobRequest request{job.record.id, job.record.priority,
                              static_cast<sched::Time>(job.record.submit_time),
                              job.active->spec, queues_.IndexOf(job.record.queue)};
    status = scheduler_->Submit(std::move(request));
    job.active->queued = status.ok();
  }
  if (!status.ok()) {
    Post(job, "exception", {{"type", "alloc"}, {"severity", 0}, {"note", status.ToString()}});
    Finish(job, "failed", 0, 0, status.ToString());
    return;
  }
  RequestSchedule();
}

void JobManager::RunSchedulePass() {
  schedule_posted_ = false;
  if (stopping_) return;
  const double now = clock_.Now();
  const double began = MonotonicSeconds();
  std::vector<sched::StartDecision> decisions =
      scheduler_->Schedule(static_cast<sched::Time>(std::floor(now)));
  metrics_.pass_seconds.Observe(MonotonicSeconds() - began);
  for (sched::StartDecision& decision : decisions) {
    Job& job = jobs_.at(decision.id);
    metrics_.ObserveWait(job.record.queue, now - job.record.submit_time);
    for (const auto& item : decision.allocation.items) used_[item.vertex] += item.amount;
    std::vector<std::string> names;
    for (resource::VertexId node : decision.allocation.nodes) names.push_back(graph_.name(node));
    job.record.nodelist = CompressHostlist(names);
    job.record.nnodes = static_cast<int64_t>(decision.allocation.nodes.size());
    job.record.ntasks = TaskCount(job.active->spec,
                                  static_cast<int64_t>(decision.allocation.slot_hosts.size()),
                                  job.record.nnodes);
    job.record.start_time = now;
    nlohmann::json allocation = AllocationToJson(decision.allocation);
    job.record.allocation = allocation.dump();
    job.active->allocation = std::move(decision.allocation);
    job.active->queued = false;
    SetState(job, JobState::kRun);
    Post(job, "alloc", {{"nodelist", job.record.nodelist}, {"allocation", allocation}});
    const int64_t id = job.record.id;
    journal_.AfterCommit([this, id] { Launch(id, /*first_start=*/true); });
  }
  reservation_timer_.reset();
  if (std::optional<sched::Time> due = scheduler_->NextReservedStart(); due && *due > now) {
    const auto delay =
        std::chrono::milliseconds(static_cast<int64_t>(std::ceil((*due - now) * 1000)));
    reservation_timer_ = clock_.After(delay, [this] { RequestSchedule(); });
  }
}

void JobManager::Launch(int64_t id, bool first_start) {
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second.state != JobState::kRun) return;
  Job& job = it->second;
  if (job.active->cancel_requested) {
    Finish(job, "canceled", 0, 0, "canceled before it started");
    return;
  }
  std::map<std::string, std::string> extra;
  if (hooks_.environment) extra = hooks_.environment(job);
  Result<std::vector<exec::TaskSpec>> tasks = PlanTasks(job, graph_, options_.tasks, extra);
  Status status = tasks.status();
  if (status.ok()) status = PrepareDefaultOutputs(job, first_start);
  if (status.ok()) {
    exec::ShimSpec spec;
    spec.job_id = id;
    spec.tasks = std::move(tasks).value();
    spec.cwd = job.active->spec.system.cwd.value_or("");
    spec.stdout_path = job.record.output;
    spec.stderr_path = job.record.error_output;
    // Only the job's own default files are the instance's: any other path, even one inside the
    // output folder (another job's file), is opened with the rights of the job's user.
    spec.stdout_default = IsDefaultOutputPath(options_.output_dir, id, spec.stdout_path);
    spec.stderr_default = IsDefaultOutputPath(options_.output_dir, id, spec.stderr_path);
    spec.fresh_outputs = first_start;
    if (options_.run_as_submitter && job.record.uid > 0) {
      spec.uid = job.record.uid;
      spec.gid = UserGroup(job.record.uid);
      spec.groups = UserGroups(job.record.uid);
    }
    if (job.record.duration > 0) {
      spec.deadline_ms = static_cast<int64_t>((job.record.start_time + job.record.duration) * 1e3);
      // Validated at submit (jobspec/validate.cc).
      if (Result<std::optional<jobspec::WarnSignal>> warn =
              jobspec::WarnSignalOption(job.active->spec.system);
          warn.ok() && warn->has_value()) {
        spec.warn_signal = (*warn)->signum;
        spec.warn_ms = spec.deadline_ms - static_cast<int64_t>((*warn)->timeleft * 1e3);
      }
    }
    spec.grace_ms = options_.grace_ms;
    if (Result<jobspec::LabelIo> labels = jobspec::LabelIoOption(job.active->spec.system);
        labels.ok()) {  // validated at submit
      spec.label_stdout = labels->stdout_lines;
      spec.label_stderr = labels->stderr_lines;
    }
    // Validated at submit; a job journaled before the option existed gets the default.
    if (Result<std::vector<std::string>> pmi = jobspec::PmiChoice(job.active->spec.system);
        pmi.ok()) {
      spec.pmi = std::move(pmi).value();
    }
    // A job that names no PMI server also gets PMIx when it has several tasks.
    spec.pmi = PmiServers(std::move(spec.pmi), NamesPmi(job.active->spec.system),
                          spec.tasks.size(), options_.pmix_default && spec.uid < 0);
    if (first_start && provenance_ != nullptr) {
      status = provenance_->Record(job, spec, clock_.Now());
    }
    if (status.ok()) status = executor_.Start(spec);
  }
  if (!status.ok()) {
    Post(job, "exception", {{"type", "exec"}, {"severity", 0}, {"note", status.ToString()}});
    Finish(job, "failed", 0, 0, status.ToString());
    return;
  }
  job.active->started = true;
  Post(job, "start");
  WakeDependentsOfStart(id);
}

Status JobManager::PrepareDefaultOutputs(const Job& job, bool first_start) {
  const int64_t id = job.record.id;
  for (const std::string stream : {"out", "err"}) {
    const std::string path = DefaultOutputPath(options_.output_dir, id, stream);
    if (job.record.output != path && job.record.error_output != path) continue;
    const std::string folder = path.substr(0, path.rfind('/'));
    if (!made_folders_.count(folder)) {
      if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
        return Status(Code::kInternal, std::string("cannot create ") + folder + ": " +
                                           std::strerror(errno));
      }
      made_folders_.insert(folder);
    }
    if (!first_start) continue;  // a relaunch after a restart appends to its own file
    // The shim creates the file at the job's first byte (exclusively: ShimSpec::fresh_outputs);
    // one there already is refused now, with the reason, rather than lose the job's output.
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
      return Status(Code::kInternal,
                    "default output file " + path + " already exists: it holds the output of "
                    "another job with this id (was the state folder's state.db replaced, or "
                    "restored from an older backup?); converge never appends to "
                    "another job's output. Move the file away, or give the job an output path");
    }
    if (errno != ENOENT) {
      return Status(Code::kInternal, "cannot look at " + path + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

void JobManager::OnShimExit(int64_t id, Result<exec::ShimResult> outcome) {
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second.state != JobState::kRun) return;
  Job& job = it->second;
  if (!outcome.ok()) {
    const std::string why = outcome.status().message();
    Post(job, "exception", {{"type", "exec"}, {"severity", 0}, {"note", why}});
    Finish(job, "failed", 0, 0, why);
    return;
  }
  const exec::ShimResult& shim = *outcome;
  Post(job, "finish", {{"status", shim.exit_code}, {"exit_code", shim.exit_code},
                       {"signal", shim.signal}});
  std::string result = shim.exit_code == 0 && shim.signal == 0 ? "completed" : "failed";
  std::string reason;
  if (!shim.output_error.empty()) {  // the job's fate stands; the loss is on its record
    Post(job, "exception", {{"type", "output"}, {"severity", 1}, {"note", shim.output_error}});
  }
  if (!shim.exec_error.empty()) {
    Post(job, "exception", {{"type", "exec"}, {"severity", 0}, {"note", shim.exec_error}});
    result = "failed";
    reason = shim.exec_error;
  } else if (!shim.aborted.empty()) {
    Post(job, "exception", {{"type", "abort"}, {"severity", 0}, {"note", shim.aborted}});
    result = "failed";
    reason = shim.aborted;
  } else if (shim.timed_out) {
    Post(job, "exception", {{"type", "timeout"}, {"severity", 0},
                            {"note", "time limit of " +
                                         jobspec::FormatDuration(job.record.duration) +
                                         " reached"}});
    result = "timeout";
    reason = "time limit reached";
  } else if (job.active->cancel_requested || shim.terminated) {
    result = "canceled";
    reason = "canceled";
  }
  if (shim.end_ms > 0) job.record.end_time = static_cast<double>(shim.end_ms) / 1e3;
  Finish(job, result, shim.exit_code, shim.signal, reason);
}

void JobManager::Finish(Job& job, const std::string& result, int exit_code, int signal,
                        const std::string& reason) {
  const int64_t id = job.record.id;
  const bool was_running = job.state == JobState::kRun;
  if (job.active->queued) {
    scheduler_->CancelPending(id);
    job.active->queued = false;
  }
  if (was_running) {
    SetState(job, JobState::kCleanup);
    scheduler_->Release(id, static_cast<sched::Time>(std::floor(clock_.Now())));
    for (const auto& item : job.active->allocation->items) used_[item.vertex] -= item.amount;
    Post(job, "release");
    if (job.active->started) journal_.AfterCommit([this, id] { executor_.Forget(id); });
    RequestSchedule();
  }
  job.record.result = result;
  job.record.exit_code = exit_code;
  job.record.signal = signal;
  job.record.reason = reason;
  if (job.record.end_time == 0) job.record.end_time = clock_.Now();
  ++metrics_.ended[{job.record.queue, result}];
  if (job.record.start_time > 0) {
    metrics_.run_seconds.Observe(job.record.end_time - job.record.start_time);
  }
  std::string().swap(job.record.allocation);  // its capacity too: 100,000 of them add up
  SetState(job, JobState::kInactive);
  Post(job, "clean", {{"result", result}});
  job.active.reset();
  ++ended_since_trim_;
  ResolveDependents(job);
  CheckShutdown();
}

void JobManager::ResolveDependents(const Job& finished) {
  auto it = dependents_.find(finished.record.id);
  if (it == dependents_.end()) return;
  std::vector<int64_t> waiting = std::move(it->second);
  dependents_.erase(it);
  for (int64_t id : waiting) {
    auto job = jobs_.find(id);
    if (job != jobs_.end()) Advance(job->second);
  }
}

Result<Job*> JobManager::CallersJob(const Caller& caller, int64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status(Code::kNotFound, "job " + std::to_string(id) + " not found");
  Job& job = it->second;
  if (!IsOwnerOrAdmin(caller, job.record.uid)) {
    return Status(Code::kSkip, "job " + std::to_string(id) + " belongs to " + job.record.user);
  }
  return &job;
}

Status JobManager::Cancel(const Caller& caller, int64_t id) {
  Result<Job*> found = CallersJob(caller, id);
  if (!found.ok()) return found.status();
  Job& job = **found;
  if (job.state == JobState::kInactive) {
    return Status::Invalid("id", "job " + std::to_string(id) + " is already inactive");
  }
  if (job.active->cancel_requested) return Status::Ok();
  job.active->cancel_requested = true;
  Post(job, "exception", {{"type", "cancel"}, {"severity", 0}, {"note", "canceled by uid " +
                                                                     std::to_string(caller.uid)}});
  if (job.state == JobState::kRun) {
    if (job.active->started) journal_.AfterCommit([this, id] { executor_.Terminate(id); });
    return Status::Ok();
  }
  Finish(job, "canceled", 0, 0, "canceled");
  return Status::Ok();
}

Status JobManager::Signal(const Caller& caller, int64_t id, int signo) {
  Result<Job*> found = CallersJob(caller, id);
  if (!found.ok()) return found.status();
  Job& job = **found;
  if (signo < 1 || signo > 64) return Status::Invalid("signal", "must be from 1 to 64");
  if (job.state != JobState::kRun || !job.active->started) {
    return Status::Invalid("id", "job " + std::to_string(id) + " is " + JobStateName(job.state) +
                                     ": only a running job's tasks can be signalled");
  }
  return executor_.Signal(id, signo);
}

Status JobManager::SetUrgency(const Caller& caller, int64_t id, int64_t urgency) {
  Result<Job*> found = CallersJob(caller, id);
  if (!found.ok()) return found.status();
  Job& job = **found;
  if (urgency < 0 || urgency > 31) return Status::Invalid("urgency", "must be from 0 to 31");
  if (urgency > kDefaultUrgency && !caller.admin) {
    return Status(Code::kPermissionDenied,
                  "only the instance owner may set an urgency above " +
                      std::to_string(kDefaultUrgency));
  }
  const bool pending = job.state == JobState::kNew || job.state == JobState::kDepend ||
                       job.state == JobState::kPriority || job.state == JobState::kSched;
  if (!pending || job.active->cancel_requested) {
    return Status::Invalid("id", "job " + std::to_string(id) + " is " +
                                     (pending ? "being canceled" : JobStateName(job.state)) +
                                     ": only a pending job's urgency can change");
  }
  if (urgency == job.record.priority) return Status::Ok();
  job.record.priority = urgency;
  journal_.Touch(id);
  Post(job, "urgency", {{"userid", caller.uid}, {"urgency", urgency}});
  if (job.state == JobState::kPriority || job.state == JobState::kSched) {
    if (job.active->queued) scheduler_->CancelPending(id);
    job.active->queued = false;
    Enqueue(job);  // queues it at its new urgency, or holds it
  }
  return Status::Ok();
}

void JobManager::AfterCommit(std::function<void()> action) {
  journal_.AfterCommit(std::move(action));
  RequestFlush();
}

void JobManager::RequestFlush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(io_, [this] { Flush(); });
}

void JobManager::RequestSchedule() {
  if (schedule_posted_) return;
  schedule_posted_ = true;
  boost::asio::post(io_, [this] { RunSchedulePass(); });
}

void JobManager::Flush() {
  flush_posted_ = false;
  if (hooks_.before_commit) {
    for (const auto& [key, value] : hooks_.before_commit()) store_.PutMeta(key, value);
  }
  if (!posted_.empty()) {
    std::vector<store::Event> events;
    events.swap(posted_);
    journal_.AfterCommit([this, events = std::move(events)] {
      for (const auto& [handle, sink] : event_sinks_) {
        for (const store::Event& event : events) sink(event);
      }
      for (const store::Event& event : events) {
        if (watchers_.empty()) break;
        auto it = watchers_.find(event.job_id);
        if (it == watchers_.end()) continue;
        auto& list = it->second;
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const auto& watcher) {
                                    return !watcher(event) || event.name == "clean";
                                  }),
                   list.end());
        if (list.empty()) watchers_.erase(it);
      }
    });
  }
  if (!commit_timed_ && journal_.pending_rows() > 0) {  // a retry keeps the first try's
    commit_timed_ = true;
    metrics_.commit_rows.Observe(static_cast<double>(journal_.pending_rows()));
    journal_.AfterCommit([this, began = MonotonicSeconds()] {
      metrics_.commit_seconds.Observe(MonotonicSeconds() - began);
    });
  }
  Status status = journal_.Flush([this](int64_t id) -> const store::JobRecord& {
    return jobs_.at(id).record;
  });
  if (status.ok()) {
    commit_timed_ = false;
    if (!degraded_.empty()) {
      std::fprintf(stderr, "converge: the store takes commits again; work resumes\n");
    }
    degraded_.clear();
    store_full_ = false;
    retry_ms_ = 0;
    // What finished jobs freed goes back to the system (their records stay): once the queue
    // has drained, when most of it is free, or now and then in a long busy stretch.
    constexpr int64_t kEndedBeforeIdleTrim = 1024;
    constexpr int64_t kEndedBeforeBusyTrim = 65536;
    const bool idle = scheduler_->pending_count() == 0 && scheduler_->running_count() == 0;
    if ((idle && ended_since_trim_ >= kEndedBeforeIdleTrim) ||
        ended_since_trim_ >= kEndedBeforeBusyTrim) {
      ended_since_trim_ = 0;
      ReturnFreeMemory();
    }
    return;
  }
  OnCommitFailure(status);
}

void JobManager::OnCommitFailure(const Status& status) {
  const store::Store::Failure failure = store_.last_failure();
  if (failure == store::Store::Failure::kPermanent) {
    // Retrying cannot help and memory is ahead of the store: stop; a restart recovers from
    // what was committed, or refuses a damaged store and says what to do.
    std::fprintf(stderr, "converge: cannot commit to the store: %s; stopping\n",
                 status.ToString().c_str());
    std::_Exit(70);
  }
  // Keep everything (the store keeps the batch, the journal the actions held for it) and try
  // again later; meanwhile nothing that waits for this commit acts.
  constexpr int64_t kFirstRetryMs = 100;
  constexpr int64_t kMaxRetryMs = 5000;
  retry_ms_ = retry_ms_ == 0 ? kFirstRetryMs : std::min(retry_ms_ * 2, kMaxRetryMs);
  store_full_ = failure == store::Store::Failure::kNoSpace;
  std::string why = (store_full_ ? "the state folder's file system is full" : "I/O error") +
                    std::string(" (") + status.ToString() + "): commits are retried every " +
                    std::to_string(retry_ms_) + " ms; work that needs one is refused";
  if (degraded_.empty()) std::fprintf(stderr, "converge: degraded: %s\n", why.c_str());
  degraded_ = std::move(why);
  flush_posted_ = true;  // the timer flushes: RequestFlush() waits for it
  retry_timer_ = clock_.After(std::chrono::milliseconds(retry_ms_), [this] { Flush(); });
}

int JobManager::AddEventSink(std::function<void(const store::Event&)> sink) {
  event_sinks_.emplace_back(next_sink_, std::move(sink));
  return next_sink_++;
}

void JobManager::RemoveEventSink(int handle) {
  event_sinks_.erase(std::remove_if(event_sinks_.begin(), event_sinks_.end(),
                                    [&](const auto& sink) { return sink.first == handle; }),
                     event_sinks_.end());
}

void JobManager::Watch(int64_t id, std::function<bool(const store::Event&)> on_event) {
  watchers_[id].push_back(std::move(on_event));
}

void JobManager::Shutdown(std::function<void()> done) {
  shutdown_done_ = std::move(done);
  stopping_ = true;
  std::vector<int64_t> active;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kRun) active.push_back(id);
  }
  for (int64_t id : active) Cancel(Caller{0, true}, id);
  CheckShutdown();
}

void JobManager::CheckShutdown() {
  if (!shutdown_done_) return;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kRun || job.state == JobState::kCleanup) return;
  }
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  AfterCommit(std::move(done));
}

}  // namespace converge::instance
