#include "cli/client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "cli/job_table.h"

namespace converge::cli {

Result<Session> Session::Open() {
  Result<std::unique_ptr<api::HttpClient>> client = api::HttpClient::ConnectFromEnvironment();
  if (!client.ok()) return client.status();
  return Session(std::move(client).value());
}

Status ApiError(int http_status, const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  std::string message = "the instance answered HTTP " + std::to_string(http_status);
  std::string field;
  if (json.is_object() && json.contains("error") && json["error"].is_string()) {
    message = json["error"].get<std::string>();
    if (json.contains("field") && json["field"].is_string()) field = json["field"];
  }
  Code code = http_status == 404   ? Code::kNotFound
              : http_status == 403 ? Code::kSkip
              : http_status == 422 ? Code::kUnsatisfiable
              : http_status < 500  ? Code::kInvalidArgument
                                   : Code::kInternal;
  return Status(code, message, field);
}

Result<nlohmann::json> Session::Call(const std::string& method, const std::string& target,
                                     const std::string& body) {
  Result<api::HttpResponse> response = client_->Call(method, target, body);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return ApiError(response->status, response->body);
  }
  nlohmann::json json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded()) return Status(Code::kInternal, "the instance sent invalid JSON");
  return json;
}

Result<std::string> Session::GetText(const std::string& target) {
  Result<api::HttpResponse> response = client_->Call("GET", target);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return ApiError(response->status, response->body);
  }
  return std::move(response->body);
}

Result<int> Session::Stream(const std::string& target,
                            const std::function<bool(std::string_view chunk)>& on_chunk) {
  return client_->Stream("GET", target, on_chunk);
}

Result<nlohmann::json> WaitFor(Session& session, int64_t id) {
  const std::string base = "/v1/jobs/" + std::to_string(id);
  Result<int> status =
      session.Stream(base + "/events?watch=true", [](std::string_view) { return true; });
  if (!status.ok()) return status.status();
  Result<nlohmann::json> job = session.Call("GET", base);  // also the API's error, if any
  if (job.ok() && job->value("state", "") != "INACTIVE") {
    return Status(Code::kInternal, "the event stream ended before the job did");
  }
  return job;
}

int WaitForAll(Session& session, const std::vector<int64_t>& ids, const std::string& command) {
  int rc = 0;
  for (int64_t id : ids) {
    Result<nlohmann::json> job = WaitFor(session, id);
    if (!job.ok()) {
      rc = std::max(rc, Fail(command, job.status()));
      continue;
    }
    if (job->value("result", "") == "completed") continue;
    std::fprintf(stderr, "job %lld: %s\n", static_cast<long long>(id), DescribeEnd(*job).c_str());
    const nlohmann::json code = job->value("exit_code", nlohmann::json());
    rc = std::max(rc, code.is_number_integer() && code.get<int>() > 0 ? code.get<int>() : 1);
  }
  return rc;
}

Result<std::vector<nlohmann::json>> ListJobs(Session& session, const std::string& query) {
  std::vector<nlohmann::json> jobs;
  std::string after = "0";
  while (true) {
    Result<nlohmann::json> page =
        session.Call("GET", "/v1/jobs?" + query + "&limit=1000&after=" + after);
    if (!page.ok()) return page.status();
    auto list = page->find("jobs");
    if (list == page->end() || !list->is_array()) {
      return Status(Code::kInternal, "the instance's job list has no \"jobs\"");
    }
    for (auto& job : *list) jobs.push_back(std::move(job));
    auto next = page->find("next_after");
    if (next == page->end() || !next->is_number_integer()) return jobs;
    after = next->dump();
  }
}

double WallClockNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ',' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

std::string SelfUser() { return std::to_string(::getuid()); }

int Fail(const std::string& command, const Status& status) {
  std::string text = status.message();
  if (!status.where().empty()) text += " (field: " + status.where() + ")";
  std::fprintf(stderr, "converge %s: %s\n", command.c_str(), text.c_str());
  return 1;
}

std::pair<std::string, std::set<std::string>> StateFilter(const std::string& text) {
  std::string states;
  std::set<std::string> results;
  bool all_inactive = false;
  std::istringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    std::string word = item;
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "cancelled") word = "canceled";
    std::string add = item;
    if (word == "pending") {
      add = "DEPEND,PRIORITY,SCHED";
    } else if (word == "running") {
      add = "RUN,CLEANUP";
    } else if (word == "completed" || word == "failed" || word == "canceled" ||
               word == "timeout") {
      results.insert(word);
      add = "INACTIVE";
    } else if (word == "inactive" || word == "all") {
      all_inactive = true;
    }
    states += (states.empty() ? "" : ",") + add;
  }
  if (all_inactive) results.clear();
  return {states, results};
}

}  // namespace converge::cli
