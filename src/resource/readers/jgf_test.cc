#include "resource/readers/jgf.h"

#include <gtest/gtest.h>

namespace converge::resource {
namespace {

std::string Node(const std::string& id, const std::string& type, int64_t local_id,
                 const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "metadata": {"type": ")" + type + R"(", "basename": ")" + type +
         R"(", "id": )" + std::to_string(local_id) + extra + "}}";
}

std::string Edge(const std::string& source, const std::string& target,
                 const std::string& metadata = R"({"subsystem": "containment"})") {
  return R"({"source": ")" + source + R"(", "target": ")" + target + R"(", "metadata": )" +
         metadata + "}";
}

std::string Jgf(const std::vector<std::string>& nodes, const std::vector<std::string>& edges) {
  std::string out = R"({"graph": {"nodes": [)";
  for (size_t i = 0; i < nodes.size(); ++i) out += (i ? "," : "") + nodes[i];
  out += R"(], "edges": [)";
  for (size_t i = 0; i < edges.size(); ++i) out += (i ? "," : "") + edges[i];
  return out + "]}}";
}

void ExpectError(const std::string& text, const std::string& where, const std::string& fragment) {
  Result<Graph> graph = ReadJgf(text);
  ASSERT_FALSE(graph.ok()) << text;
  EXPECT_EQ(graph.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(graph.status().where(), where) << graph.status().ToString();
  EXPECT_NE(graph.status().message().find(fragment), std::string::npos)
      << graph.status().ToString();
}

TEST(JgfReaderTest, BuildsPreOrderFromUnorderedNodes) {
  // Children listed before parents; the second socket's core comes first in the file.
  std::string text =
      Jgf({Node("c1", "core", 1), Node("s1", "socket", 1), Node("c0", "core", 0),
           Node("n", "node", 0, R"(, "name": "alpha", "properties": {"arch": "arm"}, "rank": 3)"),
           Node("m", "memory", 0, R"(, "size": 2, "unit": "GiB")"), Node("s0", "socket", 0),
           Node("root", "cluster", 0, R"(, "basename": "tiny")")},
          {Edge("root", "n"), Edge("n", "s0", R"({"name": {"containment": "contains"}})"),
           Edge("n", "s1"), Edge("s0", "c0"), Edge("s1", "c1"), Edge("s0", "m"),
           Edge("c0", "c1", R"({"subsystem": "power"})")});
  Result<Graph> graph = ReadJgf(text);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ASSERT_EQ(graph->size(), 7);
  std::vector<std::string> order;
  for (VertexId v = 0; v < graph->size(); ++v) order.push_back(graph->Path(v));
  // Children follow their position in "nodes": s1 (index 1) before s0 (index 5), and under
  // s0, c0 (index 2) before m (index 4). The power edge is ignored.
  EXPECT_EQ(order, (std::vector<std::string>{"/tiny0", "/tiny0/alpha", "/tiny0/alpha/socket1",
                                             "/tiny0/alpha/socket1/core1", "/tiny0/alpha/socket0",
                                             "/tiny0/alpha/socket0/core0",
                                             "/tiny0/alpha/socket0/memory0"}));
  VertexId node = graph->VerticesOfType(kNode)[0];
  EXPECT_EQ(graph->rank(node), 3);
  EXPECT_EQ(graph->rank(graph->VerticesOfType(kCore)[0]), 3);
  EXPECT_EQ(graph->properties(node), (Properties{{"arch", "arm"}}));
  EXPECT_EQ(graph->capacity(graph->VerticesOfType(kMemory)[0]), 2048);
}

TEST(JgfReaderTest, AcceptsWholeRAndStatusForms) {
  std::string graph = Jgf({Node("0", "cluster", 0), Node("1", "node", 0, R"(, "status": 1)"),
                           Node("2", "node", 1, R"(, "status": "drained")")},
                          {Edge("0", "1"), R"({"source": "0", "target": "2"})"});
  Result<Graph> parsed = ReadJgf(R"({"version": 1, "execution": {}, "scheduling": )" + graph + "}");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->status(1), VertexStatus::kDown);
  EXPECT_EQ(parsed->status(2), VertexStatus::kDrained);
}

TEST(JgfReaderTest, RejectsStructuralErrors) {
  ExpectError(Jgf({Node("0", "cluster", 0), Node("0", "node", 0)}, {}), "graph.nodes[1].id",
              "duplicate");
  ExpectError(Jgf({Node("0", "cluster", 0), Node("1", "node", 0)}, {Edge("0", "9")}),
              "graph.edges[0].target", "no node with id '9'");
  ExpectError(Jgf({Node("0", "cluster", 0), Node("1", "node", 0)}, {Edge("x", "1")}),
              "graph.edges[0].source", "no node");
  ExpectError(Jgf({Node("0", "cluster", 0), Node("1", "node", 0), Node("2", "node", 1)},
                  {Edge("0", "2"), Edge("1", "2"), Edge("0", "1")}),
              "graph.edges[1].target", "already has a containment parent");
  ExpectError(Jgf({Node("0", "cluster", 0), Node("1", "node", 0)}, {}), "graph.nodes[1]",
              "second root");
  ExpectError(Jgf({Node("0", "cluster", 0), Node("1", "node", 0), Node("2", "node", 1)},
                  {Edge("1", "2"), Edge("2", "1")}),
              "graph.nodes[1]", "cycle");
  ExpectError(
      Jgf({Node("0", "cluster", 0), Node("1", "node", 0)}, {Edge("1", "0"), Edge("0", "1")}),
      "graph.edges", "cycle");
  ExpectError(Jgf({Node("0", "cluster", 0)}, {Edge("0", "0")}), "graph.edges[0]", "itself");
}

TEST(JgfReaderTest, RejectsBadFields) {
  ExpectError(R"({"graph": {"nodes": [{"id": "0"}]}})", "graph.nodes[0].metadata", "required");
  ExpectError(R"({"graph": {"nodes": [{"metadata": {"type": "node"}}]}})", "graph.nodes[0].id",
              "required");
  ExpectError(R"({"graph": {"nodes": [{"id": 0, "metadata": {"type": "node"}}]}})",
              "graph.nodes[0].id", "must be a string");
  ExpectError(R"({"graph": {"nodes": [{"id": "0", "metadata": {"basename": "x"}}]}})",
              "graph.nodes[0].metadata.type", "required");
  ExpectError(R"({"graph": {"nodes": [{"id": "0", "metadata": {"type": ""}}]}})",
              "graph.nodes[0].metadata.type", "empty");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "size": -1)")}, {}), "graph.nodes[0].metadata.size",
              ">= 0");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "size": 1.5)")}, {}), "graph.nodes[0].metadata.size",
              "integer");
  ExpectError(Jgf({Node("0", "node", -2)}, {}), "graph.nodes[0].metadata.id", ">= -1");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "rank": 99999999999)")}, {}),
              "graph.nodes[0].metadata.rank", "<=");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "id": 18446744073709551615)")}, {}),
              "graph.nodes[0].metadata.id", "<=");
  ExpectError(Jgf({Node("0", "memory", 0, R"(, "unit": "furlongs")")}, {}),
              "graph.nodes[0].metadata.unit", "unknown memory unit");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "properties": {"a": 1})")}, {}),
              "graph.nodes[0].metadata.properties.a", "must be a string");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "status": "broken")")}, {}),
              "graph.nodes[0].metadata.status", "unknown status");
  ExpectError(Jgf({Node("0", "node", 0, R"(, "exclusive": 3)")}, {}),
              "graph.nodes[0].metadata.exclusive", "true or false");
  ExpectError(R"({"graph": {"nodes": []}})", "graph.nodes", "empty");
  ExpectError(R"({"graph": {"nodes": {}}})", "graph.nodes", "array");
  ExpectError(R"({"graph": {"nodes": [{"id": "0", "metadata": {"type": "a"}}], "edges": 3}})",
              "graph.edges", "array");
  ExpectError(R"({"nodes": []})", "graph", "required");
  ExpectError(R"([1, 2])", "", "object");
}

TEST(JgfReaderTest, RejectsSyntaxErrorsWithLines) {
  ExpectError("{\n\"graph\": {\n  \"nodes\": [,]}}", "line 3", "parse error");
  ExpectError(std::string(100, '[') + std::string(100, ']'), "line 1", "too deep");
  ExpectError("", "line 1", "parse error");
}

}  // namespace
}  // namespace converge::resource
