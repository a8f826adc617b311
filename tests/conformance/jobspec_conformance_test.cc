// Runs every file of flux-core's t/jobspec vectors through Parse() in both modes:
// valid/ and valid_v1/ are accepted as RFC 14; valid_v1/ also as V1; invalid/ is rejected in
// both modes and invalid_v1/ as V1, each with an error naming a field path and a rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jobspec/parse.h"
#include "jobspec/write.h"

namespace converge::jobspec {
namespace {

const char kRoot[] = "../shared/conformance/flux-jobspec";

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(kRoot) + "/" + dir, error)) {
    if (entry.path().extension() == ".yaml")
      files.push_back(dir + "/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Read(const std::string& relative) {
  std::ifstream in(std::string(kRoot) + "/" + relative);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Name(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

TEST(JobspecConformance, VectorsArePresent) {
  EXPECT_EQ(Files("valid").size(), 26u);
  EXPECT_EQ(Files("valid_v1").size(), 7u);
  EXPECT_EQ(Files("invalid").size(), 55u);
  EXPECT_EQ(Files("invalid_v1").size(), 13u);
}

class AcceptedAsRfc14 : public testing::TestWithParam<std::string> {};
TEST_P(AcceptedAsRfc14, ParsesAndRoundTrips) {
  Result<Jobspec> spec = Parse(Read(GetParam()), ParseOptions{});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<Jobspec> again = Parse(ToYaml(*spec), ParseOptions{});
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << ToYaml(*spec);
  EXPECT_EQ(*again, *spec);
}
std::vector<std::string> ValidFiles() {
  std::vector<std::string> files = Files("valid");
  std::vector<std::string> v1 = Files("valid_v1");
  files.insert(files.end(), v1.begin(), v1.end());
  return files;
}
INSTANTIATE_TEST_SUITE_P(Valid, AcceptedAsRfc14, testing::ValuesIn(ValidFiles()), Name);

class AcceptedAsV1 : public testing::TestWithParam<std::string> {};
TEST_P(AcceptedAsV1, Parses) {
  ParseOptions options;
  options.v1 = true;
  Result<Jobspec> spec = Parse(Read(GetParam()), options);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<Jobspec> again = Parse(ToYaml(*spec), options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *spec);
}
INSTANTIATE_TEST_SUITE_P(ValidV1, AcceptedAsV1, testing::ValuesIn(Files("valid_v1")), Name);

// A sensible where(): a field path made of known keys and indices, or a YAML position.
void ExpectSensibleError(const Status& status) {
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_FALSE(status.where().empty());
  EXPECT_FALSE(status.message().empty());
  const std::string& where = status.where();
  const bool path = where.rfind("version", 0) == 0 || where.rfind("resources", 0) == 0 ||
                    where.rfind("tasks", 0) == 0 || where.rfind("attributes", 0) == 0 ||
                    where.rfind("line ", 0) == 0 || where == "document";
  EXPECT_TRUE(path) << where;
}

class RejectedInBothModes : public testing::TestWithParam<std::string> {};
TEST_P(RejectedInBothModes, WithFieldPathAndRule) {
  for (bool v1 : {false, true}) {
    ParseOptions options;
    options.v1 = v1;
    Result<Jobspec> spec = Parse(Read(GetParam()), options);
    ASSERT_FALSE(spec.ok()) << "v1=" << v1;
    ExpectSensibleError(spec.status());
  }
}
INSTANTIATE_TEST_SUITE_P(Invalid, RejectedInBothModes, testing::ValuesIn(Files("invalid")), Name);

class RejectedAsV1 : public testing::TestWithParam<std::string> {};
TEST_P(RejectedAsV1, WithFieldPathAndRule) {
  ParseOptions options;
  options.v1 = true;
  Result<Jobspec> spec = Parse(Read(GetParam()), options);
  ASSERT_FALSE(spec.ok());
  ExpectSensibleError(spec.status());
}
INSTANTIATE_TEST_SUITE_P(InvalidV1, RejectedAsV1, testing::ValuesIn(Files("invalid_v1")), Name);

// Exact errors for a sample of the invalid vectors: the path names the field, the message
// the rule.
struct Expected {
  const char* file;
  const char* where;
  const char* message;
};

class ExactError : public testing::TestWithParam<Expected> {};
TEST_P(ExactError, Matches) {
  ParseOptions options;
  options.v1 = std::string(GetParam().file).find("_v1/") != std::string::npos;
  Result<Jobspec> spec = Parse(Read(GetParam().file), options);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().where(), GetParam().where);
  EXPECT_EQ(spec.status().message(), GetParam().message);
}
INSTANTIATE_TEST_SUITE_P(
    Sample, ExactError,
    testing::Values(
        Expected{"invalid/resource_count_is_zero.yaml", "resources[0].count", "must be >= 1"},
        Expected{"invalid/resource_count_negative.yaml", "resources[0].with[0].count",
                 "must be >= 1"},
        Expected{"invalid/resource_count_min_not_int.yaml", "resources[0].count.min",
                 "must be an integer"},
        Expected{"invalid/resource_count_max_lessthan_min.yaml", "resources[0].count.max",
                 "must be >= min"},
        Expected{"invalid/resource_count_missing_operand.yaml", "resources[0].count.operand",
                 "is required with max, operator or operand"},
        Expected{"invalid/resource_count_bad_mult_operand.yaml", "resources[0].count.operand",
                 "must be >= 2 with operator '*'"},
        Expected{"invalid/resource_count_bad_exp_min.yaml", "resources[0].count.min",
                 "must be >= 2 with operator '^'"},
        Expected{"invalid/resource_slot_not_labelled.yaml", "resources[0].label",
                 "is required for a slot"},
        Expected{"invalid/resource_exclusive_invalid.yaml", "resources[0].with[0].exclusive",
                 "must be a boolean (true or false)"},
        Expected{"invalid/task_count_total_and_per_slot.yaml", "tasks[0].count",
                 "must have exactly one of per_slot, total, per_resource"},
        Expected{"invalid/task_count_per_slot_zero.yaml", "tasks[0].count.per_slot",
                 "must be >= 1"},
        Expected{"invalid/missing_version.yaml", "version", "is required"},
        Expected{"invalid/version_bad_number.yaml", "version", "must be an integer"},
        Expected{"invalid/attributes_null.yaml", "attributes", "must be a mapping"},
        Expected{"invalid/dependency_invalid.yaml", "attributes.system.dependencies[0].value",
                 "must be a string"},
        Expected{"invalid_v1/duration_missing.yaml", "attributes.system.duration", "is required"},
        Expected{"invalid_v1/version_wrong.yaml", "version", "must be 1 in jobspec V1"},
        Expected{"invalid_v1/slot_node.yaml", "resources[0].with[0].type",
                 "must be core or gpu in jobspec V1 (got 'node')"},
        Expected{"invalid_v1/task_count_per_resource.yaml", "tasks[0].count.per_resource",
                 "is not allowed in jobspec V1"}),
    [](const testing::TestParamInfo<Expected>& info) {
      std::string name = info.param.file;
      for (char& c : name) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace converge::jobspec
