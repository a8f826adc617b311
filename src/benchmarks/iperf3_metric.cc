// iperf3: TCP throughput between two tasks, on one node (loopback) or two.
//
// Rank 1 is the server (`iperf3 -s -1`: one test, then it exits; it gives up after 30 idle
// seconds). Rank 0 is the client, so its JSON is the job's result (Plan.whole_job): it retries
// for up to 10 s until the server listens. With two nodes the client must be told the
// server's address (rank 1's node), as the tasks cannot know each other's addresses.
#include <optional>
#include <string>

#include "benchmarks/json_output.h"
#include "benchmarks/metric.h"
#include "benchmarks/option_values.h"
#include "benchmarks/shell_quote.h"

namespace converge::benchmarks {
namespace {

constexpr const char* kName = "iperf3";

// A host name, IPv4 or IPv6 address: [A-Za-z0-9.:%_-], not starting with '-' (iperf3 would
// read it as an option).
Result<std::string> ParseServer(const Options& options) {
  auto it = options.find("server");
  if (it == options.end()) return std::string("127.0.0.1");
  const std::string& server = it->second;
  const bool chars_ok = !server.empty() && server.size() <= 255 && server.front() != '-' &&
                        server.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                 "0123456789.:%_-") == std::string::npos;
  if (!chars_ok) {
    return Status::Invalid("options.server", "'" + server + "' is not a host name or address");
  }
  return server;
}

std::string Script(const std::string& server, int64_t port, int64_t seconds, int64_t parallel,
                   bool reverse) {
  std::string client = "iperf3 -c " + ShellQuote(server) + " -p " + std::to_string(port) +
                       " -J -t " + std::to_string(seconds) + " -P " + std::to_string(parallel) +
                       (reverse ? " -R" : "");
  return "set -u\n"
         "command -v iperf3 >/dev/null 2>&1 || { echo 'converge: iperf3 is not installed' >&2; "
         "exit 127; }\n"
         "if [ \"${CONVERGE_TASK_RANK:-0}\" != 0 ]; then\n"
         "  exec iperf3 -s -1 -p " + std::to_string(port) + " --idle-timeout 30\n"
         "fi\n"
         "attempt=0\n"
         "while :; do\n"
         "  status=0\n"
         "  out=$(" + client + " 2>&1) || status=$?\n"
         "  case \"$out\" in\n"
         "    *'\"error\"'*) ;;\n"
         "    *) if [ \"$status\" -eq 0 ]; then printf '%s\\n' \"$out\"; exit 0; fi ;;\n"
         "  esac\n"
         "  attempt=$((attempt + 1))\n"
         "  if [ \"$attempt\" -ge 50 ]; then printf '%s\\n' \"$out\"; exit 1; fi\n"
         "  sleep 0.2\n"
         "done\n";
}

class Iperf3Metric final : public Metric {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "iperf3 TCP throughput between two tasks (one node: loopback; two nodes: the network)";
  }
  std::vector<std::pair<std::string, std::string>> options() const override {
    return {{"server", "address the client (rank 0) connects to: rank 1's node; required with "
                       "2 nodes (default 127.0.0.1)"},
            {"port", "TCP port of the server (default 5201)"},
            {"time", "seconds of transfer (default 2)"},
            {"parallel", "parallel streams (default 1)"},
            {"reverse", "true: the server sends, the client receives (default false)"}};
  }

  Result<Plan> MakePlan(const Options& options, const Placement& placement) const override {
    CONVERGE_RETURN_IF_ERROR(CheckOptionNames(kName, options, this->options()));
    if (placement.nodes < 1 || placement.nodes > 2) {
      return Status::Invalid("nodes", "iperf3 runs on 1 node (two tasks) or 2 nodes, not " +
                                          std::to_string(placement.nodes));
    }
    if (placement.nodes == 2 && options.count("server") == 0) {
      return Status::Invalid("options.server",
                             "with 2 nodes, give the server's address (rank 1's node)");
    }
    Result<std::string> server = ParseServer(options);
    if (!server) return server.status();
    Result<int64_t> port = ParseCount(options, "port", 5201, 1, 65535);
    if (!port) return port.status();
    Result<int64_t> seconds = ParseCount(options, "time", 2, 1, 86400);
    if (!seconds) return seconds.status();
    Result<int64_t> parallel = ParseCount(options, "parallel", 1, 1, 128);
    if (!parallel) return parallel.status();
    Result<bool> reverse = ParseFlag(options, "reverse", false);
    if (!reverse) return reverse.status();
    Plan plan;
    plan.argv = {"sh", "-c", Script(*server, *port, *seconds, *parallel, *reverse)};
    plan.tasks_per_node = placement.nodes == 1 ? 2 : 1;
    plan.whole_job = true;
    plan.time_limit = *seconds + 60;
    return plan;
  }

  Result<std::vector<Value>> Parse(std::string_view output) const override {
    Result<nlohmann::json> report = FindJsonObject(output, kName);
    if (!report) return report.status();
    const nlohmann::json* error = JsonAt(*report, {"error"});
    if (error != nullptr && error->is_string()) {
      return Status::Invalid(kName, "iperf3 failed: " + error->get<std::string>());
    }
    const std::optional<double> sent = NumberAt(*report, {"end", "sum_sent", "bits_per_second"});
    const std::optional<double> received =
        NumberAt(*report, {"end", "sum_received", "bits_per_second"});
    if (!sent || !received) {
      return Status::Invalid(kName, "no end.sum_sent or end.sum_received.bits_per_second");
    }
    std::vector<Value> values = {{"sent_gbit_s", *sent / 1e9, "Gbit/s"},
                                 {"received_gbit_s", *received / 1e9, "Gbit/s"}};
    if (std::optional<double> retransmits = NumberAt(*report, {"end", "sum_sent", "retransmits"})) {
      values.push_back({"retransmits", *retransmits, ""});
    }
    // The sender measures RTT: with -R the client receives and reports 0, left out.
    const nlohmann::json* streams = JsonAt(*report, {"end", "streams"});
    double rtt_sum = 0;
    int rtt_count = 0;
    if (streams != nullptr && streams->is_array()) {
      for (const nlohmann::json& stream : *streams) {
        std::optional<double> rtt = NumberAt(stream, {"sender", "mean_rtt"});
        if (rtt && *rtt > 0) {
          rtt_sum += *rtt;
          ++rtt_count;
        }
      }
    }
    if (rtt_count > 0) values.push_back({"mean_rtt_us", rtt_sum / rtt_count, "us"});
    return values;
  }
};

}  // namespace

const Metric& Iperf3MetricPlugin() {
  static const Iperf3Metric metric;
  return metric;
}

}  // namespace converge::benchmarks
