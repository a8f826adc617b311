#include "workload/dependency_cycle.h"

#include <utility>

#include "common/check.h"

namespace converge::workload {

std::optional<std::vector<size_t>> FindCycle(const std::vector<std::vector<size_t>>& edges) {
  enum class Mark { kNew, kOnStack, kDone };
  std::vector<Mark> marks(edges.size(), Mark::kNew);
  // The DFS path: (node, index of the next edge to follow).
  std::vector<std::pair<size_t, size_t>> stack;
  for (size_t root = 0; root < edges.size(); ++root) {
    if (marks[root] != Mark::kNew) continue;
    stack.push_back({root, 0});
    marks[root] = Mark::kOnStack;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == edges[node].size()) {
        marks[node] = Mark::kDone;
        stack.pop_back();
        continue;
      }
      const size_t target = edges[node][next++];
      CHECK(target < edges.size(), "FindCycle: edge to a node out of range");
      if (marks[target] == Mark::kNew) {
        marks[target] = Mark::kOnStack;
        stack.push_back({target, 0});
      } else if (marks[target] == Mark::kOnStack) {
        std::vector<size_t> cycle = {node};
        size_t start = 0;
        while (stack[start].first != target) ++start;
        for (size_t i = start; i < stack.size(); ++i) cycle.push_back(stack[i].first);
        return cycle;
      }
    }
  }
  return std::nullopt;
}

}  // namespace converge::workload
