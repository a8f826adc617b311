#include "provenance/diff.h"

#include <gtest/gtest.h>

namespace converge::provenance {
namespace {

TEST(ProvenanceDiffTest, FlattensObjectsAndArraysToPaths) {
  nlohmann::json json = {{"a", {{"b", 1}, {"c", "x"}}}, {"list", {"p", "q"}},
                         {"empty", nlohmann::json::object()}, {"none", nullptr}};
  EXPECT_EQ(Flatten(json), (std::map<std::string, std::string>{{"a.b", "1"},
                                                               {"a.c", "x"},
                                                               {"empty", "{}"},
                                                               {"list[0]", "p"},
                                                               {"list[1]", "q"},
                                                               {"none", "null"}}));
}

TEST(ProvenanceDiffTest, ListsChangedAddedAndRemovedLeavesNotIgnoredOnes) {
  nlohmann::json before = {{"job", 1},
                           {"kernel", "6.1.0-18"},
                           {"environment", {{"variables", {{"A", "x"}, {"B", "y"}}}}}};
  nlohmann::json after = {{"job", 2},
                          {"kernel", "6.1.0-20"},
                          {"environment", {{"variables", {{"A", "x"}, {"C", "z"}}}}}};
  std::vector<Difference> differences = Diff(before, after, {"job"});
  EXPECT_EQ(differences, (std::vector<Difference>{
                             {"environment.variables.B", "y", std::nullopt},
                             {"environment.variables.C", std::nullopt, "z"},
                             {"kernel", "6.1.0-18", "6.1.0-20"}}));
  EXPECT_TRUE(Diff(before, before).empty());
  // "job" ignores job and job.x, not jobs.
  EXPECT_EQ(Diff({{"jobs", 1}}, {{"jobs", 2}}, {"job"}).size(), 1u);
}

}  // namespace
}  // namespace converge::provenance
