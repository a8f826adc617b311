#include "common/xml_text.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

TEST(XmlEscapeTest, ReplacesMarkupCharacters) {
  EXPECT_EQ(XmlEscape(R"(a<b & "c">d)"), "a&lt;b &amp; &quot;c&quot;&gt;d");
  EXPECT_EQ(XmlEscape("plain"), "plain");
}

}  // namespace
}  // namespace converge
