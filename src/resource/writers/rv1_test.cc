#include "resource/writers/rv1.h"

#include <gtest/gtest.h>

#include "resource/readers/cluster_yaml.h"

namespace converge::resource {
namespace {

Graph FourNodes() {
  return std::move(ReadClusterYaml("nodes: [{count: 4, sockets: 2, cores_per_socket: 4, "
                                   "gpus_per_socket: 1, memory_per_socket: 1GiB}]")
                       .value());
}

// Every vertex of `type` under node `n`, optionally only the first `limit`.
std::vector<VertexId> Under(const Graph& graph, int n, TypeId type, size_t limit = 1000) {
  VertexId node = graph.VerticesOfType(kNode)[n];
  auto [begin, end] = graph.TypeRangeIn(node, type);
  std::vector<VertexId> out(begin, end);
  if (out.size() > limit) out.resize(limit);
  return out;
}

TEST(Rv1WriterTest, MergesIdenticalRanksAndUsesLocalIds) {
  Graph graph = FourNodes();
  std::vector<VertexId> allocated;
  for (int n : {0, 1}) {
    for (TypeId type : {kCore, kGpu, kMemory}) {
      for (VertexId v : Under(graph, n, type)) allocated.push_back(v);
    }
  }
  for (VertexId v : Under(graph, 3, kCore, 2)) allocated.push_back(v);
  nlohmann::json r = WriteRv1(graph, allocated, 100, 160.5);
  nlohmann::json expected = nlohmann::json::parse(R"({
    "version": 1,
    "execution": {
      "R_lite": [{"rank": "0-1", "children": {"core": "0-7", "gpu": "0-1"}},
                 {"rank": "3", "children": {"core": "0-1"}}],
      "nodelist": ["node[0-1,3]"],
      "starttime": 100.0,
      "expiration": 160.5
    }})");
  EXPECT_EQ(r, expected) << r.dump(2);
}

TEST(Rv1WriterTest, NodeLocalIndicesForLaterSockets) {
  Graph graph = FourNodes();
  std::vector<VertexId> cores = Under(graph, 2, kCore);
  nlohmann::json r = WriteRv1(graph, {cores[5], cores[7], cores[5]}, 0, 0);
  EXPECT_EQ(r["execution"]["R_lite"][0]["rank"], "2");
  EXPECT_EQ(r["execution"]["R_lite"][0]["children"]["core"], "5,7");
  EXPECT_EQ(r["execution"]["nodelist"][0], "node2");
}

TEST(Rv1WriterTest, EmptyAllocation) {
  Graph graph = FourNodes();
  nlohmann::json r = WriteRv1(graph, {}, 0, 0);
  EXPECT_TRUE(r["execution"]["R_lite"].empty());
  EXPECT_TRUE(r["execution"]["nodelist"].empty());
}

}  // namespace
}  // namespace converge::resource
