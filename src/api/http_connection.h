// HttpConnection: one accepted connection of HttpServer (Unix or TCP), reading requests with
// Beast and answering them in order through a Responder. Internal to src/api.
//
// Lifetime: shared_ptr, kept alive by its pending asynchronous operations and by the
// Responder / Stream handed to the handler, so a handler may answer after the server stopped
// (the answer is then dropped). Settings are shared with the server for the same reason.
// Single-threaded: every member runs on the server's io_context thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "api/connection_slots.h"
#include "api/http_types.h"

namespace converge::api {

// What a connection shares with its server (immutable once connections exist).
struct ConnectionSettings {
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  int max_body_depth = 0;           // > 0: bodies nested deeper (estimated) get 400
  std::string token;                // TCP only: the bearer token to demand
  bool tcp = false;                 // demand the token and mark peers token_holder
  bool open = false;                // TCP without a token (loopback listeners only)
  std::string public_prefix;        // GET/HEAD at or below it need no token (http_server.h)
  int idle_timeout_seconds = 300;   // a connection waiting for a request this long is closed
  size_t stream_buffer_bytes = 1 << 20;  // a stream queueing more is dropped (http_types.h)
  int write_stall_seconds = 30;     // a peer that takes no bytes this long while we write: closed
  Handler handler;                  // called once per accepted request

  bool IsPublic(std::string_view method, std::string_view path) const;
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
  // Streaming: `bytes` are sent in order after the ones queued before. Closes the connection
  // instead when the queue would exceed ConnectionSettings::stream_buffer_bytes.
  virtual void SendRaw(std::string bytes) = 0;
  // Streaming: closes the connection once the queued bytes are sent.
  virtual void FinishStream() = 0;
  // Streaming: bytes queued and not yet handed to the socket.
  virtual size_t queued() const = 0;
  // Streaming: posts `callback` once the queue is empty or the connection closed (see Stream).
  virtual void OnDrain(std::function<void()> callback) = 0;
  // True once the socket is closed (peer gone, error, Stop() or finished stream).
  virtual bool closed() const = 0;
  // The io_context executor the connection runs on.
  virtual boost::asio::any_io_executor executor() = 0;
};

using UnixSocket = boost::asio::local::stream_protocol::socket;
using TcpSocket = boost::asio::ip::tcp::socket;

// REQUIRES: `settings` non-null with a handler. Call Start() on the result. The connection
// holds `slot` until its socket closes.
std::shared_ptr<ConnectionBase> MakeConnection(UnixSocket socket,
                                               std::shared_ptr<const ConnectionSettings> settings,
                                               Peer peer, ConnectionSlots::Lease slot = {});
std::shared_ptr<ConnectionBase> MakeConnection(TcpSocket socket,
                                               std::shared_ptr<const ConnectionSettings> settings,
                                               Peer peer, ConnectionSlots::Lease slot = {});

}  // namespace converge::api
