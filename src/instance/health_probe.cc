#include "instance/health_probe.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>

namespace converge::instance {
namespace {

using boost::asio::ip::tcp;

struct Probe : std::enable_shared_from_this<Probe> {
  Probe(boost::asio::io_context& io, std::function<void(bool)> done)
      : socket(io), timer(io), done(std::move(done)) {}

  void Finish(bool healthy) {
    if (!done) return;
    auto callback = std::move(done);
    done = nullptr;
    boost::system::error_code ignored;
    socket.close(ignored);
    timer.cancel();
    callback(healthy);
  }

  tcp::socket socket;
  boost::asio::steady_timer timer;
  std::function<void(bool)> done;
  std::string request;
  std::string answer = std::string(16, '\0');
};

}  // namespace

void ProbeHttp(boost::asio::io_context& io, int port, const std::string& path,
               std::chrono::milliseconds timeout, std::function<void(bool healthy)> done) {
  auto probe = std::make_shared<Probe>(io, std::move(done));
  probe->request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                   "\r\nConnection: close\r\n\r\n";
  probe->timer.expires_after(timeout);
  probe->timer.async_wait([probe](const boost::system::error_code& error) {
    if (!error) probe->Finish(false);
  });
  const tcp::endpoint endpoint(boost::asio::ip::address_v4::loopback(),
                               static_cast<unsigned short>(port));
  probe->socket.async_connect(endpoint, [probe](const boost::system::error_code& error) {
    if (error) return probe->Finish(false);
    boost::asio::async_write(probe->socket, boost::asio::buffer(probe->request),
                             [probe](const boost::system::error_code& error, size_t) {
                               if (error) return probe->Finish(false);
                               // "HTTP/1.1 200" is 12 bytes: enough to read the status class.
                               boost::asio::async_read(
                                   probe->socket, boost::asio::buffer(probe->answer.data(), 12),
                                   [probe](const boost::system::error_code& error, size_t n) {
                                     const bool healthy = !error && n == 12 &&
                                                          probe->answer.rfind("HTTP/1.", 0) == 0 &&
                                                          probe->answer[9] == '2';
                                     probe->Finish(healthy);
                                   });
                             });
  });
}

}  // namespace converge::instance
