// HttpConnection: one accepted connection of HttpServer (Unix or TCP), reading requests with
// Beast and answering them in order through a Responder. Internal to http_server.cc.
//
// Lifetime: shared_ptr, kept alive by its pending asynchronous operations and by the
// Responder / Stream handed to the handler. Single-threaded (the server's io_context).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/http_server.h"

namespace converge::api {

// Settings a connection shares with its server.
struct ConnectionSettings {
  size_t max_body_bytes = 1 << 20;
  std::string token;  // TCP only: the bearer token to demand
  bool tcp = false;
  int idle_timeout_seconds = 300;
  const Handler* handler = nullptr;
};

class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  virtual ~ConnectionBase() = default;
  virtual void Start() = 0;
  virtual void Close() = 0;
  // Used by the responder: send a whole response, then read the next request (keep-alive).
  virtual void SendResponse(HttpResponse response) = 0;
  // Used by the stream: raw bytes in order; Finish closes after the queue drains.
  virtual void SendRaw(std::string bytes) = 0;
  virtual void FinishStream() = 0;
  virtual bool peer_gone() const = 0;
};

template <typename Socket>
std::shared_ptr<ConnectionBase> MakeConnection(Socket socket, const ConnectionSettings& settings,
                                               Peer peer);

}  // namespace converge::api
