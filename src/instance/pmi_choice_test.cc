#include "instance/pmi_choice.h"

#include <gtest/gtest.h>

namespace converge::instance {
namespace {

nlohmann::json WithPmi(nlohmann::json pmi) { return {{"shell", {{"options", {{"pmi", pmi}}}}}}; }

TEST(PmiChoiceTest, AbsentLeavesTheDefaultToMultiTaskJobs) {
  Result<PmiChoice> choice = ReadPmiChoice(nlohmann::json::object());
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->given);
  using Names = std::vector<std::string>;
  EXPECT_EQ(PmiServers(*choice, 4, /*pmix_default=*/true), Names{"pmix"});
  EXPECT_EQ(PmiServers(*choice, 1, /*pmix_default=*/true), Names{});
  EXPECT_EQ(PmiServers(*choice, 4, /*pmix_default=*/false), Names{});
}

TEST(PmiChoiceTest, CommaSeparatedStringAsFluxWritesIt) {
  Result<PmiChoice> choice = ReadPmiChoice(WithPmi("simple, pmix,pmix"));
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  EXPECT_EQ(choice->names, (std::vector<std::string>{"simple", "pmix"}));
  EXPECT_EQ(PmiServers(*choice, 1, /*pmix_default=*/false),
            (std::vector<std::string>{"simple", "pmix"}));  // asked for: even for one task
}

TEST(PmiChoiceTest, ListWithoutPmixTurnsItOff) {
  Result<PmiChoice> choice = ReadPmiChoice(WithPmi(nlohmann::json::array({"simple"})));
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(PmiServers(*choice, 8, /*pmix_default=*/true), std::vector<std::string>{"simple"});
  Result<PmiChoice> off = ReadPmiChoice(WithPmi("off"));
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(PmiServers(*off, 8, /*pmix_default=*/true).empty());
}

TEST(PmiChoiceTest, BadValuesNameTheField) {
  for (const nlohmann::json& bad : {nlohmann::json("pmi2"), nlohmann::json(""), nlohmann::json(3),
                                    nlohmann::json::array({1}), nlohmann::json("off,pmix")}) {
    Result<PmiChoice> choice = ReadPmiChoice(WithPmi(bad));
    ASSERT_FALSE(choice.ok()) << bad.dump();
    EXPECT_EQ(choice.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(choice.status().where(), "attributes.system.shell.options.pmi");
  }
}

}  // namespace
}  // namespace converge::instance
