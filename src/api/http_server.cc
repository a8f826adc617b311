#include "api/http_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/http_connection.h"

namespace converge::api {
namespace {

using boost::system::error_code;
using Local = boost::asio::local::stream_protocol;
using Tcp = boost::asio::ip::tcp;

// After a failed accept (e.g. out of file descriptors) wait this long before accepting again.
constexpr std::chrono::milliseconds kAcceptRetryDelay(100);
// Out of descriptors, at most this many waiting callers are refused per retry.
constexpr int kRefusedPerTurn = 64;

// Children must not inherit the server's sockets (a leaked listener would look alive).
void SetCloseOnExec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }

// Turns an accepted socket away without blocking: the request bytes already there are read
// (so that closing does not reset the answer away), a 503 is sent if the socket buffer takes
// it, and the socket is closed. The caller still owns `fd` and closes it.
void Refuse(int fd) {
  const std::string body =
      JsonError(503, "too many connections to this instance; retry later").body;
  const std::string busy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n" + body;
  char scratch[4096];
  for (int i = 0; i < 4 && ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }
  [[maybe_unused]] ssize_t sent = ::send(fd, busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
}

// One descriptor held in reserve: when accept() fails for lack of descriptors, it is given up
// for a moment to accept the waiting caller and answer 503, instead of leaving callers to hang
// in the backlog.
class SpareDescriptor {
 public:
  SpareDescriptor() { Take(); }
  ~SpareDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  // Accepts one pending caller on `listener` and refuses it. False when nothing was accepted.
  bool RefuseOne(int listener) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      Refuse(fd);
      ::close(fd);
    }
    Take();
    return fd >= 0;
  }

 private:
  void Take() { fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  int fd_ = -1;
};

Peer UnixPeer(UnixSocket& socket) {
  Peer peer;
  peer.unix_socket = true;
  struct ucred credentials {};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0) {
    peer.uid = credentials.uid;
    peer.gid = credentials.gid;
    peer.pid = credentials.pid;
  }
  return peer;
}

// The server's open connections, to close them on Stop(). Weak references: a connection
// lives as long as its own operations and responders need it.
class ConnectionSet {
 public:
  void Add(const std::shared_ptr<ConnectionBase>& connection) {
    if (connections_.size() >= prune_at_) {
      std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
      prune_at_ = std::max<size_t>(64, connections_.size() * 2);
    }
    connections_.push_back(connection);
  }
  void CloseAll() {
    for (const auto& weak : connections_) {
      if (auto connection = weak.lock()) connection->Close();
    }
    connections_.clear();
  }

 private:
  std::vector<std::weak_ptr<ConnectionBase>> connections_;
  size_t prune_at_ = 64;
};

// Accepts on one acceptor until Stop(). Shared: the pending accept keeps it alive, so a
// completion queued before Stop() never touches a destroyed acceptor.
template <typename Protocol>
class Listener : public std::enable_shared_from_this<Listener<Protocol>> {
 public:
  using Acceptor = typename Protocol::acceptor;
  using Socket = typename Protocol::socket;

  Listener(Acceptor acceptor, std::shared_ptr<const ConnectionSettings> settings,
           std::shared_ptr<ConnectionSet> connections, std::shared_ptr<ConnectionSlots> slots,
           std::shared_ptr<SpareDescriptor> spare)
      : acceptor_(std::move(acceptor)),
        retry_(acceptor_.get_executor()),
        settings_(std::move(settings)),
        connections_(std::move(connections)),
        slots_(std::move(slots)),
        spare_(std::move(spare)) {}

  void Accept() {
    acceptor_.async_accept([self = this->shared_from_this()](error_code error, Socket socket) {
      if (self->stopped_) return;
      if (error == boost::system::errc::too_many_files_open ||
          error == boost::system::errc::too_many_files_open_in_system) {
        // Out of descriptors: answer the waiting callers 503 rather than let them hang.
        const int listener = self->acceptor_.native_handle();
        for (int i = 0; i < kRefusedPerTurn && self->spare_->RefuseOne(listener); ++i) {
        }
        return self->RetryLater();
      }
      if (error) return self->RetryLater();
      self->Adopt(std::move(socket));
      self->Accept();
    });
  }

  void Stop() {
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

 private:
  void RetryLater() {
    retry_.expires_after(kAcceptRetryDelay);
    retry_.async_wait([self = this->shared_from_this()](error_code error) {
      if (!error && !self->stopped_) self->Accept();
    });
  }

  void Adopt(Socket socket) {
    SetCloseOnExec(socket.native_handle());
    Peer peer;
    if constexpr (std::is_same_v<Protocol, Local>) {
      peer = UnixPeer(socket);
    } else {
      error_code ignored;
      socket.set_option(Tcp::no_delay(true), ignored);
    }
    std::optional<ConnectionSlots::Lease> slot = slots_->Admit(peer);
    if (!slot) {
      Refuse(socket.native_handle());
      error_code ignored;
      socket.close(ignored);
      return;
    }
    std::shared_ptr<ConnectionBase> connection =
        MakeConnection(std::move(socket), settings_, peer, std::move(*slot));
    connections_->Add(connection);
    connection->Start();
  }

  Acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::shared_ptr<const ConnectionSettings> settings_;
  std::shared_ptr<ConnectionSet> connections_;
  std::shared_ptr<ConnectionSlots> slots_;
  std::shared_ptr<SpareDescriptor> spare_;
  bool stopped_ = false;
};

// A socket file this server created, identified so that Stop() never removes a successor's.
struct SocketFile {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
};

std::string ErrnoText() { return std::strerror(errno); }

// Whether something listens on the Unix socket `path`: ECONNREFUSED means a stale file. The
// probe never blocks: a listener with a full backlog (EAGAIN) counts as alive.
Result<bool> SomethingListens(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status(Code::kInternal, "cannot create a socket: " + ErrnoText(), path);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  const int result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int error = errno;
  ::close(fd);
  if (result == 0 || error == EAGAIN || error == EINPROGRESS) return true;
  if (error == ECONNREFUSED || error == ENOENT) return false;
  return Status(Code::kInternal, std::string("cannot probe the socket: ") + std::strerror(error),
                path);
}

// Makes `path` free for a new socket: a live socket is an error, a stale one is removed, and
// any other file is left alone (an error).
Status ClaimSocketPath(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status(Code::kInternal, "cannot inspect the socket path: " + ErrnoText(), path);
  }
  if (!S_ISSOCK(info.st_mode)) {
    return Status(Code::kInternal, "exists and is not a socket; refusing to replace it", path);
  }
  Result<bool> live = SomethingListens(path);
  if (!live.ok()) return live.status();
  if (*live) {
    return Status(Code::kInternal, "already in use: another instance answers on this socket", path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status(Code::kInternal, "cannot remove the stale socket: " + ErrnoText(), path);
  }
  return Status::Ok();
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(boost::asio::io_context& io, HttpServerOptions options, Handler handler)
      : io_(io),
        slots_(std::make_shared<ConnectionSlots>(ConnectionLimits{
            options.max_connections > 0 ? options.max_connections : DefaultMaxConnections(),
            options.owner_reserve, options.owner_uid})) {
    auto settings = std::make_shared<ConnectionSettings>();
    settings->max_body_bytes = options.max_body_bytes;
    settings->max_body_depth = options.max_body_depth;
    settings->idle_timeout_seconds = options.idle_timeout_seconds;
    settings->stream_buffer_bytes = options.stream_buffer_bytes;
    settings->write_stall_seconds = options.write_stall_seconds;
    settings->handler = std::move(handler);
    settings->public_prefix = std::move(options.public_prefix);
    unix_settings_ = settings;
    auto tcp_settings = std::make_shared<ConnectionSettings>(*settings);
    tcp_settings->tcp = true;
    tcp_settings->token = std::move(options.token);
    tcp_settings->open = tcp_settings->token.empty() && options.open_loopback_tcp;
    any_address_ = options.open_tcp_any_address;
    tcp_settings_ = tcp_settings;
  }

  ~Impl() { Stop(); }

  Result<Address> Listen(const Address& address) {
    if (address.kind == Address::Kind::kUnix) return ListenUnix(address);
    return ListenTcp(address);
  }

  void Stop() {
    for (auto& listener : unix_listeners_) listener->Stop();
    for (auto& listener : tcp_listeners_) listener->Stop();
    unix_listeners_.clear();
    tcp_listeners_.clear();
    connections_->CloseAll();
    for (const SocketFile& file : socket_files_) {
      struct stat info {};
      if (::lstat(file.path.c_str(), &info) == 0 && info.st_dev == file.device &&
          info.st_ino == file.inode) {
        ::unlink(file.path.c_str());
      }
    }
    socket_files_.clear();
  }

 private:
  Result<Address> ListenUnix(const Address& address) {
    const std::string& path = address.path;
    CONVERGE_RETURN_IF_ERROR(ClaimSocketPath(path));
    Local::acceptor acceptor(io_);
    error_code error;
    acceptor.open(Local(), error);
    if (!error) {
      SetCloseOnExec(acceptor.native_handle());
      // Owner-only from the start, so that there is no window in which others may connect.
      // umask is process-wide, hence the chmod below as well.
      const mode_t old_mask = ::umask(0177);
      acceptor.bind(Local::endpoint(path), error);
      ::umask(old_mask);
    }
    if (error) return Status(Code::kInternal, "cannot bind: " + error.message(), path);
    struct stat info {};
    if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &info) != 0) {
      Status status(Code::kInternal, "cannot set the socket's mode: " + ErrnoText(), path);
      ::unlink(path.c_str());
      return status;
    }
    acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
    if (error) {
      ::unlink(path.c_str());
      return Status(Code::kInternal, "cannot listen: " + error.message(), path);
    }
    socket_files_.push_back({path, info.st_dev, info.st_ino});
    auto listener =
        std::make_shared<Listener<Local>>(std::move(acceptor), unix_settings_, connections_,
                                          slots_, spare_);
    listener->Accept();
    unix_listeners_.push_back(std::move(listener));
    return address;
  }

  Result<Address> ListenTcp(const Address& address) {
    const std::string where = address.ToString();
    if (tcp_settings_->token.empty() && !tcp_settings_->open) {
      return Status::Invalid(where, "a TCP listener needs a bearer token; none is configured");
    }
    error_code error;
    const std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
    const boost::asio::ip::address ip = boost::asio::ip::make_address(host, error);
    if (error) return Status::Invalid(where, "the host must be an IP address or localhost");
    if (tcp_settings_->open && !any_address_ && !ip.is_loopback()) {
      return Status::Invalid(where, "without a token, TCP listens on loopback addresses only");
    }
    if (address.port < 0 || address.port > 65535) {
      return Status::Invalid(where, "port must be 0..65535");
    }
    const Tcp::endpoint endpoint(ip, static_cast<unsigned short>(address.port));
    Tcp::acceptor acceptor(io_);
    acceptor.open(endpoint.protocol(), error);
    if (!error) SetCloseOnExec(acceptor.native_handle());
    if (!error) acceptor.set_option(boost::asio::socket_base::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
    Tcp::endpoint local;
    if (!error) local = acceptor.local_endpoint(error);
    if (error) return Status(Code::kInternal, "cannot listen: " + error.message(), where);
    Address bound = address;
    bound.port = local.port();
    auto listener =
        std::make_shared<Listener<Tcp>>(std::move(acceptor), tcp_settings_, connections_, slots_,
                                        spare_);
    listener->Accept();
    tcp_listeners_.push_back(std::move(listener));
    return bound;
  }

  boost::asio::io_context& io_;
  // Shared with the connections, which may outlive the server (see http_connection.h).
  std::shared_ptr<const ConnectionSettings> unix_settings_;
  std::shared_ptr<const ConnectionSettings> tcp_settings_;
  bool any_address_ = false;  // HttpServerOptions::open_tcp_any_address
  std::shared_ptr<ConnectionSet> connections_ = std::make_shared<ConnectionSet>();
  std::shared_ptr<ConnectionSlots> slots_;
  std::shared_ptr<SpareDescriptor> spare_ = std::make_shared<SpareDescriptor>();
  std::vector<std::shared_ptr<Listener<Local>>> unix_listeners_;
  std::vector<std::shared_ptr<Listener<Tcp>>> tcp_listeners_;
  std::vector<SocketFile> socket_files_;
};

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() = default;
Result<Address> HttpServer::Listen(const Address& address) { return impl_->Listen(address); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace converge::api
