#include "resource/writers/summary.h"

#include <cstdio>

#include "common/hostlist.h"

namespace converge::resource {

ResourceSummary SummarizeByState(const Graph& graph) {
  constexpr VertexStatus kOrder[] = {VertexStatus::kUp, VertexStatus::kDown,
                                     VertexStatus::kDrained};
  ResourceSummary summary;
  for (VertexStatus status : kOrder) {
    StateSummary row;
    row.state = VertexStatusName(status);
    std::vector<std::string> names;
    for (VertexId node : graph.VerticesOfType(kNode)) {
      if (graph.status(node) != status) continue;
      ++row.nnodes;
      row.ncores += graph.CountIn(node, kCore);
      row.ngpus += graph.CountIn(node, kGpu);
      auto [begin, end] = graph.TypeRangeIn(node, kMemory);
      for (const VertexId* m = begin; m != end; ++m) row.memory_mib += graph.capacity(*m);
      names.push_back(graph.name(node));
    }
    if (row.nnodes == 0) continue;
    row.nodelist = CompressHostlist(std::move(names));
    summary.states.push_back(std::move(row));
  }
  return summary;
}

std::string FormatSummaryTable(const ResourceSummary& summary) {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof(line), "%7s %6s %6s %5s %s\n", "STATE", "NNODES", "NCORES", "NGPUS",
                "NODELIST");
  out += line;
  for (const StateSummary& row : summary.states) {
    std::snprintf(line, sizeof(line), "%7s %6lld %6lld %5lld ", row.state.c_str(),
                  static_cast<long long>(row.nnodes), static_cast<long long>(row.ncores),
                  static_cast<long long>(row.ngpus));
    out += line;
    out += row.nodelist;
    out += '\n';
  }
  return out;
}

nlohmann::json SummaryToJson(const ResourceSummary& summary) {
  nlohmann::json states = nlohmann::json::array();
  for (const StateSummary& row : summary.states) {
    states.push_back({{"state", row.state},
                      {"nnodes", row.nnodes},
                      {"ncores", row.ncores},
                      {"ngpus", row.ngpus},
                      {"memory_mib", row.memory_mib},
                      {"nodelist", row.nodelist}});
  }
  return {{"states", std::move(states)}};
}

}  // namespace converge::resource
