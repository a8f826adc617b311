#include "api/http_client.h"

#include <cstdlib>
#include <fstream>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace converge::api {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using Local = boost::asio::local::stream_protocol;
using Tcp = boost::asio::ip::tcp;

std::string Trim(std::string text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  size_t start = text.find_first_not_of(" \t\r\n");
  return start == std::string::npos ? "" : text.substr(start);
}

std::string ReadToken(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "";
  std::string token;
  std::getline(file, token);
  return Trim(token);
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(Address address, std::string token) : address_(std::move(address)), token_(token) {}

  Status Connect() {
    Disconnect();
    error_code error;
    if (address_.kind == Address::Kind::kUnix) {
      unix_.emplace(io_);
      unix_->connect(Local::endpoint(address_.path), error);
    } else {
      tcp_.emplace(io_);
      std::string host = address_.host == "localhost" ? "127.0.0.1" : address_.host;
      boost::asio::ip::address ip = boost::asio::ip::make_address(host, error);
      if (!error) tcp_->connect(Tcp::endpoint(ip, static_cast<unsigned short>(address_.port)),
                                error);
      if (!error) tcp_->set_option(Tcp::no_delay(true), error);
    }
    if (error) {
      Disconnect();
      if (error == boost::asio::error::connection_refused ||
          error == boost::asio::error::not_found ||
          error == boost::system::errc::no_such_file_or_directory) {
        return Status(Code::kNotFound, "no instance at " + address_.ToString() +
                                           " (is `converge start` running?)");
      }
      return Status(Code::kInternal,
                    "cannot connect to " + address_.ToString() + ": " + error.message());
    }
    return Status::Ok();
  }

  void Disconnect() {
    error_code ignored;
    if (unix_) unix_->close(ignored);
    if (tcp_) tcp_->close(ignored);
    unix_.reset();
    tcp_.reset();
    buffer_.clear();
  }

  bool connected() const { return unix_.has_value() || tcp_.has_value(); }

  http::request<http::string_body> MakeRequest(const std::string& method,
                                               const std::string& target,
                                               const std::string& body,
                                               const std::string& content_type) {
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, "converge");
    if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) request.set(http::field::content_type, content_type);
    request.body() = body;
    request.keep_alive(true);
    request.prepare_payload();
    return request;
  }

  template <typename Operation>
  auto OnSocket(Operation&& operation) {
    if (unix_) return operation(*unix_);
    return operation(*tcp_);
  }

  Result<HttpResponse> Call(const std::string& method, const std::string& target,
                            const std::string& body, const std::string& content_type) {
    http::request<http::string_body> request = MakeRequest(method, target, body, content_type);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool fresh = !connected();
      if (fresh) CONVERGE_RETURN_IF_ERROR(Connect());
      error_code error;
      http::response_parser<http::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      OnSocket([&](auto& socket) {
        http::write(socket, request, error);
        // A server that refuses the body (413) answers and closes while we still write:
        // its answer is waiting to be read.
        error_code read_error;
        http::read(socket, buffer_, parser, read_error);
        if (!error || parser.is_header_done()) error = read_error;
        return 0;
      });
      if (error) {
        Disconnect();
        if (!fresh) continue;  // the server closed a kept-alive connection: try once more
        return Status(Code::kInternal, "connection to " + address_.ToString() +
                                           " broke: " + error.message());
      }
      auto message = parser.release();
      HttpResponse response;
      response.status = static_cast<int>(message.result_int());
      response.content_type = std::string(message[http::field::content_type]);
      response.body = std::move(message.body());
      if (!message.keep_alive()) Disconnect();
      return response;
    }
    return Status(Code::kInternal, "connection to " + address_.ToString() + " broke");
  }

  Result<int> Stream(const std::string& method, const std::string& target,
                     const std::function<bool(std::string_view)>& on_chunk) {
    http::request<http::string_body> request = MakeRequest(method, target, "", "");
    if (!connected()) CONVERGE_RETURN_IF_ERROR(Connect());
    error_code error;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    int status = 0;
    OnSocket([&](auto& socket) {
      http::write(socket, request, error);
      if (error) return 0;
      http::read_header(socket, buffer_, parser, error);
      if (error) return 0;
      status = static_cast<int>(parser.get().result_int());
      char chunk[16384];
      while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        http::read(socket, buffer_, parser, error);
        if (error == http::error::need_buffer) error = {};
        if (error == http::error::end_of_stream || error == boost::asio::error::eof) {
          error = {};
          size_t got = sizeof chunk - parser.get().body().size;
          if (got > 0) on_chunk(std::string_view(chunk, got));
          break;
        }
        if (error) return 0;
        size_t got = sizeof chunk - parser.get().body().size;
        if (got > 0 && !on_chunk(std::string_view(chunk, got))) break;
      }
      return 0;
    });
    Disconnect();  // streams end with the connection
    if (error) {
      return Status(Code::kInternal,
                    "stream from " + address_.ToString() + " broke: " + error.message());
    }
    return status;
  }

  Address address_;

 private:
  std::string token_;
  boost::asio::io_context io_;
  std::optional<Local::socket> unix_;
  std::optional<Tcp::socket> tcp_;
  boost::beast::flat_buffer buffer_;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Connect(const Address& address,
                                                        std::string token) {
  auto impl = std::make_unique<Impl>(address, std::move(token));
  CONVERGE_RETURN_IF_ERROR(impl->Connect());
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<std::unique_ptr<HttpClient>> HttpClient::ConnectFromEnvironment() {
  const char* uri = std::getenv("CONVERGE_URI");
  std::string text = uri && *uri ? uri : "unix:" + DefaultStateDir() + "/converge.sock";
  Result<Address> address = ParseAddress(text);
  if (!address.ok()) return address.status().WithPrefix("CONVERGE_URI");
  std::string token;
  if (const char* value = std::getenv("CONVERGE_TOKEN"); value && *value) {
    token = Trim(value);
  } else if (const char* file = std::getenv("CONVERGE_TOKEN_FILE"); file && *file) {
    token = ReadToken(file);
    if (token.empty()) {
      return Status::Invalid("CONVERGE_TOKEN_FILE", std::string("cannot read a token from ") +
                                                        file);
    }
  } else if (address->kind == Address::Kind::kTcp) {
    token = ReadToken(DefaultStateDir() + "/token");
  }
  return Connect(*address, token);
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Call(const std::string& method, const std::string& target,
                                      const std::string& body, const std::string& content_type) {
  return impl_->Call(method, target, body, content_type);
}

Result<int> HttpClient::Stream(const std::string& method, const std::string& target,
                               const std::function<bool(std::string_view chunk)>& on_chunk) {
  return impl_->Stream(method, target, on_chunk);
}

const Address& HttpClient::address() const { return impl_->address_; }

std::string DefaultStateDir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) {
    return std::string(state) + "/converge/default";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/converge/default";
}

}  // namespace converge::api
