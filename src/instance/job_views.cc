// JobManager's read-side: lookups, listings, resource and queue views, and drain.
#include <algorithm>
#include <cmath>

#include "common/hostlist.h"
#include "common/json_text.h"
#include "instance/job_manager.h"
#include "jobspec/duration.h"

namespace converge::instance {

const Job* JobManager::Find(int64_t id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

Result<std::vector<const Job*>> JobManager::List(const JobFilter& filter) const {
  std::optional<resource::VertexId> node;
  if (!filter.node.empty()) {
    auto found = nodes_by_name_.find(filter.node);
    if (found == nodes_by_name_.end()) {
      return Status::Invalid("node", "no node named '" + filter.node + "'");
    }
    node = found->second;
  }
  std::vector<const Job*> jobs;
  for (auto it = jobs_.upper_bound(filter.after); it != jobs_.end(); ++it) {
    const Job& job = it->second;
    if (!filter.states.empty() && !filter.states.count(job.state)) continue;
    if (!filter.uids.empty() && !filter.uids.count(job.record.uid)) continue;
    if (!filter.queue.empty() && job.record.queue != filter.queue) continue;
    if (!filter.name.empty() && job.record.name != filter.name) continue;
    if (node) {
      if (!job.active || !job.active->allocation) continue;
      const auto& nodes = job.active->allocation->nodes;
      if (std::find(nodes.begin(), nodes.end(), *node) == nodes.end()) continue;
    }
    jobs.push_back(&job);
    if (jobs.size() >= filter.limit) break;
  }
  return jobs;
}

Result<std::vector<store::Event>> JobManager::Events(int64_t id) const {
  if (!jobs_.count(id)) return Status(Code::kNotFound, "job " + std::to_string(id) + " not found");
  return store_.ReadEvents(id);
}

Result<std::string> JobManager::Jobspec(int64_t id) const {
  if (!jobs_.count(id)) return Status(Code::kNotFound, "job " + std::to_string(id) + " not found");
  return store_.ReadJobspec(id);
}

size_t JobManager::active_count() const {
  size_t count = 0;
  for (const auto& [id, job] : jobs_) count += job.state != JobState::kInactive;
  return count;
}

std::string JobManager::QueueReason(const Job& job) const {
  if (job.state == JobState::kDepend) {
    std::string waiting;
    auto add = [&](const std::string& what) { waiting += (waiting.empty() ? "" : ", ") + what; };
    for (const Dependency& dependency : job.active->dependencies) {
      if (dependency.kind == Dependency::Kind::kSingleton) {
        if (const Job* namesake = EarlierNamesake(job)) {
          add("singleton (job " + std::to_string(namesake->record.id) + " of that name)");
        }
        continue;
      }
      if (dependency.kind == Dependency::Kind::kBeginTime) {
        const double ahead = dependency.time - clock_.Now();
        if (ahead > 0) add("begin-time (in " + jobspec::FormatDuration(std::ceil(ahead)) + ")");
        continue;
      }
      const Job* target = Find(dependency.job);
      if (target && target->state != JobState::kInactive) add(dependency.ToString());
    }
    if (waiting.empty() && hooks_.hold) {
      std::string held = hooks_.hold(job);
      if (!held.empty()) return held;
    }
    return "waiting for " + (waiting.empty() ? std::string("dependencies") : waiting);
  }
  if (job.state == JobState::kPriority && job.record.priority == kHeldUrgency) {
    return "held (urgency 0): converge release " + std::to_string(job.record.id) +
           " queues it";
  }
  if (job.state != JobState::kSched) return "";
  if (stopping_) return "the instance is stopping";
  if (stopped_queues_.count(job.record.queue)) {
    return "queue " + job.record.queue + " is stopped: converge queue start " + job.record.queue;
  }
  Result<std::string> why =
      scheduler_->WhyPending(job.record.id, static_cast<sched::Time>(std::floor(clock_.Now())));
  return why.ok() ? *why : "";
}

std::string JobManager::PendingKind(const Job& job) const {
  if (job.state == JobState::kDepend) {
    for (const Dependency& dependency : job.active->dependencies) {
      if (dependency.kind == Dependency::Kind::kSingleton) {
        if (EarlierNamesake(job)) return "singleton";
      } else if (dependency.kind == Dependency::Kind::kBeginTime) {
        if (dependency.time > clock_.Now()) return "begin-time";
      } else if (const Job* target = Find(dependency.job);
                 target && target->state != JobState::kInactive) {
        return "dependency";
      }
    }
    return hooks_.hold && !hooks_.hold(job).empty() ? "workload" : "dependency";
  }
  if (job.state == JobState::kPriority) {
    return job.record.priority == kHeldUrgency ? "held" : "priority";
  }
  if (job.state != JobState::kSched) return "";
  if (stopping_) return "stopping";
  if (stopped_queues_.count(job.record.queue)) return "queue-stopped";
  return scheduler_->ReservedStart(job.record.id) ? "reserved" : "resources";
}

JobManager::NodeUsage JobManager::UsageOf(const std::string& name,
                                          resource::VertexId node) const {
  NodeUsage usage;
  for (resource::VertexId v = node; v < graph_.SubtreeEnd(node); ++v) {
    const resource::TypeId type = graph_.type(v);
    if (type == resource::kCore) {
      ++usage.cores;
      usage.cores_free += used_[v] == 0;
    } else if (type == resource::kGpu) {
      ++usage.gpus;
      usage.gpus_free += used_[v] == 0;
    } else if (type == resource::kMemory) {
      usage.memory_mib += graph_.capacity(v);
      usage.memory_free_mib += graph_.capacity(v) - used_[v];
    }
  }
  usage.state = "free";
  if (graph_.status(node) == resource::VertexStatus::kDown || down_.count(name)) {
    usage.state = "down";
  } else if (drained_.count(name) || graph_.status(node) == resource::VertexStatus::kDrained) {
    usage.state = "drained";
  } else if (usage.cores_free == 0 && usage.gpus_free == 0 && usage.cores + usage.gpus > 0) {
    usage.state = "allocated";
  } else if (usage.cores_free < usage.cores || usage.gpus_free < usage.gpus) {
    usage.state = "mixed";
  }
  if (auto down = down_.find(name); down != down_.end()) {
    usage.reason = down->second;
  } else if (auto drained = drained_.find(name); drained != drained_.end()) {
    usage.reason = drained->second;
  }
  return usage;
}

std::string JobManager::ResourcesJsonText() const {
  std::string nodes = "[";
  nodes.reserve(160 * nodes_by_name_.size() + 2);
  // Rows of the summary: by state, then by the nodes' properties ("gpu,arch=x86_64").
  using Row = std::pair<std::string, std::string>;
  std::map<Row, std::vector<std::string>> names_by_row;
  std::map<Row, std::array<int64_t, 3>> counts_by_row;  // nodes, cores, gpus
  int64_t total_cores = 0, free_cores = 0, total_gpus = 0, free_gpus = 0;
  int64_t total_memory = 0, free_memory = 0;
  for (const auto& [name, node] : nodes_by_name_) {
    const NodeUsage usage = UsageOf(name, node);
    const auto& [state, reason, cores, cores_free, gpus, gpus_free, memory, memory_free] = usage;
    // Keys in name order, as nlohmann writes objects.
    if (nodes.size() > 1) nodes += ',';
    nodes += '{';
    AppendJsonField(nodes, "cores", cores);
    AppendJsonField(nodes, "cores_free", cores_free);
    AppendJsonField(nodes, "gpus", gpus);
    AppendJsonField(nodes, "gpus_free", gpus_free);
    AppendJsonField(nodes, "memory_free_mib", memory_free);
    AppendJsonField(nodes, "memory_mib", memory);
    AppendJsonKey(nodes, "name");
    AppendJsonString(nodes, name);
    std::string property_text;
    if (!graph_.properties(node).empty()) {
      nodes += ",\"properties\":{";
      bool first = true;
      for (const auto& [key, value] : graph_.properties(node)) {  // sorted by key
        if (!first) nodes += ',';
        first = false;
        AppendJsonKey(nodes, key);
        AppendJsonString(nodes, value);
        if (!property_text.empty()) property_text += ',';
        property_text += value.empty() ? key : key + "=" + value;
      }
      nodes += '}';
    }
    nodes += ',';
    AppendJsonKey(nodes, "reason");
    AppendJsonString(nodes, reason);
    nodes += ',';
    AppendJsonKey(nodes, "state");
    AppendJsonString(nodes, state);
    nodes += '}';
    const Row row{state, property_text};
    names_by_row[row].push_back(name);
    auto& counts = counts_by_row[row];
    counts[0] += 1;
    counts[1] += cores;
    counts[2] += gpus;
    total_cores += cores;
    total_gpus += gpus;
    total_memory += memory;
    // A drained or down node's idle resources are not free: nothing new starts there.
    if (state != "drained" && state != "down") {
      free_cores += cores_free;
      free_gpus += gpus_free;
      free_memory += memory_free;
    }
  }
  nodes += ']';
  nlohmann::json states = nlohmann::json::array();
  for (const char* state : {"free", "mixed", "allocated", "drained", "down"}) {
    for (auto it = names_by_row.lower_bound({state, ""});
         it != names_by_row.end() && it->first.first == state; ++it) {
      const auto& counts = counts_by_row[it->first];
      states.push_back({{"state", state},
                        {"properties", it->first.second},
                        {"nnodes", counts[0]},
                        {"ncores", counts[1]},
                        {"ngpus", counts[2]},
                        {"nodelist", CompressHostlist(it->second)}});
    }
  }
  const nlohmann::json totals = {{"nodes", nodes_by_name_.size()},
                                 {"cores", total_cores},
                                 {"cores_free", free_cores},
                                 {"gpus", total_gpus},
                                 {"gpus_free", free_gpus},
                                 {"memory_mib", total_memory},
                                 {"memory_free_mib", free_memory}};
  return "{\"nodes\":" + nodes + ",\"states\":" + states.dump() + ",\"totals\":" +
         totals.dump() + "}";
}

nlohmann::json JobManager::QueueJson() const {
  std::map<std::string, int64_t> counts;
  for (const char* state : {"DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP"}) counts[state] = 0;
  nlohmann::json pending = nlohmann::json::array();
  std::map<std::string, std::pair<int64_t, int64_t>> by_queue;  // name -> pending, running
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kInactive) continue;
    counts[JobStateName(job.state)] += 1;
    auto& [waiting, running] = by_queue[job.record.queue];
    (job.state == JobState::kRun || job.state == JobState::kCleanup ? running : waiting) += 1;
    if (job.state != JobState::kDepend && job.state != JobState::kSched) continue;
    if (pending.size() >= 1000) continue;
    std::optional<sched::Time> reserved = scheduler_->ReservedStart(id);
    pending.push_back({{"id", id},
                       {"user", job.record.user},
                       {"name", job.record.name},
                       {"state", job.record.state},
                       {"reason", QueueReason(job)},
                       {"reserved_start", reserved ? nlohmann::json(*reserved) : nullptr}});
  }
  nlohmann::json queues = nlohmann::json::array();
  for (const QueueConfig& queue : queues_.queues()) {
    if (queue.name.empty()) break;  // one unnamed queue: the instance's policy says it all
    const auto [waiting, running] = by_queue[queue.name];
    queues.push_back({{"name", queue.name},
                      {"policy", sched::QueuePolicyName(queue.policy)},
                      {"started", !stopped_queues_.count(queue.name)},
                      {"max_duration", queue.max_duration},
                      {"max_nodes", queue.max_nodes},
                      {"pending", waiting},
                      {"running", running}});
  }
  return {{"policy", sched::QueuePolicyName(options_.scheduler.queue_policy)},
          {"match", sched::MatchPolicyName(options_.scheduler.match_policy)},
          {"counts", counts},
          {"pending", pending},
          {"queues", queues},
          {"stopping", stopping_}};
}

Status JobManager::SetDrained(const std::string& targets, bool drained,
                              const std::string& reason) {
  Result<std::vector<std::string>> names = ExpandHostlist(targets);
  if (!names.ok()) return names.status().WithPrefix("targets");
  std::vector<resource::VertexId> vertices;
  for (const std::string& name : *names) {
    auto it = nodes_by_name_.find(name);
    if (it == nodes_by_name_.end()) {
      return Status(Code::kNotFound, "no node named '" + name + "'", "targets");
    }
    vertices.push_back(it->second);
  }
  for (size_t i = 0; i < vertices.size(); ++i) {
    const bool down = down_.count((*names)[i]) > 0;
    CONVERGE_RETURN_IF_ERROR(scheduler_->SetHostAvailable(vertices[i], !drained && !down));
    const bool was_drained = drained_.count((*names)[i]) > 0;
    if (drained) {
      drained_[(*names)[i]] = reason;
    } else {
      drained_.erase((*names)[i]);
    }
    if (node_sink_ && was_drained != drained) {
      node_sink_((*names)[i], drained ? "Drained" : "Undrained", reason);
    }
  }
  nlohmann::json persisted = drained_;
  store_.PutMeta("drained", persisted.dump());
  RequestFlush();
  if (!drained) RequestSchedule();
  return Status::Ok();
}

Status JobManager::SetQueueStarted(const std::string& name, bool started) {
  const std::vector<QueueConfig>& queues = queues_.queues();
  auto it = std::find_if(queues.begin(), queues.end(),
                         [&](const QueueConfig& queue) { return queue.name == name; });
  if (name.empty() || it == queues.end()) {
    return Status(Code::kNotFound, "no queue '" + name + "'", "queue");
  }
  CONVERGE_RETURN_IF_ERROR(
      scheduler_->SetQueueStarted(static_cast<int>(it - queues.begin()), started));
  if (started) {
    stopped_queues_.erase(name);
    RequestSchedule();
  } else {
    stopped_queues_.insert(name);
  }
  nlohmann::json persisted = stopped_queues_;
  store_.PutMeta("stopped_queues", persisted.dump());
  RequestFlush();
  return Status::Ok();
}

Status JobManager::SetDown(const std::string& name, bool down, const std::string& reason) {
  auto it = nodes_by_name_.find(name);
  if (it == nodes_by_name_.end()) return Status(Code::kNotFound, "no node named '" + name + "'");
  const bool drained = drained_.count(name) > 0;
  CONVERGE_RETURN_IF_ERROR(scheduler_->SetHostAvailable(it->second, !down && !drained));
  const bool was_down = down_.count(name) > 0;
  if (down) {
    down_[name] = reason;
  } else {
    down_.erase(name);
    RequestSchedule();
  }
  if (node_sink_ && was_down != down) node_sink_(name, down ? "Down" : "Up", reason);
  return Status::Ok();
}

}  // namespace converge::instance
