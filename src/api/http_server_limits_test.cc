// The server's hardening limits: deep bodies refused before any handler, bounded stream queues
// with clients that do not read dropped, and the connection cap with the owner's reserve.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/connection_slots.h"
#include "api/http_client.h"
#include "api/http_server.h"
#include "api/http_test_support.h"
#include "api/router.h"

namespace converge::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Waits up to `limit` for `condition`.
bool WaitFor(const std::function<bool()>& condition, seconds limit = seconds(10)) {
  const auto deadline = steady_clock::now() + limit;
  while (!condition()) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// A server with `options` on its own io_context thread; routes are added before Start().
class LimitsTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    ASSERT_FALSE(dir_.path().empty());
    options.token = "secret";
    server_ = std::make_unique<HttpServer>(io_, options, router_.AsHandler());
    ASSERT_TRUE(server_->Listen(*ParseAddress("unix:" + socket_)).ok());
    Result<Address> tcp = server_->Listen(*ParseAddress("tcp:127.0.0.1:0"));
    ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
    tcp_port_ = tcp->port;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      server_->Stop();
      stream_.reset();
      done.set_value();
    });
    done.get_future().wait();
    io_.stop();
    thread_.join();
  }

  void AddEcho() {
    router_.Add({"GET", "/echo", "anyone", [](HttpRequest, std::shared_ptr<Responder> r) {
                   r->Reply(JsonResponse(200, "\"echo\""));
                 }});
  }

  Result<HttpResponse> Call(const std::string& method, const std::string& target,
                            const std::string& body = "") {
    auto client = HttpClient::Connect(*ParseAddress("unix:" + socket_), "");
    if (!client.ok()) return client.status();
    return (*client)->Call(method, target, body);
  }

  TempDir dir_;
  std::string socket_ = dir_.path() + "/converge.sock";
  boost::asio::io_context io_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  int tcp_port_ = 0;
  std::thread thread_;
  std::shared_ptr<Stream> stream_;  // io thread only
};

// ---- item 4: nesting depth, checked before the handler ----

TEST_F(LimitsTest, DeepBodiesGet400NamingTheLimitAndNeverReachTheHandler) {
  std::atomic<int> handled = 0;
  router_.Add({"POST", "/take", "anyone", [&](HttpRequest, std::shared_ptr<Responder> r) {
                 ++handled;
                 r->Reply(JsonResponse(200, "{}"));
               }});
  Start({});
  std::string yaml_block;
  for (int level = 0; level < 400; ++level) yaml_block += std::string(level, ' ') + "- x:\n";
  std::string yaml_flow;
  for (int level = 0; level < 100000; ++level) yaml_flow += "{a: ";
  const std::vector<std::string> deep = {
      std::string(500000, '['),                          // JSON arrays (the reported crash)
      std::string(1000, '[') + std::string(1000, ']'),  // balanced
      R"({"a":)" + std::string(300, '{') + "}",          // objects
      yaml_flow,                                         // YAML flow mappings
      yaml_block,                                        // YAML block nesting by indentation
  };
  for (const std::string& body : deep) {
    Result<HttpResponse> response = Call("POST", "/take", body);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 400) << response->body;
    nlohmann::json error = nlohmann::json::parse(response->body, nullptr, false);
    EXPECT_EQ(error["field"], "body");
    EXPECT_NE(error.value("error", "").find(std::to_string(kDefaultMaxBodyDepth)),
              std::string::npos)
        << response->body;
  }
  EXPECT_EQ(handled, 0);
  // Ordinary nesting, strings full of brackets and apply's YAML-in-a-string pass.
  const std::vector<std::string> fine = {
      std::string(100, '[') + std::string(100, ']'),
      R"({"text": ")" + std::string(10000, '[') + R"("})",
      R"({"documents": "kind: JobSet\nspec:\n  replicatedJobs:\n  - name: a\n"})",
      "version: 1\nresources:\n  - type: node\n    with:\n      - type: core\n",
  };
  for (const std::string& body : fine) {
    Result<HttpResponse> response = Call("POST", "/take", body);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200) << body.substr(0, 80);
  }
  EXPECT_EQ(handled, 4);
}

// ---- item 6: bounded stream queues ----

TEST_F(LimitsTest, AStreamWritingPastItsBufferDropsTheClient) {
  std::atomic<size_t> written = 0;
  std::atomic<bool> closed = false;
  router_.Add({"GET", "/flood", "anyone", [&](HttpRequest, std::shared_ptr<Responder> r) {
                 std::shared_ptr<Stream> stream = r->StartStream(200, "text/plain");
                 for (int i = 0; i < 1000 && !stream->closed(); ++i) {
                   stream->Write(std::string(64 * 1024, 'x'));
                   written += 64 * 1024;
                   EXPECT_LE(stream->queued(), size_t{256} * 1024);
                 }
                 closed = stream->closed();
               }});
  Start({.stream_buffer_bytes = 256 * 1024});
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.Send("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n"));  // and never reads
  ASSERT_TRUE(WaitFor([&] { return written > 0 && closed; }));
  EXPECT_LE(written, size_t{320} * 1024);
}

TEST_F(LimitsTest, AClientThatDoesNotReadCostsAFixedBufferThenIsDropped) {
  constexpr size_t kPiece = 64 * 1024;
  std::atomic<size_t> produced = 0;
  std::atomic<size_t> most_queued = 0;
  std::atomic<bool> dropped = false;
  // A producer honouring back-pressure: writes while little is queued, else waits to drain.
  std::function<void()> produce = [&] {
    if (stream_->closed()) {
      dropped = true;
      return;
    }
    while (stream_->queued() < 4 * kPiece) {
      stream_->Write(std::string(kPiece, 'x'));
      produced += kPiece;
      most_queued = std::max<size_t>(most_queued, stream_->queued());
    }
    stream_->OnDrain(produce);
  };
  router_.Add({"GET", "/paced", "anyone", [&](HttpRequest, std::shared_ptr<Responder> r) {
                 stream_ = r->StartStream(200, "text/plain");
                 produce();
               }});
  AddEcho();
  Start({.write_stall_seconds = 1});
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.Send("GET /paced HTTP/1.1\r\nHost: x\r\n\r\n"));  // and never reads
  ASSERT_TRUE(WaitFor([&] { return produced > 0; }));
  // Meanwhile others are served.
  Result<HttpResponse> echo = Call("GET", "/echo");
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  EXPECT_EQ(echo->status, 200);
  ASSERT_TRUE(WaitFor([&] { return dropped.load(); })) << "a stalled client was never dropped";
  EXPECT_LE(most_queued, 5 * kPiece);  // four pieces and the response head
  // What the kernel's socket buffers took, plus our queue: bounded, not the endless stream.
  EXPECT_LT(produced, size_t{16} << 20);
}

// ---- item 7: the connection cap and the owner's reserve ----

TEST(ConnectionSlotsTest, KeepsTheReserveForTheOwnersUnixConnections) {
  auto slots = std::make_shared<ConnectionSlots>(ConnectionLimits{4, 2, 1000});
  const Peer stranger{.unix_socket = true, .uid = 1001};
  const Peer owner{.unix_socket = true, .uid = 1000};
  const Peer tcp_as_owner_uid{.unix_socket = false, .token_holder = true, .uid = 1000};
  auto first = slots->Admit(stranger);
  auto second = slots->Admit(tcp_as_owner_uid);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(slots->Admit(stranger));
  EXPECT_FALSE(slots->Admit(tcp_as_owner_uid));
  auto third = slots->Admit(owner);
  auto fourth = slots->Admit(owner);
  ASSERT_TRUE(third && fourth);
  EXPECT_FALSE(slots->Admit(owner));
  EXPECT_EQ(slots->open(), 4u);
  first->Release();
  EXPECT_EQ(slots->open(), 3u);
  EXPECT_FALSE(slots->Admit(stranger));  // 3 open: more than the stranger's share (2)
  third.reset();
  fourth.reset();
  EXPECT_TRUE(slots->Admit(stranger));
}

TEST(ConnectionSlotsTest, DefaultCapFollowsTheOpenFileLimit) {
  const size_t cap = DefaultMaxConnections();
  EXPECT_GE(cap, 16u);
  EXPECT_LE(cap, 4096u);
}

// Sends one request on `raw` and returns the answer.
std::string Ask(RawSocket& raw, const std::string& extra_headers = "") {
  if (!raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n")) return "";
  return raw.ReadResponse();
}

TEST_F(LimitsTest, ConnectionsBeyondTheCapGet503AndTheOwnerKeepsItsReserve) {
  AddEcho();
  Start({.max_connections = 4, .owner_reserve = 2, .owner_uid = ::getuid()});
  const std::string bearer = "Authorization: Bearer secret\r\n";
  RawSocket tcp1(tcp_port_), tcp2(tcp_port_), tcp3(tcp_port_);
  EXPECT_NE(Ask(tcp1, bearer).find("200 OK"), std::string::npos);
  EXPECT_NE(Ask(tcp2, bearer).find("200 OK"), std::string::npos);
  // The third caller (not the owner's Unix socket) is beyond its share.
  std::string refused = tcp3.ReadToEnd();
  EXPECT_NE(refused.find("503"), std::string::npos) << refused;
  EXPECT_NE(refused.find("\"error\":\"too many connections"), std::string::npos) << refused;
  // The owner still gets in, up to the cap.
  RawSocket own1(socket_), own2(socket_), own3(socket_);
  EXPECT_NE(Ask(own1).find("200 OK"), std::string::npos);
  EXPECT_NE(Ask(own2).find("200 OK"), std::string::npos);
  EXPECT_NE(own3.ReadToEnd().find("503"), std::string::npos);
  // A slot given back is usable again.
  ::shutdown(tcp1.fd(), SHUT_RDWR);
  EXPECT_TRUE(WaitFor([&] {
    RawSocket again(socket_);
    return Ask(again).find("200 OK") != std::string::npos;
  }));
}

}  // namespace
}  // namespace converge::api
