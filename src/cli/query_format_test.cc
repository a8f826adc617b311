#include "cli/query_format.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

const nlohmann::json kAnswer = {
    {"columns", {"id", "name", "note"}},
    {"rows", {{1, "a,b", nullptr}, {22, "say \"hi\"", "two\nlines"}}}};

TEST(QueryFormatTest, TableAlignsAndKeepsEachRowOnOneLine) {
  EXPECT_EQ(FormatQueryTable(kAnswer),
            "id  name      note\n"
            "1   a,b       NULL\n"
            "22  say \"hi\"  two\\nlines\n");
}

TEST(QueryFormatTest, CsvQuotesWhatNeedsIt) {
  EXPECT_EQ(FormatQueryCsv(kAnswer),
            "id,name,note\r\n1,\"a,b\",\r\n22,\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
}

}  // namespace
}  // namespace converge::cli
