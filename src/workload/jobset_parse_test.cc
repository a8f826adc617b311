// JobSet rules through ParseDocuments, each with its exact message.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "workload/document.h"
#include "workload/test_util.h"

namespace converge::workload {
namespace {

using testing::JobSet;
using testing::kCommand;
using testing::ParseError;
using testing::Task;
using testing::Template;

const std::string kPrefix = "w.yaml: document 1 (JobSet train): ";

// A valid replicatedJob body with `fields` (indented 6) before its template.
std::string Job(const std::string& fields = "") { return fields + Template(Task(kCommand)); }

// A second replicatedJob named `name` with `fields` (indented 6).
std::string Second(const std::string& name, const std::string& fields = "") {
  return "    - name: " + name + "\n" + fields + Template(Task(kCommand));
}

JobSetSpec Parse(const std::string& text) {
  Result<std::vector<Document>> documents = ParseDocuments(text, "w.yaml");
  EXPECT_TRUE(documents.ok()) << documents.status().ToString() << "\n" << text;
  if (!documents.ok()) return {};
  return std::get<JobSetSpec>((*documents)[0].spec);
}

TEST(JobSetParse, Defaults) {
  const JobSetSpec spec = Parse(JobSet(Job()));
  EXPECT_EQ(spec.success_operator, JobSetSpec::Operator::kAll);
  EXPECT_EQ(spec.max_restarts, 0);
  EXPECT_EQ(spec.restart_strategy, JobSetSpec::RestartStrategy::kRecreate);
  EXPECT_FALSE(spec.in_order);
  EXPECT_TRUE(spec.needs_services.empty());
  ASSERT_EQ(spec.replicated_jobs.size(), 1u);
  const ReplicatedJob& job = spec.replicated_jobs[0];
  EXPECT_EQ(job.replicas, 1);
  EXPECT_EQ(job.parallelism, 1);
  EXPECT_EQ(job.completions, 1);
  EXPECT_EQ(job.backoff_limit, 0);
  EXPECT_EQ(job.exclusive_topology, "");
  EXPECT_EQ(job.task.command, std::vector<std::string>{"run"});
  EXPECT_EQ(job.task.cores, 1);
  EXPECT_EQ(job.task.gpus, 0);
  EXPECT_TRUE(job.task.env.empty());
  EXPECT_EQ(job.task.cwd, "");
  EXPECT_EQ(job.task.duration, "");
}

TEST(JobSetParse, PolicyValues) {
  const JobSetSpec spec =
      Parse(JobSet(Job() + Second("b", "      dependsOn: [{name: workers}]\n"),
                   "  successPolicy: {operator: Any, targetReplicatedJobs: [b]}\n"
                   "  failurePolicy: {maxRestarts: 3, restartStrategy: RestartJob}\n"
                   "  startupPolicy: {startupPolicyOrder: AnyOrder}\n"));
  EXPECT_EQ(spec.success_operator, JobSetSpec::Operator::kAny);
  EXPECT_EQ(spec.success_targets, std::vector<std::string>{"b"});
  EXPECT_EQ(spec.max_restarts, 3);
  EXPECT_EQ(spec.restart_strategy, JobSetSpec::RestartStrategy::kRestartJob);
  EXPECT_FALSE(spec.in_order);
  ASSERT_EQ(spec.replicated_jobs.size(), 2u);
  ASSERT_EQ(spec.replicated_jobs[1].depends_on.size(), 1u);
  EXPECT_EQ(spec.replicated_jobs[1].depends_on[0].status, DependsOn::Status::kComplete);
}

TEST(JobSetParse, ReplicatedJobsRequiredAndNonEmpty) {
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: JobSet\nmetadata: {name: train}\n"
                       "spec: {}\n"),
            kPrefix + "spec.replicatedJobs: is required");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: JobSet\nmetadata: {name: train}\n"
                       "spec: {replicatedJobs: []}\n"),
            kPrefix + "spec.replicatedJobs: must not be empty");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: JobSet\nmetadata: {name: train}\n"
                       "spec: {replicatedJobs: {a: 1}}\n"),
            kPrefix + "spec.replicatedJobs: must be a list");
}

TEST(JobSetParse, ReplicatedJobNames) {
  EXPECT_EQ(ParseError(JobSet(Job() + Second("workers"))),
            kPrefix +
                "spec.replicatedJobs[1].name: duplicate name \"workers\" (also "
                "spec.replicatedJobs[0])");
  EXPECT_EQ(ParseError(JobSet(Job() + Second("Big"))),
            kPrefix +
                "spec.replicatedJobs[1].name: must be a DNS label (lowercase letters, "
                "digits and '-', starting and ending with a letter or digit)");
  EXPECT_EQ(ParseError(JobSet(Job() + "    - replicas: 1\n" + Template(Task(kCommand)))),
            kPrefix + "spec.replicatedJobs[1].name: is required");
}

TEST(JobSetParse, Replicas) {
  EXPECT_EQ(ParseError(JobSet(Job("      replicas: 0\n"))),
            kPrefix + "spec.replicatedJobs[0].replicas: must be >= 1");
  EXPECT_EQ(ParseError(JobSet(Job("      replicas: 1001\n"))),
            kPrefix + "spec.replicatedJobs[0].replicas: must be <= 1000");
  EXPECT_EQ(ParseError(JobSet(Job("      replicas: two\n"))),
            kPrefix + "spec.replicatedJobs[0].replicas: must be an integer");
  EXPECT_EQ(ParseError(JobSet(Job("      replicas: 1.5\n"))),
            kPrefix + "spec.replicatedJobs[0].replicas: must be an integer");
  EXPECT_EQ(ParseError(JobSet(Job("      replicas: \"2\"\n"))),
            kPrefix + "spec.replicatedJobs[0].replicas: must be an integer");
  EXPECT_EQ(ParseError(JobSet(Job("      replicas: 99999999999999999999\n"))),
            kPrefix + "spec.replicatedJobs[0].replicas: is out of range");
  EXPECT_EQ(Parse(JobSet(Job("      replicas: 1000\n"))).replicated_jobs[0].replicas, 1000);
}

TEST(JobSetParse, ParallelismAndCompletions) {
  auto with = [](const std::string& fields) { return JobSet(Template(fields + Task(kCommand))); };
  const std::string path = "spec.replicatedJobs[0].template.";
  EXPECT_EQ(ParseError(with("        parallelism: 0\n")),
            kPrefix + path + "parallelism: must be >= 1");
  EXPECT_EQ(ParseError(with("        parallelism: 10001\n")),
            kPrefix + path + "parallelism: must be <= 10000");
  EXPECT_EQ(ParseError(with("        parallelism: 2\n        completions: 3\n")),
            kPrefix + path +
                "completions: must equal parallelism: converge starts all tasks of a child job "
                "together");
  EXPECT_EQ(ParseError(with("        completions: 2\n")),
            kPrefix + path +
                "completions: must equal parallelism: converge starts all tasks of a child job "
                "together");
  EXPECT_EQ(ParseError(with("        backoffLimit: -1\n")),
            kPrefix + path + "backoffLimit: must be >= 0");
  const JobSetSpec spec = Parse(with("        parallelism: 4\n        backoffLimit: 2\n"));
  EXPECT_EQ(spec.replicated_jobs[0].parallelism, 4);
  EXPECT_EQ(spec.replicated_jobs[0].completions, 4);
  EXPECT_EQ(spec.replicated_jobs[0].backoff_limit, 2);
}

TEST(JobSetParse, TemplateAndTaskRequired) {
  EXPECT_EQ(ParseError(JobSet("      replicas: 1\n")),
            kPrefix + "spec.replicatedJobs[0].template: is required");
  EXPECT_EQ(ParseError(JobSet(Template("        parallelism: 1\n"))),
            kPrefix + "spec.replicatedJobs[0].template.task: is required");
  EXPECT_EQ(ParseError(JobSet(Template(Task("          env: {}\n")))),
            kPrefix + "spec.replicatedJobs[0].template.task.command: is required");
}

TEST(JobSetParse, TaskFields) {
  const std::string path = "spec.replicatedJobs[0].template.task.";
  auto task = [](const std::string& fields) {
    return JobSet(Template(Task(std::string(kCommand) + fields)));
  };
  EXPECT_EQ(ParseError(task("          resources: {cores: 0}\n")),
            kPrefix + path + "resources.cores: must be >= 1");
  EXPECT_EQ(ParseError(task("          resources: {gpus: -1}\n")),
            kPrefix + path + "resources.gpus: must be >= 0");
  EXPECT_EQ(ParseError(task("          resources: {memory: 1G}\n")),
            kPrefix + path + "resources.memory: unknown field");
  EXPECT_EQ(ParseError(task("          env: {A: [x]}\n")),
            kPrefix + path + "env.A: must be a string or a number");
  EXPECT_EQ(ParseError(task("          env: {A: true}\n")),
            kPrefix + path + "env.A: must be a string or a number");
  EXPECT_EQ(ParseError(task("          env: {\"A=B\": x}\n")),
            kPrefix + path + "env.A=B: must be an environment variable name (not empty, no '=')");
  EXPECT_EQ(ParseError(task("          env: [A]\n")), kPrefix + path + "env: must be a mapping");
  EXPECT_EQ(ParseError(task("          workingDir: [a]\n")),
            kPrefix + path + "workingDir: must be a string");
  EXPECT_EQ(ParseError(task("          duration: soon\n")),
            kPrefix + path + "duration: must be a duration such as 90, 30s, 10m, 2h or 1d");
  EXPECT_EQ(ParseError(task("          duration: -5\n")),
            kPrefix + path + "duration: must be a duration such as 90, 30s, 10m, 2h or 1d");
  const JobSetSpec spec =
      Parse(task("          env: {N: 3, F: 1.5, S: x}\n          duration: 90\n"
                 "          resources: {cores: 4, gpus: 2}\n"));
  const TaskTemplate& parsed = spec.replicated_jobs[0].task;
  EXPECT_EQ(parsed.env, (std::map<std::string, std::string>{{"F", "1.5"}, {"N", "3"}, {"S", "x"}}));
  EXPECT_EQ(parsed.duration, "90");
  EXPECT_EQ(parsed.cores, 4);
  EXPECT_EQ(parsed.gpus, 2);
}

TEST(JobSetParse, Command) {
  const std::string path = "spec.replicatedJobs[0].template.task.command";
  auto command = [](const std::string& value) {
    return JobSet(Template(Task("          command: " + value + "\n")));
  };
  EXPECT_EQ(ParseError(command("[]")), kPrefix + path + ": must not be empty");
  EXPECT_EQ(ParseError(command("\"\"")), kPrefix + path + ": must not be empty");
  EXPECT_EQ(ParseError(command("[a, [b]]")),
            kPrefix + path + ": must be a string or a list of strings");
  EXPECT_EQ(ParseError(command("{a: b}")),
            kPrefix + path + ": must be a string or a list of strings");
  EXPECT_EQ(ParseError(command("7")), kPrefix + path + ": must be a string or a list of strings");
  EXPECT_EQ(Parse(command("echo hi")).replicated_jobs[0].task.command,
            (std::vector<std::string>{"sh", "-c", "echo hi"}));
}

TEST(JobSetParse, ExclusiveTopology) {
  const std::string rule =
      "spec.replicatedJobs[0].exclusiveTopology: must be a non-empty identifier such as rack "
      "(letters, digits, '_' and '-', starting with a letter or '_')";
  EXPECT_EQ(ParseError(JobSet(Job("      exclusiveTopology: \"\"\n"))), kPrefix + rule);
  EXPECT_EQ(ParseError(JobSet(Job("      exclusiveTopology: \"rack 1\"\n"))), kPrefix + rule);
  EXPECT_EQ(ParseError(JobSet(Job("      exclusiveTopology: 1rack\n"))), kPrefix + rule);
  EXPECT_EQ(ParseError(JobSet(Job("      exclusiveTopology: 3\n"))),
            kPrefix + "spec.replicatedJobs[0].exclusiveTopology: must be a string");
  EXPECT_EQ(Parse(JobSet(Job("      exclusiveTopology: numa_node\n")))
                .replicated_jobs[0]
                .exclusive_topology,
            "numa_node");
}

TEST(JobSetParse, DependsOn) {
  EXPECT_EQ(ParseError(JobSet(Job("      dependsOn: [{name: ghost}]\n"))),
            kPrefix +
                "spec.replicatedJobs[0].dependsOn[0].name: no replicatedJob named "
                "\"ghost\"");
  EXPECT_EQ(ParseError(JobSet(Job("      dependsOn: [{name: workers}]\n"))),
            kPrefix + "spec.replicatedJobs[0].dependsOn[0].name: must not name the job itself");
  EXPECT_EQ(ParseError(JobSet(Job("      dependsOn: [{status: Ready}]\n"))),
            kPrefix + "spec.replicatedJobs[0].dependsOn[0].name: is required");
  EXPECT_EQ(ParseError(JobSet(Job() + Second("b",
                                             "      dependsOn: [{name: workers, "
                                             "status: ready}]\n"))),
            kPrefix + "spec.replicatedJobs[1].dependsOn[0].status: must be Ready or Complete");
  EXPECT_EQ(ParseError(JobSet(Job("      dependsOn: [driver]\n"))),
            kPrefix + "spec.replicatedJobs[0].dependsOn[0]: must be a mapping");
  EXPECT_EQ(ParseError(JobSet(Job("      dependsOn: [{name: a, when: Ready}]\n"))),
            kPrefix + "spec.replicatedJobs[0].dependsOn[0].when: unknown field");
}

TEST(JobSetParse, DependsOnCycle) {
  // driver -> workers -> driver, reported where the loop closes.
  EXPECT_EQ(ParseError(JobSet("      dependsOn: [{name: driver}]\n" + Template(Task(kCommand)) +
                              Second("driver", "      dependsOn: [{name: workers}]\n"))),
            kPrefix + "spec.replicatedJobs[1].dependsOn: cycle driver -> workers -> driver");
  EXPECT_EQ(ParseError(JobSet("      dependsOn: [{name: a}]\n" + Template(Task(kCommand)) +
                              Second("a", "      dependsOn: [{name: b}]\n") +
                              Second("b", "      dependsOn: [{name: a}]\n"))),
            kPrefix + "spec.replicatedJobs[2].dependsOn: cycle b -> a -> b");
  // The brief's example order: the driver is listed first and depends on the workers.
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: JobSet\nmetadata: {name: train}\nspec:\n"
                       "  replicatedJobs:\n    - name: driver\n"
                       "      dependsOn: [{name: workers}]\n" +
                       Template(Task(kCommand)) +
                       Second("workers", "      dependsOn: [{name: driver}]\n")),
            kPrefix + "spec.replicatedJobs[1].dependsOn: cycle workers -> driver -> workers");
}

TEST(JobSetParse, SuccessPolicy) {
  EXPECT_EQ(ParseError(JobSet(Job(), "  successPolicy: {operator: all}\n")),
            kPrefix + "spec.successPolicy.operator: must be All or Any");
  EXPECT_EQ(ParseError(JobSet(Job(), "  successPolicy: {targetReplicatedJobs: [workers, x]}\n")),
            kPrefix + "spec.successPolicy.targetReplicatedJobs[1]: no replicatedJob named \"x\"");
  EXPECT_EQ(ParseError(JobSet(Job(), "  successPolicy: {targetReplicatedJobs: workers}\n")),
            kPrefix + "spec.successPolicy.targetReplicatedJobs: must be a list of strings");
  EXPECT_EQ(ParseError(JobSet(Job(), "  successPolicy: {operator: All, minimum: 1}\n")),
            kPrefix + "spec.successPolicy.minimum: unknown field");
}

TEST(JobSetParse, FailureAndStartupPolicy) {
  EXPECT_EQ(ParseError(JobSet(Job(), "  failurePolicy: {maxRestarts: -1}\n")),
            kPrefix + "spec.failurePolicy.maxRestarts: must be >= 0");
  EXPECT_EQ(ParseError(JobSet(Job(), "  failurePolicy: {restartStrategy: Restart}\n")),
            kPrefix + "spec.failurePolicy.restartStrategy: must be Recreate or RestartJob");
  EXPECT_EQ(ParseError(JobSet(Job(), "  startupPolicy: {startupPolicyOrder: inorder}\n")),
            kPrefix + "spec.startupPolicy.startupPolicyOrder: must be AnyOrder or InOrder");
  EXPECT_EQ(ParseError(JobSet(Job(), "  startupPolicy: InOrder\n")),
            kPrefix + "spec.startupPolicy: must be a mapping");
}

TEST(JobSetParse, NeedsServices) {
  EXPECT_EQ(ParseError(JobSet(Job(), "  needsServices: ml\n")),
            kPrefix + "spec.needsServices: must be a list of strings");
  EXPECT_EQ(ParseError(JobSet(Job(), "  needsServices: [ml, ML]\n")),
            kPrefix +
                "spec.needsServices[1]: must be a DNS label (lowercase letters, digits and "
                "'-', starting and ending with a letter or digit)");
}

TEST(JobSetParse, UnknownFieldsAnywhere) {
  EXPECT_EQ(ParseError(JobSet("      tempalte: {}\n")),
            kPrefix + "spec.replicatedJobs[0].tempalte: unknown field");
  EXPECT_EQ(ParseError(JobSet(Template("        paralelism: 2\n" + Task(kCommand)))),
            kPrefix + "spec.replicatedJobs[0].template.paralelism: unknown field");
  EXPECT_EQ(ParseError(JobSet(Template(Task(std::string(kCommand) + "          image: x\n")))),
            kPrefix + "spec.replicatedJobs[0].template.task.image: unknown field");
  EXPECT_EQ(ParseError(JobSet(Job(), "  suspend: true\n")),
            kPrefix + "spec.suspend: unknown field");
}

}  // namespace
}  // namespace converge::workload

namespace converge::workload {
namespace {

// Issue 9: a JobSet's child jobs are bounded in all, not only per replicated job.
TEST(JobSetParse, Issue9ReplicasAddUpToAtMostTheChildJobLimit) {
  std::string jobs = testing::Template(testing::Task(testing::kCommand));
  jobs = "      replicas: 1000\n" + jobs;
  for (int i = 1; i <= 10; ++i) {
    jobs += "    - name: w" + std::to_string(i) + "\n      replicas: 1000\n" +
            testing::Template(testing::Task(testing::kCommand));
  }
  EXPECT_EQ(testing::ParseError(testing::JobSet(jobs)),
            "w.yaml: document 1 (JobSet train): spec.replicatedJobs: replicas add up to 11000 "
            "child jobs; at most 10000 (the limit on child jobs per JobSet)");
}

// Issue 9 item 12: NUL bytes anywhere in a workload document are refused with the path.
TEST(JobSetParse, Issue9NulBytesAreRefused) {
  EXPECT_EQ(testing::ParseError(testing::JobSet(testing::Template(
                testing::Task("          command: [run, \"a\\0b\"]\n")))),
            "w.yaml: document 1 (JobSet train): "
            "spec.replicatedJobs[0].template.task.command[1]: must not contain a NUL byte");
  Result<Document> json_document = ParseDocumentJson(
      R"({"apiVersion": "converge/v1", "kind": "Service", "metadata": {"name": "m\u0000"},
          "spec": {"command": ["x"]}})",
      "w.json");
  ASSERT_FALSE(json_document.ok());
  EXPECT_NE(json_document.status().message().find("metadata.name: must not contain a NUL byte"),
            std::string::npos)
      << json_document.status().message();
}

}  // namespace
}  // namespace converge::workload
