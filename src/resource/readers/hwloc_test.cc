#include "resource/readers/hwloc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace converge::resource {
namespace {

TEST(HwlocReaderTest, ReadsThisMachine) {
  Result<Graph> graph = ReadLocalMachine();
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ASSERT_EQ(graph->VerticesOfType(kNode).size(), 1u);
  VertexId node = graph->VerticesOfType(kNode)[0];
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(graph->name(node), host);
  EXPECT_EQ(graph->rank(node), 0);
  EXPECT_GE(graph->VerticesOfType(kSocket).size(), 1u);
  int64_t cores = graph->CountIn(node, kCore);
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int64_t>(std::thread::hardware_concurrency()));
  // Node-local core ids run 0..n-1.
  const auto& all = graph->VerticesOfType(kCore);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(graph->id(all[i]), static_cast<int64_t>(i));
  int64_t memory = 0;
  for (VertexId m : graph->VerticesOfType(kMemory)) memory += graph->capacity(m);
  EXPECT_GT(memory, 0);
}

}  // namespace
}  // namespace converge::resource
