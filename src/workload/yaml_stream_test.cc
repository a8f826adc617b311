#include "workload/yaml_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace converge::workload {
namespace {

std::vector<std::string> Texts(std::string_view stream) {
  std::vector<std::string> texts;
  for (const YamlPiece& piece : SplitYamlStream(stream, 100)) texts.emplace_back(piece.text);
  return texts;
}

TEST(SplitYamlStream, SplitsOnColumnZeroMarkers) {
  EXPECT_EQ(Texts("a: 1\n---\nb: 2\n"), (std::vector<std::string>{"a: 1\n", "---\nb: 2\n"}));
  EXPECT_EQ(Texts("# c\n---\na: 1\n"), (std::vector<std::string>{"# c\n---\na: 1\n"}));
  EXPECT_EQ(Texts("a: 1\n...\nb: 2"), (std::vector<std::string>{"a: 1\n...\n", "b: 2"}));
  EXPECT_EQ(Texts("a: |\n  ---\n  x\n"), (std::vector<std::string>{"a: |\n  ---\n  x\n"}));
  EXPECT_EQ(Texts("a: ---x\n----\n"), (std::vector<std::string>{"a: ---x\n----\n"}));
  EXPECT_EQ(Texts("a: 1\r\n--- \r\nb: 2\r\n"),
            (std::vector<std::string>{"a: 1\r\n", "--- \r\nb: 2\r\n"}));
  EXPECT_TRUE(Texts("").empty());
  EXPECT_TRUE(Texts("# only\n\n").empty());
  EXPECT_EQ(Texts("---\n---\n").size(), 2u);
}

TEST(SplitYamlStream, DirectivesJoinTheNextDocument) {
  EXPECT_EQ(Texts("a: 1\n...\n%YAML 1.2\n---\nb: 2\n"),
            (std::vector<std::string>{"a: 1\n...\n", "%YAML 1.2\n---\nb: 2\n"}));
}

TEST(SplitYamlStream, FirstLinesAndLimit) {
  const std::vector<YamlPiece> pieces = SplitYamlStream("a: 1\n\n---\nb: 2\n---\nc: 3\n", 100);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].first_line, 0u);
  EXPECT_EQ(pieces[1].first_line, 2u);
  EXPECT_EQ(pieces[2].first_line, 4u);
  EXPECT_EQ(SplitYamlStream("a\n---\nb\n---\nc\n---\nd\n", 2).size(), 3u);
}

TEST(LoadYamlPiece, ErrorLinesCountFromTheStream) {
  const std::vector<YamlPiece> pieces = SplitYamlStream("a: 1\n---\nb: [1\n", 100);
  ASSERT_EQ(pieces.size(), 2u);
  Result<nlohmann::json> tree = LoadYamlPiece(pieces[1], jobspec::ParseOptions{});
  ASSERT_FALSE(tree.ok());
  EXPECT_EQ(tree.status().where().rfind("line 4, column ", 0), 0u) << tree.status().where();
  Result<nlohmann::json> marker = LoadYamlPiece({"---\n", 0}, jobspec::ParseOptions{});
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(marker->is_null());
}

}  // namespace
}  // namespace converge::workload
