#include "examples/ml-workflow/plain_http_server.h"

#include <cctype>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/url.h"

namespace converge::ml {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using Tcp = boost::asio::ip::tcp;

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ToStd(boost::beast::string_view text) { return {text.data(), text.size()}; }

api::HttpRequest ToRequest(const http::request<http::string_body>& message) {
  api::HttpRequest request;
  request.method = ToStd(message.method_string());
  api::Target target = api::ParseTarget(ToStd(message.target()));
  request.path = std::move(target.path);
  request.query = std::move(target.query);
  for (const auto& field : message) {
    request.headers[Lowercase(ToStd(field.name_string()))] = ToStd(field.value());
  }
  request.body = message.body();
  return request;
}

// One accepted connection. Shared: kept alive by its pending operation and its responder.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Tcp::socket socket, std::shared_ptr<const api::Handler> handler, size_t max_body_bytes)
      : socket_(std::move(socket)), handler_(std::move(handler)), max_body_bytes_(max_body_bytes) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(max_body_bytes_);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code error, size_t) { self->OnRead(error); });
  }

  // Sends `response`, then reads the next request or closes.
  void Send(const api::HttpResponse& response) {
    if (!socket_.is_open()) return;
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = response.body;
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    http::async_write(socket_, *message,
                      [self = shared_from_this(), message](error_code error, size_t) {
                        if (error || !self->keep_alive_) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    error_code ignored;
    socket_.shutdown(Tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void OnRead(error_code error);

  Tcp::socket socket_;
  // Shared with the server: a completion may run after the server was destroyed.
  std::shared_ptr<const api::Handler> handler_;
  size_t max_body_bytes_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
};

// Answers a Session exactly once; an unanswered responder replies 500 when dropped.
class SessionResponder : public api::Responder {
 public:
  explicit SessionResponder(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~SessionResponder() override {
    if (session_) session_->Send(api::JsonError(500, "the handler did not answer"));
  }
  void Reply(api::HttpResponse response) override {
    if (!session_) return;
    session_->Send(response);
    session_.reset();
  }
  std::shared_ptr<api::Stream> StartStream(int, const std::string&) override {
    Reply(api::JsonError(500, "streamed responses are not supported"));
    return nullptr;
  }

 private:
  std::shared_ptr<Session> session_;
};

void Session::OnRead(error_code error) {
  if (error == http::error::end_of_stream || error == boost::asio::error::operation_aborted) {
    return Close();
  }
  if (error) {
    keep_alive_ = false;
    if (error == http::error::body_limit) {
      return Send(api::JsonError(413, "request body too large"));
    }
    if (!parser_->got_some()) return Close();
    return Send(api::JsonError(400, "malformed HTTP request: " + error.message()));
  }
  keep_alive_ = parser_->get().keep_alive();
  (*handler_)(ToRequest(parser_->get()), std::make_shared<SessionResponder>(shared_from_this()));
}

}  // namespace

class PlainHttpServer::Impl {
 public:
  Impl(boost::asio::io_context& io, api::Handler handler, PlainHttpServerOptions options)
      : acceptor_(io),
        handler_(std::make_shared<const api::Handler>(std::move(handler))),
        options_(options) {}

  Result<int> Listen(const std::string& host, int port) {
    const std::string where = host + ":" + std::to_string(port);
    error_code error;
    const boost::asio::ip::address ip = boost::asio::ip::make_address(host, error);
    if (error || !ip.is_loopback()) {
      return Status::Invalid(where, "the host must be a loopback IP address (no authentication)");
    }
    if (port < 0 || port > 65535) return Status::Invalid(where, "port must be 0..65535");
    const Tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(boost::asio::socket_base::max_listen_connections, error);
    Tcp::endpoint local;
    if (!error) local = acceptor_.local_endpoint(error);
    if (error) {
      error_code ignored;
      acceptor_.close(ignored);
      return Status(Code::kInternal, "cannot listen: " + error.message(), where);
    }
    Accept();
    return static_cast<int>(local.port());
  }

  void Stop() {
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) session->Close();
    }
    sessions_.clear();
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](error_code error, Tcp::socket socket) {
      // Checked before touching `this`: an aborted accept may complete after ~Impl.
      if (error == boost::asio::error::operation_aborted || stopped_) return;
      if (!error) {
        std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
        auto session =
            std::make_shared<Session>(std::move(socket), handler_, options_.max_body_bytes);
        sessions_.push_back(session);
        session->Read();
      }
      Accept();
    });
  }

  Tcp::acceptor acceptor_;
  std::shared_ptr<const api::Handler> handler_;
  PlainHttpServerOptions options_;
  std::vector<std::weak_ptr<Session>> sessions_;
  bool stopped_ = false;
};

PlainHttpServer::PlainHttpServer(boost::asio::io_context& io, api::Handler handler,
                                 PlainHttpServerOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(handler), options)) {}
PlainHttpServer::~PlainHttpServer() { impl_->Stop(); }
Result<int> PlainHttpServer::Listen(const std::string& host, int port) {
  return impl_->Listen(host, port);
}
void PlainHttpServer::Stop() { impl_->Stop(); }

}  // namespace converge::ml
