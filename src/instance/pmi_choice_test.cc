#include "instance/pmi_choice.h"

#include <gtest/gtest.h>

namespace converge::instance {
namespace {

nlohmann::json WithPmi(nlohmann::json pmi) { return {{"shell", {{"options", {{"pmi", pmi}}}}}}; }

TEST(PmiChoiceTest, AbsentLeavesTheDefaultToMultiTaskJobs) {
  Result<PmiChoice> choice = ReadPmiChoice(nlohmann::json::object());
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->given);
  EXPECT_TRUE(WantsPmix(*choice, 4, /*pmix_default=*/true));
  EXPECT_FALSE(WantsPmix(*choice, 1, /*pmix_default=*/true));
  EXPECT_FALSE(WantsPmix(*choice, 4, /*pmix_default=*/false));
}

TEST(PmiChoiceTest, CommaSeparatedStringAsFluxWritesIt) {
  Result<PmiChoice> choice = ReadPmiChoice(WithPmi("simple, pmix,pmix"));
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  EXPECT_EQ(choice->names, (std::vector<std::string>{"simple", "pmix"}));
  EXPECT_TRUE(WantsPmix(*choice, 1, /*pmix_default=*/false));  // asked for: even one task
}

TEST(PmiChoiceTest, ListWithoutPmixTurnsItOff) {
  Result<PmiChoice> choice = ReadPmiChoice(WithPmi(nlohmann::json::array({"simple"})));
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(WantsPmix(*choice, 8, /*pmix_default=*/true));
  Result<PmiChoice> none = ReadPmiChoice(WithPmi("none"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(WantsPmix(*none, 8, /*pmix_default=*/true));
}

TEST(PmiChoiceTest, BadValuesNameTheField) {
  for (const nlohmann::json& bad : {nlohmann::json("pmi2"), nlohmann::json(""), nlohmann::json(3),
                                    nlohmann::json::array({1}), nlohmann::json("none,pmix")}) {
    Result<PmiChoice> choice = ReadPmiChoice(WithPmi(bad));
    ASSERT_FALSE(choice.ok()) << bad.dump();
    EXPECT_EQ(choice.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(choice.status().where(), "attributes.system.shell.options.pmi");
  }
}

}  // namespace
}  // namespace converge::instance
