#include "api/http_connection.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

namespace converge::api {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' becomes a space only in query strings.
std::string Decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

void SplitTarget(std::string_view target, HttpRequest* request) {
  size_t question = target.find('?');
  request->path = Decode(target.substr(0, question), false);
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = Decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : Decode(pair.substr(eq + 1), true);
    if (!key.empty()) request->query[key] = value;
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

class ResponderImpl : public Responder {
 public:
  explicit ResponderImpl(std::shared_ptr<ConnectionBase> connection)
      : connection_(std::move(connection)) {}
  ~ResponderImpl() override {
    if (!answered_) Reply(JsonError(500, "the request was dropped without an answer"));
  }
  void Reply(HttpResponse response) override {
    if (answered_) return;
    answered_ = true;
    connection_->SendResponse(std::move(response));
  }
  std::shared_ptr<Stream> StartStream(int status, const std::string& content_type) override;

 private:
  std::shared_ptr<ConnectionBase> connection_;
  bool answered_ = false;
};

class StreamImpl : public Stream {
 public:
  explicit StreamImpl(std::shared_ptr<ConnectionBase> connection)
      : connection_(std::move(connection)) {}
  ~StreamImpl() override { Close(); }
  void Write(std::string bytes) override {
    if (closed()) return;
    connection_->SendRaw(std::move(bytes));
  }
  void Close() override {
    if (closed_) return;
    closed_ = true;
    connection_->FinishStream();
  }
  bool closed() const override { return closed_ || connection_->peer_gone(); }

 private:
  std::shared_ptr<ConnectionBase> connection_;
  bool closed_ = false;
};

std::shared_ptr<Stream> ResponderImpl::StartStream(int status, const std::string& content_type) {
  answered_ = true;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " +
                     std::string(http::obsolete_reason(static_cast<http::status>(status))) +
                     "\r\nContent-Type: " + content_type +
                     "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
  connection_->SendRaw(std::move(head));
  return std::make_shared<StreamImpl>(connection_);
}

template <typename Socket>
class Connection : public ConnectionBase {
 public:
  Connection(Socket socket, const ConnectionSettings& settings, Peer peer)
      : socket_(std::move(socket)),
        settings_(settings),
        peer_(peer),
        idle_(socket_.get_executor()) {}

  void Start() override { ReadRequest(); }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    idle_.cancel();
    error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void SendResponse(HttpResponse response) override {
    if (closed_) return;
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    message->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    auto self = shared_from_this();
    http::async_write(socket_, *message,
                      [this, self, message](error_code error, size_t) {
                        if (error || !keep_alive_) return Close();
                        ReadRequest();
                      });
  }

  void SendRaw(std::string bytes) override {
    if (closed_) return;
    if (!streaming_) {
      streaming_ = true;
      WatchPeer();
    }
    queue_.push_back(std::move(bytes));
    if (!writing_) WriteNext();
  }

  void FinishStream() override {
    finishing_ = true;
    if (!writing_) Close();
  }

  bool peer_gone() const override { return closed_; }

 private:
  void ReadRequest() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(settings_.max_body_bytes);
    ArmIdleTimer();
    auto self = shared_from_this();
    http::async_read(socket_, buffer_, *parser_, [this, self](error_code error, size_t) {
      idle_.cancel();
      if (error == http::error::end_of_stream || error == boost::asio::error::eof ||
          error == boost::asio::error::operation_aborted || closed_) {
        return Close();
      }
      if (error == http::error::body_limit) {
        keep_alive_ = false;
        return SendResponse(JsonError(413, "request body larger than " +
                                               std::to_string(settings_.max_body_bytes) +
                                               " bytes"));
      }
      if (error) {
        keep_alive_ = false;
        return SendResponse(JsonError(400, "malformed HTTP request: " + error.message()));
      }
      Dispatch(parser_->release());
    });
  }

  void Dispatch(http::request<http::string_body> message) {
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(message.method_string());
    SplitTarget(std::string_view(message.target().data(), message.target().size()), &request);
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.peer = peer_;
    if (settings_.tcp) {
      const std::string auth = request.Header("authorization");
      const std::string prefix = "Bearer ";
      if (auth.rfind(prefix, 0) != 0 ||
          !ConstantTimeEquals(std::string_view(auth).substr(prefix.size()), settings_.token)) {
        return SendResponse(JsonError(401, "a bearer token is required on TCP listeners"));
      }
      request.peer.token_holder = true;
    }
    (*settings_.handler)(std::move(request),
                         std::make_shared<ResponderImpl>(shared_from_this()));
  }

  void WriteNext() {
    if (queue_.empty()) {
      writing_ = false;
      if (finishing_) Close();
      return;
    }
    writing_ = true;
    auto self = shared_from_this();
    auto bytes = std::make_shared<std::string>(std::move(queue_.front()));
    queue_.pop_front();
    boost::asio::async_write(socket_, boost::asio::buffer(*bytes),
                             [this, self, bytes](error_code error, size_t) {
                               if (error) {
                                 queue_.clear();
                                 writing_ = false;
                                 return Close();
                               }
                               WriteNext();
                             });
  }

  // While streaming, a read that completes means the client closed (or sent junk): stop.
  void WatchPeer() {
    auto self = shared_from_this();
    socket_.async_read_some(boost::asio::buffer(peek_, sizeof peek_),
                            [this, self](error_code error, size_t) {
                              if (error) return Close();
                              WatchPeer();
                            });
  }

  void ArmIdleTimer() {
    idle_.expires_after(std::chrono::seconds(settings_.idle_timeout_seconds));
    std::weak_ptr<ConnectionBase> weak = shared_from_this();
    idle_.async_wait([weak](error_code error) {
      if (error) return;
      if (auto self = weak.lock()) self->Close();
    });
  }

  Socket socket_;
  const ConnectionSettings& settings_;
  Peer peer_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  boost::asio::steady_timer idle_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool streaming_ = false;
  bool writing_ = false;
  bool finishing_ = false;
  std::deque<std::string> queue_;
  char peek_[512];
};

}  // namespace

template <typename Socket>
std::shared_ptr<ConnectionBase> MakeConnection(Socket socket, const ConnectionSettings& settings,
                                               Peer peer) {
  return std::make_shared<Connection<Socket>>(std::move(socket), settings, peer);
}

template std::shared_ptr<ConnectionBase> MakeConnection(
    boost::asio::local::stream_protocol::socket socket, const ConnectionSettings& settings,
    Peer peer);
template std::shared_ptr<ConnectionBase> MakeConnection(boost::asio::ip::tcp::socket socket,
                                                        const ConnectionSettings& settings,
                                                        Peer peer);

}  // namespace converge::api
