#include "resource/readers/load.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace converge::resource {
namespace {

std::string WriteTemp(const std::string& name, const std::string& content) {
  std::string path = std::filesystem::temp_directory_path() /
                     ("converge_load_test_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(path) << content;
  return path;
}

TEST(LoadResourceFileTest, ChoosesReaderByContent) {
  std::string yaml = WriteTemp("a.yaml", "nodes: [{count: 3}]\n");
  std::string json = WriteTemp(
      "a.json",
      "  \n {\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"node\"}}]}}");
  Result<Graph> from_yaml = LoadResourceFile(yaml);
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.status().ToString();
  EXPECT_EQ(from_yaml->VerticesOfType(kNode).size(), 3u);
  Result<Graph> from_json = LoadResourceFile(json);
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  EXPECT_EQ(from_json->size(), 1);
  std::remove(yaml.c_str());
  std::remove(json.c_str());
}

TEST(LoadResourceFileTest, ReportsMissingAndBadFiles) {
  Result<Graph> missing = LoadResourceFile("/nonexistent/converge/cluster.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos);
  std::string bad = WriteTemp("bad.yaml", "nodes: [{count: 0}]\n");
  Result<Graph> invalid = LoadResourceFile(bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().ToString(), "nodes[0].count: must be >= 1");
  std::remove(bad.c_str());
  EXPECT_FALSE(LoadResourceFile("/").ok());  // a directory
}

TEST(LoadResourceFileTest, ReadsTheExamples) {
  for (const char* path : {"examples/clusters/small.yaml", "examples/clusters/big-10k.yaml",
                           "examples/clusters/tiny.json"}) {
    Result<Graph> graph = LoadResourceFile(path);
    EXPECT_TRUE(graph.ok()) << path << ": " << graph.status().ToString();
  }
}

}  // namespace
}  // namespace converge::resource
