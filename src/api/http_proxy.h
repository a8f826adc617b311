// HttpProxy: a Handler that forwards each request it gets to one upstream API (a Unix socket,
// or TCP with that listener's token) and relays the answer, streamed ones as they arrive.
//
// For `converge ui`: the browser talks to a loopback port with a token of its own, and the
// instance sees the user who runs the proxy, so a page shows what the API lets that user see.
// Only the methods in `methods` are forwarded (405 otherwise); the request's target goes
// upstream as sent, with no header of the caller's (no cookie, no token). Upstream failures
// answer 502 with a JSON error naming the upstream. A relayed stream ends when either side
// ends it: a caller that goes away closes its upstream connection within about a second.
// Not thread-safe: runs on the io_context of the HttpServer it serves.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>

#include "api/address.h"
#include "api/http_types.h"

namespace converge::api {

struct HttpProxyOptions {
  Address upstream;
  std::string upstream_token;           // sent as a bearer token when non-empty
  std::set<std::string> methods = {"GET"};
  size_t max_forwards = 64;             // requests in flight at once; 503 beyond
  int connect_timeout_seconds = 10;     // until the upstream's response headers
};

class HttpProxy {
 public:
  HttpProxy(boost::asio::io_context& io, HttpProxyOptions options);
  ~HttpProxy();
  HttpProxy(const HttpProxy&) = delete;
  HttpProxy& operator=(const HttpProxy&) = delete;

  // Forwards `request`; the proxy must outlive the calls (forwards in flight keep what they
  // need and finish on their own).
  void Forward(HttpRequest request, std::shared_ptr<Responder> responder);
  Handler AsHandler();

  size_t in_flight() const;

  struct Shared;  // what forwards in flight share with the proxy (http_proxy.cc)

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace converge::api
