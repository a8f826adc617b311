#include "workload/child_jobspec.h"

#include "jobspec/duration.h"
#include "jobspec/shell_options.h"

namespace converge::workload {
namespace {

using nlohmann::json;

json Slot(int64_t count, int64_t cores, int64_t gpus) {
  json with = json::array({{{"type", "core"}, {"count", cores}}});
  if (gpus > 0) with.push_back({{"type", "gpu"}, {"count", gpus}});
  return {{"type", "slot"}, {"count", count}, {"label", "task"}, {"with", with}};
}

// attributes.system for `task`, with the owner's marker under "converge".
Result<json> System(const TaskTemplate& task, const ChildContext& context, const std::string& name,
                    json converge, std::map<std::string, std::string> extra_environment) {
  json environment = json::object();
  for (const auto& [key, value] : context.environment) environment[key] = value;
  for (const auto& [key, value] : task.env) environment[key] = value;
  for (const auto& [key, value] : extra_environment) environment[key] = value;
  json system = {{"cwd", task.cwd.empty() ? context.cwd : task.cwd},
                 {"environment", environment},
                 {"job", {{"name", name}}},
                 {"converge", std::move(converge)}};
  if (!task.duration.empty()) {
    Result<double> seconds = jobspec::ParseDuration(task.duration);
    if (!seconds.ok()) return seconds.status().WithPrefix("task.duration");
    system["duration"] = *seconds;
  }
  return system;
}

json Jobspec(json resources, const std::vector<std::string>& command, json count, json system) {
  return {{"version", 1},
          {"resources", std::move(resources)},
          {"tasks", json::array({{{"command", command}, {"slot", "task"}, {"count", count}}})},
          {"attributes", {{"system", std::move(system)}}}};
}

}  // namespace

Result<nlohmann::json> JobSetChildJobspec(const Document& document, size_t rj, int64_t job_index,
                                          const ChildContext& context) {
  const JobSetSpec& spec = std::get<JobSetSpec>(document.spec);
  const ReplicatedJob& replicated = spec.replicated_jobs.at(rj);
  const std::string& jobset = document.metadata.name;
  const std::string prefix = jobset + "-" + replicated.name + "-" + std::to_string(job_index);
  json resources =
      json::array({Slot(replicated.parallelism, replicated.task.cores, replicated.task.gpus)});
  if (!replicated.exclusive_topology.empty()) {
    resources = json::array({{{"type", replicated.exclusive_topology},
                              {"count", 1},
                              {"exclusive", true},
                              {"with", resources}}});
  }
  json converge = {{"kind", "JobSet"},
                   {"name", jobset},
                   {"pod_prefix", prefix},
                   {"needs_services", spec.needs_services}};
  std::map<std::string, std::string> environment = {
      {"JOBSET_NAME", jobset},
      {"REPLICATED_JOB_NAME", replicated.name},
      {"JOB_INDEX", std::to_string(job_index)},
      {"REPLICATED_JOB_REPLICAS", std::to_string(replicated.replicas)},
      {"COORDINATOR", kLocalAddress},
      {"COORDINATOR_NAME", jobset + "-" + spec.replicated_jobs.front().name + "-0-0"},
  };
  Result<json> system = System(replicated.task, context, prefix, converge, environment);
  if (!system.ok()) {
    return system.status().WithPrefix("spec.replicatedJobs[" + std::to_string(rj) + "].template");
  }
  return Jobspec(std::move(resources), replicated.task.command, {{"per_slot", 1}},
                 std::move(system).value());
}

Result<nlohmann::json> ServiceJobspec(const Document& document, int64_t port,
                                      const ChildContext& context) {
  const ServiceSpec& spec = std::get<ServiceSpec>(document.spec);
  const std::string& name = document.metadata.name;
  json converge = {{"kind", "Service"}, {"name", name}, {"service", name}};
  Result<json> system =
      System(spec.task, context, name, converge,
             {{"CONVERGE_PORT", std::to_string(port)}, {"CONVERGE_SERVICE_NAME", name}});
  if (!system.ok()) return system.status().WithPrefix("spec");
  return Jobspec(json::array({Slot(1, spec.task.cores, spec.task.gpus)}), spec.task.command,
                 {{"per_slot", 1}}, std::move(system).value());
}

Result<nlohmann::json> MiniClusterJobspec(const Document& document,
                                          const std::string& converge_path,
                                          const std::string& state_dir,
                                          const ChildContext& context) {
  const MiniClusterSpec& spec = std::get<MiniClusterSpec>(document.spec);
  const std::string& name = document.metadata.name;
  std::vector<std::string> command = {converge_path, "start", "--nested", "--state", state_dir};
  if (!spec.command.empty()) {
    command.push_back("--");
    command.insert(command.end(), spec.command.begin(), spec.command.end());
  }
  json node = {{"type", "node"},
               {"count", spec.size},
               {"with", json::array({Slot(1, spec.cores > 0 ? spec.cores : 1, 0)})}};
  if (spec.cores == 0) node["exclusive"] = true;
  TaskTemplate task;
  json converge = {{"kind", "MiniCluster"}, {"name", name}};
  Result<json> system = System(task, context, name, converge, {});
  if (!system.ok()) return system.status();
  json job = Jobspec(json::array({node}), command, {{"total", 1}}, std::move(system).value());
  jobspec::SetOneTaskPerNode(job);  // rank 0 is the instance, the others its agents
  return job;
}

Result<nlohmann::json> MetricSetJobspec(const Document& document, size_t index,
                                        const benchmarks::Plan& plan,
                                        const ChildContext& context) {
  const MetricSetSpec& spec = std::get<MetricSetSpec>(document.spec);
  const MetricRun& run = spec.metrics.at(index);
  const std::string name = document.metadata.name + "-" + run.name;
  json node = {{"type", "node"},
               {"count", spec.nodes},
               {"exclusive", true},
               {"with", json::array({Slot(plan.tasks_per_node, plan.cores_per_task, 0)})}};
  TaskTemplate task;
  task.duration = spec.duration.empty() && plan.time_limit > 0
                      ? std::to_string(plan.time_limit)
                      : spec.duration;
  json converge = {{"kind", "MetricSet"}, {"name", document.metadata.name},
                   {"metric", run.name}, {"index", index}};
  Result<json> system = System(task, context, name, converge, {});
  if (!system.ok()) return system.status().WithPrefix("spec");
  json& options = (*system)["shell"]["options"];
  for (const char* stream : {"stdout", "stderr"}) options["output"][stream]["label"] = true;
  if (plan.mpi) options["pmi"] = "pmix";
  return Jobspec(json::array({node}), plan.argv, {{"per_slot", 1}}, std::move(system).value());
}

}  // namespace converge::workload
