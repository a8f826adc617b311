#include "api/http_types.h"

#include <nlohmann/json.hpp>

namespace converge::api {

std::string HttpRequest::Header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

HttpResponse JsonError(int status, const std::string& message, const std::string& field) {
  nlohmann::json body = {{"error", message}, {"field", field}};
  return HttpResponse{status,
                      "application/json",
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      {}};
}

HttpResponse JsonResponse(int status, std::string json_text) {
  return HttpResponse{status, "application/json", std::move(json_text), {}};
}

}  // namespace converge::api
