#include "jobspec/shell_options.h"

#include <gtest/gtest.h>

namespace converge::jobspec {
namespace {

using Names = std::vector<std::string>;

SystemAttributes WithShell(nlohmann::json shell) {
  SystemAttributes system;
  system.extra["shell"] = std::move(shell);
  return system;
}

SystemAttributes WithPmi(nlohmann::json pmi) { return WithShell({{"options", {{"pmi", pmi}}}}); }

TEST(PmiChoiceTest, SimpleByDefault) {
  EXPECT_EQ(*PmiChoice(SystemAttributes{}), Names{"simple"});
  EXPECT_EQ(*PmiChoice(WithShell({{"options", {{"verbose", 1}}}})), Names{"simple"});
  EXPECT_EQ(*PmiChoice(WithShell(nlohmann::json::object())), Names{"simple"});
}

TEST(PmiChoiceTest, StringOrListAsFluxWritesIt) {
  EXPECT_EQ(*PmiChoice(WithPmi("off")), Names{});
  EXPECT_EQ(*PmiChoice(WithPmi("simple")), Names{"simple"});
  EXPECT_EQ(*PmiChoice(WithPmi("pmix, simple,pmix")), (Names{"pmix", "simple"}));
  EXPECT_EQ(*PmiChoice(WithPmi(nlohmann::json::array({"simple"}))), Names{"simple"});
  EXPECT_EQ(*PmiChoice(WithPmi(nlohmann::json::array({"off"}))), Names{});
}

TEST(PmiChoiceTest, BadValuesNameTheField) {
  EXPECT_EQ(PmiChoice(WithPmi("pmi3")).status().ToString(),
            "shell.options.pmi: unknown PMI 'pmi3' (known: simple, pmix, off)");
  EXPECT_EQ(PmiChoice(WithPmi("off,simple")).status().ToString(),
            "shell.options.pmi: 'off' cannot be combined with others");
  EXPECT_EQ(PmiChoice(WithPmi("")).status().ToString(),
            "shell.options.pmi: unknown PMI '' (known: simple, pmix, off)");
  EXPECT_FALSE(PmiChoice(WithPmi(3)).ok());
  EXPECT_FALSE(PmiChoice(WithPmi(nlohmann::json::array())).ok());
  EXPECT_FALSE(PmiChoice(WithPmi(nlohmann::json::array({1}))).ok());
  EXPECT_EQ(PmiChoice(WithShell("x")).status().ToString(), "shell: must be a mapping");
  EXPECT_EQ(PmiChoice(WithShell({{"options", 1}})).status().ToString(),
            "shell.options: must be a mapping");
}

SystemAttributes WithPerResource(nlohmann::json value) {
  return WithShell({{"options", {{"per-resource", value}}}});
}

TEST(TasksPerNodeTest, AbsentUnlessTheOptionIsSet) {
  EXPECT_EQ(*TasksPerNode(SystemAttributes{}), std::nullopt);
  EXPECT_EQ(*TasksPerNode(WithPmi("simple")), std::nullopt);
  EXPECT_EQ(*TasksPerNode(WithPerResource({{"type", "node"}})), 1);
  EXPECT_EQ(*TasksPerNode(WithPerResource({{"type", "node"}, {"count", 4}})), 4);
}

TEST(TasksPerNodeTest, BadValuesNameTheField) {
  EXPECT_EQ(TasksPerNode(WithPerResource({{"type", "core"}})).status().ToString(),
            "shell.options.per-resource.type: must be \"node\" (tasks per allocated node)");
  EXPECT_EQ(TasksPerNode(WithPerResource({{"type", "node"}, {"count", 0}})).status().ToString(),
            "shell.options.per-resource.count: must be an integer from 1 to 1048576");
  EXPECT_FALSE(TasksPerNode(WithPerResource({{"type", "node"}, {"count", "2"}})).ok());
  EXPECT_FALSE(TasksPerNode(WithPerResource({{"type", "node"}, {"count", 1.5}})).ok());
  EXPECT_EQ(TasksPerNode(WithPerResource({{"type", "node"}, {"every", 1}})).status().ToString(),
            "shell.options.per-resource.every: unknown key (known: type, count)");
  EXPECT_EQ(TasksPerNode(WithPerResource("node")).status().ToString(),
            "shell.options.per-resource: must be a mapping {type: node, count: N}");
}

TEST(SetOneTaskPerNodeTest, GivesPmiOneAndReplacesTheTaskCount) {
  nlohmann::json spec = {{"tasks", {{{"command", {"x"}}, {"count", {{"total", 1}}}}}}};
  SetOneTaskPerNode(spec);
  EXPECT_EQ(spec["tasks"][0]["count"], nlohmann::json({{"per_slot", 1}}));
  SystemAttributes system;
  system.extra = spec["attributes"]["system"];
  EXPECT_EQ(*TasksPerNode(system), 1);
  EXPECT_EQ(*PmiChoice(system), Names{"simple"});
  spec["attributes"]["system"]["shell"]["options"]["pmi"] = "pmix";
  SetOneTaskPerNode(spec);
  EXPECT_EQ(spec["attributes"]["system"]["shell"]["options"]["pmi"], "simple");
}

}  // namespace
}  // namespace converge::jobspec
