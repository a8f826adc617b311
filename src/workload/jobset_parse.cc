// JobSet spec reader. The replicatedJob fields are read first, then the rules that relate
// replicatedJobs to each other (unique names, dependsOn targets and cycles, success targets).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "workload/dependency_cycle.h"
#include "workload/field_reader.h"
#include "workload/names.h"
#include "workload/spec_parse.h"
#include "workload/task_parse.h"

namespace converge::workload {

namespace {

using nlohmann::json;

Status CheckRange(int64_t value, int64_t low, int64_t high, const std::string& path) {
  if (value < low) return Status::Invalid(path, "must be >= " + std::to_string(low));
  if (value > high) return Status::Invalid(path, "must be <= " + std::to_string(high));
  return Status::Ok();
}

Result<std::vector<DependsOn>> ParseDependsOn(const FieldReader& job) {
  Result<std::vector<const json*>> items = job.List("dependsOn");
  if (!items.ok()) return items.status();
  std::vector<DependsOn> depends_on;
  for (size_t i = 0; i < items->size(); ++i) {
    Result<FieldReader> entry =
        FieldReader::Open(*(*items)[i], IndexPath(job.PathOf("dependsOn"), i), {"name", "status"});
    if (!entry.ok()) return entry.status();
    DependsOn dependency;
    CONVERGE_RETURN_IF_ERROR(entry->Require("name"));
    Result<std::string> name = entry->String("name");
    if (!name.ok()) return name.status();
    dependency.name = std::move(*name);
    Result<DependsOn::Status> status = entry->Enum(
        "status", DependsOn::Status::kComplete,
        {{"Ready", DependsOn::Status::kReady}, {"Complete", DependsOn::Status::kComplete}});
    if (!status.ok()) return status.status();
    dependency.status = *status;
    depends_on.push_back(std::move(dependency));
  }
  return depends_on;
}

// template: {parallelism, completions, backoffLimit, task}. Returns a ReplicatedJob with only
// those fields set.
Result<ReplicatedJob> ParseTemplate(const FieldReader& job) {
  CONVERGE_RETURN_IF_ERROR(job.Require("template"));
  Result<FieldReader> tmpl =
      job.Object("template", {"parallelism", "completions", "backoffLimit", "task"});
  if (!tmpl.ok()) return tmpl.status();
  Result<int64_t> parallelism = tmpl->Int("parallelism", 1);
  if (!parallelism.ok()) return parallelism.status();
  CONVERGE_RETURN_IF_ERROR(
      CheckRange(*parallelism, 1, kMaxParallelism, tmpl->PathOf("parallelism")));
  Result<int64_t> completions = tmpl->Int("completions", *parallelism);
  if (!completions.ok()) return completions.status();
  if (*completions != *parallelism) {
    return Status::Invalid(tmpl->PathOf("completions"),
                           "must equal parallelism: converge starts all tasks of a child job "
                           "together");
  }
  Result<int64_t> backoff = tmpl->Int("backoffLimit", 0);
  if (!backoff.ok()) return backoff.status();
  if (*backoff < 0) return Status::Invalid(tmpl->PathOf("backoffLimit"), "must be >= 0");
  CONVERGE_RETURN_IF_ERROR(tmpl->Require("task"));
  Result<FieldReader> task_fields =
      tmpl->Object("task", {"command", "resources", "env", "workingDir", "duration"});
  if (!task_fields.ok()) return task_fields.status();
  Result<TaskTemplate> task = ParseTaskFields(*task_fields);
  if (!task.ok()) return task.status();
  ReplicatedJob out;
  out.parallelism = *parallelism;
  out.completions = *completions;
  out.backoff_limit = *backoff;
  out.task = std::move(*task);
  return out;
}

Result<ReplicatedJob> ParseReplicatedJob(const json& value, const std::string& path) {
  Result<FieldReader> job = FieldReader::Open(
      value, path, {"name", "replicas", "exclusiveTopology", "dependsOn", "template"});
  if (!job.ok()) return job.status();
  CONVERGE_RETURN_IF_ERROR(job->Require("name"));
  Result<std::string> name = job->String("name");
  if (!name.ok()) return name.status();
  CONVERGE_RETURN_IF_ERROR(CheckName(*name, job->PathOf("name")));
  Result<int64_t> replicas = job->Int("replicas", 1);
  if (!replicas.ok()) return replicas.status();
  CONVERGE_RETURN_IF_ERROR(CheckRange(*replicas, 1, kMaxReplicas, job->PathOf("replicas")));
  Result<std::string> topology = job->String("exclusiveTopology");
  if (!topology.ok()) return topology.status();
  if (job->Has("exclusiveTopology") && !IsIdentifier(*topology)) {
    return Status::Invalid(job->PathOf("exclusiveTopology"),
                           "must be a non-empty identifier such as rack (letters, digits, '_' "
                           "and '-', starting with a letter or '_')");
  }
  Result<std::vector<DependsOn>> depends_on = ParseDependsOn(*job);
  if (!depends_on.ok()) return depends_on.status();
  Result<ReplicatedJob> out = ParseTemplate(*job);
  if (!out.ok()) return out.status();
  out->name = std::move(*name);
  out->replicas = *replicas;
  out->exclusive_topology = std::move(*topology);
  out->depends_on = std::move(*depends_on);
  return out;
}
std::string JobPath(size_t index) { return IndexPath("spec.replicatedJobs", index); }

// Names unique; dependsOn names exist, are not the job itself, and have no cycle.
Status CheckJobGraph(const std::vector<ReplicatedJob>& jobs) {
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto [it, added] = index_of.emplace(jobs[i].name, i);
    if (!added) {
      return Status::Invalid(
          JoinPath(JobPath(i), "name"),
          "duplicate name \"" + jobs[i].name + "\" (also " + JobPath(it->second) + ")");
    }
  }
  std::vector<std::vector<size_t>> edges(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (size_t d = 0; d < jobs[i].depends_on.size(); ++d) {
      const std::string& target = jobs[i].depends_on[d].name;
      const std::string path = JoinPath(IndexPath(JoinPath(JobPath(i), "dependsOn"), d), "name");
      const auto it = index_of.find(target);
      if (it == index_of.end()) {
        return Status::Invalid(path, "no replicatedJob named \"" + target + "\"");
      }
      if (it->second == i) return Status::Invalid(path, "must not name the job itself");
      edges[i].push_back(it->second);
    }
  }
  if (std::optional<std::vector<size_t>> cycle = FindCycle(edges)) {
    std::string text = "cycle ";
    for (size_t k = 0; k < cycle->size(); ++k) {
      if (k > 0) text += " -> ";
      text += jobs[(*cycle)[k]].name;
    }
    return Status::Invalid(JoinPath(JobPath(cycle->front()), "dependsOn"), text);
  }
  return Status::Ok();
}

// successPolicy, failurePolicy and startupPolicy. Returns a JobSetSpec with only those set.
Result<JobSetSpec> ParsePolicies(const FieldReader& spec) {
  Result<FieldReader> success = spec.Object("successPolicy", {"operator", "targetReplicatedJobs"});
  if (!success.ok()) return success.status();
  Result<JobSetSpec::Operator> op =
      success->Enum("operator", JobSetSpec::Operator::kAll,
                    {{"All", JobSetSpec::Operator::kAll}, {"Any", JobSetSpec::Operator::kAny}});
  if (!op.ok()) return op.status();
  Result<std::vector<std::string>> targets = success->StringList("targetReplicatedJobs");
  if (!targets.ok()) return targets.status();

  Result<FieldReader> failure = spec.Object("failurePolicy", {"maxRestarts", "restartStrategy"});
  if (!failure.ok()) return failure.status();
  Result<int64_t> max_restarts = failure->Int("maxRestarts", 0);
  if (!max_restarts.ok()) return max_restarts.status();
  if (*max_restarts < 0) return Status::Invalid(failure->PathOf("maxRestarts"), "must be >= 0");
  Result<JobSetSpec::RestartStrategy> strategy =
      failure->Enum("restartStrategy", JobSetSpec::RestartStrategy::kRecreate,
                    {{"Recreate", JobSetSpec::RestartStrategy::kRecreate},
                     {"RestartJob", JobSetSpec::RestartStrategy::kRestartJob}});
  if (!strategy.ok()) return strategy.status();

  Result<FieldReader> startup = spec.Object("startupPolicy", {"startupPolicyOrder"});
  if (!startup.ok()) return startup.status();
  Result<bool> in_order =
      startup->Enum("startupPolicyOrder", false, {{"AnyOrder", false}, {"InOrder", true}});
  if (!in_order.ok()) return in_order.status();

  JobSetSpec out;
  out.success_operator = *op;
  out.success_targets = std::move(*targets);
  out.max_restarts = *max_restarts;
  out.restart_strategy = *strategy;
  out.in_order = *in_order;
  return out;
}

Status CheckSuccessTargets(const JobSetSpec& spec) {
  for (size_t i = 0; i < spec.success_targets.size(); ++i) {
    bool found = false;
    for (const ReplicatedJob& job : spec.replicated_jobs)
      found |= job.name == spec.success_targets[i];
    if (!found) {
      return Status::Invalid(IndexPath("spec.successPolicy.targetReplicatedJobs", i),
                             "no replicatedJob named \"" + spec.success_targets[i] + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<JobSetSpec> ParseJobSetSpec(const json& value) {
  Result<FieldReader> spec = FieldReader::Open(
      value, "spec",
      {"successPolicy", "failurePolicy", "startupPolicy", "needsServices", "replicatedJobs"});
  if (!spec.ok()) return spec.status();
  Result<JobSetSpec> out = ParsePolicies(*spec);
  if (!out.ok()) return out.status();
  Result<std::vector<std::string>> services = spec->StringList("needsServices");
  if (!services.ok()) return services.status();
  for (size_t i = 0; i < services->size(); ++i) {
    CONVERGE_RETURN_IF_ERROR(
        CheckName((*services)[i], IndexPath(spec->PathOf("needsServices"), i)));
  }
  out->needs_services = std::move(*services);
  CONVERGE_RETURN_IF_ERROR(spec->Require("replicatedJobs"));
  Result<std::vector<const json*>> jobs = spec->List("replicatedJobs");
  if (!jobs.ok()) return jobs.status();
  if (jobs->empty()) return Status::Invalid(spec->PathOf("replicatedJobs"), "must not be empty");
  for (size_t i = 0; i < jobs->size(); ++i) {
    Result<ReplicatedJob> job = ParseReplicatedJob(*(*jobs)[i], JobPath(i));
    if (!job.ok()) return job.status();
    out->replicated_jobs.push_back(std::move(*job));
  }
  int64_t children = 0;
  for (const ReplicatedJob& job : out->replicated_jobs) children += job.replicas;
  if (children > jobspec::kMaxJobSetChildJobs) {
    return Status::Invalid(spec->PathOf("replicatedJobs"),
                           "replicas add up to " + std::to_string(children) + " child jobs; at most " +
                               std::to_string(jobspec::kMaxJobSetChildJobs) +
                               " (the limit on child jobs per JobSet)");
  }
  CONVERGE_RETURN_IF_ERROR(CheckJobGraph(out->replicated_jobs));
  CONVERGE_RETURN_IF_ERROR(CheckSuccessTargets(*out));
  return out;
}

}  // namespace converge::workload
