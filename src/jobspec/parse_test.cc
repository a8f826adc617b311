#include "jobspec/parse.h"

#include <gtest/gtest.h>

#include <string>

namespace converge::jobspec {
namespace {

// A valid V1 jobspec with `count` as the core count and `system` as extra system lines.
std::string Spec(const std::string& core_count = "1", const std::string& system = "") {
  return "version: 1\n"
         "resources:\n"
         "  - type: slot\n"
         "    count: 2\n"
         "    label: task\n"
         "    with:\n"
         "      - type: core\n"
         "        count: " +
         core_count +
         "\n"
         "tasks:\n"
         "  - command: [app]\n"
         "    slot: task\n"
         "    count: {per_slot: 1}\n"
         "attributes:\n"
         "  system:\n"
         "    duration: 60\n" +
         system;
}

void ExpectError(const std::string& text, const std::string& where, const std::string& message,
                 bool v1 = false) {
  ParseOptions options;
  options.v1 = v1;
  Result<Jobspec> spec = Parse(text, options);
  ASSERT_FALSE(spec.ok()) << text;
  EXPECT_EQ(spec.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(spec.status().where(), where);
  EXPECT_EQ(spec.status().message(), message);
}

TEST(Parse, AcceptsMinimalV1) {
  Result<Jobspec> spec = Parse(Spec(), ParseOptions{.v1 = true});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->resources[0].type, "slot");
  EXPECT_EQ(spec->resources[0].count, Count::Fixed(2));
  EXPECT_EQ(spec->resources[0].with[0].count, Count::Fixed(1));
  EXPECT_EQ(spec->tasks[0].count.per_slot, 1);
  EXPECT_EQ(spec->system.duration, 60);
}

TEST(Parse, AcceptsJson) {
  const std::string json = R"({"version": 1, "resources": [{"type": "slot", "count": 1,
    "label": "t", "with": [{"type": "core", "count": 4}]}], "tasks": [{"command": ["a"],
    "slot": "t", "count": {"total": 3}}], "attributes": {"system": {"duration": 1.5}}})";
  Result<Jobspec> spec = Parse(json, ParseOptions{.v1 = true});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->tasks[0].count.total, 3);
  EXPECT_EQ(spec->system.duration, 1.5);
}

TEST(Parse, RejectsCountThatDoesNotFitInt64) {
  ExpectError(Spec("99999999999999999999"), "resources[0].with[0].count", "is out of range");
}
TEST(Parse, RejectsNegativeCount) {
  ExpectError(Spec("-3"), "resources[0].with[0].count", "must be >= 1");
}
TEST(Parse, RejectsFloatCount) {
  ExpectError(Spec("1.5"), "resources[0].with[0].count", "must be an integer");
}
TEST(Parse, RejectsQuotedIntegerInCountObject) {
  ExpectError(Spec("{min: \"2\"}"), "resources[0].with[0].count.min", "must be an integer");
}
TEST(Parse, RejectsNegativeDuration) {
  ExpectError(Spec("1", "    duration: -1\n").replace(Spec().find("    duration: 60\n"), 17, ""),
              "attributes.system.duration", "must be >= 0");
}
TEST(Parse, RejectsInfiniteDuration) {
  std::string text = Spec();
  text.replace(text.find("duration: 60"), 12, "duration: .inf");
  ExpectError(text, "attributes.system.duration", "must be a finite number >= 0 (seconds)");
}
TEST(Parse, RejectsStringDuration) {
  std::string text = Spec();
  text.replace(text.find("duration: 60"), 12, "duration: 1h");
  ExpectError(text, "attributes.system.duration", "must be a number (seconds)");
}
TEST(Parse, RejectsUnknownVertexKey) {
  ExpectError(Spec("1\n        colour: red"), "resources[0].with[0].colour", "unknown key");
}
TEST(Parse, RejectsUnknownTopLevelKey) {
  ExpectError(Spec() + "extra: 1\n", "extra", "unknown key");
}
TEST(Parse, RejectsDuplicateKey) {
  ExpectError(Spec() + "version: 2\n", "version", "duplicate key");
}
TEST(Parse, ParsesCountStrings) {
  Result<Jobspec> spec = Parse(Spec("\"2-32:2:*\""), ParseOptions{});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const Count& count = spec->resources[0].with[0].count;
  EXPECT_TRUE(count.is_range);
  EXPECT_EQ(count.min, 2);
  EXPECT_EQ(count.max, 32);
  EXPECT_EQ(count.op, '*');
  EXPECT_EQ(count.operand, 2);
  spec = Parse(Spec("\"4+\""), ParseOptions{});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->resources[0].with[0].count.max, Count::kUnbounded);
  spec = Parse(Spec("\"4,9,16\""), ParseOptions{});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->resources[0].with[0].count.values, (std::vector<int64_t>{4, 9, 16}));
}
TEST(Parse, RejectsBadCountStrings) {
  ExpectError(Spec("\"4-2\""), "resources[0].with[0].count.max", "must be >= min");
  ExpectError(Spec("\"1-4:1:x\""), "resources[0].with[0].count",
              "operator must be one of '+', '*', '^'");
  ExpectError(Spec("\"0+\""), "resources[0].with[0].count.min", "must be >= 1");
  ExpectError(Spec("\"1,3-100000\""), "resources[0].with[0].count", "more than 10000 counts");
}
TEST(Parse, RangeIsNotV1) {
  ExpectError(Spec("{min: 1}"), "resources[0].with[0].count", "must be an integer in jobspec V1",
              true);
}
TEST(Parse, ParsesConstraints) {
  Result<Jobspec> spec = Parse(
      Spec("1",
           "    constraints: {and: [{properties: [amd]}, {not: [{hostlist: [\"n[1-2]\"]}]}]}\n"),
      ParseOptions{});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const Constraint& c = *spec->system.constraints;
  EXPECT_EQ(c.op, Constraint::Op::kAnd);
  ASSERT_EQ(c.children.size(), 2u);
  EXPECT_EQ(c.children[0].values, std::vector<std::string>{"amd"});
  EXPECT_EQ(c.children[1].op, Constraint::Op::kNot);
  EXPECT_EQ(c.children[1].children[0].op, Constraint::Op::kHostlist);
}
TEST(Parse, RejectsUnknownConstraintOperator) {
  ExpectError(Spec("1", "    constraints: {xor: []}\n"), "attributes.system.constraints.xor",
              "unknown constraint operator (use properties, hostlist, ranks, and, or, not)");
}
TEST(Parse, KeepsUnknownSystemAttributesAndEnvironmentUnset) {
  Result<Jobspec> spec =
      Parse(Spec("1", "    environment: {A: \"1\", B: null}\n    bank: x\n"), ParseOptions{});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->system.environment.at("A"), "1");
  EXPECT_EQ(spec->system.environment_unset, std::vector<std::string>{"B"});
  EXPECT_EQ(spec->system.extra["bank"], "x");
}
TEST(Parse, ReportsYamlSyntaxErrorPosition) {
  Result<Jobspec> spec = Parse("foo: bar: baz\n", ParseOptions{});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().where(), "line 1, column 9");
}
TEST(Parse, RejectsNonMappingDocument) {
  ExpectError("- 1\n", "document", "must be a mapping");
  ExpectError("", "document", "is empty");
}
TEST(Parse, RejectsOversizedInput) {
  ParseOptions options;
  options.max_bytes = 10;
  Result<Jobspec> spec = Parse(Spec(), options);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().where(), "document");
}
TEST(Parse, SurvivesDeepFlowNesting) {
  Result<Jobspec> spec = Parse(std::string(100000, '['), ParseOptions{});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), "nesting deeper than 64");
  spec = Parse(std::string(100000, '{'), ParseOptions{});
  ASSERT_FALSE(spec.ok());
}
TEST(Parse, SurvivesDeepBlockNesting) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "- ";
  text += "x\n";
  EXPECT_FALSE(Parse(text, ParseOptions{}).ok());
}
TEST(Parse, RejectsDepthJustOverTheLimit) {
  std::string text =
      "version: 1\nattributes: {user: {a: " + std::string(70, '[') + std::string(70, ']') + "}}\n";
  Result<Jobspec> spec = Parse(text, ParseOptions{});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), "nesting deeper than 64");
}
TEST(Parse, SurvivesBillionLaughs) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string previous = "a";
  for (int i = 0; i < 9; ++i) {
    const std::string name = "l" + std::to_string(i);
    text += name + ": &" + name + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *" : "*") + previous;
    text += "]\n";
    previous = name;
  }
  Result<Jobspec> spec = Parse(text, ParseOptions{});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("nodes"), std::string::npos) << spec.status().ToString();
}
// Regression (found by jobspec_fuzz): aliases of long keys expanded a 4 KiB input to > 1 GiB.
TEST(Parse, SurvivesAliasesOfLongStrings) {
  const std::string key(1000, 'k');  // yaml-cpp caps implicit keys at 1024 characters
  std::string text = "a: &a {" + key + ": " + std::string(3000, 'v') + "}\n";
  std::string previous = "a";
  for (int i = 0; i < 6; ++i) {
    const std::string name = "l" + std::to_string(i);
    text += name + ": &" + name + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *" : "*") + previous;
    text += "]\n";
    previous = name;
  }
  Result<Jobspec> spec = Parse(text, ParseOptions{.max_bytes = 1 << 20});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("bytes (alias expansion counted)"), std::string::npos)
      << spec.status().ToString();
}
// Regression (found by jobspec_fuzz): yaml-cpp's LoadAll loops forever on a lone ",".
TEST(Parse, SurvivesLoneFlowEntry) {
  EXPECT_FALSE(Parse(",", ParseOptions{}).ok());
  EXPECT_FALSE(Parse("a: 1\n,\n", ParseOptions{}).ok());
}
TEST(Parse, RejectsSeveralDocuments) {
  ExpectError("a: 1\n---\nb: 2\n", "document", "must be a single YAML document");
}
TEST(Parse, RejectsInvalidUtf8) {
  ExpectError(Spec("1", "    cwd: \"\xff\"\n"), "attributes.system.cwd", "must be valid UTF-8");
}
TEST(Parse, V1RequiresTaskOnTheSlotLabel) {
  std::string text = Spec();
  text.replace(text.find("slot: task"), 10, "slot: other");
  ExpectError(text, "tasks[0].slot", "'other' does not name the slot label 'task'", true);
  EXPECT_TRUE(Parse(text, ParseOptions{}).ok());
}
TEST(Parse, V1AcceptsExclusiveOnNode) {
  const std::string text =
      "version: 1\nresources:\n- {type: node, count: 2, exclusive: true, "
      "with: [{type: slot, count: 1, label: task, with: [{type: core, "
      "count: 1}]}]}\ntasks: [{command: [a], slot: task, count: {per_slot: "
      "1}}]\nattributes: {system: {duration: 0}}\n";
  EXPECT_TRUE(Parse(text, ParseOptions{.v1 = true}).ok());
}

TEST(ParseJsonTest, JsonTextTakesTheFastPathWithTheSameLimits) {
  std::string deep = "{\"version\": 1, \"x\": " + std::string(100, '[') + std::string(100, ']') + "}";
  Result<Jobspec> too_deep = Parse(deep, ParseOptions{});
  EXPECT_EQ(too_deep.status().where(), "document");
  EXPECT_NE(too_deep.status().message().find("nesting deeper"), std::string::npos);
  Result<Jobspec> broken = Parse("{\"version\": 1,", ParseOptions{});
  EXPECT_EQ(broken.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(broken.status().where().rfind("byte ", 0), 0u) << broken.status().where();
}

}  // namespace
}  // namespace converge::jobspec
