// WorkloadManager's Services against a FakeExecutor and a ManualClock: restarts after the
// back-off, and readiness probes, on virtual time. The probes themselves are real HTTP GETs on
// loopback, answered by a child process that stands for the service's tasks.
#include "instance/workload_manager.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "instance/manager_test_support.h"
#include "instance/port_owner.h"
#include "tests/testutil/child_process.h"
#include "tests/testutil/run_command.h"
#include "workload/document.h"

namespace converge::instance {
namespace {

using exec::FakeExecutor;
using std::chrono::milliseconds;
using testing::ManagerLife;

constexpr Caller kAlice{1000, false};

// A Service `name` running `serve` on `port`, with more spec lines in `extra`.
std::string ServiceYaml(const std::string& name, int port, const std::string& extra = "") {
  return "apiVersion: converge/v1\nkind: Service\nmetadata: {name: " + name +
         "}\nspec:\n  command: [serve]\n  port: " + std::to_string(port) + "\n" + extra;
}

class WorkloadManagerTest : public ::testing::Test {
 protected:
  WorkloadManagerTest() {
    options.state_dir = dir.path();
    options.probe_interval = 1.0;
    options.backoff_initial = 1.0;
    options.backoff_max = 4.0;
    workloads = std::make_unique<WorkloadManager>(life.io, *life.jobs, options, clock);
  }

  void Apply(const std::string& yaml) {
    Result<std::vector<workload::Document>> documents = workload::ParseDocuments(yaml, "w.yaml");
    ASSERT_TRUE(documents.ok()) << documents.status().ToString();
    workload::ChildContext context{dir.path(), {{"PATH", "/usr/bin:/bin"}}};
    Result<std::vector<ApplyOutcome>> applied =
        workloads->Apply(kAlice, std::move(documents).value(), context);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    life.Settle();
  }
  // The service's entry in Services().
  nlohmann::json Service(const std::string& name) {
    const nlohmann::json services = workloads->Services();
    for (const nlohmann::json& service : services["services"]) {
      if (service["name"] == name) return service;
    }
    ADD_FAILURE() << "no service " << name;
    return nlohmann::json::object();
  }
  std::string StateOf(const std::string& name) { return Service(name).value("state", ""); }
  int64_t JobOf(const std::string& name) { return Service(name).value("job", int64_t{0}); }
  // Advances the clock and lets the loop act on what fired.
  void Advance(milliseconds delta) {
    clock.Advance(delta);
    life.Settle();
  }

  converge::testutil::TempDir dir;
  resource::Graph graph = testing::SmallGraph();
  ManualClock clock;
  ManagerLife life{dir.path(), graph, clock};
  WorkloadOptions options;
  std::unique_ptr<WorkloadManager> workloads;
  const int port = testutil::FreeLoopbackPort();
  const std::string web = ServiceYaml("web", port);
};

TEST_F(WorkloadManagerTest, AServiceRunsAsAJobWithItsPort) {
  Apply(web);
  ASSERT_EQ(life.executor->starts().size(), 1u);
  const exec::ShimSpec& spec = life.executor->starts()[0];
  EXPECT_EQ(spec.job_id, JobOf("web"));
  ASSERT_EQ(spec.tasks.size(), 1u);
  EXPECT_EQ(spec.tasks[0].argv, (std::vector<std::string>{"serve"}));
  const auto& env = spec.tasks[0].env;
  EXPECT_NE(std::find(env.begin(), env.end(), "CONVERGE_PORT=" + std::to_string(port)), env.end());
  EXPECT_EQ(StateOf("web"), "Ready");  // no health check: ready once running
}

TEST_F(WorkloadManagerTest, AFailedServiceRestartsAfterTheBackOffOnVirtualTime) {
  Apply(web);
  const int64_t first = JobOf("web");
  ASSERT_TRUE(life.executor->Finish(first, FakeExecutor::Exited(1)).ok());
  life.Settle();
  EXPECT_EQ(StateOf("web"), "Backoff");
  EXPECT_EQ(Service("web")["restarts"], 1);
  EXPECT_EQ(clock.next_due(), milliseconds(1000));

  Advance(milliseconds(999));
  EXPECT_EQ(life.executor->starts().size(), 1u);  // not yet
  EXPECT_EQ(StateOf("web"), "Backoff");
  Advance(milliseconds(1));
  ASSERT_EQ(life.executor->starts().size(), 2u);
  const int64_t second = JobOf("web");
  EXPECT_NE(second, first);
  EXPECT_EQ(life.executor->starts()[1].job_id, second);
  EXPECT_EQ(StateOf("web"), "Ready");

  // A second failure in a row doubles the delay; the cap (4 s here) bounds it.
  ASSERT_TRUE(life.executor->Finish(second, FakeExecutor::Exited(1)).ok());
  life.Settle();
  EXPECT_EQ(clock.next_due(), milliseconds(2000));
  Advance(milliseconds(2000));
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  EXPECT_EQ(clock.next_due(), milliseconds(4000));
  Advance(milliseconds(4000));
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  EXPECT_EQ(clock.next_due(), milliseconds(4000));
  EXPECT_EQ(Service("web")["restarts"], 4);
}

TEST_F(WorkloadManagerTest, AProcessThatRanLongEnoughStartsTheBackOffOver) {
  Apply(web);
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  Advance(milliseconds(1000));
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  ASSERT_EQ(clock.next_due(), milliseconds(2000));
  Advance(milliseconds(2000));
  Advance(std::chrono::seconds(61));  // the third process runs 61 s (virtual) before failing
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  EXPECT_EQ(clock.next_due(), milliseconds(1000));
}

TEST_F(WorkloadManagerTest, RestartPolicyNeverLeavesItFailedWithNoTimer) {
  Apply(web + "  restartPolicy: Never\n");
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(2)).ok());
  life.Settle();
  EXPECT_EQ(StateOf("web"), "Failed");
  EXPECT_EQ(clock.pending(), 0u);
  Advance(std::chrono::seconds(120));
  EXPECT_EQ(life.executor->starts().size(), 1u);
}

TEST_F(WorkloadManagerTest, OnFailureDoesNotRestartASuccess) {
  Apply(web + "  restartPolicy: OnFailure\n");
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(0)).ok());
  life.Settle();
  EXPECT_EQ(StateOf("web"), "Completed");
  EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(WorkloadManagerTest, DeletingAServiceInBackOffCancelsItsRestart) {
  Apply(web);
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  ASSERT_EQ(clock.pending(), 1u);
  ASSERT_TRUE(workloads->Delete(kAlice, workload::Kind::kService, "web").ok());
  life.Settle();
  EXPECT_EQ(clock.pending(), 0u);
  Advance(std::chrono::seconds(10));
  EXPECT_EQ(life.executor->starts().size(), 1u);
}

TEST_F(WorkloadManagerTest, AChangedSpecIsNotReadyUntilTheNewProcessRunsAlsoAcrossARestart) {
  Apply(web);
  const int64_t old_job = JobOf("web");
  Apply(web + "  restartPolicy: Never\n");
  EXPECT_EQ(StateOf("web"), "Pending");  // not the old process's Ready while it stops
  EXPECT_EQ(life.executor->terminated(), std::vector<int64_t>{old_job});
  // The instance is killed before the old process has ended, and starts again.
  workloads.reset();
  ManagerLife next{dir.path(), graph, clock};
  next.executor->ScriptReattach(old_job, {exec::Executor::ReattachState::kRunning, {}});
  ASSERT_TRUE(next.jobs->Recover().ok());
  WorkloadManager recovered(next.io, *next.jobs, options, clock);
  ASSERT_TRUE(recovered.Recover().ok());
  next.Settle();
  EXPECT_EQ(recovered.Services()["services"][0]["state"], "Pending");
  ASSERT_TRUE(next.executor->Finish(old_job, FakeExecutor::Terminated()).ok());
  next.Settle();
  // The new spec runs (restartPolicy Never would have left the old one stopped).
  const nlohmann::json service = recovered.Services()["services"][0];
  EXPECT_EQ(service["state"], "Ready") << service.dump();
  EXPECT_NE(service["job"], old_job);
  ASSERT_EQ(next.executor->starts().size(), 1u);
  EXPECT_EQ(next.executor->starts()[0].job_id, service["job"].get<int64_t>());
}

TEST_F(WorkloadManagerTest, AJobNeedingAServiceWaitsUntilItIsReady) {
  Apply(web);
  ASSERT_TRUE(life.executor->Finish(JobOf("web"), FakeExecutor::Exited(1)).ok());
  life.Settle();
  ASSERT_EQ(StateOf("web"), "Backoff");
  nlohmann::json spec = nlohmann::json::parse(testing::Jobspec(1, 1));
  spec["attributes"]["system"]["converge"] = {{"needs_services", {"web"}}};
  const int64_t client = life.Submit(spec.dump());
  EXPECT_EQ(life.State(client), "DEPEND");
  Advance(milliseconds(1000));  // the service restarts and is READY
  EXPECT_EQ(life.State(client), "RUN");
  const exec::ShimSpec* started = life.executor->spec(client);
  ASSERT_NE(started, nullptr);
  const auto& env = started->tasks[0].env;
  EXPECT_NE(std::find(env.begin(), env.end(),
                      "CONVERGE_SERVICE_WEB_URL=http://127.0.0.1:" + std::to_string(port)),
            env.end());
}

// A stand-in for a service's tasks: a child in its own session answering every HTTP request
// on 127.0.0.1:`port` with 200. Killed and reaped when destroyed.
class HttpChild {
 public:
  explicit HttpChild(int port) {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test
      if (::getppid() == 1) ::_exit(1);
      ::close(ready[0]);
      ::setsid();
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      const int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(port));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
          ::listen(fd, 16) != 0) {
        ::_exit(1);
      }
      (void)!::write(ready[1], "x", 1);
      const char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      for (;;) {
        const int client = ::accept(fd, nullptr, nullptr);
        if (client < 0) continue;
        char request[1024];
        (void)!::read(client, request, sizeof(request));
        (void)!::write(client, kAnswer, sizeof(kAnswer) - 1);
        ::close(client);
      }
    }
    ::close(ready[1]);
    char byte = 0;
    listening_ = pid_ > 0 && ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
  }
  ~HttpChild() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  pid_t pid() const { return pid_; }
  bool listening() const { return listening_; }

 private:
  pid_t pid_ = 0;
  bool listening_ = false;
};

class ServiceProbeTest : public WorkloadManagerTest {
 protected:
  // Fires the next probe (the clock's only timer) and runs the loop until its real HTTP GET
  // has been answered and the next probe armed (bounded: the probe times out after 1 s).
  void NextProbe() {
    ASSERT_EQ(clock.pending(), 1u);
    clock.Advance(*clock.next_due());
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (clock.pending() == 0 && std::chrono::steady_clock::now() < end) {
      life.io.restart();
      life.io.run_for(milliseconds(10));
    }
    ASSERT_EQ(clock.pending(), 1u) << "the probe did not complete";
    life.Settle();
  }
};

TEST_F(ServiceProbeTest, ProbesRunEveryIntervalOfVirtualTimeAndDecideReadiness) {
  Apply(ServiceYaml("api", port, "  healthCheck: {httpGet: {path: /health}}\n"));
  // The first probe runs at the start and finds nobody listening.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (clock.pending() == 0 && std::chrono::steady_clock::now() < end) {
    life.io.restart();
    life.io.run_for(milliseconds(10));
  }
  EXPECT_EQ(StateOf("api"), "Starting");
  EXPECT_EQ(clock.next_due(), milliseconds(1000));
  NextProbe();
  EXPECT_EQ(StateOf("api"), "Starting");

  HttpChild server(port);
  ASSERT_TRUE(server.listening());
  // An answer from a process that is not the service's own does not count.
  NextProbe();
  EXPECT_EQ(StateOf("api"), "Starting");
  // The service's tasks are the processes of the shim's session.
  life.executor->SetShimPid(JobOf("api"), server.pid());
  NextProbe();
  EXPECT_EQ(StateOf("api"), "Ready");

  server.Stop();
  NextProbe();
  NextProbe();
  EXPECT_EQ(StateOf("api"), "Ready");  // two failures are tolerated
  NextProbe();
  EXPECT_EQ(StateOf("api"), "NotReady");
  EXPECT_EQ(life.executor->starts().size(), 1u);  // not ready is not a restart
}

}  // namespace
}  // namespace converge::instance
