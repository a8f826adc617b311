#include "api/http_proxy.h"

#include <array>
#include <chrono>
#include <limits>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace converge::api {

namespace http = boost::beast::http;
using boost::system::error_code;

struct HttpProxy::Shared {
  boost::asio::io_context& io;
  HttpProxyOptions options;
  size_t in_flight = 0;
};

namespace {

// A whole (not streamed) upstream body larger than this is a 502: the instance's largest
// answers (resources and metrics of 10,000 nodes) are a few MB.
constexpr uint64_t kMaxWholeBody = 64ull << 20;
// A relayed stream stops reading upstream while the caller has this much unsent.
constexpr size_t kStreamHighWater = 256 << 10;
// How often a relayed stream looks whether its caller is still there.
constexpr std::chrono::seconds kCallerCheck(1);

// The upstream headers a caller needs to see; the rest stay behind.
constexpr std::array<std::string_view, 7> kRelayedHeaders = {
    "Cache-Control", "Content-Security-Policy", "Location",    "Allow",
    "Retry-After",   "Referrer-Policy",         "X-Content-Type-Options"};

// One forwarded request, from connecting upstream until its answer is relayed. Owned by the
// handlers of its own pending operations.
template <class Protocol>
class Forwarding : public std::enable_shared_from_this<Forwarding<Protocol>> {
 public:
  Forwarding(std::shared_ptr<HttpProxy::Shared> shared, HttpRequest request,
             std::shared_ptr<Responder> responder)
      : shared_(std::move(shared)),
        request_(std::move(request)),
        responder_(std::move(responder)),
        socket_(shared_->io),
        timer_(shared_->io) {
    ++shared_->in_flight;
  }
  ~Forwarding() { --shared_->in_flight; }

  void Start() {
    timer_.expires_after(std::chrono::seconds(shared_->options.connect_timeout_seconds));
    timer_.async_wait([self = this->shared_from_this()](error_code error) {
      if (!error) {
        self->timed_out_ = true;
        self->socket_.close();
      }
    });
    Connect();
  }

 private:
  void Connect();

  void Send() {
    upstream_request_.method(http::string_to_verb(request_.method));
    upstream_request_.target(request_.target);
    upstream_request_.version(11);
    upstream_request_.set(http::field::host, "converge");
    upstream_request_.set(http::field::user_agent, "converge-ui-proxy");
    if (!shared_->options.upstream_token.empty()) {
      upstream_request_.set(http::field::authorization,
                            "Bearer " + shared_->options.upstream_token);
    }
    upstream_request_.keep_alive(false);
    upstream_request_.prepare_payload();
    http::async_write(socket_, upstream_request_,
                      [self = this->shared_from_this()](error_code error, size_t) {
                        if (error) return self->Fail(error);
                        self->ReadHeader();
                      });
  }

  void ReadHeader() {
    parser_.body_limit(std::numeric_limits<uint64_t>::max());
    http::async_read_header(socket_, buffer_, parser_,
                            [self = this->shared_from_this()](error_code error, size_t) {
                              if (error) return self->Fail(error);
                              self->timer_.cancel();
                              self->OnHeader();
                            });
  }

  void OnHeader() {
    const auto& head = parser_.get();
    status_ = static_cast<int>(head.result_int());
    content_type_ = std::string(head[http::field::content_type]);
    if (parser_.is_done() || parser_.content_length().has_value()) return ReadBody();
    stream_ = responder_->StartStream(status_, content_type_);
    WatchCaller();
    ReadBody();
  }

  // Reads the next piece of the body: into body_ for a whole answer, onto the caller's
  // stream for a streamed one.
  void ReadBody() {
    if (parser_.is_done()) return Done();
    if (stream_ && stream_->closed()) return Done();
    parser_.get().body().data = chunk_.data();
    parser_.get().body().size = chunk_.size();
    http::async_read_some(socket_, buffer_, parser_,
                          [self = this->shared_from_this()](error_code error, size_t) {
                            self->OnBodyPiece(error);
                          });
  }

  void OnBodyPiece(error_code error) {
    if (error == http::error::need_buffer) error = {};
    const size_t got = chunk_.size() - parser_.get().body().size;
    if (error && !(error == http::error::end_of_stream && stream_)) return Fail(error);
    if (got > 0) {
      if (stream_) {
        if (stream_->closed()) return Done();
        stream_->Write(std::string(chunk_.data(), got));
      } else {
        if (body_.size() + got > kMaxWholeBody) {
          return Fail(error_code(http::error::body_limit));
        }
        body_.append(chunk_.data(), got);
      }
    }
    if (error) return Done();  // the end of a stream without a length
    if (stream_ && stream_->queued() > kStreamHighWater) {
      return stream_->OnDrain([self = this->shared_from_this()] { self->ReadBody(); });
    }
    ReadBody();
  }

  // A caller that left a quiet stream is noticed here, not only at the next upstream byte.
  void WatchCaller() {
    timer_.expires_after(kCallerCheck);
    timer_.async_wait([self = this->shared_from_this()](error_code error) {
      if (error || self->finished_) return;
      if (self->stream_->closed()) return self->socket_.close();
      self->WatchCaller();
    });
  }

  // Ends the forwarding, once: stops the timer and the upstream connection, and ends a stream
  // already started. True when the caller still waits for a whole answer.
  bool Finish() {
    if (finished_) return false;
    finished_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
    if (!stream_) return true;
    stream_->Close();
    return false;
  }

  void Done() {
    if (!Finish()) return;
    HttpResponse response;
    response.status = status_;
    response.content_type = content_type_;
    response.body = std::move(body_);
    for (std::string_view name : kRelayedHeaders) {
      auto found = parser_.get().find(boost::beast::string_view(name.data(), name.size()));
      if (found != parser_.get().end()) {
        response.headers[std::string(name)] = std::string(found->value());
      }
    }
    responder_->Reply(std::move(response));
  }

  void Fail(error_code error) {
    if (!Finish()) return;
    const std::string why =
        timed_out_ ? "no answer within " +
                         std::to_string(shared_->options.connect_timeout_seconds) + " s"
                   : error.message();
    responder_->Reply(JsonError(
        502, "cannot reach the instance at " + shared_->options.upstream.ToString() + ": " + why));
  }

  std::shared_ptr<HttpProxy::Shared> shared_;
  HttpRequest request_;
  std::shared_ptr<Responder> responder_;
  typename Protocol::socket socket_;
  boost::asio::steady_timer timer_;  // the connect deadline, then the caller check
  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  http::request<http::empty_body> upstream_request_;
  boost::beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, 16 << 10> chunk_;
  std::string body_;
  std::shared_ptr<Stream> stream_;
  std::string content_type_;
  int status_ = 502;
  bool finished_ = false;
  bool timed_out_ = false;
};

template <>
void Forwarding<boost::asio::local::stream_protocol>::Connect() {
  socket_.async_connect(
      boost::asio::local::stream_protocol::endpoint(shared_->options.upstream.path),
      [self = shared_from_this()](error_code error) {
        if (error) return self->Fail(error);
        self->Send();
      });
}

template <>
void Forwarding<boost::asio::ip::tcp>::Connect() {
  resolver_.emplace(shared_->io);
  const Address& upstream = shared_->options.upstream;
  resolver_->async_resolve(
      upstream.host, std::to_string(upstream.port),
      [self = shared_from_this()](error_code error,
                                  boost::asio::ip::tcp::resolver::results_type results) {
        if (error) return self->Fail(error);
        boost::asio::async_connect(
            self->socket_, results,
            [self](error_code error, const boost::asio::ip::tcp::endpoint&) {
              if (error) return self->Fail(error);
              self->Send();
            });
      });
}

}  // namespace

HttpProxy::HttpProxy(boost::asio::io_context& io, HttpProxyOptions options)
    : shared_(std::make_shared<Shared>(Shared{io, std::move(options)})) {}

HttpProxy::~HttpProxy() = default;

void HttpProxy::Forward(HttpRequest request, std::shared_ptr<Responder> responder) {
  const HttpProxyOptions& options = shared_->options;
  if (!options.methods.count(request.method)) {
    HttpResponse refused = JsonError(405, request.method + " is not forwarded by this proxy");
    std::string allowed;
    for (const std::string& method : options.methods) {
      allowed += (allowed.empty() ? "" : ", ") + method;
    }
    refused.headers["Allow"] = allowed;
    return responder->Reply(std::move(refused));
  }
  if (shared_->in_flight >= options.max_forwards) {
    HttpResponse busy = JsonError(503, "too many requests in flight through this proxy");
    busy.headers["Retry-After"] = "1";
    return responder->Reply(std::move(busy));
  }
  if (options.upstream.kind == Address::Kind::kUnix) {
    std::make_shared<Forwarding<boost::asio::local::stream_protocol>>(
        shared_, std::move(request), std::move(responder))
        ->Start();
  } else {
    std::make_shared<Forwarding<boost::asio::ip::tcp>>(shared_, std::move(request),
                                                       std::move(responder))
        ->Start();
  }
}

Handler HttpProxy::AsHandler() {
  return [this](HttpRequest request, std::shared_ptr<Responder> responder) {
    Forward(std::move(request), std::move(responder));
  };
}

size_t HttpProxy::in_flight() const { return shared_->in_flight; }

}  // namespace converge::api
