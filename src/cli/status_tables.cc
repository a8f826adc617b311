#include "cli/status_tables.h"

#include <algorithm>
#include <array>
#include <vector>

#include "cli/job_table.h"

namespace converge::cli {
namespace {

using nlohmann::json;

std::string Text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}
int64_t Integer(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// Aligned columns; the last one is not padded. `right[c]` right-aligns column c.
template <size_t N>
std::string Columns(const std::vector<std::array<std::string, N>>& rows,
                    const std::array<bool, N>& right) {
  std::array<size_t, N> widths{};
  for (const auto& row : rows) {
    for (size_t c = 0; c < N; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < N; ++c) {
      if (c + 1 == N) {
        line += row[c];
        break;
      }
      std::string fill(widths[c] - row[c].size(), ' ');
      line += (right[c] ? fill + row[c] : row[c] + fill) + " ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string FormatQueue(const json& queue, double now) {
  std::string out = "policy: " + Text(queue, "policy");
  if (queue.contains("match")) out += ", match " + Text(queue, "match");
  auto stopping = queue.find("stopping");
  if (stopping != queue.end() && stopping->is_boolean() && stopping->get<bool>()) {
    out += " (stopping)";
  }
  out += "\njobs:  ";
  const json counts = queue.value("counts", json::object());
  bool first = true;
  for (const char* state : {"DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP"}) {
    std::string name = state;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    out += std::string(first ? " " : ", ") + std::to_string(Integer(counts, state)) + " " + name;
    first = false;
  }
  out += "\n";
  const json queues = queue.value("queues", json::array());
  if (queues.is_array() && !queues.empty()) out += "\n" + FormatQueueList(queue);
  const json pending = queue.value("pending", json::array());
  if (!pending.is_array() || pending.empty()) return out;
  std::vector<std::array<std::string, 6>> rows = {
      {"JOBID", "USER", "NAME", "ST", "START", "REASON"}};
  for (const json& job : pending) {
    std::string start;
    auto reserved = job.find("reserved_start");
    if (reserved != job.end() && reserved->is_number()) {
      const double at = reserved->get<double>();
      start = at <= now ? "now" : "in " + FormatElapsed(at - now);
    }
    json with_state = job;
    if (!with_state.contains("state")) with_state["state"] = "SCHED";
    rows.push_back({std::to_string(Integer(job, "id")), Text(job, "user"), Text(job, "name"),
                    StateCode(with_state), start, Text(job, "reason")});
  }
  return out + "\n" + Columns<6>(rows, {true, false, false, false, false, false});
}

std::string FormatQueueList(const json& queue) {
  const json queues = queue.value("queues", json::array());
  if (!queues.is_array() || queues.empty()) {
    return "one queue, unnamed (policy " + Text(queue, "policy") +
           "); converge start --queue NAME makes named ones\n";
  }
  std::vector<std::array<std::string, 7>> rows = {
      {"QUEUE", "POLICY", "STATE", "MAX-TIME", "MAX-NODES", "PENDING", "RUNNING"}};
  for (const json& entry : queues) {
    auto started = entry.find("started");
    const bool stopped = started != entry.end() && started->is_boolean() && !started->get<bool>();
    auto limit = entry.find("max_duration");
    const double seconds = limit != entry.end() && limit->is_number() ? limit->get<double>() : 0;
    const int64_t nodes = Integer(entry, "max_nodes");
    rows.push_back({Text(entry, "name"), Text(entry, "policy"), stopped ? "stopped" : "started",
                    seconds > 0 ? FormatElapsed(seconds) : "-",
                    nodes > 0 ? std::to_string(nodes) : "-",
                    std::to_string(Integer(entry, "pending")),
                    std::to_string(Integer(entry, "running"))});
  }
  return Columns<7>(rows, {false, false, false, true, true, true, true});
}

std::string FormatLiveResources(const json& resources) {
  const json states = resources.value("states", json::array());
  const bool any_properties = std::any_of(states.begin(), states.end(), [](const json& state) {
    return !Text(state, "properties").empty();
  });
  std::string out;
  if (any_properties) {
    std::vector<std::array<std::string, 6>> rows = {
        {"STATE", "NNODES", "NCORES", "NGPUS", "PROPERTIES", "NODELIST"}};
    for (const json& state : states) {
      rows.push_back({Text(state, "state"), std::to_string(Integer(state, "nnodes")),
                      std::to_string(Integer(state, "ncores")),
                      std::to_string(Integer(state, "ngpus")), Text(state, "properties"),
                      Text(state, "nodelist")});
    }
    out = Columns<6>(rows, {true, true, true, true, false, false});
  } else {
    std::vector<std::array<std::string, 5>> rows = {
        {"STATE", "NNODES", "NCORES", "NGPUS", "NODELIST"}};
    for (const json& state : states) {
      rows.push_back({Text(state, "state"), std::to_string(Integer(state, "nnodes")),
                      std::to_string(Integer(state, "ncores")),
                      std::to_string(Integer(state, "ngpus")), Text(state, "nodelist")});
    }
    out = Columns<5>(rows, {true, true, true, true, false});
  }
  const json totals = resources.value("totals", json::object());
  out += "free: " + std::to_string(Integer(totals, "cores_free")) + " of " +
         std::to_string(Integer(totals, "cores")) + " cores, " +
         std::to_string(Integer(totals, "gpus_free")) + " of " +
         std::to_string(Integer(totals, "gpus")) + " GPUs";
  if (Integer(totals, "memory_mib") > 0) {
    out += ", " + std::to_string(Integer(totals, "memory_free_mib")) + " of " +
           std::to_string(Integer(totals, "memory_mib")) + " MiB memory";
  }
  out += "\n";
  return out;
}

}  // namespace converge::cli
