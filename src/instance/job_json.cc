#include "instance/job_json.h"

namespace converge::instance {

nlohmann::json JobToJson(const store::JobRecord& r) {
  nlohmann::json dependencies = nlohmann::json::parse(
      r.dependencies.empty() ? std::string("[]") : r.dependencies, nullptr, false);
  if (dependencies.is_discarded()) dependencies = nlohmann::json::array();
  return {{"id", r.id},
          {"user", r.user},
          {"uid", r.uid},
          {"name", r.name},
          {"state", r.state},
          {"result", r.result},
          {"exit_code", r.exit_code},
          {"signal", r.signal},
          {"ntasks", r.ntasks},
          {"nnodes", r.nnodes},
          {"nodelist", r.nodelist},
          {"queue", r.queue},
          {"priority", r.priority},
          {"duration", r.duration},
          {"submit_time", r.submit_time},
          {"start_time", r.start_time},
          {"end_time", r.end_time},
          {"dependencies", dependencies},
          {"reason", r.reason},
          {"output", r.output},
          {"error_output", r.error_output}};
}

nlohmann::json AllocationToJson(const sched::Allocation& allocation) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : allocation.items) items.push_back({item.vertex, item.amount});
  return {{"items", items},
          {"nodes", allocation.nodes},
          {"slot_hosts", allocation.slot_hosts},
          {"exclusive", allocation.exclusive}};
}

Result<sched::Allocation> AllocationFromJson(const nlohmann::json& json) {
  sched::Allocation allocation;
  if (!json.is_object()) return Status::Invalid("allocation", "must be an object");
  try {
    for (const auto& item : json.at("items")) {
      allocation.items.push_back({item.at(0).get<resource::VertexId>(),
                                  item.at(1).get<int64_t>()});
    }
    allocation.nodes = json.at("nodes").get<std::vector<resource::VertexId>>();
    allocation.slot_hosts = json.at("slot_hosts").get<std::vector<resource::VertexId>>();
    allocation.exclusive = json.at("exclusive").get<bool>();
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("allocation", error.what());
  }
  return allocation;
}

}  // namespace converge::instance
