#include "jobspec/write.h"

#include <gtest/gtest.h>

#include "jobspec/parse.h"
#include "jobspec/shorthand.h"

namespace converge::jobspec {
namespace {

Jobspec Rich() {
  ShorthandOptions options;
  options.nodes = 2;
  options.tasks = 4;
  options.command = {"app", "with \"quotes\"", "tab\there", "#not-a-comment", "- dash", ""};
  options.duration = 90.5;
  options.queue = "debug";
  options.cwd = "/home/x y";
  Jobspec spec = *FromShorthand(options);
  spec.system.environment = {{"HOME", "/h"}, {"weird key: x", "v"}};
  spec.system.environment_unset = {"UNSET"};
  spec.system.dependencies = {{"afterok", "123"}};
  Constraint properties{Constraint::Op::kProperties, {"amd", "^slow"}, {}};
  Constraint ranks{Constraint::Op::kRanks, {"0-3"}, {}};
  spec.system.constraints = Constraint{Constraint::Op::kOr, {}, {properties, ranks}};
  spec.system.extra = {{"bank", "b"}, {"shell", {{"options", {{"verbose", 1}}}}}};
  spec.user = {{"list", {1, 2.5, "x", nullptr, true}}, {"empty", nlohmann::json::object()}};
  return spec;
}

TEST(ToYaml, RoundTripsThroughParse) {
  const Jobspec spec = Rich();
  Result<Jobspec> again = Parse(ToYaml(spec), ParseOptions{});
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << ToYaml(spec);
  EXPECT_EQ(*again, spec) << ToYaml(spec);
}
TEST(ToJson, RoundTripsThroughParse) {
  const Jobspec spec = Rich();
  Result<Jobspec> again = Parse(ToJson(spec).dump(), ParseOptions{});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, spec);
}
TEST(ToYaml, RoundTripsCountForms) {
  for (const char* count :
       {"3", "{min: 2}", "{min: 2, max: 8, operator: '*', operand: 2}", "\"4,9,16\"", "\"1-4\""}) {
    const std::string text = std::string("version: 2\nresources: [{type: node, count: ") + count +
                             "}]\ntasks: [{command: [a], slot: s, count: {total: 1}}]\n"
                             "attributes: {}\n";
    Result<Jobspec> spec = Parse(text, ParseOptions{});
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    Result<Jobspec> again = Parse(ToYaml(*spec), ParseOptions{});
    ASSERT_TRUE(again.ok()) << ToYaml(*spec);
    EXPECT_EQ(*again, *spec) << count;
  }
}
TEST(ToYaml, IsCanonical) {
  ShorthandOptions options;
  options.tasks = 2;
  options.command = {"hostname"};
  options.duration = 60;
  EXPECT_EQ(ToYaml(*FromShorthand(options)),
            "version: 1\n"
            "resources:\n"
            "  - type: \"slot\"\n"
            "    count: 2\n"
            "    label: \"task\"\n"
            "    with:\n"
            "      - type: \"core\"\n"
            "        count: 1\n"
            "tasks:\n"
            "  - command: [\"hostname\"]\n"
            "    slot: \"task\"\n"
            "    count:\n"
            "      per_slot: 1\n"
            "attributes:\n"
            "  system:\n"
            "    duration: 60.0\n");
}
TEST(ToYaml, EscapesControlCharacters) {
  Jobspec spec = Rich();
  spec.tasks[0].command = {std::string("a\x01\x7f\xc2\x85z", 6),
                           "\xef\xbb\xbf"
                           "bom"};
  Result<Jobspec> again = Parse(ToYaml(spec), ParseOptions{});
  ASSERT_TRUE(again.ok()) << again.status().ToString() << ToYaml(spec);
  EXPECT_EQ(again->tasks[0].command, spec.tasks[0].command);
}

// Found by jobspec_fuzz: a key whose written form passes YAML's 1024-character limit on
// implicit keys (here control characters, each written as \xNN) is written as an explicit key.
TEST(ToYaml, WritesAKeyOverYamlsImplicitLimitExplicitly) {
  Jobspec spec = Rich();
  const std::string key = "environment" + std::string(400, '\x17');
  spec.system.extra[key] = nlohmann::json::object({{"BAR", "1"}});
  spec.system.extra[std::string(1500, 'k')] = "plain but long";
  const std::string yaml = ToYaml(spec);
  EXPECT_NE(yaml.find("? \"environment\\x17"), std::string::npos) << yaml;
  Result<Jobspec> again = Parse(yaml, ParseOptions{});
  ASSERT_TRUE(again.ok()) << again.status().ToString() << yaml;
  EXPECT_TRUE(*again == spec);
}

}  // namespace
}  // namespace converge::jobspec
