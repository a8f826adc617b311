// MlClient: a blocking JSON client of `converge-ml serve`, reached by a URL such as
// "http://127.0.0.1:23456" (plain HTTP, no token). Wraps api::HttpClient.
//
// Not thread-safe; one per thread. Errors are Status values: kNotFound when nothing listens
// at the URL, the server's JSON error for non-2xx answers (400 -> kInvalidArgument,
// 409 -> kWait, others kInternal), kInternal for broken connections or non-JSON answers.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/address.h"
#include "api/http_client.h"
#include "common/status.h"

namespace converge::ml {

// "http://HOST:PORT" (an optional trailing "/") -> tcp address. HOST may be [v6].
// Errors: kInvalidArgument naming the URL.
Result<api::Address> ParseMlUrl(std::string_view url);

class MlClient {
 public:
  static Result<std::unique_ptr<MlClient>> Connect(std::string_view url);

  // Sends `body` (unless null) as JSON and returns the parsed JSON answer of a 2xx response.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const nlohmann::json& body = nullptr);

 private:
  MlClient(std::string url, std::unique_ptr<api::HttpClient> http)
      : url_(std::move(url)), http_(std::move(http)) {}
  std::string url_;
  std::unique_ptr<api::HttpClient> http_;
};

}  // namespace converge::ml
