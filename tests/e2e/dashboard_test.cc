// The dashboard in a real browser: a running instance with jobs, a Service and a JobSet,
// `converge ui` in front of it, and Debian's headless Chromium driven over WebDriver. Each page
// is loaded and what it shows is compared with the API's answers; the test clicks through from
// a node to its job, watches a job appear live, and saves a screenshot of every page in
// BUILD/test-artifacts/dashboard/ (CONVERGE_TEST_ARTIFACTS overrides the folder).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/address.h"
#include "api/http_client.h"
#include "tests/e2e/browser.h"
#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/child_process.h"
#include "tests/testutil/instance_launcher.h"
#include "tests/testutil/throwaway_user.h"

namespace converge {
namespace {

using testutil::Browser;
using testutil::CallApi;
using testutil::ChildProcess;
using testutil::InstanceLauncher;
using testutil::InstanceOptions;
using testutil::SubmitJob;
using testutil::TempDir;

constexpr const char* kCluster = R"(cluster: {name: test}
racks: {nodes_per_rack: 2}
nodes:
  - {count: 4, basename: node, sockets: 1, cores_per_socket: 4}
)";

std::string ArtifactDir() {
  const char* chosen = std::getenv("CONVERGE_TEST_ARTIFACTS");
  std::filesystem::path dir =
      chosen && *chosen ? std::filesystem::path(chosen)
                        : std::filesystem::path(CONVERGE_BIN).parent_path().parent_path() /
                              "test-artifacts" / "dashboard";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// `converge ui` against `instance`, and the address it printed.
class UiProcess {
 public:
  UiProcess(const InstanceLauncher& instance, const TempDir& dir)
      : UiProcess({CONVERGE_BIN, "ui"}, dir.path() + "/ui.log",
                  {{"CONVERGE_URI", instance.uri()}}) {}
  // `argv` runs `converge ui` (as another user, say).
  UiProcess(const std::vector<std::string>& argv, const std::string& log,
            const std::map<std::string, std::string>& env = {})
      : process_(argv, log, env) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    const std::regex printed(R"(http://127\.0\.0\.1:([0-9]+)/ui/#token=([0-9a-f]+))");
    while (std::chrono::steady_clock::now() < deadline && process_.running()) {
      std::smatch match;
      const std::string log = process_.log();
      if (std::regex_search(log, match, printed)) {
        url_ = match[0];
        port_ = std::stoi(match[1]);
        token_ = match[2];
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const std::string& url() const { return url_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_.log(); }

  api::HttpResponse Get(const std::string& target, const std::string& token) const {
    api::HttpResponse failed;
    failed.status = 0;
    auto client = api::HttpClient::Connect(
        {.kind = api::Address::Kind::kTcp, .host = "127.0.0.1", .port = port_}, token);
    if (!client.ok()) return failed;
    Result<api::HttpResponse> response = (*client)->Call("GET", target, "", "");
    return response.ok() ? *response : failed;
  }
  const std::string& token() const { return token_; }

 private:
  ChildProcess process_;
  std::string url_;
  std::string token_;
  int port_ = 0;
};

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = Browser::Unavailable(); !why.empty()) {
      GTEST_SKIP() << why << " (scripts/install-deps installs chromium and chromium-driver)";
    }
    instance_ = std::make_unique<InstanceLauncher>(InstanceOptions{
        .resources = files_.Write("cluster.yaml", kCluster), .policy = "easy"});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }
  void TearDown() override {
    if (instance_) instance_->PrintLogIfFailed();
  }

  // Screenshot of the page on screen as NAME.png in the artifact folder.
  void Shoot(Browser& browser, const std::string& name) {
    const std::string path = artifacts_ + "/" + name + ".png";
    EXPECT_TRUE(browser.Screenshot(path)) << path;
    EXPECT_GT(std::filesystem::file_size(path), 1000u) << path;
  }

  // Opens `hash` (e.g. "#/jobs") and waits for the router to report page `name` rendered,
  // with no error box on it.
  void Open(Browser& browser, const std::string& hash, const std::string& name) {
    ASSERT_TRUE(browser.Run("location.hash = arguments[0]; return true;", {hash}) == true);
    ASSERT_TRUE(browser.WaitForPage(name)) << hash << ": " << browser.Run(
        "return document.body.dataset.ready + ' / ' + document.getElementById('page').innerText;");
    EXPECT_EQ(browser.Run("return document.querySelectorAll('#page .error').length;"), 0)
        << hash << ": " << browser.Run("return document.getElementById('page').innerText;");
  }

  nlohmann::json Api(const std::string& target) {
    testutil::ApiAnswer answer = CallApi(*instance_, "GET", target);
    EXPECT_EQ(answer.status, 200) << target << ": " << answer.text;
    return answer.body;
  }

  // The text of the first element matching `css`, or null.
  static nlohmann::json Text(Browser& browser, const std::string& css) {
    return browser.Run("const e = document.querySelector(arguments[0]); "
                       "return e ? e.textContent.trim() : null;",
                       {css});
  }

  TempDir files_;
  std::unique_ptr<InstanceLauncher> instance_;
  std::string artifacts_ = ArtifactDir();
};

TEST_F(DashboardTest, EveryPageShowsWhatTheApiSaysAndFollowsItLive) {
  // The workload: a running 3-task job, a Service, a job that completed with output, a JobSet
  // of two, and a 16-core job that must wait for the cores (EASY plans its start).
  const int64_t running = SubmitJob(*instance_, {"-n3", "-t", "10m", "sleep", "300"});
  ASSERT_EQ(instance_->Run({"apply", "-f", files_.Write("web.yaml", R"(apiVersion: converge/v1
kind: Service
metadata: {name: web}
spec: {command: ["sleep", "300"], restartPolicy: Never}
)")}).exit_code, 0);
  const int64_t hello = SubmitJob(*instance_, {"--job-name", "hello", "echo", "hello-dashboard"});
  ASSERT_EQ(testutil::WaitInactive(*instance_, hello)["result"], "completed");
  ASSERT_EQ(instance_->Run({"apply", "-f", files_.Write("pair.yaml", R"(apiVersion: converge/v1
kind: JobSet
metadata: {name: pair}
spec:
  replicatedJobs:
    - {name: workers, replicas: 2, template: {parallelism: 1, task: {command: ["true"]}}}
)")}).exit_code, 0);
  const int64_t big = SubmitJob(*instance_, {"-N4", "-n16", "-t", "5m", "sleep", "1"});
  for (int i = 0; i < 200 && Api("/v1/objects/jobset/pair")["status"].value("phase", "") !=
                                 "Completed";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  UiProcess ui(*instance_, files_);
  ASSERT_FALSE(ui.url().empty()) << ui.log();
  std::unique_ptr<Browser> browser = Browser::Start();
  ASSERT_TRUE(browser);
  ASSERT_TRUE(browser->Navigate(ui.url()));

  // Cluster: the totals and the nodes are the API's.
  ASSERT_TRUE(browser->WaitForPage("cluster")) << browser->log();
  nlohmann::json resources = Api("/v1/resources");
  EXPECT_EQ(Text(*browser, "[data-test=cores-total]"),
            std::to_string(resources["totals"]["cores"].get<int64_t>()));
  EXPECT_EQ(Text(*browser, "[data-test=cores-free]"),
            std::to_string(resources["totals"]["cores_free"].get<int64_t>()));
  nlohmann::json shown_nodes = browser->Run(
      "return [...document.querySelectorAll('[data-test=node]')]"
      ".map(n => n.dataset.node + ':' + n.dataset.state);");
  nlohmann::json api_nodes = nlohmann::json::array();
  for (const auto& node : resources["nodes"]) {
    api_nodes.push_back(node["name"].get<std::string>() + ":" + node["state"].get<std::string>());
  }
  EXPECT_EQ(shown_nodes, api_nodes);
  EXPECT_TRUE(browser->WaitUntil(
      "return document.querySelector('[data-test=live]').dataset.connected === 'true';"));
  EXPECT_EQ(browser->Run("return location.hash;"), "") << "the token must leave the URL";
  Shoot(*browser, "cluster");

  // A node of the running job, then a real click through to the job.
  nlohmann::json job = Api("/v1/jobs/" + std::to_string(running));
  ASSERT_EQ(job["state"], "RUN") << job.dump();
  const std::string node = job["nodelist"].get<std::string>().substr(0, 5);  // node0..node3
  Open(*browser, "#/cluster?node=" + node, "cluster");
  ASSERT_TRUE(browser->WaitUntil(
      "return !!document.querySelector('[data-test=node-detail][data-node=\"' + arguments[0] +"
      " '\"] [data-test=job-link]');",
      10, {node}))
      << browser->Run("return document.getElementById('page').innerText;");
  nlohmann::json links = browser->Run(
      "return [...document.querySelectorAll('[data-test=node-detail] [data-test=job-link]')]"
      ".map(a => a.textContent.trim());");
  EXPECT_NE(std::find(links.begin(), links.end(), std::to_string(running)), links.end())
      << links.dump();
  Shoot(*browser, "cluster-node");
  ASSERT_TRUE(browser->Click("[data-test=node-detail] [data-test=job-link]"));
  ASSERT_TRUE(browser->WaitForPage("job"));
  const std::string first_link = links.empty() ? "" : links[0].get<std::string>();
  EXPECT_EQ(browser->Run("return location.hash;"), "#/job/" + first_link);
  nlohmann::json clicked = Api("/v1/jobs/" + first_link);
  EXPECT_EQ(Text(*browser, "[data-test=job-state]"), clicked["state"]);
  EXPECT_GE(browser->Run("return document.querySelectorAll('[data-test=eventlog] tbody tr')"
                         ".length;"),
            3);
  Shoot(*browser, "job-running");

  // The completed job: result, exit code, and its output in the tail.
  Open(*browser, "#/job/" + std::to_string(hello), "job");
  EXPECT_EQ(Text(*browser, "[data-test=job-result]"), "completed");
  EXPECT_EQ(Text(*browser, "[data-test=job-exit-code]"), "0");
  EXPECT_TRUE(browser->WaitUntil(
      "return document.querySelector('[data-test=output]').textContent"
      ".includes('hello-dashboard');"))
      << Text(*browser, "[data-test=output]");
  Shoot(*browser, "job-completed");

  // Jobs: one row per job, in the API's states.
  Open(*browser, "#/jobs", "jobs");
  nlohmann::json rows = browser->Run(
      "return [...document.querySelectorAll('[data-test=job-row]')]"
      ".map(r => [Number(r.dataset.id), r.dataset.state]);");
  nlohmann::json api_rows = nlohmann::json::array();
  const nlohmann::json active = Api("/v1/jobs?state=active&limit=1000");
  for (const auto& listed : active["jobs"]) api_rows.push_back({listed["id"], listed["state"]});
  EXPECT_EQ(rows, api_rows) << "the page shows the active jobs first, as the API does";
  Open(*browser, "#/jobs?state=all&name=hello", "jobs");
  EXPECT_EQ(browser->Run("return [...document.querySelectorAll('[data-test=job-row]')]"
                         ".map(r => Number(r.dataset.id));"),
            nlohmann::json::array({hello}));
  Shoot(*browser, "jobs");

  // Queue: the counts, the waiting job and, when the API plans its start, its bar.
  Open(*browser, "#/queue", "queue");
  nlohmann::json queue = Api("/v1/queue");
  EXPECT_EQ(Text(*browser, "[data-test=count-RUN]"),
            std::to_string(queue["counts"].value("RUN", 0)));
  EXPECT_EQ(browser->Run("return !!document.querySelector('[data-test=pending-row][data-id=\"' +"
                         " arguments[0] + '\"]');",
                         {std::to_string(big)}),
            true);
  bool planned = false;
  for (const auto& pending : queue["pending"]) {
    if (pending["id"] == big && !pending["reserved_start"].is_null()) planned = true;
  }
  EXPECT_TRUE(planned) << "EASY plans the start of the first waiting job: " << queue.dump();
  EXPECT_EQ(browser->Run("return !!document.querySelector('[data-test=reservation][data-id=\"' +"
                         " arguments[0] + '\"]');",
                         {std::to_string(big)}),
            planned);
  Shoot(*browser, "queue");

  // Services and JobSets.
  Open(*browser, "#/services", "services");
  const nlohmann::json services = Api("/v1/services");
  ASSERT_EQ(services["services"].size(), 1u) << services.dump();
  EXPECT_EQ(services["services"][0]["name"], "web");
  EXPECT_EQ(browser->Run("const r = document.querySelector("
                         "'[data-test=service-row][data-name=web]');"
                         " return r ? r.dataset.state : null;"),
            services["services"][0]["state"]);
  Shoot(*browser, "services");
  Open(*browser, "#/jobsets", "jobsets");
  EXPECT_EQ(
      browser->Run("return !!document.querySelector('[data-test=jobset-row][data-name=pair]');"),
      true);
  Open(*browser, "#/jobset/pair", "jobset");
  EXPECT_EQ(Text(*browser, "[data-test=jobset-phase]"),
            Api("/v1/objects/jobset/pair")["status"]["phase"]);
  EXPECT_EQ(browser->Run("return document.querySelectorAll('[data-test=child-row]').length;"), 2);
  Shoot(*browser, "jobset");

  // Events: the past ones, then a job submitted now shows up without a reload.
  Open(*browser, "#/events", "events");
  EXPECT_GT(browser->Run("return document.querySelectorAll('[data-test=event-row]').length;"), 5);
  // With a time limit it may start before the waiting 16-core job (EASY backfills it).
  const int64_t late =
      SubmitJob(*instance_, {"--job-name", "late-arrival", "-t", "1m", "true"});
  EXPECT_TRUE(browser->WaitUntil(
      "return [...document.querySelectorAll('[data-test=event-row][data-kind=job]')]"
      ".some(r => r.textContent.includes('late-arrival') || "
      "r.textContent.includes(arguments[0]));",
      10, {std::to_string(late)}))
      << browser->Run("return document.querySelector('[data-test=event-rows]').innerText;");
  Shoot(*browser, "events");

  // Report: the instance's figures and its chart.
  EXPECT_EQ(testutil::WaitInactive(*instance_, late)["result"], "completed");
  Open(*browser, "#/report", "report");
  nlohmann::json report = Api("/v1/report");
  for (const char* key : {"cores", "jobs", "running", "pending"}) {
    EXPECT_EQ(Text(*browser, std::string("[data-test=summary-row][data-key=") + key + "] td"),
              std::to_string(report["summary"][key].get<int64_t>()))
        << key;
  }
  EXPECT_EQ(report["summary"]["jobs"], 6) << "every job that started: " << report.dump();
  EXPECT_EQ(report["summary"]["pending"], 1);
  EXPECT_EQ(browser->Run("return !!document.querySelector('[data-test=report-svg] svg polyline');"),
            true);
  Shoot(*browser, "report");
}

TEST_F(DashboardTest, TheProxyWantsItsTokenForDataButNotForTheFilesAndOnlyReads) {
  UiProcess ui(*instance_, files_);
  ASSERT_FALSE(ui.url().empty()) << ui.log();
  api::HttpResponse page = ui.Get("/ui/", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(ui.Get("/ui/app.js", "").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(ui.Get("/ui/missing.js", "").status, 404);
  EXPECT_EQ(ui.Get("/v1/jobs", "").status, 401);
  EXPECT_EQ(ui.Get("/v1/jobs", "wrong").status, 401);
  EXPECT_EQ(ui.Get("/v1/jobs", ui.token()).status, 200);
  auto client = api::HttpClient::Connect(
      *api::ParseAddress(ui.base().replace(0, 7, "tcp:")), ui.token());
  ASSERT_TRUE(client.ok());
  Result<api::HttpResponse> cancel = (*client)->Call("POST", "/v1/shutdown", "{}");
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->status, 405);
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/health").status, 200) << "still running";
}

// The page reads the instance as the user who ran `converge ui`: everyone may list the jobs,
// but a job's output is its user's (and the owner's) alone.
TEST_F(DashboardTest, ThroughTheProxyAUserReadsWhatTheApiLetsThemReadAndNoMore) {
  testutil::ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  InstanceLauncher shared({.resources = files_.Write("shared.yaml", kCluster),
                           .extra_args = {"--multiuser"}});
  ASSERT_TRUE(shared.Start()) << shared.log();
  const int64_t owners = SubmitJob(shared, {"echo", "owner-secret"});
  // From /tmp: the checkout may be a folder only root can enter (a CI clone is 0700).
  testutil::CommandResult submitted =
      user.RunConverge(shared, {"submit", "--cwd", "/tmp", "echo", "users-own"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const int64_t users = std::stoll(submitted.out);
  EXPECT_EQ(testutil::WaitInactive(shared, owners)["result"], "completed");
  EXPECT_EQ(testutil::WaitInactive(shared, users)["result"], "completed");

  std::string error;
  std::vector<std::string> argv = user.ConvergeArgv(shared, {"ui"}, &error);
  ASSERT_FALSE(argv.empty()) << error;
  UiProcess ui(argv, files_.path() + "/user-ui.log");
  ASSERT_FALSE(ui.url().empty()) << ui.log();
  const std::string output = "/output?stream=stdout";
  EXPECT_EQ(ui.Get("/v1/jobs/" + std::to_string(owners) + output, ui.token()).status, 403);
  api::HttpResponse own = ui.Get("/v1/jobs/" + std::to_string(users) + output, ui.token());
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(own.body, "users-own\n");
  nlohmann::json listed =
      nlohmann::json::parse(ui.Get("/v1/jobs?state=all", ui.token()).body, nullptr, false);
  ASSERT_TRUE(listed.is_object());
  EXPECT_EQ(listed["jobs"].size(), 2u) << "listing is for everyone, as in the API";
  shared.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge
