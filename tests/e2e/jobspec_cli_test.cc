// End-to-end: the real `converge jobspec` binary, its exit codes, stdout and stderr.
#include <gtest/gtest.h>

#include "jobspec/parse.h"
#include "tests/testutil/run_command.h"

namespace converge {
namespace {

using testutil::RunConverge;

const char kConformance[] = "../shared/conformance/flux-jobspec";

TEST(JobspecCli, ValidateAcceptsValidFiles) {
  testutil::CommandResult result =
      RunConverge({"jobspec", "validate", std::string(kConformance) + "/valid/basic.yaml",
                   std::string(kConformance) + "/valid_v1/use_case_2.4.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}
TEST(JobspecCli, ValidateReportsFilePathAndRule) {
  const std::string bad = std::string(kConformance) + "/invalid/resource_count_is_zero.yaml";
  testutil::CommandResult result = RunConverge({"jobspec", "validate", bad});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, bad + ": resources[0].count: must be >= 1\n");
}
TEST(JobspecCli, ValidateV1RejectsNonV1) {
  const std::string file = std::string(kConformance) + "/valid/basic.yaml";
  EXPECT_EQ(RunConverge({"jobspec", "validate", file}).exit_code, 0);
  testutil::CommandResult result = RunConverge({"jobspec", "validate", "--v1", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, file + ": version: must be 1 in jobspec V1\n");
}
TEST(JobspecCli, ValidateReportsMissingFileAndContinues) {
  testutil::TempDir dir;
  const std::string good = dir.Write(
      "good.yaml",
      "version: 1\nresources: [{type: slot, count: 1, label: t, with: [{type: core, count: "
      "1}]}]\ntasks: [{command: [a], slot: t, count: {per_slot: 1}}]\nattributes: {system: "
      "{duration: 0}}\n");
  const std::string missing = dir.path() + "/missing.yaml";
  testutil::CommandResult result = RunConverge({"jobspec", "validate", missing, good});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, missing + ": file: cannot be read\n");
}
TEST(JobspecCli, ValidateSurvivesHostileInput) {
  testutil::TempDir dir;
  const std::string deep = dir.Write("deep.yaml", std::string(100000, '['));
  testutil::CommandResult result = RunConverge({"jobspec", "validate", deep});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, deep + ": document: nesting deeper than 64\n");
}
TEST(JobspecCli, ValidateWithoutFilesIsAUsageError) {
  testutil::CommandResult result = RunConverge({"jobspec", "validate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("at least one FILE"), std::string::npos);
}
TEST(JobspecCli, CreatePrintsV1YamlThatValidates) {
  testutil::CommandResult result =
      RunConverge({"jobspec", "create", "-N", "2", "-n", "8", "-c", "2", "-g", "1", "-x", "-t",
                   "1h", "-q", "batch", "--", "app", "-n", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  Result<jobspec::Jobspec> spec = jobspec::Parse(result.out, jobspec::ParseOptions{.v1 = true});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString() << "\n" << result.out;
  EXPECT_EQ(spec->resources[0].type, "node");
  EXPECT_EQ(spec->resources[0].exclusive, true);
  EXPECT_EQ(spec->resources[0].with[0].count.min, 4);
  EXPECT_EQ(spec->tasks[0].command, (std::vector<std::string>{"app", "-n", "3"}));
  EXPECT_EQ(spec->system.duration, 3600);
  EXPECT_EQ(spec->system.queue, "batch");
}
TEST(JobspecCli, CreateJsonParses) {
  testutil::CommandResult result =
      RunConverge({"jobspec", "create", "--json", "-n", "2", "--", "hostname"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.front(), '{');
  EXPECT_TRUE(jobspec::Parse(result.out, jobspec::ParseOptions{.v1 = true}).ok());
}
TEST(JobspecCli, CreateBadFlagsExitTwoWithMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"-n", "0", "--", "a"}, "converge jobspec create: -n: must be >= 1\n"},
      {{"-n", "abc", "--", "a"}, "converge jobspec create: -n: 'abc' is not an integer\n"},
      {{"-N", "3", "-n", "2", "--", "a"},
       "converge jobspec create: -N: more nodes (3) than tasks (2)\n"},
      {{"-t", "soon", "--", "a"},
       "converge jobspec create: -t: duration 'soon' is not a number with an optional "
       "ms/s/m/h/d suffix\n"},
      {{"--bogus", "--", "a"},
       "converge jobspec create: --bogus: unknown argument (put the command after --)\n"},
      {{"-n", "2"}, "converge jobspec create: command: must not be empty\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"jobspec", "create"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    testutil::CommandResult result = RunConverge(args);
    EXPECT_EQ(result.exit_code, 2) << c.err;
    EXPECT_EQ(result.err, c.err);
    EXPECT_EQ(result.out, "");
  }
}

}  // namespace
}  // namespace converge
