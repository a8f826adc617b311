#include "cli/job_format.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

using nlohmann::json;

const json kRunning = {{"id", 42},        {"user", "alice"},   {"uid", 1000},
                       {"name", "simulate"}, {"state", "RUN"},    {"result", ""},
                       {"ntasks", 8},     {"nnodes", 2},       {"nodelist", "node[0-1]"},
                       {"priority", 16},  {"duration", 3600},  {"submit_time", 100.0},
                       {"start_time", 110.0}, {"end_time", 0}, {"queue", ""}};

TEST(JobFormatTest, FieldsTakeFluxJobsNamesAndSpecs) {
  Result<JobFormat> format =
      JobFormat::Parse("{id:>5} {name:<6.6}|{status_abbrev} {nnodes} {runtime} {duration}");
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  EXPECT_EQ(format->Header(), "JOBID NAME  |ST NNODES TIME DURATION\n");
  EXPECT_EQ(format->Row(kRunning, 172.5), "   42 simula|R 2 1:02 1h\n");
  json done = kRunning;
  done["state"] = "INACTIVE";
  done["result"] = "failed";
  done["exit_code"] = 3;
  done["end_time"] = 115.0;
  Result<JobFormat> ended = JobFormat::Parse("{status} {result} {returncode} {t_inactive}");
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->Row(done, 500), "FAILED FAILED 3 115\n");
  EXPECT_EQ(ended->Row(kRunning, 500), "RUN\n");  // blanks are not printed at the end
}

TEST(JobFormatTest, BracesAlignmentAndDates) {
  Result<JobFormat> format = JobFormat::Parse("{{{username:^9}}} {t_submit!d}");
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  const std::string row = format->Row(kRunning, 0);
  EXPECT_EQ(row.substr(0, 12), "{  alice  } ");
  EXPECT_EQ(row.size(), 12u + 19u + 1u);  // YYYY-MM-DD HH:MM:SS
  Result<JobFormat> huge = JobFormat::Parse("{id:99999999999999999999999.99999999999999999999}");
  ASSERT_TRUE(huge.ok()) << huge.status().ToString();
  EXPECT_EQ(huge->Row(kRunning, 0).size(), 200u + 1u);  // widths stop at 200 columns
}

TEST(JobFormatTest, MistakesAreNamed) {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"{nmae}", "unknown field {nmae}"},
           {"{id", "a '{' is never closed"},
           {"id}", "a '}' closes no field"},
           {"{id!x}", "the only conversion is !d"},
           {"{name!d}", "!d is for the t_* times"},
           {"{id:5x}", "use [<|>|^][WIDTH][.PRECISION]"},
           {"{id:.}", "a '.' needs a number"}}) {
    Result<JobFormat> format = JobFormat::Parse(text);
    ASSERT_FALSE(format.ok()) << text;
    EXPECT_EQ(format.status().where(), "--format");
    EXPECT_NE(format.status().message().find(message), std::string::npos)
        << text << ": " << format.status().message();
  }
}

}  // namespace
}  // namespace converge::cli
