#include "resource/graph.h"

#include <gtest/gtest.h>

namespace converge::resource {
namespace {

Graph TwoNodeGraph() {
  GraphBuilder builder;
  builder.Open({.type = "cluster"});
  for (int n = 0; n < 2; ++n) {
    builder.Open({.type = "node"});
    for (int s = 0; s < 2; ++s) {
      builder.Open({.type = "socket"});
      for (int c = 0; c < 4; ++c) builder.Add({.type = "core"});
      builder.Add({.type = "gpu"});
      builder.Close();
    }
    builder.Close();
  }
  builder.Close();
  return std::move(builder.Build().value());
}

TEST(GraphTest, SubtreesAreContiguousRanges) {
  Graph graph = TwoNodeGraph();
  ASSERT_EQ(graph.size(), 1 + 2 * (1 + 2 * 6));
  VertexId node1 = graph.VerticesOfType(kNode)[1];
  EXPECT_EQ(graph.SubtreeEnd(node1), graph.size());
  EXPECT_EQ(graph.CountIn(node1, kCore), 8);
  EXPECT_EQ(graph.CountIn(graph.root(), kGpu), 4);
  EXPECT_EQ(graph.rank(node1), 1);
  EXPECT_EQ(graph.name(node1), "node1");
  VertexId last_core = graph.VerticesOfType(kCore).back();
  EXPECT_EQ(graph.id(last_core), 15);
  EXPECT_EQ(graph.AncestorOfType(last_core, kNode), node1);
  EXPECT_EQ(graph.Path(last_core), "/cluster0/node1/socket3/core15");
}

TEST(GraphTest, CustomBasenamesDoNotShiftLaterTypes) {
  GraphBuilder builder;
  builder.Open({.type = "cluster", .basename = "tiny"});
  builder.Open({.type = "node", .basename = "compute"});
  builder.Add({.type = "widget"});  // a user type interned after two custom basenames
  builder.Close();
  builder.Close();
  Graph graph = std::move(builder.Build().value());
  EXPECT_EQ(graph.name(0), "tiny0");
  EXPECT_EQ(graph.name(1), "compute0");
  EXPECT_EQ(graph.name(2), "widget0");
}

TEST(GraphTest, BuildRejectsUnbalancedOrEmpty) {
  GraphBuilder empty;
  EXPECT_FALSE(empty.Build().ok());
  GraphBuilder open;
  open.Open({.type = "cluster"});
  EXPECT_FALSE(open.Build().ok());
  GraphBuilder two_roots;
  two_roots.Add({.type = "node"});
  two_roots.Add({.type = "node"});
  EXPECT_FALSE(two_roots.Build().ok());
}

}  // namespace
}  // namespace converge::resource
