#include "api/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "api/http_connection.h"

namespace converge::api {
namespace {

using boost::system::error_code;
using Local = boost::asio::local::stream_protocol;
using Tcp = boost::asio::ip::tcp;

Peer UnixPeer(Local::socket& socket) {
  Peer peer;
  peer.unix_socket = true;
  struct ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) ==
      0) {
    peer.uid = credentials.uid;
    peer.gid = credentials.gid;
    peer.pid = credentials.pid;
  }
  return peer;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(boost::asio::io_context& io, HttpServerOptions options, Handler handler)
      : io_(io), options_(std::move(options)), handler_(std::move(handler)) {
    unix_settings_ = {options_.max_body_bytes, "", false, options_.idle_timeout_seconds,
                      &handler_};
    tcp_settings_ = {options_.max_body_bytes, options_.token, true,
                     options_.idle_timeout_seconds, &handler_};
  }

  ~Impl() { Stop(); }

  Result<Address> Listen(const Address& address) {
    if (address.kind == Address::Kind::kUnix) return ListenUnix(address);
    return ListenTcp(address);
  }

  void Stop() {
    error_code ignored;
    for (auto& acceptor : unix_acceptors_) acceptor->close(ignored);
    for (auto& acceptor : tcp_acceptors_) acceptor->close(ignored);
    unix_acceptors_.clear();
    tcp_acceptors_.clear();
    for (auto& weak : connections_) {
      if (auto connection = weak.lock()) connection->Close();
    }
    connections_.clear();
    for (const std::string& path : socket_files_) ::unlink(path.c_str());
    socket_files_.clear();
  }

 private:
  Result<Address> ListenUnix(const Address& address) {
    const std::string& path = address.path;
    struct stat info;
    if (::lstat(path.c_str(), &info) == 0) {
      Local::socket probe(io_);
      error_code error;
      probe.connect(Local::endpoint(path), error);
      if (!error) {
        return Status(Code::kInternal, "already in use by a running instance", path);
      }
      if (!S_ISSOCK(info.st_mode)) {
        return Status(Code::kInternal, "exists and is not a socket", path);
      }
      ::unlink(path.c_str());
    }
    auto acceptor = std::make_unique<Local::acceptor>(io_);
    error_code error;
    acceptor->open(Local(), error);
    mode_t old_mask = ::umask(0177);
    if (!error) acceptor->bind(Local::endpoint(path), error);
    ::umask(old_mask);
    if (!error) ::chmod(path.c_str(), 0600);
    if (!error) acceptor->listen(boost::asio::socket_base::max_listen_connections, error);
    if (error) return Status(Code::kInternal, "cannot listen: " + error.message(), path);
    socket_files_.push_back(path);
    AcceptUnix(*acceptor);
    unix_acceptors_.push_back(std::move(acceptor));
    return address;
  }

  Result<Address> ListenTcp(const Address& address) {
    if (options_.token.empty()) {
      return Status::Invalid(address.ToString(), "TCP listeners need a bearer token");
    }
    error_code error;
    std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
    boost::asio::ip::address ip = boost::asio::ip::make_address(host, error);
    if (error) return Status::Invalid(address.ToString(), "host must be an IP address");
    auto acceptor = std::make_unique<Tcp::acceptor>(io_);
    Tcp::endpoint endpoint(ip, static_cast<unsigned short>(address.port));
    acceptor->open(endpoint.protocol(), error);
    if (!error) acceptor->set_option(boost::asio::socket_base::reuse_address(true), error);
    if (!error) acceptor->bind(endpoint, error);
    if (!error) acceptor->listen(boost::asio::socket_base::max_listen_connections, error);
    if (error) {
      return Status(Code::kInternal, "cannot listen: " + error.message(), address.ToString());
    }
    Address bound = address;
    bound.port = acceptor->local_endpoint().port();
    AcceptTcp(*acceptor);
    tcp_acceptors_.push_back(std::move(acceptor));
    return bound;
  }

  void AcceptUnix(Local::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](error_code error, Local::socket socket) {
      if (error == boost::asio::error::operation_aborted) return;
      if (!error) {
        Peer peer = UnixPeer(socket);
        Track(MakeConnection(std::move(socket), unix_settings_, peer));
      }
      AcceptUnix(acceptor);
    });
  }

  void AcceptTcp(Tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](error_code error, Tcp::socket socket) {
      if (error == boost::asio::error::operation_aborted) return;
      if (!error) {
        error_code ignored;
        socket.set_option(Tcp::no_delay(true), ignored);
        Track(MakeConnection(std::move(socket), tcp_settings_, Peer{}));
      }
      AcceptTcp(acceptor);
    });
  }

  void Track(std::shared_ptr<ConnectionBase> connection) {
    if (connections_.size() > 64 && ++accepted_ % 64 == 0) {
      std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
    }
    connections_.push_back(connection);
    connection->Start();
  }

  boost::asio::io_context& io_;
  HttpServerOptions options_;
  Handler handler_;
  ConnectionSettings unix_settings_;
  ConnectionSettings tcp_settings_;
  std::vector<std::unique_ptr<Local::acceptor>> unix_acceptors_;
  std::vector<std::unique_ptr<Tcp::acceptor>> tcp_acceptors_;
  std::vector<std::weak_ptr<ConnectionBase>> connections_;
  std::vector<std::string> socket_files_;
  uint64_t accepted_ = 0;
};

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() = default;
Result<Address> HttpServer::Listen(const Address& address) { return impl_->Listen(address); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace converge::api
