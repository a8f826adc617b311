// HttpConnection: one accepted connection of HttpServer (Unix or TCP), reading requests with
// Beast and answering them in order through a Responder. Internal to src/api.
//
// Lifetime: shared_ptr, kept alive by its pending asynchronous operations and by the
// Responder / Stream handed to the handler, so a handler may answer after the server stopped
// (the answer is then dropped). Settings are shared with the server for the same reason.
// Single-threaded: every member runs on the server's io_context thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "api/http_types.h"

namespace converge::api {

// What a connection shares with its server (immutable once connections exist).
struct ConnectionSettings {
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  std::string token;                // TCP only: the bearer token to demand
  bool tcp = false;                 // demand the token and mark peers token_holder
  bool open = false;                // TCP without a token (loopback listeners only)
  int idle_timeout_seconds = 300;   // a connection waiting for a request this long is closed
  Handler handler;                  // called once per accepted request
};

// The server's view of a connection; the Responder and Stream implementations use the rest.
class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  virtual ~ConnectionBase() = default;
  // Starts reading the first request. Call once, right after construction.
  virtual void Start() = 0;
  // Closes the socket now; pending operations finish with errors and queued bytes are dropped.
  virtual void Close() = 0;
  // Sends a whole response, then reads the next request (keep-alive) or closes.
  virtual void SendResponse(HttpResponse response) = 0;
  // Streaming: `bytes` are sent in order after the ones queued before.
  virtual void SendRaw(std::string bytes) = 0;
  // Streaming: closes the connection once the queued bytes are sent.
  virtual void FinishStream() = 0;
  // True once the socket is closed (peer gone, error, Stop() or finished stream).
  virtual bool closed() const = 0;
};

using UnixSocket = boost::asio::local::stream_protocol::socket;
using TcpSocket = boost::asio::ip::tcp::socket;

// REQUIRES: `settings` non-null with a handler. Call Start() on the result.
std::shared_ptr<ConnectionBase> MakeConnection(UnixSocket socket,
                                               std::shared_ptr<const ConnectionSettings> settings,
                                               Peer peer);
std::shared_ptr<ConnectionBase> MakeConnection(TcpSocket socket,
                                               std::shared_ptr<const ConnectionSettings> settings,
                                               Peer peer);

}  // namespace converge::api
