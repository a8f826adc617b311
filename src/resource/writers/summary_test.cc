#include "resource/writers/summary.h"

#include <gtest/gtest.h>

#include "resource/readers/cluster_yaml.h"

namespace converge::resource {
namespace {

TEST(SummaryTest, GroupsNodesByState) {
  Result<Graph> graph = ReadClusterYaml(R"(
nodes: [{count: 10, sockets: 2, cores_per_socket: 16, gpus_per_socket: 2, memory_per_socket: 1GiB}]
status: {down: "node[8-9]"}
)");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ResourceSummary summary = SummarizeByState(*graph);
  EXPECT_EQ(FormatSummaryTable(summary),
            "  STATE NNODES NCORES NGPUS NODELIST\n"
            "     up      8    256    32 node[0-7]\n"
            "   down      2     64     8 node[8-9]\n");
  nlohmann::json json = SummaryToJson(summary);
  EXPECT_EQ(json["states"][1]["state"], "down");
  EXPECT_EQ(json["states"][1]["ncores"], 64);
  EXPECT_EQ(json["states"][0]["memory_mib"], 8 * 2 * 1024);
  EXPECT_EQ(json["states"][0]["nodelist"], "node[0-7]");
}

}  // namespace
}  // namespace converge::resource
