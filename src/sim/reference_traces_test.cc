// The graph scheduler against the counting oracle (reference_schedule.h), job by job, on
// every shared trace: on a machine of single-core nodes each job must start at the instant
// the textbook definition says. Whole traces: labelled `traces`, outside the unit lane.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/reference_schedule.h"
#include "sim/swf.h"
#include "sim/swf_file.h"
#include "sim/testing/single_core_run.h"

namespace converge::sim {
namespace {

using sched::QueuePolicy;

struct TraceCase {
  std::string trace;
  QueuePolicy policy;
  int64_t limit;  // records considered; -1 = all
};

void PrintTo(const TraceCase& c, std::ostream* out) {
  *out << c.trace << " " << sched::QueuePolicyName(c.policy) << " limit " << c.limit;
}

class MatchesReference : public ::testing::TestWithParam<TraceCase> {};

TEST_P(MatchesReference, EveryJobStartsWhenTheDefinitionSays) {
  const TraceCase& c = GetParam();
  Result<std::string> text = ReadTraceFile("../shared/traces/" + c.trace);
  if (!text.ok()) GTEST_SKIP() << "shared trace not available: " << text.status().ToString();
  Result<SwfTrace> trace = ParseSwf(*text);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  Workload workload = WorkloadFromSwf(*trace, {c.limit});
  const int64_t procs = TraceMachineProcs(*trace);
  std::vector<JobOutcome> expected = ReferenceSchedule(workload, {procs, c.policy});
  std::vector<JobOutcome> actual = testing::SimulateOnSingleCoreNodes(workload, procs, c.policy);
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    ASSERT_EQ(actual[i].id, expected[i].id)
        << "only one of them ran job " << std::min(actual[i].id, expected[i].id);
  }
  ASSERT_EQ(actual.size(), expected.size());
  int64_t differ = 0;
  std::string first;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i].start_time == expected[i].start_time) continue;
    if (differ++ == 0) {
      first = "job " + std::to_string(actual[i].id) + " started at " +
              std::to_string(actual[i].start_time) + ", the definition says " +
              std::to_string(expected[i].start_time);
    }
  }
  EXPECT_EQ(differ, 0) << differ << " of " << actual.size() << " jobs start elsewhen; first: "
                       << first;
}

std::vector<TraceCase> TraceCases() {
  const char* const traces[] = {"KTH-SP2-1996-2.1-cln.swf.gz", "CTC-SP2-1996-3.1-cln.swf.gz",
                                "HPC2N-2002-2.2-cln.swf.gz", "SDSC-BLUE-2000-4.2-cln.swf.gz",
                                "lublin_256.swf.gz"};
  // Conservative's oracle re-fits the whole queue on every early end: the two largest traces
  // are compared on their first 60,000 records.
  std::vector<TraceCase> cases;
  for (const char* trace : traces) {
    const bool large = std::string(trace).rfind("HPC2N", 0) == 0 ||
                       std::string(trace).rfind("SDSC", 0) == 0;
    cases.push_back({trace, QueuePolicy::kFcfs, -1});
    cases.push_back({trace, QueuePolicy::kEasy, -1});
    cases.push_back({trace, QueuePolicy::kConservative, large ? 60000 : -1});
  }
  return cases;
}

std::string TraceCaseName(const ::testing::TestParamInfo<TraceCase>& info) {
  std::string name = info.param.trace.substr(0, info.param.trace.find(".swf"));
  name += std::string("_") + sched::QueuePolicyName(info.param.policy);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Shared, MatchesReference, ::testing::ValuesIn(TraceCases()),
                         TraceCaseName);

}  // namespace
}  // namespace converge::sim
