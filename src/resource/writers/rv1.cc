#include "resource/writers/rv1.h"

#include <algorithm>
#include <map>

#include "common/hostlist.h"

namespace converge::resource {

nlohmann::json WriteRv1(const Graph& graph, const std::vector<VertexId>& allocated,
                        double starttime, double expiration) {
  // rank -> (node vertex, type name -> node-local ids)
  struct NodeShare {
    VertexId node = kNoVertex;
    std::map<std::string, std::vector<int64_t>> children;
  };
  std::map<int32_t, NodeShare> by_rank;
  for (VertexId v : allocated) {
    CHECK(v >= 0 && v < graph.size(), "WriteRv1: vertex out of range");
    TypeId type = graph.type(v);
    if (type == kMemory) continue;
    VertexId node = graph.AncestorOfType(v, kNode);
    if (node == kNoVertex || node == v) continue;
    auto [begin, end] = graph.TypeRangeIn(node, type);
    int64_t local = std::lower_bound(begin, end, v) - begin;
    NodeShare& share = by_rank[graph.rank(node)];
    share.node = node;
    share.children[graph.type_name(type)].push_back(local);
  }
  // Identical children (as idset strings) share an entry.
  std::map<std::map<std::string, std::string>, std::vector<int64_t>> groups;
  std::vector<std::string> names;
  for (auto& [rank, share] : by_rank) {
    std::map<std::string, std::string> children;
    for (auto& [type, ids] : share.children) children[type] = CompressIds(ids);
    groups[children].push_back(rank);
    names.push_back(graph.name(share.node));
  }
  std::vector<std::pair<int64_t, const std::map<std::string, std::string>*>> order;
  for (const auto& [children, ranks] : groups) order.emplace_back(ranks.front(), &children);
  std::sort(order.begin(), order.end());
  nlohmann::json r_lite = nlohmann::json::array();
  for (const auto& [first, children] : order) {
    nlohmann::json entry;
    entry["rank"] = CompressIds(groups[*children]);
    entry["children"] = *children;
    r_lite.push_back(std::move(entry));
  }
  nlohmann::json nodelist = nlohmann::json::array();
  if (!names.empty()) nodelist.push_back(CompressHostlist(names));
  return {{"version", 1},
          {"execution",
           {{"R_lite", std::move(r_lite)},
            {"nodelist", std::move(nodelist)},
            {"starttime", starttime},
            {"expiration", expiration}}}};
}

}  // namespace converge::resource
