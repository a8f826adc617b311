// Summary of a graph's nodes by static status: the data behind `converge resource list`.
// Human table and JSON are both rendered from the same ResourceSummary.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "resource/graph.h"

namespace converge::resource {

struct StateSummary {
  std::string state;  // "up", "down" or "drained"
  int64_t nnodes = 0;
  int64_t ncores = 0;
  int64_t ngpus = 0;
  int64_t memory_mib = 0;
  std::string nodelist;  // compressed hostlist, nodes in graph order
};

struct ResourceSummary {
  std::vector<StateSummary> states;  // up, down, drained; only states that have nodes
};

// Groups the graph's node vertices by status. O(vertices).
ResourceSummary SummarizeByState(const Graph& graph);

// The table printed by `converge resource list`, in the spirit of `flux resource list`:
//     STATE NNODES NCORES NGPUS NODELIST
//        up      8    256    32 node[0-7]
std::string FormatSummaryTable(const ResourceSummary& summary);

// {"states": [{"state": "up", "nnodes": 8, "ncores": 256, "ngpus": 32, "memory_mib": ...,
//  "nodelist": "node[0-7]"}, ...]}
nlohmann::json SummaryToJson(const ResourceSummary& summary);

}  // namespace converge::resource
