#include "api/http_connection.h"

#include <cctype>
#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/url.h"
#include "jobspec/yaml_tree.h"

namespace converge::api {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;

// After an error answer (413, 400) the rest of the request is read and dropped for at most this
// long before closing, so that closing with unread input does not reset the answer away.
constexpr std::chrono::seconds kLingerTime(2);
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
// A connection's read buffer is given back after a request larger than this.
constexpr size_t kKeptBufferBytes = 64 * 1024;
// Stream bytes handed to one gathered write (more when a single piece is larger).
constexpr size_t kWriteBatchBytes = 64 * 1024;

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

std::string_view ToStd(boost::beast::string_view text) { return {text.data(), text.size()}; }

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Status codes outside 100..599 are answered as 500 rather than sent malformed.
int ValidStatus(int status) { return status >= 100 && status <= 599 ? status : 500; }

// A stream whose connection is gone (or that was never started): drops everything.
class DeadStream : public Stream {
 public:
  explicit DeadStream(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  void Write(std::string) override {}
  void Close() override {}
  bool closed() const override { return true; }
  size_t queued() const override { return 0; }
  void OnDrain(std::function<void()> callback) override {
    boost::asio::post(executor_, std::move(callback));
  }

 private:
  boost::asio::any_io_executor executor_;
};

class StreamImpl : public Stream {
 public:
  explicit StreamImpl(std::shared_ptr<ConnectionBase> connection)
      : connection_(std::move(connection)) {}
  // Dropping the last reference ends the response like Close().
  ~StreamImpl() override { Close(); }

  void Write(std::string bytes) override {
    if (!closed() && !bytes.empty()) connection_->SendRaw(std::move(bytes));
  }
  void Close() override {
    if (finished_) return;
    finished_ = true;
    connection_->FinishStream();
  }
  bool closed() const override { return finished_ || connection_->closed(); }
  size_t queued() const override { return connection_->queued(); }
  void OnDrain(std::function<void()> callback) override {
    connection_->OnDrain(std::move(callback));
  }

 private:
  std::shared_ptr<ConnectionBase> connection_;
  bool finished_ = false;
};

class ResponderImpl : public Responder {
 public:
  explicit ResponderImpl(std::shared_ptr<ConnectionBase> connection)
      : connection_(std::move(connection)) {}
  ~ResponderImpl() override {
    if (!answered_) Reply(JsonError(500, "the server dropped the request without answering"));
  }

  void Reply(HttpResponse response) override {
    if (answered_) return;
    answered_ = true;
    connection_->SendResponse(std::move(response));
  }

  std::shared_ptr<Stream> StartStream(int status, const std::string& content_type) override {
    if (answered_ || HasLineBreak(content_type)) {
      if (!answered_) Reply(JsonError(500, "invalid stream content type"));
      return std::make_shared<DeadStream>(connection_->executor());
    }
    answered_ = true;
    status = ValidStatus(status);
    std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
    head += ToStd(http::obsolete_reason(static_cast<http::status>(status)));
    head += "\r\nContent-Type: " + content_type;
    head += "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    connection_->SendRaw(std::move(head));
    return std::make_shared<StreamImpl>(connection_);
  }

 private:
  std::shared_ptr<ConnectionBase> connection_;
  bool answered_ = false;
};

template <typename Socket>
class Connection : public ConnectionBase {
 public:
  Connection(Socket socket, std::shared_ptr<const ConnectionSettings> settings, Peer peer,
             ConnectionSlots::Lease slot)
      : socket_(std::move(socket)),
        settings_(std::move(settings)),
        peer_(peer),
        slot_(std::move(slot)),
        timer_(socket_.get_executor()) {}

  void Start() override { ReadHeader(); }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    NotifyDrained();
    CancelTimer();
    error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
    slot_.Release();
  }

  void SendResponse(HttpResponse response) override {
    if (closed_ || streaming_) return;
    response_.emplace(static_cast<http::status>(ValidStatus(response.status)), version_);
    response_->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) {
      if (!name.empty() && !HasLineBreak(name) && !HasLineBreak(value)) {
        response_->set(name, value);
      }
    }
    response_->body() = std::move(response.body);
    response_->keep_alive(keep_alive_);
    response_->prepare_payload();
    ArmTimer(std::chrono::seconds(settings_->write_stall_seconds));  // a peer that never reads
    http::async_write(socket_, *response_, [self = Self()](error_code error, size_t) {
      self->CancelTimer();
      self->response_.reset();
      if (error) return self->Close();
      if (self->linger_) return self->Linger();
      if (!self->keep_alive_) return self->Close();
      self->ReadHeader();
    });
  }

  void SendRaw(std::string bytes) override {
    if (closed_) return;
    if (!streaming_) {
      streaming_ = true;
      WatchPeer();
    }
    if (queued_bytes_ + bytes.size() > settings_->stream_buffer_bytes) return Close();
    queued_bytes_ += bytes.size();
    queue_.push_back(std::move(bytes));
    if (!writing_) WriteQueued();
  }

  void FinishStream() override {
    finishing_ = true;
    if (!writing_) Close();
  }

  bool closed() const override { return closed_; }
  size_t queued() const override { return queued_bytes_; }
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }

  void OnDrain(std::function<void()> callback) override {
    on_drain_ = std::move(callback);
    if (closed_ || queued_bytes_ == 0) NotifyDrained();
  }

 private:
  std::shared_ptr<Connection> Self() {
    return std::static_pointer_cast<Connection>(shared_from_this());
  }

  void ReadHeader() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(settings_->max_body_bytes);
    ArmTimer(std::chrono::seconds(settings_->idle_timeout_seconds));
    http::async_read_header(socket_, buffer_, *parser_, [self = Self()](error_code error, size_t) {
      if (error) return self->ReadFailed(error);
      if (self->parser_->is_done()) return self->Dispatch();
      const auto& expect = self->parser_->get()[http::field::expect];
      if (boost::beast::iequals(expect, "100-continue") && self->parser_->get().version() >= 11) {
        return self->SendContinue();
      }
      self->ReadBody();
    });
  }

  void SendContinue() {
    boost::asio::async_write(socket_, boost::asio::buffer(kContinue, sizeof kContinue - 1),
                             [self = Self()](error_code error, size_t) {
                               if (error) return self->Close();
                               self->ReadBody();
                             });
  }

  void ReadBody() {
    if (closed_) return;
    http::async_read(socket_, buffer_, *parser_, [self = Self()](error_code error, size_t) {
      if (error) return self->ReadFailed(error);
      self->Dispatch();
    });
  }

  void ReadFailed(error_code error) {
    if (closed_ || error == boost::asio::error::operation_aborted ||
        error == http::error::end_of_stream || error == boost::asio::error::eof ||
        error == boost::asio::error::connection_reset) {
      return Close();
    }
    CancelTimer();
    keep_alive_ = false;
    linger_ = true;
    if (error == http::error::body_limit) {
      return SendResponse(JsonError(
          413, "request body larger than " + std::to_string(settings_->max_body_bytes) + " bytes"));
    }
    SendResponse(JsonError(400, "malformed HTTP request: " + error.message()));
  }

  void Dispatch() {
    CancelTimer();
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    if (buffer_.size() == 0 && buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = ToStd(message.target());
    Target target = ParseTarget(request.target);
    request.path = std::move(target.path);
    request.query = std::move(target.query);
    for (const auto& field : message) {
      request.headers[Lowercase(ToStd(field.name_string()))] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.peer = peer_;
    if (settings_->tcp && !settings_->open &&
        !settings_->IsPublic(request.method, request.path)) {
      constexpr std::string_view kPrefix = "bearer ";
      const std::string auth = request.Header("authorization");
      if (auth.size() < kPrefix.size() || Lowercase(auth.substr(0, kPrefix.size())) != kPrefix ||
          !ConstantTimeEquals(std::string_view(auth).substr(kPrefix.size()), settings_->token)) {
        HttpResponse denied = JsonError(401, "this TCP listener needs Authorization: Bearer TOKEN");
        denied.headers["WWW-Authenticate"] = "Bearer";
        return SendResponse(std::move(denied));
      }
      request.peer.token_holder = true;
    }
    // Before any handler: parsers and printers recurse once per level (docs/security.md).
    if (settings_->max_body_depth > 0 &&
        jobspec::EstimateYamlDepth(request.body) > settings_->max_body_depth) {
      return SendResponse(JsonError(400,
                                    "request body nests deeper than " +
                                        std::to_string(settings_->max_body_depth) + " levels",
                                    "body"));
    }
    auto responder = std::make_shared<ResponderImpl>(shared_from_this());
    try {
      settings_->handler(std::move(request), responder);
    } catch (const std::exception& error) {
      responder->Reply(JsonError(500, std::string("internal error: ") + error.what()));
    } catch (...) {
      responder->Reply(JsonError(500, "internal error"));
    }
  }

  // Sends the queue in gathered writes of about kWriteBatchBytes (at least one piece), so that
  // each completion shows the peer's progress: a write that does not complete within
  // write_stall_seconds closes the connection. Repeats until the queue is empty.
  void WriteQueued() {
    if (closed_) return;
    if (queue_.empty()) {
      writing_ = false;
      CancelTimer();
      if (finishing_) return Close();
      NotifyDrained();
      return;
    }
    writing_ = true;
    in_flight_.clear();
    size_t batch = 0;
    while (!queue_.empty() &&
           (in_flight_.empty() || batch + queue_.front().size() <= kWriteBatchBytes)) {
      batch += queue_.front().size();
      in_flight_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    buffers_.clear();
    for (const std::string& bytes : in_flight_) buffers_.push_back(boost::asio::buffer(bytes));
    ArmTimer(std::chrono::seconds(settings_->write_stall_seconds));
    boost::asio::async_write(socket_, buffers_, [self = Self(), batch](error_code error, size_t) {
      if (error) return self->Close();
      self->queued_bytes_ -= batch;
      self->WriteQueued();
    });
  }

  // Posts the OnDrain() callback, if any (never runs it from inside Write()).
  void NotifyDrained() {
    if (!on_drain_) return;
    boost::asio::post(socket_.get_executor(), std::move(on_drain_));
    on_drain_ = nullptr;
  }

  // While streaming, a completed read means the client went away (or sent more): on error,
  // close so that the stream reports closed() and producers stop.
  void WatchPeer() {
    socket_.async_read_some(boost::asio::buffer(scratch_),
                            [self = Self()](error_code error, size_t) {
                              if (error) return self->Close();
                              self->WatchPeer();
                            });
  }

  // After an error answer: stop sending, drop the rest of the input for a while, then close.
  void Linger() {
    error_code ignored;
    socket_.shutdown(Socket::shutdown_send, ignored);
    ArmTimer(kLingerTime);
    DrainInput();
  }

  void DrainInput() {
    socket_.async_read_some(boost::asio::buffer(scratch_),
                            [self = Self()](error_code error, size_t) {
                              if (error) return self->Close();
                              self->DrainInput();
                            });
  }

  // The one timer closes the connection when it fires: while waiting for a request (idle
  // timeout) or while draining after an error answer (linger). Each arm or cancel starts a new
  // generation, because a cancelled wait's handler may already be queued as a success.
  void ArmTimer(std::chrono::steady_clock::duration after) {
    const uint64_t generation = ++timer_generation_;
    timer_armed_ = true;
    timer_.expires_after(after);
    std::weak_ptr<Connection> weak = Self();
    timer_.async_wait([weak, generation](error_code error) {
      auto self = weak.lock();
      if (self && !error && self->timer_generation_ == generation) self->Close();
    });
  }

  void CancelTimer() {
    if (!timer_armed_) return;
    timer_armed_ = false;
    ++timer_generation_;
    timer_.cancel();
  }

  Socket socket_;
  std::shared_ptr<const ConnectionSettings> settings_;
  Peer peer_;
  ConnectionSlots::Lease slot_;  // released when the socket closes
  boost::asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  bool timer_armed_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;  // the one being written
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool linger_ = false;
  bool closed_ = false;
  bool streaming_ = false;
  bool writing_ = false;
  bool finishing_ = false;
  size_t queued_bytes_ = 0;             // stream bytes in queue_ and in_flight_
  std::function<void()> on_drain_;      // OnDrain(): posted when queued_bytes_ reaches 0
  std::deque<std::string> queue_;       // stream bytes waiting for the current write
  std::vector<std::string> in_flight_;  // stream bytes being written
  std::vector<boost::asio::const_buffer> buffers_;
  char scratch_[4096];
};

}  // namespace

bool ConnectionSettings::IsPublic(std::string_view method, std::string_view path) const {
  if (public_prefix.empty() || (method != "GET" && method != "HEAD")) return false;
  if (!path.starts_with(public_prefix)) return false;
  return path.size() == public_prefix.size() || path[public_prefix.size()] == '/';
}

std::shared_ptr<ConnectionBase> MakeConnection(UnixSocket socket,
                                               std::shared_ptr<const ConnectionSettings> settings,
                                               Peer peer, ConnectionSlots::Lease slot) {
  return std::make_shared<Connection<UnixSocket>>(std::move(socket), std::move(settings), peer,
                                                  std::move(slot));
}

std::shared_ptr<ConnectionBase> MakeConnection(TcpSocket socket,
                                               std::shared_ptr<const ConnectionSettings> settings,
                                               Peer peer, ConnectionSlots::Lease slot) {
  return std::make_shared<Connection<TcpSocket>>(std::move(socket), std::move(settings), peer,
                                                 std::move(slot));
}

}  // namespace converge::api
