#include "common/json_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace converge {
namespace {

std::string Written(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonTextTest, ValidTextIsWrittenAsNlohmannWritesIt) {
  for (std::string text : {std::string(""), std::string("node17"), std::string("a \"b\" \\ c"),
                           std::string("tab\tnew\nline\rcr\bbs\fff"), std::string("\x01\x1f"),
                           std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
                           std::string("nul\0inside", 10), std::string("slash / and del \x7f")}) {
    EXPECT_EQ(Written(text), nlohmann::json(text).dump()) << text;
  }
}

TEST(JsonTextTest, InvalidUtf8BecomesReplacementCharactersAndStaysParseable) {
  const std::string written = Written("ok\xFF\xC3(\xE2\x82");
  nlohmann::json parsed = nlohmann::json::parse(written);
  EXPECT_EQ(parsed.get<std::string>(), "ok\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonTextTest, KeysAndFieldsMakeAnObjectBody) {
  std::string out = "{";
  AppendJsonField(out, "cores", 32);
  AppendJsonField(out, "free", -1);
  AppendJsonKey(out, "name");
  AppendJsonString(out, "n1");
  out += '}';
  EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json({{"cores", 32}, {"free", -1}, {"name", "n1"}}));
}

}  // namespace
}  // namespace converge
