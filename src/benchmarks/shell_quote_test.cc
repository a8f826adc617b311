#include "benchmarks/shell_quote.h"

#include <gtest/gtest.h>

#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

TEST(ShellQuoteTest, QuotesSingleQuotesApart) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("abc"), "'abc'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

TEST(ShellQuoteTest, TheShellReadsBackExactlyTheText) {
  const std::string texts[] = {"plain", "it's", "''", "$(touch /tmp/converge-pwned)", "`id`",
                               "a b\tc", "a\nb", "\\", "\"$HOME\"", "; rm -rf /", "*", "-n"};
  for (const std::string& text : texts) {
    const std::string output =
        testing::RunTask({"sh", "-c", "printf '%s' " + ShellQuote(text)});
    EXPECT_EQ(output, text);
  }
}

}  // namespace
}  // namespace converge::benchmarks
