// Every shared SWF trace under every queue policy, through the real binary: the run
// succeeds, --validate finds nothing (capacity, causality, fcfs order, reservations), the
// CSV re-validates in-process, and every record is accounted for (simulated + skipped).
//
// Default lane: full traces for fcfs and easy, the first kConservativeLimit records for
// conservative. Slow lane (CONVERGE_SIM_SLOW_LANE): full traces for conservative.
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sched/policy.h"
#include "sim/swf.h"
#include "sim/swf_file.h"
#include "sim/validate_schedule.h"
#include "sim/workload.h"
#include "tests/testutil/run_command.h"

namespace converge {
namespace {

constexpr const char* kTraceDir = "../shared/traces/";
constexpr int64_t kConservativeLimit = 3000;

const char* const kTraces[] = {
    "KTH-SP2-1996-2.1-cln.swf.gz",   "CTC-SP2-1996-3.1-cln.swf.gz",
    "HPC2N-2002-2.2-cln.swf.gz",     "SDSC-BLUE-2000-4.2-cln.swf.gz",
    "lublin_256.swf.gz",
};

struct Case {
  std::string trace;
  std::string policy;
  int64_t limit;  // -1: whole trace
};

void PrintTo(const Case& c, std::ostream* out) {
  *out << c.trace << " --policy " << c.policy;
  if (c.limit >= 0) *out << " --limit " << c.limit;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (const char* trace : kTraces) {
#ifdef CONVERGE_SIM_SLOW_LANE
    cases.push_back({trace, "conservative", -1});
#else
    cases.push_back({trace, "fcfs", -1});
    cases.push_back({trace, "easy", -1});
    cases.push_back({trace, "conservative", kConservativeLimit});
#endif
  }
  return cases;
}

std::vector<sim::JobOutcome> ParseCsv(const std::string& csv, std::string* header) {
  std::vector<sim::JobOutcome> jobs;
  std::istringstream in(csv);
  std::getline(in, *header);
  std::string line;
  while (std::getline(in, line)) {
    sim::JobOutcome job;
    char c1, c2, c3, c4, c5, c6;
    std::istringstream row(line);
    row >> job.id >> c1 >> job.submit_time >> c2 >> job.start_time >> c3 >> job.end_time >> c4 >>
        job.procs >> c5 >> job.requested_time >> c6 >> job.run_time;
    EXPECT_TRUE(row && c1 == ',' && c6 == ',') << "bad CSV row: " << line;
    job.allocated_cores = job.procs;
    jobs.push_back(job);
  }
  return jobs;
}

class SimTraces : public ::testing::TestWithParam<Case> {};

TEST_P(SimTraces, ValidAndAccountedFor) {
  const Case& c = GetParam();
  const std::string path = kTraceDir + c.trace;
  Result<std::string> text = sim::ReadTraceFile(path);
  if (!text.ok()) GTEST_SKIP() << "shared trace not available: " << text.status().ToString();
  Result<sim::SwfTrace> trace = sim::ParseSwf(*text);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  const int64_t records = c.limit < 0 ? static_cast<int64_t>(trace->records.size())
                                      : std::min<int64_t>(c.limit, trace->records.size());

  testutil::TempDir dir;
  const std::string csv_path = dir.path() + "/jobs.csv";
  std::vector<std::string> args = {"sim",      "--trace", path,       "--policy", c.policy,
                                   "--json",   "--validate", "--jobs-csv", csv_path};
  if (c.limit >= 0) {
    args.push_back("--limit");
    args.push_back(std::to_string(c.limit));
  }
  testutil::CommandResult run = testutil::RunConverge(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");

  nlohmann::json json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["policy"], c.policy);
  EXPECT_EQ(json["procs"].get<int64_t>(), sim::TraceMachineProcs(*trace));
  EXPECT_EQ(json["jobs"].get<int64_t>() + json["skipped"].get<int64_t>(), records);
  EXPECT_EQ(json["unsatisfiable"].get<int64_t>(), 0);  // no trace job exceeds its machine
  EXPECT_GT(json["utilization"].get<double>(), 0.0);
  EXPECT_LE(json["utilization"].get<double>(), 1.0);
  EXPECT_GE(json["avg_bsld"].get<double>(), 1.0);

  std::string header;
  std::vector<sim::JobOutcome> jobs = ParseCsv(testutil::ReadFile(csv_path), &header);
  EXPECT_EQ(header, "job_id,submit_time,start_time,end_time,procs,requested_time,run_time");
  EXPECT_EQ(static_cast<int64_t>(jobs.size()), json["jobs"].get<int64_t>());
  for (size_t i = 1; i < jobs.size(); ++i) ASSERT_LT(jobs[i - 1].id, jobs[i].id);
  Result<sched::QueuePolicy> policy = sched::ParseQueuePolicy(c.policy);
  ASSERT_TRUE(policy.ok());
  std::vector<std::string> violations =
      sim::ValidateSchedule({jobs, json["procs"].get<int64_t>(), *policy, nullptr});
  EXPECT_TRUE(violations.empty()) << violations.front();
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.trace.substr(0, info.param.trace.find(".swf"));
  name += "_" + info.param.policy;
  if (info.param.limit >= 0) name += "_first" + std::to_string(info.param.limit);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Shared, SimTraces, ::testing::ValuesIn(Cases()), CaseName);

}  // namespace
}  // namespace converge
