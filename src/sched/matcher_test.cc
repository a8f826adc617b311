#include "sched/matcher.h"

#include <gtest/gtest.h>

#include "sched/testing/fixtures.h"

namespace converge::sched {
namespace {

using testing::ClusterShape;
using testing::MakeCluster;
using testing::Res;
using testing::Slot;
using testing::Spec;

Request Compile(const jobspec::Jobspec& spec, const ResourceState& state) {
  Result<Request> request = CompileRequest(spec, state);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  return std::move(request).value();
}

std::vector<std::string> Names(const Graph& graph, const Allocation& allocation) {
  std::vector<std::string> names;
  for (const Allocation::Item& item : allocation.items) {
    names.push_back(graph.name(graph.AncestorOfType(item.vertex, resource::kNode)) + "/" +
                    graph.name(item.vertex));
  }
  return names;
}

TEST(MatcherTest, OneCoreFirstTakesTheLowestCore) {
  Graph graph = MakeCluster({.nodes = 4});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  auto allocation = matcher.Match(Compile(Spec({Slot(1, {Res("core", 1)})}), state), nullptr);
  ASSERT_TRUE(allocation);
  EXPECT_EQ(Names(graph, *allocation), std::vector<std::string>{"node0/core0"});
  EXPECT_EQ(allocation->slot_hosts.size(), 1u);
}

TEST(MatcherTest, HighTakesTheHighestCore) {
  Graph graph = MakeCluster({.nodes = 4});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kHigh);
  auto allocation = matcher.Match(Compile(Spec({Slot(1, {Res("core", 1)})}), state), nullptr);
  ASSERT_TRUE(allocation);
  EXPECT_EQ(Names(graph, *allocation), std::vector<std::string>{"node3/core7"});
}

TEST(MatcherTest, RequestMaySkipSocketLevel) {
  Graph graph = MakeCluster({.nodes = 4, .sockets = 2, .cores_per_socket = 16});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  Request request = Compile(Spec({Res("node", 4, {Slot(1, {Res("core", 32)})})}), state);
  auto allocation = matcher.Match(request, nullptr);
  ASSERT_TRUE(allocation);
  EXPECT_EQ(allocation->items.size(), 128u);
  EXPECT_EQ(allocation->nodes.size(), 4u);
}

TEST(MatcherTest, ExclusiveNodesAreHeldWhole) {
  Graph graph = MakeCluster({.nodes = 3});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  jobspec::ResourceRequest node = Res("node", 2, {Slot(1, {Res("core", 1)})});
  node.exclusive = true;
  auto allocation = matcher.Match(Compile(Spec({node}), state), nullptr);
  ASSERT_TRUE(allocation);
  EXPECT_TRUE(allocation->exclusive);
  EXPECT_EQ(allocation->items.size(), 16u);
  // The third node cannot hold another two-node exclusive job; nothing changes.
  int core = state.PoolOf(resource::kCore);
  EXPECT_FALSE(matcher.Match(Compile(Spec({node}), state), nullptr));
  EXPECT_EQ(state.Free(graph.root(), core), 8);
}

TEST(MatcherTest, SlotCoresAndGpusComeFromOneSocket) {
  Graph graph = MakeCluster({.nodes = 1, .sockets = 2, .cores_per_socket = 4, .gpus_per_socket = 1});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  ASSERT_TRUE(matcher.Match(Compile(Spec({Slot(1, {Res("core", 3)})}), state), nullptr));
  auto allocation = matcher.Match(
      Compile(Spec({Slot(1, {Res("core", 2), Res("gpu", 1)})}), state), nullptr);
  ASSERT_TRUE(allocation);
  // Socket 0 has one core left, so the whole slot moves to socket 1.
  EXPECT_EQ(Names(graph, *allocation),
            (std::vector<std::string>{"node0/core4", "node0/core5", "node0/gpu1"}));
}

TEST(MatcherTest, SpreadPutsSlotsOnDifferentNodes) {
  Graph graph = MakeCluster({.nodes = 4});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kSpread);
  auto allocation = matcher.Match(Compile(Spec({Slot(3, {Res("core", 1)})}), state), nullptr);
  ASSERT_TRUE(allocation);
  EXPECT_EQ(allocation->nodes.size(), 3u);
}

TEST(MatcherTest, PackFillsBusyNodesBeforeIdleOnes) {
  Graph graph = MakeCluster({.nodes = 4});
  ResourceState state(graph, true);
  Matcher high(state, MatchPolicy::kHigh);
  ASSERT_TRUE(high.Match(Compile(Spec({Slot(1, {Res("core", 1)})}), state), nullptr));
  Matcher pack(state, MatchPolicy::kPack);
  auto packed = pack.Match(Compile(Spec({Slot(1, {Res("core", 1)})}), state), nullptr);
  ASSERT_TRUE(packed);
  EXPECT_EQ(Names(graph, *packed), std::vector<std::string>{"node3/core0"});
  Matcher first(state, MatchPolicy::kFirst);
  auto firsted = first.Match(Compile(Spec({Slot(1, {Res("core", 1)})}), state), nullptr);
  EXPECT_EQ(Names(graph, *firsted), std::vector<std::string>{"node0/core0"});
}

TEST(MatcherTest, ExclusiveRackKeepsTheRequestInOneUnsharedRack) {
  Graph graph = MakeCluster({.racks = 2, .nodes = 4});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  jobspec::ResourceRequest rack = Res("rack", 1, {Res("node", 1, {Slot(1, {Res("core", 1)})})});
  rack.exclusive = true;
  Request request = Compile(Spec({rack}), state);
  auto first = matcher.Match(request, nullptr);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->items.size(), 16u);  // the whole rack
  auto second = matcher.Match(request, nullptr);
  ASSERT_TRUE(second);
  EXPECT_NE(first->nodes, second->nodes);
  EXPECT_FALSE(matcher.Match(request, nullptr));
}

TEST(MatcherTest, MemoryIsTakenInMiBFromPools) {
  Graph graph = MakeCluster({.nodes = 1, .sockets = 2, .cores_per_socket = 2,
                             .memory_per_socket_mib = 4096});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  jobspec::ResourceRequest memory = Res("memory", 3);
  memory.unit = "GB";
  Request request = Compile(Spec({Slot(2, {Res("core", 1), memory})}), state);
  auto allocation = matcher.Match(request, nullptr);
  ASSERT_TRUE(allocation);
  int64_t total = 0;
  for (const auto& item : allocation->items) {
    if (graph.type(item.vertex) == resource::kMemory) total += item.amount;
  }
  EXPECT_EQ(total, 6144);
  EXPECT_FALSE(matcher.Match(request, nullptr));  // only 2048 MiB remain
}

TEST(MatcherTest, ConstraintsRestrictHosts) {
  resource::GraphBuilder builder;
  builder.Open({.type = "cluster"});
  for (int n = 0; n < 3; ++n) {
    resource::Properties properties;
    if (n == 2) properties = {{"gpu", "a100"}};
    builder.Open({.type = "node", .properties = properties});
    builder.Add({.type = "core"});
    builder.Close();
  }
  builder.Close();
  Graph graph = std::move(builder.Build().value());
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  jobspec::Constraint constraint;
  constraint.op = jobspec::Constraint::Op::kProperties;
  constraint.values = {"gpu=a100"};
  Result<HostFilter> filter = HostFilter::Compile(constraint);
  ASSERT_TRUE(filter.ok());
  auto allocation =
      matcher.Match(Compile(Spec({Slot(1, {Res("core", 1)})}), state), &filter.value());
  ASSERT_TRUE(allocation);
  EXPECT_EQ(graph.name(allocation->nodes[0]), "node2");
}

TEST(MatcherTest, FailedMatchLeavesStateUnchanged) {
  Graph graph = MakeCluster({.nodes = 2});
  ResourceState state(graph, true);
  Matcher matcher(state, MatchPolicy::kFirst);
  ASSERT_TRUE(matcher.Match(Compile(Spec({Slot(1, {Res("core", 5)})}), state), nullptr));
  int core = state.PoolOf(resource::kCore);
  // 11 cores free in total, but no node has 6 + another 6.
  EXPECT_FALSE(matcher.Match(Compile(Spec({Slot(2, {Res("core", 6)})}), state), nullptr));
  EXPECT_EQ(state.Free(graph.root(), core), 11);
}

}  // namespace
}  // namespace converge::sched
