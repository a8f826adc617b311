#include "instance/pmi_choice.h"

#include <gtest/gtest.h>

#include "jobspec/shell_options.h"

namespace converge::instance {
namespace {

using Names = std::vector<std::string>;

jobspec::SystemAttributes WithPmi(nlohmann::json pmi) {
  jobspec::SystemAttributes system;
  system.extra = {{"shell", {{"options", {{"pmi", pmi}}}}}};
  return system;
}

// What JobManager::Launch gives the ShimSpec.
Names Servers(const jobspec::SystemAttributes& system, size_t tasks, bool pmix_default) {
  Result<Names> chosen = jobspec::PmiChoice(system);
  EXPECT_TRUE(chosen.ok()) << chosen.status().ToString();
  return PmiServers(chosen.ok() ? *chosen : Names{}, NamesPmi(system), tasks, pmix_default);
}

TEST(PmiChoiceTest, AMultiTaskJobThatNamesNoPmiAlsoGetsPmix) {
  const jobspec::SystemAttributes plain;
  EXPECT_FALSE(NamesPmi(plain));
  EXPECT_EQ(Servers(plain, 4, /*pmix_default=*/true), (Names{"simple", "pmix"}));
  EXPECT_EQ(Servers(plain, 1, /*pmix_default=*/true), Names{"simple"});
  EXPECT_EQ(Servers(plain, 4, /*pmix_default=*/false), Names{"simple"});
}

TEST(PmiChoiceTest, TheJobspecsOwnChoiceIsKept) {
  EXPECT_TRUE(NamesPmi(WithPmi("simple")));
  EXPECT_EQ(Servers(WithPmi("simple"), 8, /*pmix_default=*/true), Names{"simple"});
  EXPECT_EQ(Servers(WithPmi("off"), 8, /*pmix_default=*/true), Names{});
  EXPECT_EQ(Servers(WithPmi("pmix"), 1, /*pmix_default=*/false), Names{"pmix"});
  EXPECT_EQ(Servers(WithPmi(nlohmann::json::array({"pmix", "simple"})), 2, true),
            (Names{"pmix", "simple"}));
}

}  // namespace
}  // namespace converge::instance
