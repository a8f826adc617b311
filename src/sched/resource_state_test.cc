#include "sched/resource_state.h"

#include <gtest/gtest.h>

#include "sched/testing/fixtures.h"

namespace converge::sched {
namespace {

using testing::ClusterShape;
using testing::MakeCluster;

TEST(ResourceStateTest, AggregatesFollowClaimsAndReturns) {
  Graph graph = MakeCluster({.nodes = 2, .sockets = 2, .cores_per_socket = 4});
  ResourceState state(graph, true);
  int core = state.PoolOf(resource::kCore);
  ASSERT_GE(core, 0);
  VertexId node0 = graph.VerticesOfType(resource::kNode)[0];
  VertexId first_core = graph.VerticesOfType(resource::kCore)[0];
  EXPECT_EQ(state.Free(graph.root(), core), 16);
  EXPECT_EQ(state.Free(node0, core), 8);
  EXPECT_TRUE(state.Idle(node0));
  state.Apply(first_core, 1);
  EXPECT_EQ(state.Free(node0, core), 7);
  EXPECT_EQ(state.Free(graph.root(), core), 15);
  EXPECT_FALSE(state.Idle(node0));
  state.Apply(first_core, -1);
  EXPECT_EQ(state.Free(node0, core), 8);
  EXPECT_TRUE(state.Idle(node0));
}

TEST(ResourceStateTest, OverlappingClaimsNeverShowNegativeFree) {
  Graph graph = MakeCluster({.nodes = 1, .sockets = 1, .cores_per_socket = 2});
  ResourceState state(graph, true);
  int core = state.PoolOf(resource::kCore);
  VertexId first_core = graph.VerticesOfType(resource::kCore)[0];
  state.Apply(first_core, 1);
  state.Apply(first_core, 1);
  EXPECT_EQ(state.LeafFree(first_core), 0);
  EXPECT_EQ(state.Free(graph.root(), core), 1);
  state.Apply(first_core, -1);
  EXPECT_EQ(state.Free(graph.root(), core), 1);
  state.Apply(first_core, -1);
  EXPECT_EQ(state.Free(graph.root(), core), 2);
}

TEST(ResourceStateTest, FindHostHonoursDemandDirectionIdleAndAvailability) {
  Graph graph = MakeCluster({.nodes = 4, .sockets = 1, .cores_per_socket = 4});
  ResourceState state(graph, true);
  int core = state.PoolOf(resource::kCore);
  std::vector<int64_t> four(state.pool_count(), 0);
  four[core] = 4;
  // Busy node 0 with one core.
  state.Apply(graph.VerticesOfType(resource::kCore)[0], 1);
  EXPECT_EQ(state.FindHost(0, 4, false, {.demand = four}), 1);
  EXPECT_EQ(state.FindHost(0, 4, true, {.demand = four}), 3);
  EXPECT_EQ(state.FindHost(0, 4, false, {.need_busy = true}), 0);
  EXPECT_EQ(state.FindHost(0, 4, false, {.need_idle = true}), 1);
  state.SetHostAvailable(1, false);
  EXPECT_EQ(state.FindHost(0, 4, false, {.demand = four}), 2);
  EXPECT_EQ(state.FindHost(3, 4, false, {.accept = [](int32_t) { return false; }}), -1);
  EXPECT_EQ(state.FindRoomiestHost(0, 4, core, {}), 2);
}

TEST(ResourceStateTest, FindHostScansEveryRangeBothWays) {
  for (int nodes : {1, 2, 3, 5, 8, 13}) {
    Graph graph = MakeCluster({.nodes = nodes, .sockets = 1, .cores_per_socket = 1});
    ResourceState state(graph, true);
    for (int32_t first = 0; first < nodes; ++first) {
      for (int32_t last = first; last <= nodes; ++last) {
        for (int32_t busy = 0; busy <= nodes; ++busy) {
          if (busy < nodes) state.Apply(graph.VerticesOfType(resource::kCore)[busy], 1);
          int32_t expect_forward = -1, expect_reverse = -1;
          for (int32_t h = first; h < last; ++h) {
            if (h == busy) continue;
            if (expect_forward < 0) expect_forward = h;
            expect_reverse = h;
          }
          ResourceState::HostQuery idle{.need_idle = true};
          EXPECT_EQ(state.FindHost(first, last, false, idle), expect_forward)
              << nodes << " " << first << " " << last << " " << busy;
          EXPECT_EQ(state.FindHost(first, last, true, idle), expect_reverse)
              << nodes << " " << first << " " << last << " " << busy;
          if (busy < nodes) state.Apply(graph.VerticesOfType(resource::kCore)[busy], -1);
        }
      }
    }
  }
}

TEST(ResourceStateTest, DrainedHostsInTheGraphStartUnavailable) {
  resource::GraphBuilder builder;
  builder.Open({.type = "cluster"});
  builder.Open({.type = "node", .status = resource::VertexStatus::kDrained});
  builder.Add({.type = "core"});
  builder.Close();
  builder.Open({.type = "node"});
  builder.Add({.type = "core"});
  builder.Close();
  builder.Close();
  Graph graph = std::move(builder.Build().value());
  ResourceState live(graph, true);
  ResourceState ignoring(graph, false);
  EXPECT_FALSE(live.HostAvailable(0));
  EXPECT_TRUE(ignoring.HostAvailable(0));
  EXPECT_EQ(live.FindHost(0, 2, false, {}), 1);
}

}  // namespace
}  // namespace converge::sched
