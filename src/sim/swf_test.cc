#include "sim/swf.h"

#include <gtest/gtest.h>

namespace converge::sim {
namespace {

constexpr const char* kGoodLine =
    "    1        0 588530    937  306 142.00    -1   -1  35100    -1  1  97  -1 307  3 -1 -1 -1";

TEST(ParseSwf, ReadsAllEighteenFields) {
  Result<SwfTrace> trace = ParseSwf(
      "    7   10  20  30  4  5.5  6.25  8  90  100  1  12  13  14  15  16  17  18\n");
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  ASSERT_EQ(trace->records.size(), 1u);
  const SwfRecord& r = trace->records[0];
  EXPECT_EQ(r.job_number, 7);
  EXPECT_EQ(r.submit_time, 10);
  EXPECT_EQ(r.wait_time, 20);
  EXPECT_EQ(r.run_time, 30);
  EXPECT_EQ(r.allocated_procs, 4);
  EXPECT_DOUBLE_EQ(r.avg_cpu_time, 5.5);
  EXPECT_DOUBLE_EQ(r.used_memory, 6.25);
  EXPECT_EQ(r.requested_procs, 8);
  EXPECT_EQ(r.requested_time, 90);
  EXPECT_EQ(r.requested_memory, 100);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.user_id, 12);
  EXPECT_EQ(r.group_id, 13);
  EXPECT_EQ(r.executable, 14);
  EXPECT_EQ(r.queue, 15);
  EXPECT_EQ(r.partition, 16);
  EXPECT_EQ(r.preceding_job, 17);
  EXPECT_EQ(r.think_time, 18);
  EXPECT_EQ(r.line, 1);
}

TEST(ParseSwf, ReadsHeaderMachineSizeAndKeepsHeaderLines) {
  Result<SwfTrace> trace = ParseSwf(
      "; Version: 2.2\n"
      "; Computer: IBM SP2\n"
      "; MaxNodes: 338 (batch partition; 512 total)\n"
      "; MaxProcs: 1152\n"
      ";  a free-form note without a key\n"
      "\n" +
      std::string(kGoodLine) + "\n");
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_EQ(trace->max_nodes, 338);
  EXPECT_EQ(trace->max_procs, 1152);
  ASSERT_EQ(trace->header.size(), 4u);
  EXPECT_EQ(trace->header[1].first, "Computer");
  EXPECT_EQ(trace->header[1].second, "IBM SP2");
  ASSERT_EQ(trace->records.size(), 1u);
  EXPECT_EQ(trace->records[0].line, 7);
  EXPECT_EQ(trace->records[0].allocated_procs, 306);
  EXPECT_EQ(trace->records[0].requested_procs, -1);
}

TEST(ParseSwf, NonPositiveMachineSizeIsAbsent) {
  Result<SwfTrace> trace = ParseSwf("; MaxProcs: -1\n; MaxNodes: 0\n");
  ASSERT_TRUE(trace.ok());
  EXPECT_FALSE(trace->max_procs.has_value());
  EXPECT_FALSE(trace->max_nodes.has_value());
}

TEST(ParseSwf, AcceptsTabsCrlfAndNoFinalNewline) {
  Result<SwfTrace> trace = ParseSwf(
      "; MaxProcs: 4\r\n1\t0\t0\t5\t1\t-1\t-1\t1\t10\t-1\t1\t1\t1\t1\t1\t1\t-1\t-1\r\n"
      "2 0 0 5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1");
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_EQ(trace->records.size(), 2u);
  EXPECT_EQ(trace->max_procs, 4);
}

TEST(ParseSwf, EmptyTextIsAnEmptyTrace) {
  Result<SwfTrace> trace = ParseSwf("");
  ASSERT_TRUE(trace.ok());
  EXPECT_TRUE(trace->records.empty());
}

struct BadCase {
  const char* text;
  const char* error;
};

class ParseSwfErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseSwfErrors, NamesLineAndField) {
  Result<SwfTrace> trace = ParseSwf(GetParam().text);
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(trace.status().ToString(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ParseSwfErrors,
    ::testing::Values(
        BadCase{"; c\n1 0 0 5 x -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n",
                "line 2: field 5 (allocated processors): not an integer"},
        BadCase{"1 0 0 5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1\n", "line 1: expected 18 fields, found 17"},
        BadCase{"1 0 0 5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1 19\n",
                "line 1: expected 18 fields, found 19"},
        BadCase{"1 0 0 5.5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n",
                "line 1: field 4 (run time): not an integer"},
        BadCase{"1 0 0 5 1 abc -1 1 10 -1 1 1 1 1 1 1 -1 -1\n",
                "line 1: field 6 (average CPU time): not a number"},
        BadCase{"1 0 0 5 1 nan -1 1 10 -1 1 1 1 1 1 1 -1 -1\n",
                "line 1: field 6 (average CPU time): not a number"},
        BadCase{"1 99999999999999999999 0 5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n",
                "line 1: field 2 (submit time): out of range"},
        BadCase{"\n\n1 0 0 5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 +1\n",
                "line 3: field 18 (think time): not an integer"},
        BadCase{"; MaxProcs: lots\n", "line 1: MaxProcs: not an integer"},
        BadCase{"; MaxNodes: 12abc\n", "line 1: MaxNodes: not an integer"}));

TEST(ParseSwf, GarbageNeverCrashes) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
  Result<SwfTrace> trace = ParseSwf(garbage);
  EXPECT_FALSE(trace.ok());
  EXPECT_FALSE(ParseSwf(std::string("\0\0\0", 3)).ok());
  EXPECT_TRUE(ParseSwf(";\n;;;;:\n; :\n").ok());
  EXPECT_FALSE(ParseSwf(";MaxProcs:\n").ok());
}

TEST(SwfFieldName, CoversEveryField) {
  EXPECT_STREQ(SwfFieldName(1), "job number");
  EXPECT_STREQ(SwfFieldName(9), "requested time");
  EXPECT_STREQ(SwfFieldName(18), "think time");
  EXPECT_STREQ(SwfFieldName(0), "unknown field");
  EXPECT_STREQ(SwfFieldName(19), "unknown field");
}

}  // namespace
}  // namespace converge::sim
