// GET /metrics of a real instance: the Prometheus text format on every listener (the token
// on TCP as for the API; --metrics-listen without one, loopback only), and a real Prometheus
// (Debian's `prometheus`, started here on loopback) scraping both while jobs run and end,
// its answers read through its HTTP query API.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/address.h"
#include "api/http_client.h"
#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/child_process.h"
#include "tests/testutil/instance_launcher.h"
#include "tests/testutil/run_command.h"

namespace converge {
namespace {

using testutil::CallApi;
using testutil::CommandResult;
using testutil::InstanceLauncher;
using testutil::InstanceOptions;
using testutil::TempDir;

constexpr const char* kCluster = R"(cluster: {name: test}
nodes:
  - {count: 4, basename: node, sockets: 1, cores_per_socket: 4}
)";

// The http://HOST:PORT/metrics address the instance printed, as "tcp:HOST:PORT", or "".
std::string MetricsAddress(const InstanceLauncher& instance) {
  std::smatch match;
  const std::string log = instance.log();
  if (!std::regex_search(log, match, std::regex(R"(metrics: http://([0-9.]+):([0-9]+)/metrics)"))) {
    return "";
  }
  return "tcp:" + match[1].str() + ":" + match[2].str();
}

std::string Token(const InstanceLauncher& instance) {
  std::string token = testutil::ReadFile(instance.state_dir() + "/token");
  token.erase(token.find_last_not_of('\n') + 1);
  return token;
}

// One GET over TCP; status 0 when the call failed.
api::HttpResponse Get(const std::string& address_text, const std::string& target,
                      const std::string& token = "") {
  api::HttpResponse failed;
  failed.status = 0;
  Result<api::Address> address = api::ParseAddress(address_text);
  if (!address.ok()) return failed;
  auto client = api::HttpClient::Connect(*address, token);
  if (!client.ok()) return failed;
  Result<api::HttpResponse> response = (*client)->Call("GET", target, "", "");
  return response.ok() ? *response : failed;
}

// Checks the exposition line by line: every family has HELP then TYPE, samples belong to the
// family announced last, counters end in _total, and values parse. Returns the families.
std::set<std::string> CheckExposition(const std::string& text) {
  std::set<std::string> families;
  std::string family, type;
  std::istringstream lines(text);
  std::string line;
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (\S+)$)");
  while (std::getline(lines, line)) {
    std::smatch match;
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(family).second) << "family twice: " << family;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_EQ(line.substr(7, family.size()), family) << line;
      type = line.substr(7 + family.size() + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      if (type == "counter") {
        EXPECT_TRUE(family.size() > 6 && family.substr(family.size() - 6) == "_total") << family;
      }
      continue;
    }
    if (!std::regex_match(line, match, sample)) {
      ADD_FAILURE() << "not a sample: " << line;
      continue;
    }
    const std::string name = match[1].str();
    if (type == "histogram") {
      EXPECT_TRUE(name == family + "_bucket" || name == family + "_sum" ||
                  name == family + "_count")
          << line;
    } else {
      EXPECT_EQ(name, family) << line;
    }
    const std::string value = match[5].str();
    if (value != "+Inf" && value != "-Inf" && value != "NaN") {
      size_t used = 0;
      EXPECT_NO_THROW(std::stod(value, &used)) << line;
      EXPECT_EQ(used, value.size()) << line;
    }
  }
  return families;
}

// The value of the sample `name{labels}` exactly as printed, or -1.
double SampleValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

class MetricsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (instance_) instance_->PrintLogIfFailed();
  }
  void Start(std::vector<std::string> extra) {
    instance_ = std::make_unique<InstanceLauncher>(InstanceOptions{
        .resources = files_.Write("cluster.yaml", kCluster), .extra_args = extra, .tcp = true});
    ASSERT_TRUE(instance_->Start()) << instance_->log();
  }

  TempDir files_;
  std::unique_ptr<InstanceLauncher> instance_;
};

TEST_F(MetricsTest, EveryListenerServesTheTextFormatAndTcpNeedsTheToken) {
  Start({"--metrics-listen", "tcp:127.0.0.1:0"});
  const std::string metrics = MetricsAddress(*instance_);
  ASSERT_FALSE(metrics.empty()) << instance_->log();
  const int64_t sleeper = testutil::SubmitJob(*instance_, {"-n2", "sleep", "30"});
  testutil::WaitInactive(*instance_, testutil::SubmitJob(*instance_, {"true"}));

  // The Unix socket, like every API route.
  testutil::ApiAnswer unix_answer = CallApi(*instance_, "GET", "/metrics");
  ASSERT_EQ(unix_answer.status, 200) << unix_answer.text;
  const std::set<std::string> families = CheckExposition(unix_answer.text);
  for (const char* family :
       {"converge_jobs", "converge_job_transitions_total", "converge_jobs_ended_total",
        "converge_job_wait_seconds", "converge_job_submit_duration_seconds",
        "converge_scheduler_pass_duration_seconds", "converge_scheduler_pending_jobs",
        "converge_scheduler_reservations", "converge_cores", "converge_gpus",
        "converge_memory_bytes", "converge_node_cores_allocated", "converge_services",
        "converge_service_restarts_total", "converge_jobsets",
        "converge_store_commit_duration_seconds", "converge_store_commit_rows",
        "converge_api_requests_total", "converge_api_request_duration_seconds"}) {
    EXPECT_TRUE(families.count(family)) << family;
  }
  const std::string& text = unix_answer.text;
  EXPECT_EQ(SampleValue(text, R"(converge_jobs{state="RUN",queue=""})"), 1) << text;
  EXPECT_EQ(SampleValue(text, R"(converge_jobs_ended_total{queue="",result="completed"})"), 1);
  EXPECT_EQ(SampleValue(text, R"(converge_cores{state="allocated"})"), 2);
  EXPECT_EQ(SampleValue(text, R"(converge_cores{state="free"})"), 14);
  EXPECT_EQ(SampleValue(text, R"(converge_job_wait_seconds_count{queue=""})"), 2);
  EXPECT_GE(SampleValue(text, R"(converge_api_requests_total{method="POST",route="/v1/jobs",code="201"})"),
            2);

  // The job list's filters, which the dashboard pages on.
  const nlohmann::json running = testutil::GetJob(*instance_, sleeper);
  const std::string node = running.value("nodelist", "");
  testutil::ApiAnswer on_node = CallApi(*instance_, "GET", "/v1/jobs?node=" + node);
  ASSERT_EQ(on_node.status, 200) << on_node.text;
  ASSERT_EQ(on_node.body["jobs"].size(), 1u) << on_node.text;
  EXPECT_EQ(on_node.body["jobs"][0]["id"], sleeper);
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/jobs?state=all&name=sleep").body["jobs"].size(), 1u);
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/jobs?state=all&name=true").body["jobs"].size(), 1u);
  EXPECT_EQ(CallApi(*instance_, "GET", "/v1/jobs?state=all&queue=other").body["jobs"].size(), 0u);
  testutil::ApiAnswer unknown = CallApi(*instance_, "GET", "/v1/jobs?node=nowhere");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body["field"], "node");

  // TCP: the API's listener wants the token; the metrics listener wants none and serves
  // nothing else.
  EXPECT_EQ(Get(instance_->TcpAddress(), "/metrics").status, 401);
  api::HttpResponse with_token = Get(instance_->TcpAddress(), "/metrics", Token(*instance_));
  EXPECT_EQ(with_token.status, 200);
  api::HttpResponse open = Get(metrics, "/metrics");
  EXPECT_EQ(open.status, 200);
  EXPECT_NE(open.content_type.find("text/plain; version=0.0.4"), std::string::npos)
      << open.content_type;
  EXPECT_EQ(SampleValue(open.body, R"(converge_jobs{state="RUN",queue=""})"), 1);
  EXPECT_EQ(Get(metrics, "/v1/jobs").status, 404);
  EXPECT_EQ(Get(metrics, "/v1/jobs/" + std::to_string(sleeper)).status, 404);
}

TEST(MetricsListenTest, OnlyLoopbackUnlessTheOperatorSaysOtherwise) {
  TempDir dir;
  CommandResult refused = testutil::RunConverge(
      {"start", "--state", dir.path() + "/s", "--resources", dir.Write("c.yaml", kCluster),
       "--metrics-listen", "tcp:0.0.0.0:0"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--metrics-listen tcp:0.0.0.0:0"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("loopback"), std::string::npos) << refused.err;
  CommandResult unix_address = testutil::RunConverge(
      {"start", "--state", dir.path() + "/s", "--resources", dir.path() + "/c.yaml",
       "--metrics-listen", "unix:" + dir.path() + "/m.sock"});
  EXPECT_EQ(unix_address.exit_code, 1);
  EXPECT_NE(unix_address.err.find("is not tcp:HOST:PORT"), std::string::npos)
      << unix_address.err;
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof(buffer), "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

// Debian's prometheus on 127.0.0.1, scraping `targets` every second; killed when destroyed.
class Prometheus {
 public:
  explicit Prometheus(const std::string& config_yaml)
      : port_(testutil::FreeLoopbackPort()),
        process_({"/usr/bin/prometheus",
                  "--config.file=" + dir_.Write("prometheus.yml", config_yaml),
                  "--storage.tsdb.path=" + dir_.path() + "/data",
                  "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
                 dir_.path() + "/prometheus.log") {}
  std::string address() const { return "tcp:127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_.log(); }

  bool WaitReady(double seconds) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Get(address(), "/-/ready").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // The value of the instant query `query` as Prometheus answers it (the first series), or
  // nullopt when it has no answer (yet).
  std::optional<double> Query(const std::string& query) {
    api::HttpResponse response = Get(address(), "/api/v1/query?query=" + UrlEncode(query));
    if (response.status != 200) return std::nullopt;
    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || body.value("status", "") != "success") return std::nullopt;
    const nlohmann::json& result = body["data"]["result"];
    if (!result.is_array() || result.empty()) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  }
  // Waits until `query` answers `wanted`; the last answer either way (nullopt: none).
  std::optional<double> WaitFor(const std::string& query, double wanted, double seconds = 20) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::optional<double> value;
    while (std::chrono::steady_clock::now() < deadline) {
      value = Query(query);
      if (value && *value == wanted) return value;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return value;
  }

 private:
  TempDir dir_;
  int port_ = 0;
  testutil::ChildProcess process_;
};

TEST_F(MetricsTest, APrometheusScrapesTheInstanceWhileJobsRunAndEnd) {
  if (::access("/usr/bin/prometheus", X_OK) != 0) {
    GTEST_SKIP() << "Debian's prometheus is not installed (scripts/install-deps installs it)";
  }
  Start({"--metrics-listen", "tcp:127.0.0.1:0"});
  const std::string metrics = MetricsAddress(*instance_);
  ASSERT_FALSE(metrics.empty()) << instance_->log();
  auto target = [](const std::string& address) { return address.substr(4); };  // no "tcp:"
  // Two scrape jobs: the open metrics listener, and the API's TCP listener with its token.
  Prometheus prometheus("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        "scrape_configs:\n"
                        "  - job_name: converge\n"
                        "    static_configs: [{targets: ['" + target(metrics) + "']}]\n"
                        "  - job_name: converge-api\n"
                        "    authorization: {credentials_file: " + instance_->state_dir() +
                        "/token}\n"
                        "    static_configs: [{targets: ['" + target(instance_->TcpAddress()) +
                        "']}]\n");
  ASSERT_TRUE(prometheus.WaitReady(30)) << prometheus.log();

  std::vector<int64_t> sleepers;
  for (int i = 0; i < 3; ++i) sleepers.push_back(testutil::SubmitJob(*instance_, {"sleep", "60"}));
  for (int i = 0; i < 5; ++i) {
    testutil::WaitInactive(*instance_, testutil::SubmitJob(*instance_, {"true"}));
  }
  EXPECT_EQ(prometheus.WaitFor(R"(up{job="converge"})", 1), 1) << prometheus.log();
  EXPECT_EQ(prometheus.WaitFor(R"(up{job="converge-api"})", 1), 1) << prometheus.log();
  for (const char* job : {"converge", "converge-api"}) {
    const std::string selector = std::string("job=\"") + job + "\"";
    EXPECT_EQ(prometheus.WaitFor("converge_jobs{state=\"RUN\"," + selector + "}", 3), 3) << job;
    EXPECT_EQ(prometheus.WaitFor(
                  "converge_jobs_ended_total{result=\"completed\"," + selector + "}", 5),
              5)
        << job;
    EXPECT_EQ(prometheus.WaitFor("converge_cores{state=\"allocated\"," + selector + "}", 3), 3)
        << job;
  }
  EXPECT_EQ(prometheus.WaitFor(R"(sum(converge_node_cores_allocated{job="converge"}))", 3), 3);
  EXPECT_EQ(prometheus.WaitFor(R"(count(converge_node_cores{job="converge"} == 4))", 4), 4);

  for (int64_t id : sleepers) {
    ASSERT_EQ(instance_->Run({"cancel", std::to_string(id)}).exit_code, 0);
  }
  EXPECT_EQ(prometheus.WaitFor(R"(converge_jobs_ended_total{result="canceled",job="converge"})",
                               3),
            3);
  EXPECT_EQ(prometheus.WaitFor(R"(converge_jobs{state="RUN",job="converge"})", 0), 0);
  EXPECT_EQ(prometheus.WaitFor(R"(converge_cores{state="free",job="converge"})", 16), 16);
  // The histograms work with PromQL's own functions: every one of the 8 jobs waited well
  // under a minute.
  EXPECT_EQ(prometheus.WaitFor(R"(converge_job_wait_seconds_count{job="converge"})", 8), 8);
  const std::optional<double> p99 = prometheus.Query(
      R"(histogram_quantile(0.99, sum by (le) (converge_job_wait_seconds_bucket{job="converge"})))");
  ASSERT_TRUE(p99.has_value());
  EXPECT_GE(*p99, 0);
  EXPECT_LE(*p99, 60);
}

}  // namespace
}  // namespace converge
