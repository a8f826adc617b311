#include "examples/ml-workflow/ml_client.h"

namespace converge::ml {
namespace {

constexpr std::string_view kScheme = "http://";

Code CodeForHttpStatus(int status) {
  if (status == 400) return Code::kInvalidArgument;
  if (status == 409) return Code::kWait;
  if (status == 404) return Code::kNotFound;
  return Code::kInternal;
}

}  // namespace

Result<api::Address> ParseMlUrl(std::string_view url) {
  const std::string where(url);
  if (!url.starts_with(kScheme)) {
    return Status::Invalid(where, "the URL must look like http://HOST:PORT");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return Status::Invalid(where, "the URL must not have a path (http://HOST:PORT)");
  }
  Result<api::Address> address = api::ParseAddress("tcp:" + std::string(rest));
  if (!address.ok()) return Status::Invalid(where, address.status().message());
  if (address->port == 0) return Status::Invalid(where, "the URL needs a port other than 0");
  return address;
}

Result<std::unique_ptr<MlClient>> MlClient::Connect(std::string_view url) {
  Result<api::Address> address = ParseMlUrl(url);
  if (!address.ok()) return address.status();
  Result<std::unique_ptr<api::HttpClient>> http = api::HttpClient::Connect(*address, "");
  if (!http.ok()) {
    if (http.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, "cannot connect to " + std::string(url) +
                                         ": connection refused (is `converge-ml serve` running?)");
    }
    return http.status();
  }
  return std::unique_ptr<MlClient>(new MlClient(std::string(url), std::move(*http)));
}

Result<nlohmann::json> MlClient::Call(const std::string& method, const std::string& path,
                                      const nlohmann::json& body) {
  Result<api::HttpResponse> response = http_->Call(method, path, body.is_null() ? "" : body.dump());
  if (!response.ok()) return response.status();
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status < 200 || response->status > 299) {
    std::string message = "HTTP " + std::to_string(response->status);
    if (answer.is_object() && answer.contains("error") && answer["error"].is_string()) {
      message = answer["error"].get<std::string>();
    }
    return Status(CodeForHttpStatus(response->status), message, method + " " + url_ + path);
  }
  if (answer.is_discarded()) {
    return Status(Code::kInternal, "the answer is not JSON", method + " " + url_ + path);
  }
  return answer;
}

}  // namespace converge::ml
