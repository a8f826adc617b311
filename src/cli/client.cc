#include "cli/client.h"

#include <cstdio>

namespace converge::cli {

Result<Session> Session::Open() {
  Result<std::unique_ptr<api::HttpClient>> client = api::HttpClient::ConnectFromEnvironment();
  if (!client.ok()) return client.status();
  return Session(std::move(client).value());
}

Result<nlohmann::json> Session::Call(const std::string& method, const std::string& target,
                                     const std::string& body) {
  Result<api::HttpResponse> response = client_->Call(method, target, body);
  if (!response.ok()) return response.status();
  nlohmann::json json = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status >= 200 && response->status < 300) {
    if (json.is_discarded()) return Status(Code::kInternal, "the instance sent invalid JSON");
    return json;
  }
  std::string message = "HTTP " + std::to_string(response->status);
  std::string field;
  if (json.is_object() && json.contains("error") && json["error"].is_string()) {
    message = json["error"].get<std::string>();
    if (json.contains("field") && json["field"].is_string()) field = json["field"];
  }
  Code code = response->status == 404   ? Code::kNotFound
              : response->status == 403 ? Code::kSkip
              : response->status < 500  ? Code::kInvalidArgument
                                        : Code::kInternal;
  return Status(code, message, field);
}

int Fail(const std::string& command, const Status& status) {
  std::string text = status.message();
  if (!status.where().empty()) text += " (field: " + status.where() + ")";
  std::fprintf(stderr, "converge %s: %s\n", command.c_str(), text.c_str());
  return 1;
}

}  // namespace converge::cli
