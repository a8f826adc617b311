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

}  // namespace
}  // namespace converge::jobspec
