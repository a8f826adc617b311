// HttpServer: HTTP/1.1 over Unix sockets and TCP on a caller-owned io_context (Boost.Beast).
//
// Keep-alive connections; one request at a time per connection, answered in order. Requests
// larger than max_body_bytes get 413, malformed ones and bodies nested deeper than
// max_body_depth 400, TCP requests without the bearer token 401 (unless the options open
// loopback TCP or the path is public) — all as JSON errors and without calling the handler.
// At most max_connections are open at once (503 beyond, with a reserve for the owner). Unix
// sockets are created mode 0600 (a stale socket file is replaced; a live one is an error) and
// callers are identified with SO_PEERCRED. Not thread-safe: everything runs on the
// io_context's single thread. Destroy the server before its io_context; responders and
// streams may outlive it (their output is dropped).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/address.h"
#include "api/http_types.h"
#include "common/status.h"

namespace converge::api {

// The default nesting limit of request bodies: the slack jobspec's own pre-scan allows its
// 64 levels (jobspec/parse.h), so every body a handler could accept passes.
constexpr int kDefaultMaxBodyDepth = 4 * 64 + 16;

struct HttpServerOptions {
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  // Bodies whose JSON/YAML nesting may be deeper than this get 400 before any handler sees
  // them: parsers and printers recurse per level, so a deep body must never reach them.
  // Measured with jobspec::EstimateYamlDepth, which over-counts (never under-counts).
  int max_body_depth = kDefaultMaxBodyDepth;
  std::string token;                // bearer token TCP callers must present; "" refuses TCP
  // With no token: accept TCP listeners on loopback addresses and serve them without
  // authentication (a service reached by local tasks through a plain URL). Other addresses
  // are still refused.
  bool open_loopback_tcp = false;
  // With open_loopback_tcp: serve any address so (a metrics endpoint for a remote scraper,
  // by the operator's explicit choice).
  bool open_tcp_any_address = false;
  // GET and HEAD requests for this path, or below it ("/ui" serves "/ui" and "/ui/app.js",
  // not "/uix"), are served on TCP without the token, as peers that are not token holders.
  // For files that hold no data; their handlers must not depend on who calls. "" : none.
  std::string public_prefix;
  int idle_timeout_seconds = 300;   // idle keep-alive connections are closed after this
  // A streamed response may queue this many bytes; a Write() beyond drops the client.
  size_t stream_buffer_bytes = 1 << 20;
  // A client that takes no bytes of a response for this long is dropped.
  int write_stall_seconds = 30;
  // Open connections at most (0: DefaultMaxConnections(), from RLIMIT_NOFILE). Callers beyond
  // get 503 with a JSON error and are closed; so are callers the descriptor limit turns away.
  size_t max_connections = 0;
  // The last slots, kept for owner_uid's Unix-socket connections (connection_slots.h).
  size_t owner_reserve = 8;
  int64_t owner_uid = -1;
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
