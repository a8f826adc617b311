#include "workload/field_reader.h"

#include <gtest/gtest.h>

namespace converge::workload {
namespace {

using nlohmann::json;

TEST(FieldReader, RefusesUnknownFieldsWithTheirPath) {
  const json value = json::parse(R"({"name": "a", "tempalte": {}})");
  Result<FieldReader> reader =
      FieldReader::Open(value, "spec.replicatedJobs[0]", {"name", "template"});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().ToString(), "spec.replicatedJobs[0].tempalte: unknown field");
  EXPECT_EQ(FieldReader::Open(json::array(), "spec", {}).status().ToString(),
            "spec: must be a mapping");
}

TEST(FieldReader, TypedFieldsWithDefaults) {
  const json value = json::parse(
      R"({"s": "x", "i": 7, "u": 18446744073709551615, "f": 1.5, "n": null, "l": ["a", "b"],
          "m": {"k": 2}, "o": {"deep": 1}})");
  Result<FieldReader> reader =
      FieldReader::Open(value, "", {"s", "i", "u", "f", "n", "l", "m", "o"});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*reader->String("s"), "x");
  EXPECT_EQ(*reader->String("missing", "d"), "d");
  EXPECT_EQ(*reader->String("n", "null-is-absent"), "null-is-absent");
  EXPECT_EQ(reader->String("i").status().ToString(), "i: must be a string");
  EXPECT_EQ(*reader->Int("i", 0), 7);
  EXPECT_EQ(*reader->Int("n", 5), 5);
  EXPECT_EQ(reader->Int("u", 0).status().ToString(), "u: is out of range");
  EXPECT_EQ(reader->Int("f", 0).status().ToString(), "f: must be an integer");
  EXPECT_EQ(*reader->StringList("l"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(reader->StringList("m").status().ToString(), "m: must be a list of strings");
  EXPECT_EQ(reader->StringMap("m")->at("k"), "2");
  EXPECT_EQ(reader->Require("n").ToString(), "n: is required");
  Result<FieldReader> nested = reader->Object("o", {"deep"});
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->PathOf("deep"), "o.deep");
  Result<FieldReader> absent = reader->Object("none", {});
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->Has("anything"));
  EXPECT_EQ(reader->Object("o", {}).status().ToString(), "o.deep: unknown field");
}

TEST(FieldReader, Enum) {
  enum class Color { kRed, kGreen, kBlue };
  const json value = json::parse(R"({"c": "Green", "bad": "green"})");
  Result<FieldReader> reader = FieldReader::Open(value, "x", {"c", "bad"});
  ASSERT_TRUE(reader.ok());
  const auto choices = {std::pair<std::string_view, Color>{"Red", Color::kRed},
                        std::pair<std::string_view, Color>{"Green", Color::kGreen},
                        std::pair<std::string_view, Color>{"Blue", Color::kBlue}};
  EXPECT_EQ(*reader->Enum("c", Color::kRed, choices), Color::kGreen);
  EXPECT_EQ(*reader->Enum("none", Color::kBlue, choices), Color::kBlue);
  EXPECT_EQ(reader->Enum("bad", Color::kRed, choices).status().ToString(),
            "x.bad: must be Red, Green or Blue");
}

TEST(FieldReader, ListChoices) {
  EXPECT_EQ(FieldReader::ListChoices({"A"}), "A");
  EXPECT_EQ(FieldReader::ListChoices({"A", "B"}), "A or B");
  EXPECT_EQ(FieldReader::ListChoices({"A", "B", "C"}), "A, B or C");
}

}  // namespace
}  // namespace converge::workload
