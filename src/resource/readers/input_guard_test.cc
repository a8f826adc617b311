#include "resource/readers/input_guard.h"

#include <gtest/gtest.h>

namespace converge::resource {
namespace {

TEST(InputGuardTest, YamlNesting) {
  EXPECT_TRUE(CheckYamlNesting("a: [1, {b: [2]}]\n- - x\n").ok());
  EXPECT_EQ(CheckYamlNesting("ok\n" + std::string(65, '{')).where(), "line 2");
  EXPECT_FALSE(CheckYamlNesting(std::string(300, ' ') + "x").ok());
  std::string dashes;
  for (int i = 0; i < 200; ++i) dashes += "- ";
  EXPECT_FALSE(CheckYamlNesting(dashes + "x").ok());
  EXPECT_FALSE(CheckYamlNesting(std::string("a\0b", 3)).ok());
}

TEST(InputGuardTest, JsonNestingIgnoresStrings) {
  EXPECT_TRUE(CheckJsonNesting("{\"a\": \"" + std::string(100, '[') + "\"}").ok());
  EXPECT_TRUE(CheckJsonNesting("{\"a\\\"[\": 1}").ok());
  EXPECT_FALSE(CheckJsonNesting(std::string(65, '[')).ok());
  EXPECT_EQ(LineOf("a\nb\nc", 4), "line 3");
}

}  // namespace
}  // namespace converge::resource
