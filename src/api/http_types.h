// Transport-neutral HTTP request and response values, and the JSON error body.
//
// Route handlers see only these types, never Beast's, so they are testable without sockets.
// Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace converge::api {

// Who is calling. Filled by the server before the handler runs.
struct Peer {
  bool unix_socket = false;   // came through the Unix socket (uid/gid/pid from SO_PEERCRED)
  bool token_holder = false;  // came through TCP with the right bearer token
  int64_t uid = -1;
  int64_t gid = -1;
  int64_t pid = -1;
};

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string target;                         // as sent: "/v1/jobs/12?state=RUN%2CSCHED"
  std::string path;                           // "/v1/jobs/12" (percent-decoded, no query)
  std::map<std::string, std::string> query;   // "?state=RUN&limit=5" -> {state: RUN, limit: 5}
  std::map<std::string, std::string> headers; // keys lowercased
  std::string body;
  std::map<std::string, std::string> params;  // filled by the router: "{id}" -> "12"
  Peer peer;

  std::string Header(const std::string& lowercase_name) const;  // "" when absent
  std::string Query(const std::string& name, const std::string& fallback = "") const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers
};

// {"error": message, "field": field} with `status`.
HttpResponse JsonError(int status, const std::string& message, const std::string& field = "");
// `json_text` (already serialized) with `status`.
HttpResponse JsonResponse(int status, std::string json_text);

// An open streamed response (Connection: close, no length). Write() queues bytes; Close()
// ends the response once the queue drains. Writes after the peer went away are dropped and
// closed() turns true, so producers can stop. Not thread-safe: use from the server's
// io_context thread only.
//
// Back-pressure: the queue is bounded (HttpServerOptions::stream_buffer_bytes). A Write() that
// would take queued() past the bound drops the client (the stream closes), and so does a
// client that takes no bytes for HttpServerOptions::write_stall_seconds. A producer of much
// data therefore writes while queued() is small and otherwise waits for OnDrain().
class Stream {
 public:
  virtual ~Stream() = default;
  virtual void Write(std::string bytes) = 0;
  virtual void Close() = 0;
  virtual bool closed() const = 0;
  // Bytes written and not yet handed to the socket.
  virtual size_t queued() const = 0;
  // Calls `callback` once, later on the io_context thread (never from inside Write), when the
  // queue has become empty or the stream has closed. A second call replaces the callback.
  virtual void OnDrain(std::function<void()> callback) = 0;
};

// How a handler answers, exactly once: Reply() with a whole response, or StartStream() to get
// a Stream. May be called later (after the handler returned), on the io_context thread; the
// connection waits. Dropping a Responder unanswered replies 500.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Reply(HttpResponse response) = 0;
  virtual std::shared_ptr<Stream> StartStream(int status, const std::string& content_type) = 0;
};

// A handler takes ownership of the request and of its responder (shared: the handler may keep
// it in a queue until an asynchronous step, such as a durable commit, completes).
using Handler = std::function<void(HttpRequest request, std::shared_ptr<Responder> responder)>;

}  // namespace converge::api
