#include "cli/job_table.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

using nlohmann::json;

constexpr double kNow = 1'800'000'000.0;

json Job(const std::string& state, const std::string& result = "") {
  return {
      {"id", 12},          {"user", "alice"},     {"name", "sleep"}, {"state", state},
      {"result", result},  {"exit_code", 0},      {"signal", 0},     {"ntasks", 2},
      {"nnodes", 1},       {"nodelist", "node0"}, {"reason", ""},    {"submit_time", kNow - 100},
      {"start_time", 0.0}, {"end_time", 0.0},     {"duration", 0}};
}

TEST(StateCodeTest, MatchesFluxJobs) {
  EXPECT_EQ(StateCode(Job("DEPEND")), "D");
  EXPECT_EQ(StateCode(Job("PRIORITY")), "P");
  EXPECT_EQ(StateCode(Job("NEW")), "S");
  EXPECT_EQ(StateCode(Job("SCHED")), "S");
  EXPECT_EQ(StateCode(Job("RUN")), "R");
  EXPECT_EQ(StateCode(Job("CLEANUP")), "C");
  EXPECT_EQ(StateCode(Job("INACTIVE", "completed")), "CD");
  EXPECT_EQ(StateCode(Job("INACTIVE", "failed")), "F");
  EXPECT_EQ(StateCode(Job("INACTIVE", "canceled")), "CA");
  EXPECT_EQ(StateCode(Job("INACTIVE", "timeout")), "TO");
  EXPECT_EQ(StateCode(json::object()), "?");
}

TEST(ElapsedTest, FormatsLikeSqueue) {
  EXPECT_EQ(FormatElapsed(0), "0.0s");
  EXPECT_EQ(FormatElapsed(0.37), "0.3s");
  EXPECT_EQ(FormatElapsed(59.99), "59.9s");
  EXPECT_EQ(FormatElapsed(60), "1:00");
  EXPECT_EQ(FormatElapsed(3599), "59:59");
  EXPECT_EQ(FormatElapsed(3600 + 62), "1:01:02");
  EXPECT_EQ(FormatElapsed(86400 * 2 + 3600 * 3 + 4), "2-03:00:04");
  EXPECT_EQ(FormatElapsed(-5), "0.0s");
}

TEST(RunTimeTest, RunningFinishedAndPending) {
  json running = Job("RUN");
  running["start_time"] = kNow - 75;
  EXPECT_EQ(RunTime(running, kNow), "1:15");
  json done = Job("INACTIVE", "completed");
  done["start_time"] = kNow - 75;
  done["end_time"] = kNow - 70;
  EXPECT_EQ(RunTime(done, kNow), "5.0s");
  EXPECT_EQ(RunTime(Job("SCHED"), kNow), "");
  json canceled_before_start = Job("INACTIVE", "canceled");
  canceled_before_start["end_time"] = kNow;
  EXPECT_EQ(RunTime(canceled_before_start, kNow), "");
}

TEST(JobTableTest, AlignsColumnsAndExplainsEachState) {
  json running = Job("RUN");
  running["start_time"] = kNow - 3;
  json pending = Job("SCHED");
  pending["id"] = 13;
  pending["nnodes"] = 0;
  pending["nodelist"] = "";
  pending["reason"] = "waiting for 2 nodes";
  json failed = Job("INACTIVE", "failed");
  failed["id"] = 1234;
  failed["user"] = "bob";
  failed["name"] = "a-very-long-job-name-that-goes-on";
  failed["exit_code"] = 3;
  failed["start_time"] = kNow - 10;
  failed["end_time"] = kNow - 4;
  EXPECT_EQ(FormatJobTable({running, pending, failed}, kNow, true),
            "JOBID USER  NAME                 ST NTASKS NNODES TIME INFO\n"
            "   12 alice sleep                R       2      1 3.0s node0\n"
            "   13 alice sleep                S       2             waiting for 2 nodes\n"
            " 1234 bob   a-very-long-job-nam+ F       2      1 6.0s node0 (exit 3)\n");
  EXPECT_EQ(FormatJobTable({}, kNow, true), "JOBID USER NAME ST NTASKS NNODES TIME INFO\n");
  EXPECT_EQ(FormatJobTable({}, kNow, false), "");
}

TEST(JobTableTest, TimeoutsShowTheSignalAndReason) {
  json timeout = Job("INACTIVE", "timeout");
  timeout["signal"] = 15;
  timeout["reason"] = "time limit 1s";
  timeout["start_time"] = kNow - 2;
  timeout["end_time"] = kNow - 1;
  EXPECT_EQ(FormatJobTable({timeout}, kNow, false),
            "12 alice sleep TO 2 1 1.0s node0 (signal 15: time limit 1s)\n");
}

TEST(JobTableTest, ToleratesMissingFields) {
  EXPECT_EQ(FormatJobTable({json{{"id", 5}}}, kNow, false), "5   ?\n");
}

TEST(DescribeEndTest, NamesTheResultCodeSignalAndReason) {
  EXPECT_EQ(DescribeEnd(Job("INACTIVE", "completed")), "completed");
  json failed = Job("INACTIVE", "failed");
  failed["exit_code"] = 3;
  EXPECT_EQ(DescribeEnd(failed), "failed, exit code 3");
  failed["signal"] = 9;
  EXPECT_EQ(DescribeEnd(failed), "failed, killed by signal 9 (Killed)");
  json never = Job("INACTIVE", "failed");
  never["reason"] = "dependency afterok:3 can never be met";
  EXPECT_EQ(DescribeEnd(never), "failed: dependency afterok:3 can never be met");
  EXPECT_EQ(DescribeEnd(Job("INACTIVE", "timeout")), "timeout");
}

TEST(RunExitStatusTest, CodeThenSignalThenOne) {
  EXPECT_EQ(RunExitStatus(Job("INACTIVE", "completed")), 0);
  json failed = Job("INACTIVE", "failed");
  EXPECT_EQ(RunExitStatus(failed), 1);
  failed["signal"] = 11;
  EXPECT_EQ(RunExitStatus(failed), 139);
  failed["exit_code"] = 3;
  EXPECT_EQ(RunExitStatus(failed), 3);
  EXPECT_EQ(RunExitStatus(Job("INACTIVE", "canceled")), 1);
}

TEST(JobErrorTest, DropsTheMessagesOwnJobPrefix) {
  EXPECT_EQ(JobError(12, "job 12 is already inactive"), "job 12: already inactive");
  EXPECT_EQ(JobError(12, "job 12 not found"), "job 12: not found");
  EXPECT_EQ(JobError(12, "only the instance owner may do this"),
            "job 12: only the instance owner may do this");
  EXPECT_EQ(JobError(1, "job 12 is odd"), "job 1: job 12 is odd");
}

TEST(SummaryTest, ShowsResultExitCodeAndFiles) {
  json job = Job("INACTIVE", "failed");
  job["uid"] = 1000;
  job["exit_code"] = 2;
  job["start_time"] = kNow - 10;
  job["end_time"] = kNow;
  job["duration"] = 3600;
  job["output"] = "/tmp/12.out";
  job["error_output"] = "/tmp/12.err";
  job["dependencies"] = {"afterok:11"};
  const std::string summary = FormatJobSummary(job, kNow);
  EXPECT_NE(summary.find("job         12\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("user        alice (uid 1000)\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("state       INACTIVE (failed, exit code 2)\n"), std::string::npos);
  EXPECT_NE(summary.find("runtime     10.0s\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("time limit  1h\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("tasks       2 task(s) on 1 node(s) node0\n"), std::string::npos);
  EXPECT_NE(summary.find("exit code   2\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("stderr      /tmp/12.err\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("depends on  afterok:11\n"), std::string::npos) << summary;
}

TEST(EventTest, OneLineWithContextWhenThereIsOne) {
  const std::string line = FormatEvent(
      {{"seq", 3}, {"timestamp", kNow + 0.25}, {"name", "finish"}, {"context", {{"status", 0}}}});
  EXPECT_EQ(line.substr(line.size() - 28), ".250000 finish {\"status\":0}\n") << line;
  const std::string bare =
      FormatEvent({{"timestamp", kNow}, {"name", "clean"}, {"context", json::object()}});
  EXPECT_EQ(bare.substr(bare.size() - 14), ".000000 clean\n") << bare;
}

}  // namespace
}  // namespace converge::cli
