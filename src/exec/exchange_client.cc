#include "exec/exchange_client.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdio>
#include <charconv>
#include <chrono>
#include <utility>

#include "common/check.h"
#include "common/dead_peer.h"

namespace converge::exec {

namespace {

namespace http = boost::beast::http;
using Tcp = boost::asio::ip::tcp;

// The leader accepts bodies up to 1 MiB (api::HttpServerOptions); a reply holds every part's.
constexpr uint64_t kMaxPartBytes = uint64_t{1} << 20;
constexpr int kFirstRetryMs = 100;
constexpr int kLastRetryMs = 2000;

// "tcp:HOST:PORT" (HOST an IP address, [v6] bracketed) as an endpoint.
Result<Tcp::endpoint> EndpointOf(const std::string& url) {
  constexpr std::string_view kScheme = "tcp:";
  const size_t colon = url.rfind(':');
  if (url.compare(0, kScheme.size(), kScheme) != 0 || colon <= kScheme.size()) {
    return Status::Invalid("exchange.url", "must be tcp:ADDR:PORT, not " + url);
  }
  std::string host = url.substr(kScheme.size(), colon - kScheme.size());
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const char* last = url.data() + url.size();
  auto [end, error] = std::from_chars(url.data() + colon + 1, last, port);
  boost::system::error_code bad;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, bad);
  if (error != std::errc() || end != last || port == 0 || port > 65535 || bad) {
    return Status::Invalid("exchange.url", "must be tcp:ADDR:PORT with an IP address, not " + url);
  }
  return Tcp::endpoint(address, static_cast<unsigned short>(port));
}

void Signal(int event_fd) {
  const uint64_t one = 1;
  while (::write(event_fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::string FrameParts(const std::vector<std::string>& parts) {
  std::string body;
  for (const std::string& part : parts) {
    body += std::to_string(part.size());
    body += '\n';
    body += part;
  }
  return body;
}

Result<std::vector<std::string>> UnframeParts(std::string_view body, size_t parts) {
  std::vector<std::string> out;
  while (!body.empty()) {
    const size_t newline = body.find('\n');
    size_t size = 0;
    auto [end, error] =
        std::from_chars(body.data(), body.data() + std::min(newline, body.size()), size);
    if (newline == std::string_view::npos || newline == 0 || error != std::errc() ||
        end != body.data() + newline || size > body.size() - newline - 1) {
      return Status::Invalid("exchange", "part " + std::to_string(out.size()) + " is not framed");
    }
    out.emplace_back(body.substr(newline + 1, size));
    body.remove_prefix(newline + 1 + size);
  }
  if (out.size() != parts) {
    return Status::Invalid("exchange", "holds " + std::to_string(out.size()) + " parts, not " +
                                           std::to_string(parts));
  }
  return out;
}

ExchangeClient::ExchangeClient(ExchangeEndpoint endpoint, int64_t job_id, std::string channel,
                               int part, int parts)
    : endpoint_(std::move(endpoint)),
      job_id_(job_id),
      channel_(std::move(channel)),
      part_(part),
      parts_(parts),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  CHECK(part >= 0 && part < parts, "ExchangeClient part out of range");
  CHECK(event_fd_ >= 0, "ExchangeClient cannot create an eventfd");
}

ExchangeClient::~ExchangeClient() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (active_fd_ >= 0) ::shutdown(active_fd_, SHUT_RDWR);  // ends a blocked read or write
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  ::close(event_fd_);
}

void ExchangeClient::Begin(std::string data) {
  CHECK(!in_flight_, "ExchangeClient::Begin with a round in flight");
  in_flight_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    request_ = std::move(data);
    request_round_ = next_round_++;
  }
  wake_.notify_all();
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

std::optional<Result<std::vector<std::string>>> ExchangeClient::Take() {
  uint64_t count = 0;
  while (::read(event_fd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!outcome_) return std::nullopt;
  in_flight_ = false;
  return std::exchange(outcome_, std::nullopt);
}

void ExchangeClient::Run() {
  for (;;) {
    std::string data;
    int64_t round = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || request_.has_value(); });
      if (stopping_) return;
      data = std::move(*request_);
      request_.reset();
      round = request_round_;
    }
    Result<std::vector<std::string>> outcome = Exchange(round, data);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      outcome_ = std::move(outcome);
    }
    Signal(event_fd_);
  }
}

bool ExchangeClient::WaitUnlessStopping(int milliseconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(milliseconds),
                         [this] { return stopping_; });
}

Result<std::vector<std::string>> ExchangeClient::Exchange(int64_t round,
                                                          const std::string& data) {
  const std::string target = "/v1/exchange/" + std::to_string(job_id_) + "/" + channel_ + "/" +
                             std::to_string(round) + "?part=" + std::to_string(part_) +
                             "&parts=" + std::to_string(parts_);
  int delay_ms = kFirstRetryMs;
  std::string last_reason;
  for (;;) {
    std::string retry_reason;
    Result<std::optional<std::string>> posted = Post(target, data, &retry_reason);
    if (!posted.ok()) return posted.status();
    if (posted->has_value()) return UnframeParts(**posted, static_cast<size_t>(parts_));
    if (retry_reason.empty()) {  // 202: not complete yet, ask again at once
      delay_ms = kFirstRetryMs;
      continue;
    }
    if (retry_reason != last_reason) {
      std::fprintf(stderr, "converge-shim: job %lld PMI exchange round %lld: %s; retrying\n",
                   static_cast<long long>(job_id_), static_cast<long long>(round),
                   retry_reason.c_str());
      last_reason = retry_reason;
    }
    if (!WaitUnlessStopping(delay_ms)) return Status(Code::kUnavailable, "the shim is ending");
    delay_ms = std::min(delay_ms * 2, kLastRetryMs);
  }
}

Result<std::optional<std::string>> ExchangeClient::Post(const std::string& target,
                                                        const std::string& data,
                                                        std::string* retry_reason) {
  Result<Tcp::endpoint> endpoint = EndpointOf(endpoint_.url);
  if (!endpoint.ok()) return endpoint.status();
  boost::asio::io_context io(1);
  Tcp::socket socket(io);
  boost::system::error_code error;
  socket.open(endpoint->protocol(), error);
  if (error) {
    *retry_reason = "cannot open a socket: " + error.message();
    return std::optional<std::string>();
  }
  DetectDeadPeer(socket.native_handle(), kDeadPeerSeconds);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return Status(Code::kUnavailable, "the shim is ending");
    active_fd_ = socket.native_handle();
  }
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, "converge");
  request.set(http::field::authorization, "Bearer " + endpoint_.token);
  request.set(http::field::content_type, "application/octet-stream");
  request.keep_alive(false);
  request.body() = data;
  request.prepare_payload();
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(static_cast<uint64_t>(parts_) * (kMaxPartBytes + 32));
  socket.connect(*endpoint, error);
  if (!error) http::write(socket, request, error);
  if (!error) http::read(socket, buffer, parser, error);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active_fd_ = -1;
    if (stopping_) return Status(Code::kUnavailable, "the shim is ending");
  }
  if (error) {
    *retry_reason = "leader " + endpoint_.url + ": " + error.message();
    return std::optional<std::string>();
  }
  const http::response<http::string_body>& response = parser.get();
  const int status = static_cast<int>(response.result_int());
  if (status == 200) return std::optional<std::string>(response.body());
  if (status == 202) return std::optional<std::string>();
  const std::string answer =
      "the leader answered " + std::to_string(status) + ": " + std::string(response.body());
  if (status == 410) return Status(Code::kInternal, answer);
  if (status == 400 || status == 401 || status == 403 || status == 409 || status == 413) {
    return Status(Code::kInvalidArgument, answer);
  }
  *retry_reason = answer;
  return std::optional<std::string>();
}

}  // namespace converge::exec
