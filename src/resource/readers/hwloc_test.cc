#include "resource/readers/hwloc.h"

#include <gtest/gtest.h>
#include <sched.h>
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
  // A core's id is a cpu this process may run on (its first hardware thread).
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  for (VertexId core : graph->VerticesOfType(kCore)) {
    EXPECT_TRUE(CPU_ISSET(static_cast<int>(graph->id(core)), &allowed)) << graph->id(core);
  }
  int64_t memory = 0;
  for (VertexId m : graph->VerticesOfType(kMemory)) memory += graph->capacity(m);
  EXPECT_GT(memory, 0);
}

// As an agent started by srun inside an allocation that has one cpu of this node: the graph has
// that cpu's core only, named by it, so tasks bound to "core N" run on cpu N.
TEST(HwlocReaderTest, KeepsOnlyTheCpusThisProcessIsBoundTo) {
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof(original), &original), 0);
  if (CPU_COUNT(&original) < 2) GTEST_SKIP() << "needs two cpus to bind to one of them";
  int last = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) last = cpu;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  Result<Graph> graph = ReadLocalMachine();
  ASSERT_EQ(sched_setaffinity(0, sizeof(original), &original), 0);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ASSERT_EQ(graph->VerticesOfType(kCore).size(), 1u);
  EXPECT_EQ(graph->id(graph->VerticesOfType(kCore)[0]), last);
  int64_t memory = 0;
  for (VertexId m : graph->VerticesOfType(kMemory)) memory += graph->capacity(m);
  EXPECT_GT(memory, 0);
}

}  // namespace
}  // namespace converge::resource
