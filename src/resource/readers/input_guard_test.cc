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

TEST(InputGuardTest, Utf8) {
  EXPECT_TRUE(CheckUtf8("plain ascii, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80").ok());
  for (const char* bad :
       {"\xff", "a\n\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x28\xa1"}) {
    EXPECT_FALSE(CheckUtf8(bad).ok()) << bad;
  }
  EXPECT_EQ(CheckUtf8("ok\n\xff").where(), "line 2");
}

TEST(InputGuardTest, JsonNestingIgnoresStrings) {
  EXPECT_TRUE(CheckJsonNesting("{\"a\": \"" + std::string(100, '[') + "\"}").ok());
  EXPECT_TRUE(CheckJsonNesting("{\"a\\\"[\": 1}").ok());
  EXPECT_FALSE(CheckJsonNesting(std::string(65, '[')).ok());
  EXPECT_EQ(LineOf("a\nb\nc", 4), "line 3");
}

}  // namespace
}  // namespace converge::resource
