// PlainHttpServer: a minimal HTTP/1.1 server on one TCP port, without authentication.
//
// converge's api::HttpServer demands a bearer token from every TCP caller; the demo's service
// is reached by batch tasks that only know its URL, so it serves plain HTTP instead and must
// only ever listen on a loopback address (Listen() refuses others). Requests are handed to an
// api::Handler (e.g. an api::Router); one request at a time per connection, keep-alive,
// bodies above max_body_bytes get 413 and malformed requests 400. Handlers must answer with
// Responder::Reply(); StartStream() is not supported (answers 500 and returns nullptr).
// Not thread-safe: everything runs on the caller's io_context thread. Destroy the server
// before the io_context.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "api/http_types.h"
#include "common/status.h"

namespace converge::ml {

struct PlainHttpServerOptions {
  size_t max_body_bytes = 1 << 20;  // larger request bodies get 413
};

class PlainHttpServer {
 public:
  PlainHttpServer(boost::asio::io_context& io, api::Handler handler,
                  PlainHttpServerOptions options = {});
  ~PlainHttpServer();

  // Starts accepting on host:port (port 0 picks a free one) and returns the bound port.
  // Errors: kInvalidArgument when host is not a loopback IP address or port is out of range,
  // kInternal when bind/listen fails (e.g. "Address already in use").
  Result<int> Listen(const std::string& host, int port);
  // Stops accepting and closes every connection. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::ml
