// HttpServer: HTTP/1.1 over Unix sockets and TCP on a caller-owned io_context (Boost.Beast).
//
// Keep-alive connections; one request at a time per connection, answered in order. Requests
// larger than max_body_bytes get 413, malformed ones 400, TCP requests without the bearer token
// 401 (unless the options open loopback TCP) — all as JSON errors and without calling the
// handler. Unix sockets are created mode 0600
// (a stale socket file is replaced; a live one is an error) and callers are identified with
// SO_PEERCRED. Not thread-safe: everything runs on the io_context's single thread. Destroy the
// server before its io_context; responders and streams may outlive it (their output is dropped).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/address.h"
#include "api/http_types.h"
#include "common/status.h"

namespace converge::api {

struct HttpServerOptions {
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  std::string token;                // bearer token TCP callers must present; "" refuses TCP
  // With no token: accept TCP listeners on loopback addresses and serve them without
  // authentication (a service reached by local tasks through a plain URL). Other addresses
  // are still refused.
  bool open_loopback_tcp = false;
  int idle_timeout_seconds = 300;   // idle keep-alive connections are closed after this
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler);
  ~HttpServer();
  // Starts accepting on `address`. Returns the bound address (with the real port for tcp:…:0).
  // Errors: kInvalidArgument (TCP without a token), kInternal (bind/listen failed, with errno
  // text; "already in use" when a live instance owns the socket).
  Result<Address> Listen(const Address& address);
  // Stops accepting, closes connections and removes the Unix socket files it created.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::api
