#include "api/http_client.h"

#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/token_file.h"
#include "common/dead_peer.h"

namespace converge::api {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;
using Local = boost::asio::local::stream_protocol;
using Tcp = boost::asio::ip::tcp;

// Whole (non-streamed) responses larger than this are refused rather than buffered.
constexpr uint64_t kMaxResponseBytes = uint64_t{1} << 30;
constexpr size_t kChunkBytes = 64 * 1024;

std::string Trim(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(start, end - start + 1));
}

// The whole file, trimmed; nullopt when it cannot be read.
// Errors meaning the server closed the connection (e.g. an idle kept-alive one).
bool ClosedByPeer(error_code error) {
  return error == http::error::end_of_stream || error == boost::asio::error::eof ||
         error == boost::asio::error::connection_reset || error == boost::asio::error::broken_pipe;
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(Address address, std::string token, int dead_peer_seconds = 0)
      : address_(std::move(address)),
        token_(std::move(token)),
        dead_peer_seconds_(dead_peer_seconds) {}

  const Address& address() const { return address_; }

  Status Connect() {
    Disconnect();
    error_code error;
    if (address_.kind == Address::Kind::kUnix) {
      unix_.emplace(io_);
      unix_->connect(Local::endpoint(address_.path), error);
    } else {
      const std::string host = address_.host == "localhost" ? "127.0.0.1" : address_.host;
      const boost::asio::ip::address ip = boost::asio::ip::make_address(host, error);
      if (!error) {
        tcp_.emplace(io_);
        const Tcp::endpoint endpoint(ip, static_cast<unsigned short>(address_.port));
        tcp_->open(endpoint.protocol(), error);
        if (!error && dead_peer_seconds_ > 0) DetectDeadPeer(tcp_->native_handle(), dead_peer_seconds_);
        if (!error) tcp_->connect(endpoint, error);
      }
      if (!error) tcp_->set_option(Tcp::no_delay(true), error);
    }
    if (!error) return Status::Ok();
    Disconnect();
    if (error == boost::asio::error::connection_refused ||
        error == boost::system::errc::no_such_file_or_directory) {
      return Status(Code::kNotFound,
                    "no instance at " + address_.ToString() + " (is `converge start` running?)");
    }
    return Status(Code::kInternal,
                  "cannot connect to " + address_.ToString() + ": " + error.message());
  }

  Result<HttpResponse> Call(const std::string& method, const std::string& target,
                            const std::string& body, const std::string& content_type) {
    const http::request<http::string_body> request =
        MakeRequest(method, target, body, content_type);
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected();
      if (!reused) CONVERGE_RETURN_IF_ERROR(Connect());
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBytes);
      error_code write_error;
      error_code read_error;
      WithSocket([&](auto& socket) {
        http::write(socket, request, write_error);
        // Even when the write failed, an answer may be waiting (a 413 sent before closing).
        http::read(socket, buffer_, parser, read_error);
      });
      if (!read_error) return TakeResponse(parser);
      Disconnect();
      const error_code error = write_error ? write_error : read_error;
      if (reused && attempt == 0 && !parser.got_some() &&
          (ClosedByPeer(write_error) || ClosedByPeer(read_error))) {
        continue;  // the server closed the kept-alive connection: once more on a fresh one
      }
      return Broken(error);
    }
  }

  Result<int> Stream(const std::string& method, const std::string& target,
                     const std::function<bool(std::string_view)>& on_chunk) {
    const http::request<http::string_body> request = MakeRequest(method, target, "", "");
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected();
      if (!reused) CONVERGE_RETURN_IF_ERROR(Connect());
      http::response_parser<http::buffer_body> parser;
      // Streams are unbounded. (Not boost::none: Beast 1.74 then rejects any Content-Length.)
      parser.body_limit(std::numeric_limits<uint64_t>::max());
      error_code error;
      WithSocket([&](auto& socket) {
        http::write(socket, request, error);
        if (!error) http::read_header(socket, buffer_, parser, error);
      });
      if (error) {
        Disconnect();
        if (reused && attempt == 0 && !parser.got_some() && ClosedByPeer(error)) continue;
        return Broken(error);
      }
      const int status = static_cast<int>(parser.get().result_int());
      bool stopped = false;
      WithSocket([&](auto& socket) { stopped = !ReadBody(socket, parser, on_chunk, error); });
      if (error || stopped || !parser.is_done() || !parser.get().keep_alive()) Disconnect();
      if (error) return Broken(error);
      return status;
    }
  }

 private:
  bool connected() const { return unix_.has_value() || tcp_.has_value(); }

  void Disconnect() {
    error_code ignored;
    if (unix_) unix_->close(ignored);
    if (tcp_) tcp_->close(ignored);
    unix_.reset();
    tcp_.reset();
    buffer_.clear();
  }

  template <typename Operation>
  void WithSocket(Operation&& operation) {
    if (unix_) {
      operation(*unix_);
    } else {
      operation(*tcp_);
    }
  }

  http::request<http::string_body> MakeRequest(const std::string& method, const std::string& target,
                                               const std::string& body,
                                               const std::string& content_type) const {
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, address_.kind == Address::Kind::kUnix
                                       ? std::string("localhost")
                                       : address_.ToString().substr(4));
    if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) request.set(http::field::content_type, content_type);
    request.body() = body;
    request.keep_alive(true);
    request.prepare_payload();
    return request;
  }

  HttpResponse TakeResponse(http::response_parser<http::string_body>& parser) {
    http::response<http::string_body> message = parser.release();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[http::field::content_type]);
    for (const auto& field : message) {
      if (field.name() == http::field::content_type) continue;
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[std::move(name)] = std::string(field.value());
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) Disconnect();
    return response;
  }

  // Delivers the body as it arrives, until the message ends (by length or by EOF). Returns
  // false when `on_chunk` asked to stop; `error` is set when the connection broke.
  template <typename Socket>
  bool ReadBody(Socket& socket, http::response_parser<http::buffer_body>& parser,
                const std::function<bool(std::string_view)>& on_chunk, error_code& error) {
    chunk_.resize(kChunkBytes);
    while (!parser.is_done()) {
      parser.get().body().data = chunk_.data();
      parser.get().body().size = chunk_.size();
      http::read_some(socket, buffer_, parser, error);
      if (error == http::error::need_buffer) error = {};
      const size_t got = chunk_.size() - parser.get().body().size;
      if (got > 0 && !on_chunk(std::string_view(chunk_.data(), got))) return false;
      if (error == http::error::end_of_stream || error == boost::asio::error::eof) {
        error = {};  // a stream without a length ends when the server closes
        return true;
      }
      if (error) return true;
    }
    return true;
  }

  Status Broken(error_code error) const {
    return Status(Code::kInternal,
                  "connection to " + address_.ToString() + " broke: " + error.message());
  }

  Address address_;
  std::string token_;
  int dead_peer_seconds_ = 0;  // 0: the kernel's defaults
  boost::asio::io_context io_;
  std::optional<Local::socket> unix_;
  std::optional<Tcp::socket> tcp_;
  boost::beast::flat_buffer buffer_;
  std::string chunk_;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Connect(const Address& address, std::string token,
                                                        int dead_peer_seconds) {
  auto impl = std::make_unique<Impl>(address, std::move(token), dead_peer_seconds);
  CONVERGE_RETURN_IF_ERROR(impl->Connect());
  // The constructor is private, so make_unique cannot reach it.
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<Endpoint> EndpointFromEnvironment() {
  const std::string default_socket = DefaultStateDir() + "/converge.sock";
  const char* uri = std::getenv("CONVERGE_URI");
  Result<Address> address = ParseAddress(uri && *uri ? uri : "unix:" + default_socket);
  if (!address.ok()) return address.status().WithPrefix("CONVERGE_URI");
  std::string token;
  if (const char* value = std::getenv("CONVERGE_TOKEN"); value && *value) {
    token = Trim(value);
  } else if (const char* file = std::getenv("CONVERGE_TOKEN_FILE"); file && *file) {
    Result<std::string> read = ReadTokenFile(file);
    if (!read.ok()) {
      return Status(read.status().code(), read.status().message(),
                    std::string("CONVERGE_TOKEN_FILE=") + file);
    }
    token = *read;
  } else if (address->kind == Address::Kind::kTcp) {
    // Only TCP listeners ask for the token; Unix sockets identify callers by their uid.
    Result<std::string> read = ReadTokenFile(DefaultStateDir() + "/token");
    if (!read.ok() && read.status().code() != Code::kNotFound) return read.status();
    if (read.ok()) token = *read;
  }
  return Endpoint{std::move(address).value(), std::move(token)};
}

Result<std::unique_ptr<HttpClient>> HttpClient::ConnectFromEnvironment() {
  Result<Endpoint> endpoint = EndpointFromEnvironment();
  if (!endpoint.ok()) return endpoint.status();
  return Connect(endpoint->address, std::move(endpoint->token));
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

const Address& HttpClient::address() const { return impl_->address(); }

std::string DefaultStateDir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) {
    return std::string(state) + "/converge/default";
  }
  std::string home;
  if (const char* value = std::getenv("HOME"); value && *value) {
    home = value;
  } else if (const struct passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) {
    home = entry->pw_dir;
  } else {
    home = "/tmp";
  }
  return home + "/.local/state/converge/default";
}

}  // namespace converge::api
