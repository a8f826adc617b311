#include "api/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "api/http_client.h"
#include "tests/testutil/run_command.h"

namespace converge::api {
namespace {

// A server on its own io_context thread with a few routes.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(
        io_, HttpServerOptions{.max_body_bytes = 1024, .token = "secret"},
        [this](HttpRequest request, std::shared_ptr<Responder> reply) { Handle(request, reply); });
    auto bound = server_->Listen(*ParseAddress("unix:" + socket_));
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    auto tcp = server_->Listen(*ParseAddress("tcp:127.0.0.1:0"));
    ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
    tcp_ = *tcp;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] {
      server_->Stop();
      io_.stop();
    });
    thread_.join();
  }

  void Handle(const HttpRequest& request, std::shared_ptr<Responder> reply) {
    if (request.path == "/echo") {
      reply->Reply(JsonResponse(200, "{\"body\":\"" + request.body + "\",\"uid\":" +
                                         std::to_string(request.peer.uid) + ",\"q\":\"" +
                                         request.Query("q") + "\"}"));
    } else if (request.path == "/later") {
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(50));
      timer->async_wait([reply, timer](auto) { reply->Reply(JsonResponse(200, "\"late\"")); });
    } else if (request.path == "/stream") {
      auto stream = reply->StartStream(200, "text/plain");
      stream->Write("one\n");
      stream->Write("two\n");
      stream->Write("three\n");
      stream->Close();
    } else if (request.path == "/drop") {
      // the responder goes away unanswered: 500
    } else {
      reply->Reply(JsonError(404, "none"));
    }
  }

  std::unique_ptr<HttpClient> Client() {
    auto client = HttpClient::Connect(*ParseAddress("unix:" + socket_), "");
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  testutil::TempDir dir_;
  std::string socket_ = dir_.path() + "/s.sock";
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  Address tcp_;
  std::thread thread_;
};

TEST_F(ServerTest, AnswersOverTheUnixSocketWithThePeersUid) {
  auto response = Client()->Call("POST", "/echo?q=a%20b", "hi");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"body\":\"hi\",\"uid\":" + std::to_string(getuid()) +
                                ",\"q\":\"a b\"}");
  struct stat info;
  ASSERT_EQ(stat(socket_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ServerTest, KeepsAliveAcrossManyCallsAndWaitsForLateReplies) {
  auto client = Client();
  for (int i = 0; i < 1000; ++i) {
    auto response = client->Call("GET", "/echo");
    ASSERT_TRUE(response.ok()) << i;
    ASSERT_EQ(response->status, 200);
  }
  auto late = client->Call("GET", "/later");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->body, "\"late\"");
  auto dropped = client->Call("GET", "/drop");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->status, 500);
}

TEST_F(ServerTest, StreamsUntilTheServerCloses) {
  std::string got;
  auto status = Client()->Stream("GET", "/stream", [&](std::string_view chunk) {
    got += chunk;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(got, "one\ntwo\nthree\n");
}

TEST_F(ServerTest, RefusesLargeBodiesAndGarbageButKeepsServing) {
  auto big = Client()->Call("POST", "/echo", std::string(5000, 'x'));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 413);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const char garbage[] = "NOT HTTP AT ALL\r\n\r\n";
  ASSERT_GT(write(fd, garbage, sizeof garbage - 1), 0);
  char buffer[512] = {};
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buffer).find(" 400 "), std::string::npos) << buffer;
  EXPECT_EQ(Client()->Call("GET", "/echo")->status, 200);
}

TEST_F(ServerTest, TcpNeedsTheBearerToken) {
  auto anonymous = HttpClient::Connect(tcp_, "");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ((*anonymous)->Call("GET", "/echo")->status, 401);
  auto holder = HttpClient::Connect(tcp_, "secret");
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ((*holder)->Call("GET", "/echo")->status, 200);
}

TEST_F(ServerTest, ASecondServerOnALiveSocketIsRefused) {
  boost::asio::io_context other_io;
  HttpServer other(other_io, {}, [](HttpRequest, std::shared_ptr<Responder>) {});
  auto result = other.Listen(*ParseAddress("unix:" + socket_));
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("already in use"), std::string::npos);
  auto tcp = other.Listen(*ParseAddress("tcp:127.0.0.1:0"));
  EXPECT_EQ(tcp.status().code(), Code::kInvalidArgument);  // no token
}

TEST(HttpClientTest, NamesAMissingInstance) {
  auto client = HttpClient::Connect(*ParseAddress("unix:/nonexistent/converge.sock"), "");
  EXPECT_EQ(client.status().code(), Code::kNotFound);
  EXPECT_NE(client.status().message().find("converge start"), std::string::npos);
}

TEST(HttpServerStaleSocketTest, ReplacesAStaleSocketFile) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/stale.sock";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  close(fd);  // bound, never listened: a stale file
  boost::asio::io_context io;
  HttpServer server(io, {}, [](HttpRequest, std::shared_ptr<Responder>) {});
  EXPECT_TRUE(server.Listen(*ParseAddress("unix:" + path)).ok());
}

}  // namespace
}  // namespace converge::api
