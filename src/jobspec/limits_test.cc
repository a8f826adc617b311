// Issue 9 items 5 and 12: every quantity a jobspec can multiply is bounded (jobspec/limits.h)
// and NUL bytes are refused, each with an error naming the field and the limit.
#include "jobspec/limits.h"

#include <gtest/gtest.h>

#include <string>

#include "jobspec/duration.h"
#include "jobspec/parse.h"
#include "jobspec/validate.h"

namespace converge::jobspec {
namespace {

// A JSON jobspec: `task_count` is the task's count object, `system` extra system members.
std::string Json(const std::string& task_count = R"({"per_slot": 1})",
                 const std::string& system = "", const std::string& command = R"(["app"])") {
  return R"({"version": 1, "resources": [{"type": "slot", "count": 1, "label": "task",
    "with": [{"type": "core", "count": 1}]}],
    "tasks": [{"command": )" +
         command + R"(, "slot": "task", "count": )" + task_count +
         R"(}], "attributes": {"system": {"duration": 60)" + system + "}}}";
}

Status ParseError(const std::string& text) {
  Result<Jobspec> spec = Parse(text, ParseOptions{});
  return spec.ok() ? Status::Ok() : spec.status();
}

void ExpectRefused(const std::string& text, const std::string& where,
                   const std::string& message) {
  Status status = ParseError(text);
  ASSERT_FALSE(status.ok()) << text;
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.where(), where) << status.ToString();
  EXPECT_EQ(status.message(), message) << status.ToString();
}

TEST(Limits, Issue9TaskCountsAboveTheLimitAreRefused) {
  ExpectRefused(Json(R"({"per_slot": 1000000000})"), "tasks[0].count.per_slot",
                "must be <= 100000 (the limit on tasks per job)");
  ExpectRefused(Json(R"({"total": 9000000000000000000})"), "tasks[0].count.total",
                "must be <= 100000 (the limit on tasks per job)");
  ExpectRefused(Json(R"({"per_resource": {"type": "core", "count": 100001}})"),
                "tasks[0].count.per_resource.count",
                "must be <= 100000 (the limit on tasks per job)");
  EXPECT_TRUE(ParseError(Json(R"({"total": 100000})")).ok());
  EXPECT_TRUE(ParseError(Json(R"({"per_slot": 100000})")).ok());
}

TEST(Limits, Issue9DurationsThatOverflowAreRefusedAtParse) {
  std::string text = Json();
  text.replace(text.find("\"duration\": 60"), 14, "\"duration\": 1e300");
  ExpectRefused(text, "attributes.system.duration", "must be <= 3153600000 seconds (100 years)");
  text = Json();
  text.replace(text.find("\"duration\": 60"), 14, "\"duration\": 1e17");
  ExpectRefused(text, "attributes.system.duration", "must be <= 3153600000 seconds (100 years)");
  text = Json();
  text.replace(text.find("\"duration\": 60"), 14,
               "\"duration\": " + std::to_string(static_cast<int64_t>(kMaxDurationSeconds)));
  EXPECT_TRUE(ParseError(text).ok()) << ParseError(text).ToString();
}

TEST(Limits, Issue9DurationStringsThatOverflowAreRefused) {
  Result<double> huge = ParseDuration("1000000000000000000000s");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().message(),
            "duration '1000000000000000000000s' is longer than 100 years");
  EXPECT_FALSE(ParseDuration("99999999999d").ok());
  EXPECT_TRUE(ParseDuration("36500d").ok());
}

TEST(Limits, Issue9ValidateChecksHandBuiltSpecsToo) {
  Result<Jobspec> spec = Parse(Json(), ParseOptions{});
  ASSERT_TRUE(spec.ok());
  Jobspec built = *spec;
  built.tasks[0].count.per_slot = kMaxTasksPerJob + 1;
  EXPECT_EQ(Validate(built, false).where(), "tasks[0].count.per_slot");
  built = *spec;
  built.system.duration = 1e300;
  EXPECT_EQ(Validate(built, false).where(), "attributes.system.duration");
}

TEST(Limits, Issue9CommandEnvironmentAndDependenciesAreBounded) {
  const std::string word(kMaxCommandBytes, 'x');
  ExpectRefused(Json(R"({"per_slot": 1})", "", "[\"app\", \"" + word + "\"]"), "tasks[0].command",
                "must be <= 262144 bytes in all (the limit on a command)");
  std::string environment = R"(, "environment": {)";
  for (int i = 0; i < 5; ++i) {
    environment += (i ? ", " : "") + std::string("\"V") + std::to_string(i) + "\": \"" +
                   std::string(60000, 'v') + "\"";
  }
  environment += "}";
  ExpectRefused(Json(R"({"per_slot": 1})", environment), "attributes.system.environment",
                "must be <= 262144 bytes in all (the limit on a job's environment)");
  std::string dependencies = R"(, "dependencies": [)";
  for (size_t i = 0; i <= kMaxDependencies; ++i) {
    dependencies += (i ? ", " : "") + std::string(R"({"scheme": "afterany", "value": "1"})");
  }
  dependencies += "]";
  ExpectRefused(Json(R"({"per_slot": 1})", dependencies), "attributes.system.dependencies",
                "must hold <= 1000 dependencies (the limit on dependencies per job)");
}

TEST(Limits, Issue9NulBytesAreRefusedInJson) {
  ExpectRefused(Json(R"({"per_slot": 1})", "", R"(["app", "a\u0000b"])"), "tasks[0].command[1]",
                "must not contain a NUL byte");
  ExpectRefused(Json(R"({"per_slot": 1})", R"(, "environment": {"A": "x\u0000y"})"),
                "attributes.system.environment.A", "must not contain a NUL byte");
  ExpectRefused(Json(R"({"per_slot": 1})", R"(, "environment": {"A\u0000B": "x"})"),
                "attributes.system.environment", "names must not contain a NUL byte");
  ExpectRefused(Json(R"({"per_slot": 1})", R"(, "cwd": "/tmp\u0000/x")"), "attributes.system.cwd",
                "must not contain a NUL byte");
  ExpectRefused(Json(R"({"per_slot": 1})", R"(, "queue": "q\u0000")"), "attributes.system.queue",
                "must not contain a NUL byte");
  ExpectRefused(Json(R"({"per_slot": 1})", R"(, "job": {"name": "n\u0000ame"})"),
                "attributes.system.job.name", "must not contain a NUL byte");
  ExpectRefused(
      Json(R"({"per_slot": 1})",
           R"(, "shell": {"options": {"output": {"stdout": {"path": "/tmp/o\u0000"}}}})"),
      "attributes.system.shell.options.output.stdout.path", "must not contain a NUL byte");
}

TEST(Limits, Issue9NulBytesAreRefusedInYaml) {
  const std::string yaml =
      "version: 1\n"
      "resources: [{type: slot, count: 1, label: task, with: [{type: core, count: 1}]}]\n"
      "tasks: [{command: [app, \"a\\0b\"], slot: task, count: {per_slot: 1}}]\n"
      "attributes: {system: {duration: 60}}\n";
  ExpectRefused(yaml, "tasks[0].command[1]", "must not contain a NUL byte");
}

TEST(Limits, Issue9NulBytesAreRefusedInHandBuiltSpecs) {
  Result<Jobspec> spec = Parse(Json(), ParseOptions{});
  ASSERT_TRUE(spec.ok());
  Jobspec built = *spec;
  built.tasks[0].command.push_back(std::string("x\0y", 3));
  EXPECT_EQ(Validate(built, false).where(), "tasks[0].command[1]");
  built = *spec;
  built.system.environment["A"] = std::string("\0", 1);
  EXPECT_EQ(Validate(built, false).where(), "attributes.system.environment.A");
}

}  // namespace
}  // namespace converge::jobspec
