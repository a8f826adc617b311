#include "resource/compose.h"

#include <gtest/gtest.h>


namespace converge::resource {
namespace {

Graph TwoSocketNode(const std::string& host) {
  GraphBuilder builder;
  builder.Open({.type = "cluster"});
  builder.Open({.type = "node", .properties = {{"arch", "x86_64"}}, .name = host});
  for (int socket = 0; socket < 2; ++socket) {
    builder.Open({.type = "socket"});
    for (int core = 0; core < 2; ++core) builder.Add({.type = "core"});
    builder.Add({.type = "memory", .size = 1024});
    builder.Close();
  }
  builder.Close();
  builder.Close();
  return std::move(builder.Build()).value();
}

TEST(ComposeNodesTest, NamesNodesInOrderAndKeepsTheirSubtrees) {
  Graph first = TwoSocketNode("localhost");
  Graph second = TwoSocketNode("other");
  Result<Graph> graph = ComposeNodes({{"n01", &first, {{"partition", "debug"}}},
                                      {"n02", &second, {}}});
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const auto& nodes = graph->VerticesOfType(kNode);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(graph->name(nodes[0]), "n01");
  EXPECT_EQ(graph->name(nodes[1]), "n02");
  EXPECT_EQ(graph->CountIn(nodes[0], kCore), 4);
  EXPECT_EQ(graph->CountIn(nodes[1], kSocket), 2);
  EXPECT_EQ(graph->CountIn(graph->root(), kMemory), 4);
  EXPECT_EQ(graph->rank(nodes[1]), 1);
  const Properties& properties = graph->properties(nodes[0]);
  ASSERT_EQ(properties.size(), 2u);
  EXPECT_EQ(properties[0], (std::pair<std::string, std::string>{"arch", "x86_64"}));
  EXPECT_EQ(properties[1], (std::pair<std::string, std::string>{"partition", "debug"}));
  EXPECT_EQ(graph->Path(graph->VerticesOfType(kCore)[5]), "/cluster0/n02/socket0/core1");
}

TEST(ComposeNodesTest, RefusesRepeatedNamesAndEmptyInput) {
  Graph first = TwoSocketNode("a");
  Result<Graph> twice = ComposeNodes({{"n01", &first, {}}, {"n01", &first, {}}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().where(), "nodes[1]");
  EXPECT_FALSE(ComposeNodes({}).ok());
}

}  // namespace
}  // namespace converge::resource
