#include "instance/provenance_recorder.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/version.h"

namespace converge::instance {
namespace {

const QueueConfig* QueueNamed(const std::vector<QueueConfig>& queues, const std::string& name) {
  for (const QueueConfig& queue : queues) {
    if (queue.name == name) return &queue;
  }
  return nullptr;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

ProvenanceRecorder::ProvenanceRecorder(store::Store& store, provenance::NodeFacts local,
                                       std::vector<QueueConfig> queues)
    : store_(store), queues_(std::move(queues)) {
  local_ = Remember(local);
}

ProvenanceRecorder::Known ProvenanceRecorder::Remember(const provenance::NodeFacts& facts) {
  Known known{facts.Digest(), facts.KernelDigest(), facts.TopologyDigest()};
  if (written_.insert(known.digest).second) {
    store_.PutNodeFacts(known.digest,
                        provenance::ToJson(facts, true).dump(
                            -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return known;
}

Status ProvenanceRecorder::SetNodeFacts(const std::string& node, const std::string& facts_json) {
  Result<provenance::NodeFacts> facts = provenance::NodeFactsFromJson(facts_json);
  if (!facts.ok()) return facts.status().WithPrefix("node " + node);
  nodes_[node] = Remember(*facts);
  return Status::Ok();
}

const ProvenanceRecorder::Known& ProvenanceRecorder::FactsOf(const std::string& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? local_ : it->second;
}

std::optional<bool> ProvenanceRecorder::Blessed(const std::string& queue,
                                                const std::string& node) const {
  const QueueConfig* config = QueueNamed(queues_, queue);
  if (config == nullptr || !config->blesses()) return std::nullopt;
  const Known& facts = FactsOf(node);
  return (config->kernels.empty() || Contains(config->kernels, facts.kernel_digest)) &&
         (config->topologies.empty() || Contains(config->topologies, facts.topology_digest));
}

std::vector<std::string> ProvenanceRecorder::BlessedNodes(
    const std::string& queue, const std::vector<std::string>& nodes) const {
  std::vector<std::string> blessed;
  for (const std::string& node : nodes) {
    if (Blessed(queue, node).value_or(false)) blessed.push_back(node);
  }
  return blessed;
}

Status ProvenanceRecorder::Record(const Job& job, const exec::ShimSpec& spec, double now) {
  std::vector<std::string> nodes;
  for (const exec::TaskSpec& task : spec.tasks) {
    if (!Contains(nodes, task.node)) nodes.push_back(task.node);
  }
  const std::string& queue = job.record.queue;
  std::optional<bool> blessed;
  for (const std::string& node : nodes) {
    std::optional<bool> this_one = Blessed(queue, node);
    if (!this_one) break;
    blessed = blessed.value_or(true) && *this_one;
    if (!*this_one && job.active && QueueTable::RequiresBlessed(job.active->spec)) {
      return Status(Code::kPermissionDenied,
                    "node " + node + " is not blessed for queue " + queue +
                        " (its kernel or topology digest is not the queue's) and the job "
                        "requires blessed nodes");
    }
  }
  using Json = nlohmann::ordered_json;
  Json node_list = Json::array();
  for (const std::string& node : nodes) {
    node_list.push_back({{"name", node}, {"facts", FactsOf(node).digest}});
  }
  Json command = nullptr;
  if (!spec.tasks.empty() && !spec.tasks.front().argv.empty()) {
    const exec::TaskSpec& first = spec.tasks.front();
    const provenance::Reader reader{spec.uid, spec.gid, spec.groups};
    provenance::CommandIdentity identity =
        commands_.Identify(first.argv.front(), first.env, spec.cwd, reader);
    command = {{"argv0", identity.argv0},
               {"path", identity.path},
               {"digest", identity.digest},
               {"libraries", identity.libraries},
               {"note", identity.note}};
  }
  const std::map<std::string, std::string> no_environment;
  const std::map<std::string, std::string>& environment =
      job.active ? job.active->spec.system.environment : no_environment;
  if (last_environment_json_.is_null() || environment != last_environment_) {
    last_environment_ = environment;
    last_environment_json_ = provenance::EnvironmentJson(environment);
  }
  Json record = {
      {"job", job.record.id},
      {"recorded", now},
      {"converge_version", kConvergeVersion},
      {"nodes", std::move(node_list)},
      {"command", std::move(command)},
      {"cwd", spec.cwd},
      {"environment", last_environment_json_},
      {"pmi", spec.pmi},
      {"container", nullptr},  // containers are not run yet
      {"blessed", blessed ? Json(*blessed) : Json(nullptr)}};
  store_.PutProvenance(job.record.id,
                       record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return Status::Ok();
}

}  // namespace converge::instance
