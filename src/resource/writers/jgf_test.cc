#include "resource/writers/jgf.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "resource/readers/cluster_yaml.h"
#include "resource/readers/jgf.h"

namespace converge::resource {
namespace {

std::string ReadExample(const std::string& path) {
  std::ifstream file(path);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

void ExpectSameVertices(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.size(), b.size());
  for (VertexId v = 0; v < a.size(); ++v) {
    SCOPED_TRACE("vertex " + std::to_string(v));
    EXPECT_EQ(a.type_name(a.type(v)), b.type_name(b.type(v)));
    EXPECT_EQ(a.parent(v), b.parent(v));
    EXPECT_EQ(a.SubtreeEnd(v), b.SubtreeEnd(v));
    EXPECT_EQ(a.id(v), b.id(v));
    EXPECT_EQ(a.capacity(v), b.capacity(v));
    EXPECT_EQ(a.rank(v), b.rank(v));
    EXPECT_EQ(a.status(v), b.status(v));
    EXPECT_EQ(a.basename(v), b.basename(v));
    EXPECT_EQ(a.name(v), b.name(v));
    EXPECT_EQ(a.properties(v), b.properties(v));
  }
}

void ExpectLosslessRoundTrip(const Graph& original) {
  std::string first = WriteJgf(original);
  Result<Graph> reread = ReadJgf(first);
  ASSERT_TRUE(reread.ok()) << reread.status().ToString();
  ExpectSameVertices(original, *reread);
  std::string second = WriteJgf(*reread);
  EXPECT_EQ(first, second);
}

TEST(JgfWriterTest, RoundTripOfFluxStyleExampleIsByteIdentical) {
  Result<Graph> graph = ReadJgf(ReadExample("examples/clusters/tiny.json"));
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_EQ(graph->size(), 1 + 2 * (1 + 2 * 7));
  EXPECT_EQ(graph->capacity(graph->VerticesOfType(kMemory)[0]), 16 * 1024);
  ExpectLosslessRoundTrip(*graph);
}

TEST(JgfWriterTest, RoundTripKeepsNamesStatusPropertiesAndRacks) {
  Result<Graph> graph = ReadClusterYaml(R"(
cluster: {name: rt}
racks: {nodes_per_rack: 2}
nodes:
  - {count: 3, basename: cpu, padding: 2, memory_per_socket: 1GiB, properties: {a: "x=1", b: ""}}
  - {count: 2, basename: gpu, start: 40, gpus_per_socket: 3, status: drained}
status: {down: cpu01}
)");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ExpectLosslessRoundTrip(*graph);
}

TEST(JgfWriterTest, WritesFluxFields) {
  Result<Graph> graph = ReadClusterYaml("nodes: [{count: 1, memory_per_socket: 2GiB}]");
  ASSERT_TRUE(graph.ok());
  std::string text = WriteJgf(*graph);
  EXPECT_NE(text.find(R"({"id":"1","metadata":{"type":"node","basename":"node","name":"node0",)"
                      R"("id":0,"uniq_id":1,"rank":0,"exclusive":false,"unit":"","size":1,)"
                      R"("paths":{"containment":"/cluster/node0"}}})"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("unit":"MiB","size":2048)"), std::string::npos);
  EXPECT_NE(
      text.find(R"({"source": "0", "target": "1", "metadata": {"subsystem": "containment"}})"),
      std::string::npos);
}

}  // namespace
}  // namespace converge::resource
