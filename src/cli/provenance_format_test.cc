#include "cli/provenance_format.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

nlohmann::json Record(int64_t job, const std::string& kernel, const std::string& variable) {
  return {{"job", job},
          {"recorded", 1733350000.0 + static_cast<double>(job)},
          {"converge_version", "0.1.0"},
          {"command",
           {{"argv0", "app"}, {"path", "/opt/app"}, {"digest", "ab12"}, {"note", ""}}},
          {"cwd", "/tmp"},
          {"environment", {{"digest", "ee" + variable}, {"variables", {{variable, "0123"}}}}},
          {"pmi", {"simple"}},
          {"container", nullptr},
          {"blessed", nullptr},
          {"nodes",
           {{{"name", "n01"},
             {"facts", "ff" + kernel},
             {"hostname", "n01"},
             {"kernel_release", kernel},
             {"modules", {{"mlx5_ib", ""}}},
             {"libraries", {{"libmpi.so.40", "/usr/lib/libmpi.so.40.30.4"}}}}}}};
}

TEST(ProvenanceFormatTest, ShowsTheRunThenEachNode) {
  const std::string text = FormatProvenance(Record(7, "6.1.0-18", "A"));
  EXPECT_NE(text.find("/opt/app sha256:ab12"), std::string::npos) << text;
  EXPECT_NE(text.find("1 variables, sha256:eeA"), std::string::npos) << text;
  EXPECT_NE(text.find("not configured for the queue"), std::string::npos) << text;
  EXPECT_NE(text.find("node n01"), std::string::npos) << text;
  EXPECT_NE(text.find("6.1.0-18"), std::string::npos) << text;
  EXPECT_NE(text.find("libmpi.so.40 -> /usr/lib/libmpi.so.40.30.4"), std::string::npos) << text;
  EXPECT_NE(text.find("mlx5_ib"), std::string::npos) << text;
}

TEST(ProvenanceFormatTest, DiffNamesTheFieldsNotTheJobsIdentity) {
  const nlohmann::json a = Record(3, "6.1.0-18", "A");
  const nlohmann::json b = Record(5, "6.1.0-20", "B");
  const std::vector<provenance::Difference> differences = ProvenanceDifferences(a, b);
  std::vector<std::string> paths;
  for (const auto& difference : differences) paths.push_back(difference.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"environment.digest", "environment.variables.A",
                                             "environment.variables.B",
                                             "nodes[0].facts", "nodes[0].kernel_release"}));
  const std::string text = FormatDifferences(3, 5, differences);
  EXPECT_NE(text.find("differ in 5 fields"), std::string::npos) << text;
  EXPECT_NE(text.find("6.1.0-18"), std::string::npos) << text;
  EXPECT_EQ(text.find("0123"), std::string::npos) << "variable digests are not shown: " << text;
  EXPECT_NE(text.find("unset"), std::string::npos) << text;
  EXPECT_EQ(FormatDifferences(3, 3, ProvenanceDifferences(a, Record(4, "6.1.0-18", "A"))),
            "The runs of jobs 3 and 3 saw the same provenance.\n");
}

}  // namespace
}  // namespace converge::cli
