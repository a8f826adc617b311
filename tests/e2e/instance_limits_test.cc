// Issue 9 items 5 and 12 against the real binary: requests that multiply into unbounded work
// (a billion tasks, a huge total, a billion --cc copies, a duration that overflows the
// deadline, a thousand and one jobspecs in one body) and NUL bytes are refused at submit with
// a 4xx naming the field and the limit, and the instance stays up with bounded memory; a
// stored job it cannot take up again (planted in state.db as an older version would have
// accepted it) is failed with the reason at restart while the other jobs carry on.
#include <fstream>

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/e2e/instance_test_support.h"

namespace converge::testutil {
namespace {

// A one-core slot with `task_count`; `count` the slot count; `system` extra system members.
std::string Spec(const std::string& task_count, const std::string& count = "1",
                 const std::string& system = "", const std::string& command = R"(["true"])") {
  return R"({"version": 1, "resources": [{"type": "slot", "count": )" + count +
         R"(, "label": "task", "with": [{"type": "core", "count": 1}]}],
    "tasks": [{"command": )" +
         command + R"(, "slot": "task", "count": )" + task_count +
         R"(}], "attributes": {"system": {"duration": 60)" + system + "}}}";
}

// The instance's peak resident memory in KiB (VmHWM), or -1.
int64_t PeakMemoryKiB(const InstanceLauncher& instance) {
  ApiAnswer health = CallApi(instance, "GET", "/v1/health");
  if (health.status != 200) return -1;
  std::ifstream status("/proc/" + std::to_string(health.body["pid"].get<int64_t>()) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

class InstanceLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(instance_.Start()) << instance_.log(); }
  void TearDown() override { instance_.PrintLogIfFailed(); }

  void ExpectRefused(const std::string& body, const std::string& field,
                     const std::string& words, const std::string& content_type = "application/json") {
    ApiAnswer answer = CallApi(instance_, "POST", "/v1/jobs", body, content_type);
    EXPECT_EQ(answer.status, 400) << answer.text;
    EXPECT_EQ(answer.body.value("field", ""), field) << answer.text;
    EXPECT_NE(answer.body.value("error", "").find(words), std::string::npos) << answer.text;
  }

  TempDir files_;
  std::string cluster_ = files_.Write("cluster.yaml", R"(cluster: {name: limits}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 2}
)");
  InstanceLauncher instance_{{.resources = cluster_}};
};

TEST_F(InstanceLimitsTest, Issue9HugeCountsAreRefusedAtSubmitAndTheInstanceStaysUp) {
  ExpectRefused(Spec(R"({"per_slot": 1000000000})"), "tasks[0].count.per_slot",
                "the limit on tasks per job");
  ExpectRefused(Spec(R"({"total": 9000000000000000000})"), "tasks[0].count.total",
                "the limit on tasks per job");
  // 30000 per slot is under the limit alone, but the 4 cores hold up to 4 slots.
  ExpectRefused(Spec(R"({"per_slot": 30000})", R"("1-1000000000")"), "tasks[0].count.per_slot",
                "30000 tasks per slot × up to 4 slots is more than 100000");
  std::string many = "[";
  for (int i = 0; i <= 1000; ++i) many += (i ? "," : "") + Spec(R"({"per_slot": 1})");
  ExpectRefused(many + "]", "body", "the limit on jobs per submit");

  CommandResult copies = instance_.Run({"submit", "--cc", "1-1000000000", "true"});
  EXPECT_EQ(copies.exit_code, 1) << copies.out;
  EXPECT_NE(copies.err.find("the limit on copies"), std::string::npos) << copies.err;
  CommandResult some = instance_.Run({"submit", "--cc", "1-10001", "true"});
  EXPECT_EQ(some.exit_code, 1);
  EXPECT_NE(some.err.find("10001 copies"), std::string::npos) << some.err;

  ApiAnswer jobs = CallApi(instance_, "GET", "/v1/jobs?state=all");
  ASSERT_EQ(jobs.status, 200);
  EXPECT_TRUE(jobs.body["jobs"].empty()) << jobs.text;  // nothing was accepted
  int64_t id = SubmitJob(instance_, {"true"});
  EXPECT_EQ(WaitInactive(instance_, id)["result"], "completed");
  const int64_t peak = PeakMemoryKiB(instance_);
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, 512 * 1024) << "the instance grew to " << peak << " KiB";
}

TEST_F(InstanceLimitsTest, Issue9DurationsThatOverflowAreRefusedAtSubmitNotAtStart) {
  std::string text = Spec(R"({"per_slot": 1})");
  text.replace(text.find("\"duration\": 60"), 14, "\"duration\": 1e300");
  ExpectRefused(text, "attributes.system.duration", "100 years");
  text = Spec(R"({"per_slot": 1})");
  text.replace(text.find("\"duration\": 60"), 14, "\"duration\": 1e17");
  ExpectRefused(text, "attributes.system.duration", "100 years");
  CommandResult cli = instance_.Run({"submit", "-t", "99999999999d", "true"});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs?state=all").body["jobs"].size(), 0u);
}

TEST_F(InstanceLimitsTest, Issue9NulBytesAreRefusedInJsonAndYaml) {
  ExpectRefused(Spec(R"({"per_slot": 1})", "1", "", R"(["echo", "a\u0000b"])"),
                "tasks[0].command[1]", "NUL byte");
  ExpectRefused(Spec(R"({"per_slot": 1})", "1", R"(, "job": {"name": "x\u0000y"})"),
                "attributes.system.job.name", "NUL byte");
  ExpectRefused(Spec(R"({"per_slot": 1})", "1", R"(, "environment": {"A": "1\u0000"})"),
                "attributes.system.environment.A", "NUL byte");
  ExpectRefused(Spec(R"({"per_slot": 1})", "1", R"(, "cwd": "/tmp\u0000")"),
                "attributes.system.cwd", "NUL byte");
  const std::string yaml =
      "version: 1\n"
      "resources: [{type: slot, count: 1, label: task, with: [{type: core, count: 1}]}]\n"
      "tasks: [{command: [echo, \"a\\0b\"], slot: task, count: {per_slot: 1}}]\n"
      "attributes: {system: {duration: 60, queue: \"q\\0\"}}\n";
  ExpectRefused(yaml, "tasks[0].command[1]", "NUL byte", "application/yaml");
  EXPECT_EQ(CallApi(instance_, "GET", "/v1/jobs?state=all").body["jobs"].size(), 0u);
}

// A stored job as an older version would have written it: SCHED, a submit event, a jobspec.
void PlantJob(store::Store& store, int64_t id, const std::string& state,
              const std::string& jobspec) {
  store::JobRecord record;
  record.id = id;
  record.uid = static_cast<int64_t>(::getuid());
  record.user = "planted";
  record.name = "planted";
  record.state = state;
  record.duration = 60;
  record.submit_time = 1;
  record.dependencies = "[]";
  store.PutJob(record);
  store.PutJobspec(id, jobspec);
  store.AppendEvent({id, 0, 1, "submit", R"({"userid": 0, "priority": 16})"});
}

TEST_F(InstanceLimitsTest, Issue9RecoveryFailsAStoredJobItCannotPlanAndGoesOn) {
  int64_t before = SubmitJob(instance_, {"true"});
  EXPECT_EQ(WaitInactive(instance_, before)["result"], "completed");
  ASSERT_TRUE(instance_.Stop());
  {
    auto store = store::Store::Open(instance_.state_dir() + "/state.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    PlantJob(**store, 10, "SCHED", Spec(R"({"per_slot": 1000000000})"));
    PlantJob(**store, 11, "SCHED", Spec(R"({"total": 9000000000000000000})"));
    PlantJob(**store, 12, "SLEEPING", Spec(R"({"per_slot": 1})"));
    PlantJob(**store, 13, "SCHED", Spec(R"({"per_slot": 1})", "1", "", R"(["true", "a\u0000"])"));
    PlantJob(**store, 14, "SCHED", Spec(R"({"per_slot": 1})"));  // a good one
    ASSERT_TRUE((*store)->Commit().ok());
  }
  ASSERT_TRUE(instance_.Start()) << instance_.log();
  for (const auto& [id, words] : std::vector<std::pair<int64_t, std::string>>{
           {10, "the limit on tasks per job"},
           {11, "the limit on tasks per job"},
           {12, "unknown state 'SLEEPING'"},
           {13, "NUL byte"}}) {
    nlohmann::json job = WaitInactive(instance_, id);
    EXPECT_EQ(job["result"], "failed") << job.dump();
    EXPECT_NE(job["reason"].get<std::string>().find(words), std::string::npos) << job.dump();
    ApiAnswer events = CallApi(instance_, "GET", "/v1/jobs/" + std::to_string(id) + "/events");
    bool noted = false;
    for (const auto& event : events.body["events"]) {
      noted = noted || (event["name"] == "exception" &&
                        event["context"]["note"].get<std::string>().find(words) !=
                            std::string::npos);
    }
    EXPECT_TRUE(noted) << events.text;
  }
  EXPECT_EQ(WaitInactive(instance_, 14)["result"], "completed");
  EXPECT_EQ(GetJob(instance_, before)["result"], "completed");
  int64_t after = SubmitJob(instance_, {"true"});
  EXPECT_GT(after, 14);
  EXPECT_EQ(WaitInactive(instance_, after)["result"], "completed");
  // And again: a second restart finds nothing left to fail.
  ASSERT_TRUE(instance_.Stop());
  ASSERT_TRUE(instance_.Start()) << instance_.log();
  EXPECT_EQ(GetJob(instance_, 10)["result"], "failed");
}

}  // namespace
}  // namespace converge::testutil
