// submit_latency: N concurrent clients each submit M `true` jobs over their own connection to
// a running instance (CONVERGE_URI); prints submit latency percentiles and the submit rate.
// Usage: submit_latency [clients=16] [per_client=200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.h"

namespace {

constexpr const char* kJobspec = R"({"version": 1, "resources": [{"type": "slot", "count": 1,
  "label": "task", "with": [{"type": "core", "count": 1}]}], "tasks": [{"command": ["true"],
  "slot": "task", "count": {"per_slot": 1}}], "attributes": {"system": {"duration": 60}}})";

}  // namespace

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 16;
  const int per_client = argc > 2 ? std::atoi(argv[2]) : 200;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::vector<int> failures(static_cast<size_t>(clients), 0);
  auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = converge::api::HttpClient::ConnectFromEnvironment();
      if (!client.ok()) {
        failures[c] = per_client;
        return;
      }
      for (int i = 0; i < per_client; ++i) {
        auto start = std::chrono::steady_clock::now();
        auto response = (*client)->Call("POST", "/v1/jobs", kJobspec);
        auto end = std::chrono::steady_clock::now();
        if (!response.ok() || response->status != 201) ++failures[c];
        latencies[c].push_back(std::chrono::duration<double, std::milli>(end - start).count());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::vector<double> all;
  int failed = 0;
  for (int c = 0; c < clients; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    failed += failures[c];
  }
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::printf("{\"clients\": %d, \"submits\": %zu, \"failed\": %d, \"seconds\": %.3f, "
              "\"submits_per_second\": %.0f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, "
              "\"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
              clients, all.size(), failed, seconds, all.size() / seconds, percentile(0.50),
              percentile(0.90), percentile(0.99), all.empty() ? 0.0 : all.back());
  return failed == 0 ? 0 : 1;
}
