#include "cli/event_format.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

TEST(EventFormatTest, ColumnsLineUpWhateverTheirLength) {
  const std::string header = StreamEventHeader();
  const std::string line = FormatStreamEvent({{"time", 1.8e9},
                                        {"kind", "service"},
                                        {"name", "web"},
                                        {"reason", "Ready"},
                                        {"message", "serving at\nhttp://127.0.0.1:20001"}});
  EXPECT_EQ(header.find("OBJECT"), line.find("service/web"));
  EXPECT_EQ(header.find("REASON"), line.find("Ready"));
  EXPECT_EQ(header.find("MESSAGE"), line.find("serving at http://127.0.0.1:20001"));
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(EventFormatTest, MissingFieldsAreEmpty) {
  EXPECT_EQ(FormatStreamEvent(nlohmann::json::object()).substr(0, 2), "- ");
  EXPECT_NE(FormatStreamEvent({{"kind", "job"}, {"name", "12"}, {"time", "not a number"}}).find("job/12"),
            std::string::npos);
}

}  // namespace
}  // namespace converge::cli
