#include "resource/subgraph.h"

#include <gtest/gtest.h>

#include "resource/readers/load.h"

namespace converge::resource {
namespace {

Graph TwoNodes() {
  Result<Graph> graph = ReadResourceText(
      "cluster: {name: c}\nnodes:\n  - {count: 2, basename: n, sockets: 1, cores_per_socket: 4,"
      " memory_per_socket: 1GiB}\n");
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  return std::move(graph).value();
}

TEST(SubgraphTest, KeepsLeavesAndTheirAncestorsOnly) {
  Graph graph = TwoNodes();
  const auto& cores = graph.VerticesOfType(kCore);
  const auto& memory = graph.VerticesOfType(kMemory);
  ASSERT_EQ(cores.size(), 8u);
  Result<Graph> sub = Subgraph(graph, {{cores[5], 1}, {cores[6], 1}, {memory[1], 256}});
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  ASSERT_EQ(sub->VerticesOfType(kNode).size(), 1u);
  EXPECT_EQ(sub->name(sub->VerticesOfType(kNode)[0]), "n1");
  ASSERT_EQ(sub->VerticesOfType(kCore).size(), 2u);
  EXPECT_EQ(sub->id(sub->VerticesOfType(kCore)[0]), graph.id(cores[5]));
  EXPECT_EQ(sub->capacity(sub->VerticesOfType(kMemory)[0]), 256);
}

TEST(SubgraphTest, RefusesInnerVerticesAndEmptySets) {
  Graph graph = TwoNodes();
  EXPECT_FALSE(Subgraph(graph, {}).ok());
  EXPECT_FALSE(Subgraph(graph, {{graph.VerticesOfType(kNode)[0], 1}}).ok());
  EXPECT_FALSE(Subgraph(graph, {{graph.size(), 1}}).ok());
}

}  // namespace
}  // namespace converge::resource
