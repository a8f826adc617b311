// Test helpers for the HTTP server tests: work run on the server's thread, a private temporary
// folder and a raw blocking Unix-socket client that sends what HttpClient never would. Test
// code only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace converge::api {

// Runs `work` on the thread that runs `io` and waits until it has run.
inline void RunOnIo(boost::asio::io_context& io, const std::function<void()>& work) {
  std::promise<void> done;
  boost::asio::post(io, [&] {
    work();
    done.set_value();
  });
  done.get_future().wait();
}

// A private temporary folder (mkdtemp), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/api_test.XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A plain blocking socket to send what HttpClient never would. Reads time out after 5 s.
class RawSocket {
 public:
  explicit RawSocket(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  // A TCP connection to 127.0.0.1:`port`.
  explicit RawSocket(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawSocket() { ::close(fd_); }

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Everything until the server closes (or 5 s pass).
  std::string ReadToEnd() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd_, buffer, sizeof buffer)) > 0) text.append(buffer, n);
    return text;
  }
  // One response with a Content-Length (or whatever arrived before 5 s passed).
  std::string ReadResponse() {
    std::string text;
    char c;
    while (text.find("\r\n\r\n") == std::string::npos && ::read(fd_, &c, 1) == 1) text += c;
    size_t at = text.find("Content-Length: ");
    size_t length = at == std::string::npos ? 0 : std::stoul(text.substr(at + 16));
    std::string body(length, '\0');
    size_t got = 0;
    ssize_t n;
    while (got < length && (n = ::read(fd_, body.data() + got, length - got)) > 0) got += n;
    return text + body.substr(0, got);
  }

 private:
  int fd_;
  bool connected_ = false;
};

}  // namespace converge::api
