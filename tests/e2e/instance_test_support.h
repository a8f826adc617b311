// Helpers shared by the instance end-to-end tests: API calls against a launched instance.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/http_client.h"
#include "tests/testutil/instance_launcher.h"

namespace converge::testutil {

// One API call; the parsed JSON body (null when the body is not JSON) and the status.
struct ApiAnswer {
  int status = 0;
  nlohmann::json body;
  std::string text;
};

inline ApiAnswer CallApi(const InstanceLauncher& instance, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         const std::string& content_type = "application/json") {
  ApiAnswer answer;
  auto address = api::ParseAddress(instance.uri());
  if (!address.ok()) return answer;
  auto client = api::HttpClient::Connect(*address, "");
  if (!client.ok()) return answer;
  auto response = (*client)->Call(method, target, body, content_type);
  if (!response.ok()) return answer;
  answer.status = response->status;
  answer.text = response->body;
  answer.body = nlohmann::json::parse(response->body, nullptr, false);
  return answer;
}

// A YAML jobspec (the API takes YAML bodies as well as JSON) of one task on one core running
// `command` (a YAML flow list, e.g. `["true"]`), with `system` as attributes.system (YAML flow).
inline std::string OneTaskJobspecYaml(const std::string& command,
                                      const std::string& system = "{duration: 60}") {
  return R"(version: 1
resources:
  - type: slot
    count: 1
    label: task
    with: [{type: core, count: 1}]
tasks:
  - command: )" +
         command + R"(
    slot: task
    count: {per_slot: 1}
attributes:
  system: )" +
         system + "\n";
}

// A one-task `true` job as a YAML jobspec.
inline const std::string kTrueJobspecYaml = OneTaskJobspecYaml(R"(["true"])");

inline nlohmann::json GetJob(const InstanceLauncher& instance, int64_t id) {
  return CallApi(instance, "GET", "/v1/jobs/" + std::to_string(id)).body;
}

// Waits up to `seconds` for job `id` to become INACTIVE; returns its object.
inline nlohmann::json WaitInactive(const InstanceLauncher& instance, int64_t id,
                                   double seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < deadline) {
    job = GetJob(instance, id);
    if (job.is_object() && job.value("state", "") == "INACTIVE") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return job;
}

// `converge submit ARGS`; the printed id, or -1 (with a test failure).
inline int64_t SubmitJob(const InstanceLauncher& instance, std::vector<std::string> args) {
  args.insert(args.begin(), "submit");
  CommandResult result = instance.Run(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  try {
    return std::stoll(result.out);
  } catch (...) {
    ADD_FAILURE() << "submit printed '" << result.out << "'";
    return -1;
  }
}

}  // namespace converge::testutil
