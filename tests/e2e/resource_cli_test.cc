// End-to-end tests of `converge resource list|export`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "resource/readers/jgf.h"
#include "resource/writers/jgf.h"
#include "tests/testutil/run_command.h"

namespace converge {
namespace {

using testutil::CommandResult;
using testutil::RunConverge;
using testutil::TempDir;

std::string Describe(const CommandResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.out + "\nstderr:\n" +
         result.err;
}

TEST(ResourceCliTest, ListsSmallClusterByState) {
  CommandResult result =
      RunConverge({"resource", "list", "--resources", "examples/clusters/small.yaml"});
  ASSERT_EQ(result.exit_code, 0) << Describe(result);
  EXPECT_EQ(result.out,
            "  STATE NNODES NCORES NGPUS NODELIST\n"
            "     up      6    112    20 node[0-4,6]\n"
            "   down      1     32     0 node7\n"
            "drained      1     16     4 node5\n");
  EXPECT_EQ(result.err, "");
}

TEST(ResourceCliTest, ListsAsJson) {
  CommandResult result = RunConverge(
      {"resource", "list", "--resources", "examples/clusters/big-10k.yaml", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << Describe(result);
  nlohmann::json json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json["states"].size(), 3u);
  EXPECT_EQ(json["states"][0]["nnodes"], 9997);
  EXPECT_EQ(json["states"][0]["ncores"], 9997 * 32);
  EXPECT_EQ(json["states"][0]["nodelist"], "node[0-4,8-9999]");
  EXPECT_EQ(json["states"][1]["nodelist"], "node[5-6]");
  EXPECT_EQ(json["states"][2]["state"], "drained");
}

TEST(ResourceCliTest, ListsThisMachineWithoutAFile) {
  CommandResult result = RunConverge({"resource", "list"});
  ASSERT_EQ(result.exit_code, 0) << Describe(result);
  EXPECT_EQ(result.out.rfind("  STATE NNODES NCORES NGPUS NODELIST\n     up      1 ", 0), 0u)
      << result.out;
}

TEST(ResourceCliTest, ExportRoundTripsThroughJgf) {
  CommandResult first =
      RunConverge({"resource", "export", "--resources", "examples/clusters/small.yaml"});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  TempDir dir;
  std::string path = dir.Write("small.json", first.out);
  CommandResult second =
      RunConverge({"resource", "export", "--resources", path, "--format", "jgf"});
  ASSERT_EQ(second.exit_code, 0) << Describe(second);
  EXPECT_EQ(first.out, second.out);
  CommandResult listed = RunConverge({"resource", "list", "-R", path});
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  EXPECT_NE(listed.out.find("drained      1     16     4 node5"), std::string::npos) << listed.out;
}

TEST(ResourceCliTest, ExportsFluxJgfExample) {
  CommandResult result =
      RunConverge({"resource", "export", "--resources", "examples/clusters/tiny.json"});
  ASSERT_EQ(result.exit_code, 0) << Describe(result);
  Result<resource::Graph> graph = resource::ReadJgf(result.out);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  EXPECT_EQ(resource::WriteJgf(*graph), result.out);
}

TEST(ResourceCliTest, MissingFileIsAnError) {
  CommandResult result = RunConverge({"resource", "list", "--resources", "/no/such/file.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "converge: /no/such/file.yaml: cannot open: No such file or directory\n");
}

TEST(ResourceCliTest, BadFilesNameTheField) {
  TempDir dir;
  struct Case {
    std::string name, content, error;
  } cases[] = {
      {"bad.yaml", "nodes:\n  - {count: 2, cores_per_socket: 0}\n",
       "nodes[0].cores_per_socket: must be >= 1"},
      {"unknown.yaml", "nodes: [{count: 1, gpus: 2}]\n", "nodes[0].gpus: unknown key"},
      {"syntax.yaml", "nodes: [{count: 1\n", "line 2: "},
      {"bad.json", "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {}}]}}",
       "graph.nodes[0].metadata.type: is required"},
      {"cycle.json",
       "{\"graph\": {\"nodes\": [{\"id\": \"a\", \"metadata\": {\"type\": \"node\"}}], "
       "\"edges\": [{\"source\": \"a\", \"target\": \"b\"}]}}",
       "graph.edges[0].target: no node with id 'b'"},
      {"empty.yaml", "", "a cluster file must be a YAML mapping"},
  };
  for (const Case& c : cases) {
    std::string path = dir.Write(c.name, c.content);
    for (const char* verb : {"list", "export"}) {
      CommandResult result = RunConverge({"resource", verb, "--resources", path});
      EXPECT_EQ(result.exit_code, 1) << c.name << " " << Describe(result);
      EXPECT_EQ(result.out, "") << c.name;
      EXPECT_EQ(result.err.rfind("converge: " + path + ": " + c.error, 0), 0u)
          << c.name << ": " << result.err;
    }
  }
}

TEST(ResourceCliTest, BadFlagsAreRejected) {
  EXPECT_NE(RunConverge({"resource", "list", "--format", "xml"}).exit_code, 0);
  EXPECT_NE(RunConverge({"resource"}).exit_code, 0);
  EXPECT_NE(RunConverge({"resource", "export", "--format", "json"}).exit_code, 0);
}

}  // namespace
}  // namespace converge
