// HttpClient: a blocking HTTP/1.1 client for the CLI (keep-alive, one connection).
//
// Not thread-safe; one per thread. Errors are Status values: kNotFound "no instance at ADDRESS
// (is converge start running?)" when nothing listens, kInternal for broken connections.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/address.h"
#include "api/http_types.h"
#include "common/status.h"

namespace converge::api {

// Where a client finds the instance, and the token it shows there ("" for Unix sockets).
struct Endpoint {
  Address address;
  std::string token;
};

// The instance named by CONVERGE_URI, or the default socket; the token comes from
// CONVERGE_TOKEN, CONVERGE_TOKEN_FILE or the default token file (see docs/api.md).
// Errors: kInvalidArgument naming CONVERGE_URI, token file errors naming the file.
Result<Endpoint> EndpointFromEnvironment();

class HttpClient {
 public:
  // Connects to `address`; `token` is sent as a bearer token when non-empty. With
  // `dead_peer_seconds` > 0 (TCP only), a peer that vanishes without closing the connection
  // (host down, network cut) fails the call in progress after about that many seconds, and a
  // connect to an unreachable host gives up after a few seconds.
  static Result<std::unique_ptr<HttpClient>> Connect(const Address& address, std::string token,
                                                     int dead_peer_seconds = 0);
  // Connects to EndpointFromEnvironment().
  static Result<std::unique_ptr<HttpClient>> ConnectFromEnvironment();
  ~HttpClient();

  // One request; reconnects once if the kept-alive connection was closed by the server.
  Result<HttpResponse> Call(const std::string& method, const std::string& target,
                            const std::string& body = "",
                            const std::string& content_type = "application/json");
  // A streamed request: `on_chunk` gets the body as it arrives (return false to stop early).
  // Returns the status code once the server ends the stream.
  Result<int> Stream(const std::string& method, const std::string& target,
                     const std::function<bool(std::string_view chunk)>& on_chunk);

  const Address& address() const;

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The default instance's state folder: $XDG_STATE_HOME/converge/default or
// ~/.local/state/converge/default.
std::string DefaultStateDir();

}  // namespace converge::api
