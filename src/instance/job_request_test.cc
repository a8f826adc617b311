#include "instance/job_request.h"

#include <gtest/gtest.h>

namespace converge::instance {
namespace {

constexpr const char* kSpec = R"({"version": 1,
  "resources": [{"type": "slot", "count": 1, "label": "task",
                 "with": [{"type": "core", "count": 1}]}],
  "tasks": [{"command": ["/bin/echo", "hi"], "slot": "task", "count": {"per_slot": 1}}],
  "attributes": {"system": {"duration": 60, "cwd": "/work", %s}}})";

std::string SpecWith(const std::string& system_extra) {
  char buffer[2048];
  std::snprintf(buffer, sizeof buffer, kSpec, system_extra.c_str());
  return buffer;
}

TEST(JobRequestTest, ReadsNamePriorityDependenciesAndOutputs) {
  auto facts = ReadJobRequest(
      SpecWith(R"("job": {"name": "hello"}, "priority": 20,
               "dependencies": [{"scheme": "afterok", "value": "3"}],
               "shell": {"options": {"output": {"stdout": {"path": "out-{{id}}.txt"}}}})"),
      "/state/output", 12);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(facts->name, "hello");
  EXPECT_EQ(facts->priority, 20);
  ASSERT_EQ(facts->dependencies.size(), 1u);
  EXPECT_EQ(facts->dependencies[0].ToString(), "afterok:3");
  EXPECT_EQ(facts->stdout_path, "/work/out-12.txt");
  EXPECT_EQ(facts->stderr_path, "/work/out-12.txt");  // stderr follows stdout, like Slurm
}

TEST(JobRequestTest, OutputTemplatesTakeTheJobsName) {
  auto facts = ReadJobRequest(
      SpecWith(R"("job": {"name": "a/b"},
               "shell": {"options": {"output": {"stdout": {"path": "{{name}}-{{id}}.out"},
                                                 "stderr": {"path": "/logs/{{name}}.err"}}}})"),
      "/state/output", 7);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(facts->stdout_path, "/work/a_b-7.out");
  EXPECT_EQ(facts->stderr_path, "/logs/a_b.err");
}

TEST(JobRequestTest, DefaultsNameAndOutputs) {
  auto facts = ReadJobRequest(SpecWith(R"("queue": "")"), "/state/output", 5);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(facts->name, "echo");
  EXPECT_EQ(facts->priority, 16);
  EXPECT_EQ(facts->stdout_path, "/state/output/0/5.out");
  EXPECT_EQ(facts->stderr_path, "/state/output/0/5.err");
}

TEST(JobRequestTest, RefusesDotDotInOutputPaths) {
  auto facts = ReadJobRequest(
      SpecWith(R"("shell": {"options": {"output": {"stderr": {"path": "../../etc/x"}}}})"),
      "/state/output", 5);
  EXPECT_EQ(facts.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(facts.status().where(), "attributes.system.shell.options.output.stderr.path");
}

TEST(JobRequestTest, RefusesBadDependenciesAndPriorities) {
  auto scheme = ReadJobRequest(
      SpecWith(R"("dependencies": [{"scheme": "before", "value": "3"}])"), "/o", 5);
  EXPECT_EQ(scheme.status().where(), "attributes.system.dependencies[0].scheme");
  auto value = ReadJobRequest(
      SpecWith(R"("dependencies": [{"scheme": "afterok", "value": "x3"}])"), "/o", 5);
  EXPECT_EQ(value.status().where(), "attributes.system.dependencies[0].value");
  auto priority = ReadJobRequest(SpecWith(R"("priority": 99)"), "/o", 5);
  EXPECT_EQ(priority.status().where(), "attributes.system.priority");
}

TEST(JobRequestTest, NamesTheFieldOfAMalformedJobspec) {
  auto facts = ReadJobRequest(R"({"version": 1, "resources": [{"type": "slot", "count": -1}]})",
                              "/o", 1);
  EXPECT_EQ(facts.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(facts.status().where().empty());
}

}  // namespace
}  // namespace converge::instance
