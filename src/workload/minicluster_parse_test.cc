// MiniCluster rules through ParseDocuments, each with its exact message.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "workload/document.h"
#include "workload/test_util.h"

namespace converge::workload {
namespace {

using testing::ParseError;

const std::string kPrefix = "w.yaml: document 1 (MiniCluster mc): ";

std::string MiniCluster(const std::string& spec) {
  return "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\nspec: " + spec + "\n";
}

TEST(MiniClusterParse, Defaults) {
  Result<std::vector<Document>> documents = ParseDocuments(MiniCluster("{size: 3}"), "w.yaml");
  ASSERT_TRUE(documents.ok()) << documents.status().ToString();
  const auto& spec = std::get<MiniClusterSpec>((*documents)[0].spec);
  EXPECT_EQ(spec.size, 3);
  EXPECT_EQ(spec.cores, 0);
  EXPECT_TRUE(spec.command.empty());
}

TEST(MiniClusterParse, Rules) {
  EXPECT_EQ(ParseError(MiniCluster("{}")), kPrefix + "spec.size: is required");
  EXPECT_EQ(ParseError(MiniCluster("{size: 0}")), kPrefix + "spec.size: must be >= 1");
  EXPECT_EQ(ParseError(MiniCluster("{size: [2]}")), kPrefix + "spec.size: must be an integer");
  EXPECT_EQ(ParseError(MiniCluster("{size: 1, cores: -1}")), kPrefix + "spec.cores: must be >= 0");
  EXPECT_EQ(ParseError(MiniCluster("{size: 1, command: []}")),
            kPrefix + "spec.command: must not be empty");
  EXPECT_EQ(ParseError(MiniCluster("{size: 1, command: {a: 1}}")),
            kPrefix + "spec.command: must be a string or a list of strings");
  EXPECT_EQ(ParseError(MiniCluster("{size: 1, nodes: 2}")), kPrefix + "spec.nodes: unknown field");
}

}  // namespace
}  // namespace converge::workload
