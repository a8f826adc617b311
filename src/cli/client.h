// The CLI's way to the instance: one keep-alive connection (CONVERGE_URI or the default
// socket) and JSON calls whose API errors come back as Status values that print well.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_client.h"
#include "common/status.h"

namespace converge::cli {

class Session {
 public:
  // Errors: no instance answering (the client's message says where it looked).
  static Result<Session> Open();

  // One call; a non-2xx answer becomes a Status carrying the API's error text and field
  // (404 -> kNotFound, 403 -> kSkip, 409/400/413/422 -> kInvalidArgument, others kInternal).
  Result<nlohmann::json> Call(const std::string& method, const std::string& target,
                              const std::string& body = "");
  api::HttpClient& client() { return *client_; }

 private:
  explicit Session(std::unique_ptr<api::HttpClient> client) : client_(std::move(client)) {}
  std::unique_ptr<api::HttpClient> client_;
};

// Prints "converge CMD: message (field: x)" to stderr and returns 1.
int Fail(const std::string& command, const Status& status);

}  // namespace converge::cli
