#include "resource/readers/cluster_yaml.h"

#include <gtest/gtest.h>

namespace converge::resource {
namespace {

constexpr const char* kBig = R"(
cluster: { name: big }
racks: { nodes_per_rack: 64 }
nodes:
  - { count: 10000, basename: node, sockets: 2, cores_per_socket: 16, gpus_per_socket: 2,
      memory_per_socket: 128GiB, properties: {arch: x86_64} }
status: { down: "node[5-6]", drained: "node7" }
)";

// Expects ReadClusterYaml(text) to fail with `where` and a message containing `fragment`.
void ExpectError(const std::string& text, const std::string& where, const std::string& fragment) {
  Result<Graph> graph = ReadClusterYaml(text);
  ASSERT_FALSE(graph.ok()) << text;
  EXPECT_EQ(graph.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(graph.status().where(), where) << graph.status().ToString();
  EXPECT_NE(graph.status().message().find(fragment), std::string::npos)
      << graph.status().ToString();
}

TEST(ClusterYamlTest, TenThousandNodesInAFewLines) {
  Result<Graph> graph = ReadClusterYaml(kBig);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_EQ(graph->size(), 1 + 157 + 10000 * 41);
  EXPECT_EQ(graph->VerticesOfType(kNode).size(), 10000u);
  EXPECT_EQ(graph->VerticesOfType(kRack).size(), 157u);
  EXPECT_EQ(graph->CountIn(graph->root(), kCore), 320000);
  EXPECT_EQ(graph->CountIn(graph->root(), kGpu), 40000);
  VertexId node5 = graph->VerticesOfType(kNode)[5];
  EXPECT_EQ(graph->name(node5), "node5");
  EXPECT_EQ(graph->status(node5), VertexStatus::kDown);
  EXPECT_EQ(graph->status(graph->VerticesOfType(kNode)[7]), VertexStatus::kDrained);
  EXPECT_EQ(graph->status(graph->VerticesOfType(kNode)[8]), VertexStatus::kUp);
  VertexId last = graph->VerticesOfType(kNode).back();
  EXPECT_EQ(graph->name(last), "node9999");
  EXPECT_EQ(graph->rank(last), 9999);
  EXPECT_EQ(graph->properties(last), (Properties{{"arch", "x86_64"}}));
  EXPECT_EQ(graph->Path(last), "/big/rack156/node9999");
  VertexId core = graph->TypeRangeIn(last, kCore).second[-1];
  EXPECT_EQ(graph->id(core), 31);  // node-local core ids
  VertexId memory = graph->TypeRangeIn(last, kMemory).first[0];
  EXPECT_EQ(graph->capacity(memory), 128 * 1024);
}

TEST(ClusterYamlTest, TemplatesNamingAndDefaults) {
  Result<Graph> graph = ReadClusterYaml(R"(
nodes:
  - count: 2
    basename: cpu
    padding: 3
  - count: 2
    basename: cpu
  - count: 1
    basename: gpu
    start: 7
    gpus_per_socket: 4
    status: drained
)");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  std::vector<std::string> names;
  for (VertexId node : graph->VerticesOfType(kNode)) names.push_back(graph->name(node));
  EXPECT_EQ(names, (std::vector<std::string>{"cpu000", "cpu001", "cpu2", "cpu3", "gpu7"}));
  EXPECT_EQ(graph->name(graph->root()), "cluster");
  VertexId gpu7 = graph->VerticesOfType(kNode)[4];
  EXPECT_EQ(graph->id(gpu7), 4);
  EXPECT_EQ(graph->status(gpu7), VertexStatus::kDrained);
  EXPECT_EQ(graph->CountIn(gpu7, kGpu), 4);
  EXPECT_EQ(graph->CountIn(gpu7, kCore), 1);
  EXPECT_EQ(graph->CountIn(gpu7, kMemory), 0);
}

TEST(ClusterYamlTest, StatusByPaddedNameAndUpOverride) {
  Result<Graph> graph = ReadClusterYaml(R"(
nodes: [{count: 12, padding: 2, status: down}]
status: {up: ["node[00-09]"], drained: node11}
)");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const auto& nodes = graph->VerticesOfType(kNode);
  EXPECT_EQ(graph->status(nodes[9]), VertexStatus::kUp);
  EXPECT_EQ(graph->status(nodes[10]), VertexStatus::kDown);
  EXPECT_EQ(graph->status(nodes[11]), VertexStatus::kDrained);
}

TEST(ClusterYamlTest, RejectsBadFieldsWithPaths) {
  ExpectError("nodes: [{count: 1, cores_per_socket: 0}]", "nodes[0].cores_per_socket",
              "must be >= 1");
  ExpectError("nodes: [{count: -3}]", "nodes[0].count", "must be >= 1");
  ExpectError("nodes: [{count: two}]", "nodes[0].count", "must be an integer");
  ExpectError("nodes: [{count: 1, colour: red}]", "nodes[0].colour", "unknown key");
  ExpectError("nodes: [{count: 1, memory_per_socket: 12XB}]", "nodes[0].memory_per_socket",
              "unknown unit");
  ExpectError("nodes: [{count: 1, memory_per_socket: 0GiB}]", "nodes[0].memory_per_socket",
              "at least");
  ExpectError("nodes: [{count: 1, memory_per_socket: [1]}]", "nodes[0].memory_per_socket",
              "must be a string");
  ExpectError("nodes: [{count: 1, basename: n1}]", "nodes[0].basename", "digit");
  ExpectError("nodes: [{count: 1, basename: 'a b'}]", "nodes[0].basename", "must not contain");
  ExpectError("nodes: [{count: 1, properties: {a: [1]}}]", "nodes[0].properties.a",
              "must be a string");
  ExpectError("nodes: [{count: 1, status: broken}]", "nodes[0].status", "unknown status");
  ExpectError("nodes: [{count: 1, padding: 40}]", "nodes[0].padding", "must be <= 18");
  ExpectError("nodes: [{count: 2}, {count: 2, start: 1}]", "nodes[1]", "overlap");
  ExpectError("nodes: []", "nodes", "non-empty");
  ExpectError("cluster: {name: x}", "nodes", "is required");
  ExpectError("nodes: [1]", "nodes[0]", "must be a mapping");
  ExpectError("racks: {nodes_per_rack: 0}\nnodes: [{}]", "racks.nodes_per_rack", ">= 1");
  ExpectError("racks: {}\nnodes: [{}]", "racks.nodes_per_rack", "is required");
  ExpectError("extra: 1\nnodes: [{}]", "extra", "unknown key");
  ExpectError("- a\n- b\n", "", "must be a YAML mapping");
  ExpectError("", "", "must be a YAML mapping");
}

TEST(ClusterYamlTest, RejectsHugeClusters) {
  ExpectError("nodes: [{count: 50000000, sockets: 2}]", "nodes[0]", "exceed");
  ExpectError("nodes: [{count: 1, sockets: 50000000, cores_per_socket: 50000000}]", "nodes[0]",
              "vertices");
  ExpectError("nodes: [{count: 99999999999999999999}]", "nodes[0].count", "integer");
}

TEST(ClusterYamlTest, RejectsBadStatus) {
  ExpectError("nodes: [{count: 2}]\nstatus: {down: node9}", "status.down", "no node named");
  ExpectError("nodes: [{count: 2}]\nstatus: {down: 'node[1-'}", "status.down", "unmatched");
  ExpectError("nodes: [{count: 2}]\nstatus: {down: node1, drained: node1}", "status.drained",
              "also listed as down");
  ExpectError("nodes: [{count: 2}]\nstatus: {offline: node1}", "status.offline", "unknown key");
  ExpectError("nodes: [{count: 2}]\nstatus: {down: [[node1]]}", "status.down[0]",
              "must be a string");
}

TEST(ClusterYamlTest, RejectsSyntaxErrorsWithLines) {
  ExpectError("nodes:\n  - {count: 1\n", "line 3", "");
  ExpectError("nodes: [" + std::string(100, '[') + "]", "line 1", "too deep");
  std::string deep = "nodes:\n";
  for (int i = 0; i < 300; ++i) deep += "- ";
  ExpectError(deep + "x\n", "line 2", "too deep");
}

// Found by cluster_yaml_fuzz: invalid UTF-8 in a property made WriteJgf throw.
TEST(ClusterYamlTest, RejectsInvalidUtf8) {
  ExpectError("nodes: [{count: 1, properties: {a: \"\xff\"}}]", "line 1", "invalid UTF-8");
}

TEST(ClusterYamlTest, MemoryUnits) {
  EXPECT_EQ(*ParseMemoryMiB("512"), 512);
  EXPECT_EQ(*ParseMemoryMiB("512MiB"), 512);
  EXPECT_EQ(*ParseMemoryMiB("128GiB"), 128 * 1024);
  EXPECT_EQ(*ParseMemoryMiB("2 TiB"), 2 * 1024 * 1024);
  EXPECT_FALSE(ParseMemoryMiB("1.5GiB").ok());
  EXPECT_FALSE(ParseMemoryMiB("GiB").ok());
  EXPECT_FALSE(ParseMemoryMiB("-1GiB").ok());
  EXPECT_FALSE(ParseMemoryMiB("99999999TiB").ok());
}

}  // namespace
}  // namespace converge::resource
