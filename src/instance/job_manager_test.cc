// JobManager against a FakeExecutor, a ManualClock and a real SQLite store: what the manager
// asks the executor to do, and what it records when the executor answers.
#include "instance/job_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <string>

#include "instance/manager_test_support.h"
#include "resource/readers/cluster_yaml.h"
#include "tests/testutil/run_command.h"

namespace converge::instance {
namespace {

using exec::FakeExecutor;
using testing::Jobspec;
using testing::ManagerLife;

class JobManagerTest : public ::testing::Test {
 protected:
  // The names of the committed events of job `id`, in order.
  std::vector<std::string> EventNames(int64_t id) {
    Result<std::vector<store::Event>> events = life.store->ReadEvents(id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    std::vector<std::string> names;
    if (events.ok()) {
      for (const store::Event& event : *events) names.push_back(event.name);
    }
    return names;
  }
  // The committed record of job `id`.
  store::JobRecord Stored(int64_t id) {
    Result<std::vector<store::JobRecord>> records = life.store->LoadJobs();
    EXPECT_TRUE(records.ok()) << records.status().ToString();
    if (!records.ok()) return {};
    for (const store::JobRecord& record : *records) {
      if (record.id == id) return record;
    }
    ADD_FAILURE() << "job " << id << " is not in the store";
    return {};
  }

  converge::testutil::TempDir dir;
  resource::Graph graph = testing::SmallGraph();
  ManualClock clock{1'800'000'000.0};
  ManagerLife life{dir.path(), graph, clock};
};

TEST_F(JobManagerTest, ASubmittedJobStartsWithItsTasksDeadlineAndGrace) {
  clock.Advance(std::chrono::milliseconds(2500));
  const int64_t id = life.Submit(Jobspec(2, 1, /*duration=*/30, {"sleep", "5"}));
  ASSERT_EQ(life.State(id), "RUN");
  ASSERT_EQ(life.executor->starts().size(), 1u);
  const exec::ShimSpec& spec = life.executor->starts()[0];
  EXPECT_EQ(spec.job_id, id);
  ASSERT_EQ(spec.tasks.size(), 2u);
  for (int rank = 0; rank < 2; ++rank) {
    const exec::TaskSpec& task = spec.tasks[static_cast<size_t>(rank)];
    EXPECT_EQ(task.rank, rank);
    EXPECT_EQ(task.argv, (std::vector<std::string>{"sleep", "5"}));
    auto has = [&](const std::string& entry) {
      return std::find(task.env.begin(), task.env.end(), entry) != task.env.end();
    };
    EXPECT_TRUE(has("CONVERGE_JOB_ID=" + std::to_string(id)));
    EXPECT_TRUE(has("CONVERGE_TASK_RANK=" + std::to_string(rank)));
    EXPECT_TRUE(has("CONVERGE_TASK_COUNT=2"));
    EXPECT_TRUE(has("PATH=/usr/bin:/bin"));
  }
  // The time limit counts from the start time the manager's clock gave.
  EXPECT_EQ(spec.deadline_ms, 1'800'000'002'500 + 30'000);
  EXPECT_EQ(spec.grace_ms, 700);
  EXPECT_TRUE(spec.stdout_default);
  EXPECT_EQ(life.jobs->Find(id)->record.start_time, 1'800'000'002.5);
  // Start ran only once `alloc` was committed, and `start` is committed after it.
  EXPECT_EQ(EventNames(id), (std::vector<std::string>{"submit", "validate", "depend", "priority",
                                                      "alloc", "start"}));
  EXPECT_EQ(Stored(id).state, "RUN");
}

TEST_F(JobManagerTest, AJobWithoutDurationHasNoDeadline) {
  const int64_t id = life.Submit(Jobspec(1, 1));
  ASSERT_NE(life.executor->spec(id), nullptr);
  EXPECT_EQ(life.executor->spec(id)->deadline_ms, 0);
}

TEST_F(JobManagerTest, TheSignalOptionSendsItsSignalThatLongBeforeTheDeadline) {
  nlohmann::json spec = nlohmann::json::parse(Jobspec(1, 1, 30));
  spec["attributes"]["system"]["shell"]["options"]["signal"] = {{"signum", 12},
                                                                 {"timeleft", 2.5}};
  const int64_t id = life.Submit(spec.dump());
  ASSERT_NE(life.executor->spec(id), nullptr);
  const exec::ShimSpec& started = *life.executor->spec(id);
  EXPECT_EQ(started.warn_signal, 12);
  EXPECT_EQ(started.warn_ms, started.deadline_ms - 2500);
  // Without a time limit there is nothing to warn of.
  spec = nlohmann::json::parse(Jobspec(1, 1));
  spec["attributes"]["system"]["shell"]["options"]["signal"] = nlohmann::json::object();
  const int64_t unlimited = life.Submit(spec.dump());
  EXPECT_EQ(life.executor->spec(unlimited)->warn_signal, 0);
  // A bad one is refused at submit, by name.
  spec["attributes"]["system"]["shell"]["options"]["signal"] = {{"signum", 99}};
  Result<std::vector<int64_t>> refused = life.jobs->Submit(Caller{1000, false}, {spec.dump()});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().where(), "attributes.system.shell.options.signal.signum");
}

TEST_F(JobManagerTest, TheExitResultMakesTheJobInactiveAndIsForgottenAfterTheCommit) {
  const int64_t ok = life.Submit(Jobspec(1, 1));
  const int64_t bad = life.Submit(Jobspec(1, 1));
  ASSERT_EQ(life.executor->running_count(), 2u);
  clock.Advance(std::chrono::seconds(7));
  exec::ShimResult result = FakeExecutor::Exited(0);
  result.end_ms = 1'800'000'006'000;
  ASSERT_TRUE(life.executor->Finish(ok, result).ok());
  ASSERT_TRUE(life.executor->Finish(bad, FakeExecutor::Exited(3)).ok());
  EXPECT_EQ(life.State(ok), "RUN");  // the exit arrives through the loop
  life.Settle();

  EXPECT_EQ(life.State(ok), "INACTIVE");
  EXPECT_EQ(life.jobs->Find(ok)->record.result, "completed");
  EXPECT_EQ(life.jobs->Find(ok)->record.end_time, 1'800'000'006.0);  // the shim's end time
  EXPECT_EQ(life.State(bad), "INACTIVE");
  EXPECT_EQ(life.jobs->Find(bad)->record.result, "failed");
  EXPECT_EQ(life.jobs->Find(bad)->record.exit_code, 3);
  EXPECT_EQ(life.jobs->Find(bad)->record.end_time, 1'800'000'007.0);  // no shim time: the clock's
  const store::JobRecord stored = Stored(bad);
  EXPECT_EQ(stored.state, "INACTIVE");
  EXPECT_EQ(stored.result, "failed");
  EXPECT_EQ(stored.exit_code, 3);
  EXPECT_EQ(EventNames(ok).back(), "clean");
  EXPECT_EQ(life.executor->forgotten(), (std::vector<int64_t>{ok, bad}));
  EXPECT_EQ(life.jobs->active_count(), 0u);
}

TEST_F(JobManagerTest, ResourcesFreedByAnExitStartTheNextJob) {
  const int64_t first = life.Submit(Jobspec(1, 4));
  const int64_t second = life.Submit(Jobspec(1, 4));
  EXPECT_EQ(life.State(first), "RUN");
  EXPECT_EQ(life.State(second), "SCHED");
  EXPECT_EQ(life.executor->starts().size(), 1u);
  ASSERT_TRUE(life.executor->Finish(first, FakeExecutor::Exited(0)).ok());
  life.Settle();
  EXPECT_EQ(life.State(second), "RUN");
  ASSERT_EQ(life.executor->starts().size(), 2u);
  EXPECT_EQ(life.executor->starts()[1].job_id, second);
}

TEST_F(JobManagerTest, TimeoutAndExecErrorsAreTheirResults) {
  const int64_t slow = life.Submit(Jobspec(1, 1, 10));
  const int64_t broken = life.Submit(Jobspec(1, 1));
  const int64_t silent = life.Submit(Jobspec(1, 1));
  exec::ShimResult timed_out = FakeExecutor::Exited(137);
  timed_out.signal = 9;
  timed_out.timed_out = true;
  exec::ShimResult exec_error = FakeExecutor::Exited(127);
  exec_error.exec_error = "sleep2: not found";
  ASSERT_TRUE(life.executor->Finish(slow, timed_out).ok());
  ASSERT_TRUE(life.executor->Finish(broken, exec_error).ok());
  ASSERT_TRUE(
      life.executor->Finish(silent, Status(Code::kInternal, "shim exited with 78 without a result"))
          .ok());
  life.Settle();
  EXPECT_EQ(life.jobs->Find(slow)->record.result, "timeout");
  EXPECT_EQ(life.jobs->Find(slow)->record.signal, 9);
  EXPECT_EQ(life.jobs->Find(broken)->record.result, "failed");
  EXPECT_EQ(life.jobs->Find(broken)->record.reason, "sleep2: not found");
  EXPECT_EQ(life.jobs->Find(silent)->record.result, "failed");
  EXPECT_NE(life.jobs->Find(silent)->record.reason.find("without a result"), std::string::npos);
}

TEST_F(JobManagerTest, ThePmiChoiceReachesTheShimAndAPmiAbortFailsTheJob) {
  nlohmann::json off = nlohmann::json::parse(Jobspec(1, 1));
  off["attributes"]["system"]["shell"]["options"]["pmi"] = "off";
  const int64_t mpi = life.Submit(Jobspec(1, 1));
  const int64_t plain = life.Submit(off.dump());
  ASSERT_NE(life.executor->spec(mpi), nullptr);
  ASSERT_NE(life.executor->spec(plain), nullptr);
  EXPECT_EQ(life.executor->spec(mpi)->pmi, std::vector<std::string>{"simple"});
  EXPECT_TRUE(life.executor->spec(plain)->pmi.empty());
  exec::ShimResult aborted = FakeExecutor::Exited(7);
  aborted.aborted = "PMI: rank 1 called PMI abort (exit code 7)";
  ASSERT_TRUE(life.executor->Finish(mpi, aborted).ok());
  life.Settle();
  EXPECT_EQ(life.jobs->Find(mpi)->record.result, "failed");
  EXPECT_EQ(life.jobs->Find(mpi)->record.exit_code, 7);
  EXPECT_EQ(life.jobs->Find(mpi)->record.reason, aborted.aborted);
}

TEST_F(JobManagerTest, CancelTerminatesARunningJobOnceTheCancelIsCommitted) {
  const int64_t id = life.Submit(Jobspec(1, 1));
  ASSERT_TRUE(life.jobs->Cancel(Caller{1000, false}, id).ok());
  EXPECT_TRUE(life.executor->terminated().empty());  // not before the commit
  life.Settle();
  EXPECT_EQ(life.executor->terminated(), (std::vector<int64_t>{id}));
  EXPECT_EQ(life.State(id), "RUN");  // until the shim reports the end
  ASSERT_TRUE(life.executor->Finish(id, FakeExecutor::Terminated()).ok());
  life.Settle();
  EXPECT_EQ(life.State(id), "INACTIVE");
  EXPECT_EQ(life.jobs->Find(id)->record.result, "canceled");
}

TEST_F(JobManagerTest, CancelOfAQueuedJobNeedsNoExecutor) {
  const int64_t big = life.Submit(Jobspec(1, 4));
  const int64_t queued = life.Submit(Jobspec(1, 4));
  ASSERT_EQ(life.State(queued), "SCHED");
  EXPECT_EQ(life.jobs->Cancel(Caller{1001, false}, queued).code(), Code::kSkip);  // not theirs
  ASSERT_TRUE(life.jobs->Cancel(Caller{1000, false}, queued).ok());
  life.Settle();
  EXPECT_EQ(life.State(queued), "INACTIVE");
  EXPECT_EQ(life.jobs->Find(queued)->record.result, "canceled");
  EXPECT_TRUE(life.executor->terminated().empty());
  EXPECT_EQ(life.executor->starts().size(), 1u);
  EXPECT_EQ(life.State(big), "RUN");
}

// A jobspec with urgency (attributes.system.priority) `urgency`.
std::string WithUrgency(const std::string& text, int64_t urgency) {
  nlohmann::json spec = nlohmann::json::parse(text);
  spec["attributes"]["system"]["priority"] = urgency;
  return spec.dump();
}

TEST_F(JobManagerTest, UrgencyZeroHoldsAJobUntilAnotherUrgencyReleasesIt) {
  const int64_t held = life.Submit(WithUrgency(Jobspec(1, 1), kHeldUrgency));
  EXPECT_EQ(life.State(held), "PRIORITY");
  EXPECT_TRUE(life.executor->starts().empty());
  EXPECT_NE(life.jobs->QueueReason(*life.jobs->Find(held)).find("held"), std::string::npos);
  ASSERT_TRUE(life.jobs->SetUrgency(Caller{1000, false}, held, 16).ok());
  life.Settle();
  EXPECT_EQ(life.State(held), "RUN");
  EXPECT_EQ(Stored(held).priority, 16);
  const std::vector<std::string> events = EventNames(held);
  EXPECT_NE(std::find(events.begin(), events.end(), "urgency"), events.end());
  // A running job's urgency no longer changes (the API's 409).
  Status running = life.jobs->SetUrgency(Caller{1000, false}, held, 0);
  EXPECT_EQ(running.code(), Code::kInvalidArgument);
  EXPECT_EQ(running.where(), "id");
}

TEST_F(JobManagerTest, HoldingAQueuedJobLetsTheNextOneStartAndOnlyTheOwnerExpedites) {
  const int64_t big = life.Submit(Jobspec(1, 4));
  const int64_t first = life.Submit(Jobspec(1, 4));
  const int64_t second = life.Submit(Jobspec(1, 4));
  ASSERT_EQ(life.State(first), "SCHED");
  EXPECT_EQ(life.jobs->SetUrgency(Caller{1001, false}, first, 0).code(), Code::kSkip);
  EXPECT_EQ(life.jobs->SetUrgency(Caller{1000, false}, first, 17).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(life.jobs->SetUrgency(Caller{1000, false}, first, 32).code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(life.jobs->SetUrgency(Caller{1000, false}, first, 0).ok());
  life.Settle();
  EXPECT_EQ(life.State(first), "PRIORITY");
  ASSERT_TRUE(life.executor->Finish(big, FakeExecutor::Exited(0)).ok());
  life.Settle();
  EXPECT_EQ(life.State(second), "RUN");  // the held job is passed over
  EXPECT_EQ(life.State(first), "PRIORITY");
  // The owner may expedite; a user may not submit above the default urgency either.
  ASSERT_TRUE(life.jobs->SetUrgency(kInstanceCaller, first, 31).ok());
  life.Settle();
  EXPECT_EQ(life.State(first), "SCHED");
  Result<std::vector<int64_t>> above =
      life.jobs->Submit(Caller{1000, false}, {WithUrgency(Jobspec(1, 1), 20)});
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(above.status().where(), "attributes.system.priority");
}

// A jobspec with these attributes.system.dependencies.
std::string WithDependencies(const std::string& text, nlohmann::json dependencies) {
  nlohmann::json spec = nlohmann::json::parse(text);
  spec["attributes"]["system"]["dependencies"] = std::move(dependencies);
  return spec.dump();
}

nlohmann::json On(const std::string& scheme, const std::string& value = "") {
  return nlohmann::json::array({{{"scheme", scheme}, {"value", value}}});
}

TEST_F(JobManagerTest, ABeginTimeKeepsAJobWaitingUntilTheClockGetsThere) {
  const int64_t later =
      life.Submit(WithDependencies(Jobspec(1, 1), On("begin-time", "1800000060")));
  EXPECT_EQ(life.State(later), "DEPEND");
  EXPECT_EQ(life.jobs->QueueReason(*life.jobs->Find(later)), "waiting for begin-time (in 1m)");
  clock.Advance(std::chrono::seconds(59));
  life.Settle();
  EXPECT_EQ(life.State(later), "DEPEND");
  clock.Advance(std::chrono::seconds(1));
  life.Settle();
  EXPECT_EQ(life.State(later), "RUN");
  // One already past does not wait.
  EXPECT_EQ(life.State(life.Submit(WithDependencies(Jobspec(1, 1), On("begin-time", "17")))),
            "RUN");
}

TEST_F(JobManagerTest, AfterWaitsForTheStartAndSingletonForEveryEarlierNamesake) {
  const int64_t first = life.Submit(Jobspec(1, 4));  // fills the node
  const int64_t blocked = life.Submit(Jobspec(1, 4));
  const int64_t after = life.Submit(
      WithDependencies(Jobspec(1, 1), On("after", std::to_string(blocked))));
  const int64_t single = life.Submit(WithDependencies(Jobspec(1, 1), On("singleton")));
  EXPECT_EQ(life.State(blocked), "SCHED");
  EXPECT_EQ(life.State(after), "DEPEND");
  EXPECT_EQ(life.State(single), "DEPEND");
  EXPECT_EQ(life.jobs->QueueReason(*life.jobs->Find(single)),
            "waiting for singleton (job " + std::to_string(first) + " of that name)");
  ASSERT_TRUE(life.executor->Finish(first, FakeExecutor::Exited(0)).ok());
  life.Settle();
  EXPECT_EQ(life.State(blocked), "RUN");
  EXPECT_EQ(life.State(after), "SCHED");  // released by the start; waits for room
  EXPECT_EQ(life.State(single), "DEPEND");
  ASSERT_TRUE(life.executor->Finish(blocked, FakeExecutor::Exited(1)).ok());
  life.Settle();
  EXPECT_EQ(life.State(after), "RUN");
  EXPECT_EQ(life.State(single), "DEPEND");  // `after` is an earlier job of that name too
  ASSERT_TRUE(life.executor->Finish(after, FakeExecutor::Exited(0)).ok());
  life.Settle();
  EXPECT_EQ(life.State(single), "RUN");
}

TEST_F(JobManagerTest, AfterAJobThatNeverStartsFails) {
  life.Submit(Jobspec(1, 4));
  const int64_t blocked = life.Submit(Jobspec(1, 4));
  const int64_t after = life.Submit(
      WithDependencies(Jobspec(1, 1), On("after", std::to_string(blocked))));
  ASSERT_TRUE(life.jobs->Cancel(Caller{1000, false}, blocked).ok());
  life.Settle();
  EXPECT_EQ(life.State(after), "INACTIVE");
  EXPECT_EQ(life.jobs->Find(after)->record.reason,
            "dependency after:" + std::to_string(blocked) + " can never be met (job " +
                std::to_string(blocked) + " canceled)");
}

TEST_F(JobManagerTest, ASignalReachesOnlyARunningJobsTasksAndTheJobGoesOn) {
  const int64_t running = life.Submit(Jobspec(1, 4));
  const int64_t queued = life.Submit(Jobspec(1, 4));
  ASSERT_TRUE(life.jobs->Signal(Caller{1000, false}, running, SIGUSR1).ok());
  EXPECT_EQ(life.executor->signals(),
            (std::vector<std::pair<int64_t, int>>{{running, SIGUSR1}}));
  EXPECT_EQ(life.State(running), "RUN");
  Status pending = life.jobs->Signal(Caller{1000, false}, queued, SIGUSR1);
  EXPECT_EQ(pending.where(), "id") << pending.ToString();
  EXPECT_EQ(life.jobs->Signal(Caller{1001, false}, running, SIGUSR1).code(), Code::kSkip);
  EXPECT_EQ(life.jobs->Signal(Caller{1000, false}, running, 65).where(), "signal");
  EXPECT_EQ(life.jobs->Signal(Caller{1000, false}, 999, SIGUSR1).code(), Code::kNotFound);
  EXPECT_EQ(life.executor->signals().size(), 1u);
}

TEST_F(JobManagerTest, AStartTheExecutorRefusesFailsTheJob) {
  life.executor->FailNextStart(Status(Code::kInternal, "posix_spawn: Too many open files"));
  const int64_t id = life.Submit(Jobspec(1, 1));
  EXPECT_EQ(life.State(id), "INACTIVE");
  EXPECT_EQ(life.jobs->Find(id)->record.result, "failed");
  EXPECT_NE(life.jobs->Find(id)->record.reason.find("Too many open files"), std::string::npos);
  EXPECT_TRUE(life.executor->starts().empty());
  // Its cores are free again: the next job starts.
  const int64_t next = life.Submit(Jobspec(1, 4));
  EXPECT_EQ(life.State(next), "RUN");
}

TEST_F(JobManagerTest, ShutdownTerminatesRunningJobsAndReportsWhenTheyEnded) {
  const int64_t id = life.Submit(Jobspec(1, 1));
  bool done = false;
  life.jobs->Shutdown([&] { done = true; });
  life.Settle();
  EXPECT_EQ(life.executor->terminated(), (std::vector<int64_t>{id}));
  EXPECT_FALSE(done);
  ASSERT_TRUE(life.executor->Finish(id, FakeExecutor::Terminated()).ok());
  life.Settle();
  EXPECT_TRUE(done);
}

// A commit that fails for want of space is retried on the clock's timers, 100 ms doubling.
TEST(JobManagerCommitRetry, RetriesRunOnTheClock) {
  converge::testutil::TempDir dir;
  resource::Graph graph = testing::SmallGraph();
  ManualClock clock;
  boost::asio::io_context io;
  auto store = store::Store::Open(dir.path() + "/state.db", {.max_pages = 16});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  exec::FakeExecutor executor(io, [](int64_t, Result<exec::ShimResult>) {});
  JobManagerOptions options;
  options.output_dir = dir.path();
  auto jobs = JobManager::Create(io, graph, **store, executor, options, clock);
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  // An environment large enough to overflow the capped database.
  nlohmann::json spec = nlohmann::json::parse(Jobspec(1, 1));
  spec["attributes"]["system"]["environment"] = {{"BIG", std::string(200 * 1024, 'x')}};
  ASSERT_TRUE((*jobs)->Submit(Caller{1000, false}, {spec.dump()}).ok());
  io.poll();
  ASSERT_NE((*jobs)->degraded(), "");
  EXPECT_TRUE((*jobs)->store_full());
  EXPECT_EQ(clock.pending(), 1u);
  EXPECT_EQ(clock.next_due(), std::chrono::milliseconds(100));
  clock.Advance(std::chrono::milliseconds(99));
  EXPECT_NE((*jobs)->degraded().find("every 100 ms"), std::string::npos);
  clock.Advance(std::chrono::milliseconds(1));  // the retry fails again: twice the delay
  EXPECT_NE((*jobs)->degraded().find("every 200 ms"), std::string::npos);
  EXPECT_EQ(clock.next_due(), std::chrono::milliseconds(200));
  for (int i = 0; i < 10; ++i) clock.Advance(*clock.next_due());
  EXPECT_NE((*jobs)->degraded().find("every 5000 ms"), std::string::npos);  // the cap
  EXPECT_TRUE(executor.starts().empty());  // nothing acted on the uncommitted batch
}

// GET /v1/resources is written as text directly; it must read back as the documented object.
TEST(JobManagerResourcesTest, TheTextIsTheDocumentedObjectWithEveryNodeAndItsReason) {
  converge::testutil::TempDir dir;
  Result<resource::Graph> graph = resource::ReadClusterYaml(R"(nodes:
  - {count: 2, basename: cpu, sockets: 1, cores_per_socket: 4, memory_per_socket: 1GiB,
     properties: {arch: x86_64, "quote\"d": "a\\b"}}
  - {count: 1, basename: big, sockets: 2, cores_per_socket: 2})");
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ManualClock clock{1'800'000'000.0};
  ManagerLife life{dir.path(), *graph, clock};
  const int64_t id = life.Submit(Jobspec(3, 1, 60, {"sleep", "9"}));
  ASSERT_EQ(life.State(id), "RUN");
  ASSERT_TRUE(life.jobs->SetDrained("big0", true, "fan \"3\"\nbroken").ok());

  nlohmann::json body = nlohmann::json::parse(life.jobs->ResourcesJsonText());
  EXPECT_EQ(body["totals"], nlohmann::json({{"nodes", 3},
                                            {"cores", 12},
                                            {"cores_free", 5},
                                            {"gpus", 0},
                                            {"gpus_free", 0},
                                            {"memory_mib", 2048},
                                            {"memory_free_mib", 2048}}))
      << body.dump();
  ASSERT_EQ(body["nodes"].size(), 3u);
  std::map<std::string, nlohmann::json> nodes;
  for (const auto& node : body["nodes"]) nodes[node["name"]] = node;
  EXPECT_EQ(nodes["big0"]["state"], "drained");
  EXPECT_EQ(nodes["big0"]["reason"], "fan \"3\"\nbroken");
  EXPECT_FALSE(nodes["big0"].contains("properties"));
  EXPECT_EQ(nodes["cpu0"]["properties"],
            nlohmann::json({{"arch", "x86_64"}, {"quote\"d", "a\\b"}}));
  EXPECT_EQ(nodes["cpu0"]["cores"], 4);
  EXPECT_EQ(nodes["cpu0"]["cores_free"].get<int>() + nodes["cpu1"]["cores_free"].get<int>(), 5);
  EXPECT_EQ(nodes["cpu1"]["memory_mib"], 1024);
  EXPECT_EQ(nodes["cpu1"]["reason"], "");
  int64_t rows = 0;
  for (const auto& row : body["states"]) rows += row["nnodes"].get<int64_t>();
  EXPECT_EQ(rows, 3);
}

}  // namespace
}  // namespace converge::instance
