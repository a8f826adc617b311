#include "api/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/http_client.h"
#include "api/http_test_support.h"
#include "api/router.h"

namespace converge::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A server on its own io_context thread, with a Unix and a TCP listener and a few routes.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    AddRoutes();
    server_ = std::make_unique<HttpServer>(
        io_, HttpServerOptions{.token = "secret", .idle_timeout_seconds = idle_timeout_seconds_},
        router_.AsHandler());
    auto unix_address = server_->Listen(*ParseAddress("unix:" + socket_));
    ASSERT_TRUE(unix_address.ok()) << unix_address.status().ToString();
    auto tcp = server_->Listen(*ParseAddress("tcp:127.0.0.1:0"));
    ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
    tcp_ = *tcp;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    OnIo([this] {
      if (server_) server_->Stop();
      forever_.reset();
      held_.reset();
    });
    io_.stop();
    thread_.join();
  }

  void OnIo(const std::function<void()>& work) { RunOnIo(io_, work); }

  void AddRoutes() {
    auto echo = [](HttpRequest request, std::shared_ptr<Responder> responder) {
      nlohmann::json body = {{"method", request.method},
                             {"path", request.path},
                             {"query", request.query},
                             {"body", request.body},
                             {"content_type", request.Header("content-type")},
                             {"x_test", request.Header("x-test")},
                             {"unix", request.peer.unix_socket},
                             {"token_holder", request.peer.token_holder},
                             {"uid", request.peer.uid},
                             {"gid", request.peer.gid},
                             {"pid", request.peer.pid}};
      responder->Reply(JsonResponse(200, body.dump()));
    };
    router_.Add({"GET", "/echo/{word}", "anyone", echo});
    router_.Add({"POST", "/echo/{word}", "anyone", echo});
    router_.Add({"GET", "/later", "anyone", [this](HttpRequest, std::shared_ptr<Responder> r) {
                   auto timer = std::make_shared<boost::asio::steady_timer>(io_, milliseconds(50));
                   timer->async_wait([r, timer](auto) { r->Reply(JsonResponse(200, "\"late\"")); });
                 }});
    router_.Add({"GET", "/stream", "anyone", [](HttpRequest, std::shared_ptr<Responder> r) {
                   std::shared_ptr<Stream> stream = r->StartStream(200, "text/plain");
                   stream->Write("one\n");
                   stream->Write("two\n");
                   stream->Write("three\n");
                   stream->Close();
                 }});
    router_.Add({"GET", "/forever", "anyone", [this](HttpRequest, std::shared_ptr<Responder> r) {
                   forever_ = r->StartStream(200, "application/x-ndjson");
                   forever_started_ = true;
                   KeepWriting();
                 }});
    router_.Add({"GET", "/hold", "anyone", [this](HttpRequest, std::shared_ptr<Responder> r) {
                   held_ = std::move(r);
                   holding_ = true;
                 }});
    router_.Add({"GET", "/drop", "anyone", [](HttpRequest, std::shared_ptr<Responder>) {}});
    router_.Add({"GET", "/throw", "anyone", [](HttpRequest, std::shared_ptr<Responder>) {
                   throw std::runtime_error("boom");
                 }});
  }

  // Writes a line to forever_ every 10 ms until the stream reports closed().
  void KeepWriting() {
    if (!forever_) return;
    if (forever_->closed()) {
      forever_closed_ = true;
      return;
    }
    forever_->Write("{\"tick\":true}\n");
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, milliseconds(10));
    timer->async_wait([this, timer](boost::system::error_code error) {
      if (!error) KeepWriting();
    });
  }

  std::unique_ptr<HttpClient> Client() {
    auto client = HttpClient::Connect(*ParseAddress("unix:" + socket_), "");
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  nlohmann::json Json(const Result<HttpResponse>& response) {
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    if (!response.ok()) return nullptr;
    return nlohmann::json::parse(response->body, nullptr, false);
  }

  int idle_timeout_seconds_ = 300;
  TempDir dir_;
  std::string socket_ = dir_.path() + "/converge.sock";
  boost::asio::io_context io_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  Address tcp_;
  std::thread thread_;
  std::shared_ptr<Stream> forever_;  // io thread only
  std::shared_ptr<Responder> held_;  // io thread only
  std::atomic<bool> holding_ = false;
  std::atomic<bool> forever_started_ = false;
  std::atomic<bool> forever_closed_ = false;
};

TEST_F(HttpServerTest, EchoesOverTheUnixSocketWithThePeersCredentials) {
  auto client = Client();
  ASSERT_TRUE(client);
  nlohmann::json echo = Json(client->Call("POST", "/echo/a%20b?q=x+y%26z&flag", "hi", "text/x"));
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["path"], "/echo/a b");
  EXPECT_EQ(echo["query"], nlohmann::json({{"q", "x y&z"}, {"flag", ""}}));
  EXPECT_EQ(echo["body"], "hi");
  EXPECT_EQ(echo["content_type"], "text/x");
  EXPECT_EQ(echo["unix"], true);
  EXPECT_EQ(echo["token_holder"], false);
  EXPECT_EQ(echo["uid"], ::getuid());
  EXPECT_EQ(echo["gid"], ::getgid());
  EXPECT_EQ(echo["pid"], ::getpid());
}

TEST_F(HttpServerTest, LowercasesHeaderNames) {
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /echo/h HTTP/1.1\r\nHost: x\r\nX-TeSt: Value\r\n\r\n"));
  std::string response = raw.ReadResponse();
  EXPECT_NE(response.find("\"x_test\":\"Value\""), std::string::npos) << response;
}

TEST_F(HttpServerTest, CreatesTheSocketOwnerOnly) {
  struct stat info {};
  ASSERT_EQ(::stat(socket_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(HttpServerTest, WaitsForAReplyGivenAfterTheHandlerReturned) {
  auto client = Client();
  ASSERT_TRUE(client);
  const auto start = steady_clock::now();
  auto late = client->Call("GET", "/later");
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->status, 200);
  EXPECT_EQ(late->body, "\"late\"");
  EXPECT_GE(steady_clock::now() - start, milliseconds(45));
  EXPECT_EQ(client->Call("GET", "/echo/again")->status, 200);  // same connection still usable
}

TEST_F(HttpServerTest, AnswersADroppedOrThrowingHandlerWith500) {
  auto client = Client();
  ASSERT_TRUE(client);
  auto dropped = client->Call("GET", "/drop");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(Json(dropped)["error"], "the server dropped the request without answering");
  auto thrown = client->Call("GET", "/throw");
  ASSERT_TRUE(thrown.ok());
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(Json(thrown)["error"], "internal error: boom");
}

TEST_F(HttpServerTest, StreamsChunksUntilTheServerCloses) {
  auto client = Client();
  ASSERT_TRUE(client);
  std::string got;
  auto status = client->Stream("GET", "/stream", [&](std::string_view chunk) {
    got += chunk;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(got, "one\ntwo\nthree\n");
  EXPECT_EQ(client->Call("GET", "/echo/after")->status, 200);  // reconnects after the stream
}

TEST_F(HttpServerTest, ClientStreamAlsoDeliversAnOrdinaryResponse) {
  auto client = Client();
  ASSERT_TRUE(client);
  std::string got;
  auto status = client->Stream("GET", "/v1/missing", [&](std::string_view chunk) {
    got += chunk;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(*status, 404);
  EXPECT_EQ(got, R"({"error":"no route for GET /v1/missing","field":""})");
  EXPECT_EQ(client->Call("GET", "/echo/same")->status, 200);
}

TEST_F(HttpServerTest, StreamHeadSaysConnectionCloseWithoutLength) {
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string response = raw.ReadToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(response.find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_EQ(response.find("Content-Length"), std::string::npos);
  EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), "one\ntwo\nthree\n");
}

TEST_F(HttpServerTest, StreamReportsClosedWhenThePeerLeaves) {
  auto client = Client();
  ASSERT_TRUE(client);
  std::string first;
  auto status = client->Stream("GET", "/forever", [&](std::string_view chunk) {
    first = chunk;
    return false;  // hang up after the first chunk
  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(first.substr(0, 14), "{\"tick\":true}\n");
  const auto deadline = steady_clock::now() + std::chrono::seconds(5);
  while (!forever_closed_ && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(forever_closed_);
  EXPECT_EQ(client->Call("GET", "/echo/alive")->status, 200);
}

TEST_F(HttpServerTest, Answers404And405AsJsonErrors) {
  auto client = Client();
  ASSERT_TRUE(client);
  auto missing = client->Call("GET", "/v1/x");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->content_type, "application/json");
  EXPECT_EQ(missing->body, R"({"error":"no route for GET /v1/x","field":""})");
  auto wrong_method = client->Call("DELETE", "/echo/x");
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->headers["allow"], "GET, POST");
  EXPECT_EQ(Json(wrong_method)["field"], "");
}

TEST_F(HttpServerTest, RefusesABodyOverTheLimitWith413) {
  auto client = Client();
  ASSERT_TRUE(client);
  auto big = client->Call("POST", "/echo/big", std::string((1 << 20) + 1, 'x'));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->body, R"({"error":"request body larger than 1048576 bytes","field":""})");
  auto fits = client->Call("POST", "/echo/fits", std::string(1 << 20, 'y'));
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_EQ(fits->status, 200);
}

TEST_F(HttpServerTest, Answers413OverTcpEvenWhenTheBodyOverflowsTheSocketBuffers) {
  auto client = HttpClient::Connect(tcp_, "secret");
  ASSERT_TRUE(client.ok());
  // The server answers after the headers and drops the rest; the answer must not be lost to a
  // connection reset while the client is still writing.
  auto big = (*client)->Call("POST", "/echo/big", std::string(16 << 20, 'x'));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ((*client)->Call("GET", "/echo/next")->status, 200);
}

TEST_F(HttpServerTest, AnswersGarbageWith400ClosesAndKeepsServingOthers) {
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("NOT HTTP AT ALL\r\n\r\n"));
  std::string response = raw.ReadToEnd();  // the server closes after answering
  EXPECT_EQ(response.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << response;
  EXPECT_NE(response.find(R"({"error":"malformed HTTP request: )"), std::string::npos);
  auto client = Client();
  ASSERT_TRUE(client);
  EXPECT_EQ(client->Call("GET", "/echo/still")->status, 200);
}

TEST_F(HttpServerTest, KeepsAliveAndHonoursConnectionClose) {
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.Send("GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(raw.ReadResponse().rfind("HTTP/1.1 200 OK", 0), 0u);
  ASSERT_TRUE(raw.Send("GET /echo/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string last = raw.ReadToEnd();
  EXPECT_EQ(last.rfind("HTTP/1.1 200 OK", 0), 0u) << last;
  EXPECT_NE(last.find("\"path\":\"/echo/2\""), std::string::npos);
  EXPECT_NE(last.find("Connection: close"), std::string::npos);
}

TEST_F(HttpServerTest, ClosesHttp10ConnectionsAfterOneAnswer) {
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.Send("GET /echo/old HTTP/1.0\r\n\r\n"));
  std::string response = raw.ReadToEnd();
  EXPECT_EQ(response.rfind("HTTP/1.0 200 OK", 0), 0u) << response;
  EXPECT_NE(response.find("\"path\":\"/echo/old\""), std::string::npos);
}

TEST_F(HttpServerTest, SendsContinueWhenAsked) {
  RawSocket raw(socket_);
  ASSERT_TRUE(
      raw.Send("POST /echo/c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(raw.ReadResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw.Send("hello"));
  EXPECT_NE(raw.ReadResponse().find("\"body\":\"hello\""), std::string::npos);
}

TEST_F(HttpServerTest, ServesAThousandCallsOnOneKeptAliveConnection) {
  auto client = Client();
  ASSERT_TRUE(client);
  for (int i = 0; i < 1000; ++i) {
    auto response = client->Call("GET", "/echo/" + std::to_string(i));
    ASSERT_TRUE(response.ok()) << i << ": " << response.status().ToString();
    ASSERT_EQ(response->status, 200) << i;
  }
}

TEST_F(HttpServerTest, TcpDemandsTheBearerToken) {
  EXPECT_NE(tcp_.port, 0);
  auto anonymous = HttpClient::Connect(tcp_, "");
  ASSERT_TRUE(anonymous.ok()) << anonymous.status().ToString();
  auto refused = (*anonymous)->Call("GET", "/echo/t");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->headers["www-authenticate"], "Bearer");
  EXPECT_EQ(Json(refused)["error"], "this TCP listener needs Authorization: Bearer TOKEN");
  auto wrong = HttpClient::Connect(tcp_, "secreT");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ((*wrong)->Call("GET", "/echo/t")->status, 401);
  auto holder = HttpClient::Connect(tcp_, "secret");
  ASSERT_TRUE(holder.ok());
  nlohmann::json echo = Json((*holder)->Call("GET", "/echo/t"));
  EXPECT_EQ(echo["token_holder"], true);
  EXPECT_EQ(echo["unix"], false);
  std::string got;
  auto streamed = (*holder)->Stream("GET", "/stream", [&](std::string_view chunk) {
    got += chunk;
    return true;
  });
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(got, "one\ntwo\nthree\n");
}

TEST_F(HttpServerTest, RefusesATcpListenerWithoutAToken) {
  boost::asio::io_context other_io;
  HttpServer other(other_io, {}, [](HttpRequest, std::shared_ptr<Responder>) {});
  auto tcp = other.Listen(*ParseAddress("tcp:127.0.0.1:0"));
  ASSERT_FALSE(tcp.ok());
  EXPECT_EQ(tcp.status().code(), Code::kInvalidArgument);
  EXPECT_NE(tcp.status().message().find("needs a bearer token"), std::string::npos);
}

TEST_F(HttpServerTest, RefusesASecondServerOnALiveSocket) {
  boost::asio::io_context other_io;
  HttpServer other(other_io, {}, [](HttpRequest, std::shared_ptr<Responder>) {});
  auto result = other.Listen(*ParseAddress("unix:" + socket_));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInternal);
  EXPECT_NE(result.status().message().find("already in use"), std::string::npos);
  other.Stop();
  EXPECT_EQ(Client()->Call("GET", "/echo/mine")->status, 200);  // the live one is untouched
}

TEST_F(HttpServerTest, StopClosesConnectionsAndRemovesTheSocketFile) {
  auto client = Client();
  ASSERT_TRUE(client);
  ASSERT_EQ(client->Call("GET", "/echo/x")->status, 200);
  OnIo([this] { server_->Stop(); });
  EXPECT_FALSE(std::filesystem::exists(socket_));
  auto after = client->Call("GET", "/echo/x");
  EXPECT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), Code::kNotFound);
}

TEST_F(HttpServerTest, OutlivingResponderAndStreamAreHarmlessAfterTheServerIsGone) {
  auto stream_client = Client();
  auto held_client = Client();
  ASSERT_TRUE(stream_client && held_client);
  std::thread streamer(
      [&] { stream_client->Stream("GET", "/forever", [](std::string_view) { return true; }); });
  auto held = std::async(std::launch::async, [&] { return held_client->Call("GET", "/hold"); });
  const auto deadline = steady_clock::now() + std::chrono::seconds(5);
  while (!(holding_ && forever_started_) && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(holding_ && forever_started_);  // (on failure, carry on to join the threads)
  OnIo([this] {
    server_.reset();  // stops and destroys the server; the handler still holds its objects
    if (held_) held_->Reply(JsonResponse(200, "{}"));  // dropped: the connection is closed
    held_.reset();
    if (forever_) forever_->Write("more\n");
  });
  Result<HttpResponse> answer = held.get();
  EXPECT_FALSE(answer.ok());
  streamer.join();  // the stream ended when the server closed it
  while (!forever_closed_ && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(forever_closed_);
}

class HttpServerIdleTest : public HttpServerTest {
 protected:
  HttpServerIdleTest() { idle_timeout_seconds_ = 1; }
};

TEST_F(HttpServerIdleTest, ClosesIdleConnectionsAndTheClientReconnects) {
  RawSocket raw(socket_);
  ASSERT_TRUE(raw.connected());
  const auto start = steady_clock::now();
  EXPECT_EQ(raw.ReadToEnd(), "");  // closed by the server without a word
  EXPECT_GE(steady_clock::now() - start, milliseconds(900));
  EXPECT_LT(steady_clock::now() - start, milliseconds(4000));
  auto client = Client();
  ASSERT_TRUE(client);
  ASSERT_EQ(client->Call("GET", "/echo/1")->status, 200);
  std::this_thread::sleep_for(milliseconds(1500));
  auto again = client->Call("GET", "/echo/2");  // the kept-alive connection is gone: retried
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, 200);
}

TEST(HttpServerStaleSocketTest, ReplacesAStaleSocketFile) {
  TempDir dir;
  const std::string path = dir.path() + "/stale.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);  // bound, never listening: what a killed instance leaves behind
  ASSERT_TRUE(std::filesystem::exists(path));
  boost::asio::io_context io;
  HttpServer server(io, {}, [](HttpRequest, std::shared_ptr<Responder> responder) {
    responder->Reply(JsonResponse(200, "{}"));
  });
  auto bound = server.Listen(*ParseAddress("unix:" + path));
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  std::thread runner([&io] { io.run_for(std::chrono::seconds(5)); });
  auto client = HttpClient::Connect(*bound, "");
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->Call("GET", "/")->status, 200);
  boost::asio::post(io, [&] {
    server.Stop();
    io.stop();
  });
  runner.join();
}

TEST(HttpServerStaleSocketTest, RefusesToReplaceAFileThatIsNotASocket) {
  TempDir dir;
  const std::string path = dir.path() + "/plain";
  std::ofstream(path) << "data";
  boost::asio::io_context io;
  HttpServer server(io, {}, [](HttpRequest, std::shared_ptr<Responder>) {});
  auto bound = server.Listen(*ParseAddress("unix:" + path));
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.status().message().find("not a socket"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(HttpServerOpenLoopbackTest, ServesLoopbackTcpWithoutATokenAndRefusesOtherHosts) {
  boost::asio::io_context io;
  HttpServer server(io, HttpServerOptions{.open_loopback_tcp = true},
                    [](HttpRequest, std::shared_ptr<Responder> responder) {
                      responder->Reply(JsonResponse(200, R"({"ok":true})"));
                    });
  EXPECT_EQ(server.Listen(*ParseAddress("tcp:0.0.0.0:0")).status().code(),
            Code::kInvalidArgument);
  auto bound = server.Listen(*ParseAddress("tcp:127.0.0.1:0"));
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  std::thread loop([&io] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  {
    auto client = HttpClient::Connect(*bound, "");
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto answer = (*client)->Call("GET", "/anything");
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->status, 200);
  }
  boost::asio::post(io, [&] {
    server.Stop();
    io.stop();
  });
  loop.join();
}

TEST(HttpServerPublicPrefixTest, OnlyGetsAtOrBelowThePrefixPassWithoutTheTokenAsNobody) {
  boost::asio::io_context io;
  HttpServer server(io, HttpServerOptions{.token = "secret", .public_prefix = "/ui"},
                    [](HttpRequest request, std::shared_ptr<Responder> responder) {
                      responder->Reply(JsonResponse(
                          200, nlohmann::json{{"path", request.path},
                                              {"token_holder", request.peer.token_holder}}
                                   .dump()));
                    });
  auto bound = server.Listen(*ParseAddress("tcp:127.0.0.1:0"));
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  std::thread loop([&io] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  {
    auto stranger = HttpClient::Connect(*bound, "");
    ASSERT_TRUE(stranger.ok());
    for (const char* open : {"/ui", "/ui/", "/ui/app.js", "/ui/..%2Fv1%2Fjobs"}) {
      auto answer = (*stranger)->Call("GET", open);
      ASSERT_TRUE(answer.ok()) << open;
      EXPECT_EQ(answer->status, 200) << open;
      EXPECT_EQ(nlohmann::json::parse(answer->body)["token_holder"], false) << open;
    }
    for (const char* closed : {"/uix", "/v1/jobs", "/", "/v1/ui/app.js"}) {
      auto answer = (*stranger)->Call("GET", closed);
      ASSERT_TRUE(answer.ok()) << closed;
      EXPECT_EQ(answer->status, 401) << closed;
    }
    auto posted = (*stranger)->Call("POST", "/ui/app.js", "{}");
    ASSERT_TRUE(posted.ok());
    EXPECT_EQ(posted->status, 401) << "only GET and HEAD are public";
    auto holder = HttpClient::Connect(*bound, "secret");
    ASSERT_TRUE(holder.ok());
    auto with_token = (*holder)->Call("GET", "/v1/jobs");
    ASSERT_TRUE(with_token.ok());
    EXPECT_EQ(nlohmann::json::parse(with_token->body)["token_holder"], true);
  }
  boost::asio::post(io, [&] {
    server.Stop();
    io.stop();
  });
  loop.join();
}

TEST(HttpServerClientTest, NamesAMissingInstance) {
  TempDir dir;
  const std::string path = dir.path() + "/none.sock";
  auto client = HttpClient::Connect(*ParseAddress("unix:" + path), "");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Code::kNotFound);
  EXPECT_EQ(client.status().message(),
            "no instance at unix:" + path + " (is `converge start` running?)");
}

// Sets an environment variable for the scope (restoring the previous value).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(HttpServerClientTest, FindsTheDefaultStateFolder) {
  {
    ScopedEnv state("XDG_STATE_HOME", "/x/state");
    EXPECT_EQ(DefaultStateDir(), "/x/state/converge/default");
  }
  ScopedEnv state("XDG_STATE_HOME", "");
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(DefaultStateDir(), "/home/someone/.local/state/converge/default");
}

TEST_F(HttpServerTest, ConnectsFromTheEnvironment) {
  ScopedEnv state("XDG_STATE_HOME", dir_.path() + "/state");
  {
    ScopedEnv uri("CONVERGE_URI", "");  // the default socket, which is not running
    auto client = HttpClient::ConnectFromEnvironment();
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.status().code(), Code::kNotFound);
    EXPECT_NE(client.status().message().find(dir_.path() + "/state/converge/default/converge.sock"),
              std::string::npos);
  }
  ScopedEnv uri("CONVERGE_URI", tcp_.ToString());
  std::ofstream(dir_.path() + "/token") << "  secret\n";
  std::filesystem::permissions(dir_.path() + "/token", std::filesystem::perms::owner_read |
                                                         std::filesystem::perms::owner_write);
  {
    ScopedEnv file("CONVERGE_TOKEN_FILE", dir_.path() + "/token");
    auto client = HttpClient::ConnectFromEnvironment();
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    EXPECT_EQ((*client)->address().port, tcp_.port);
    EXPECT_EQ(Json((*client)->Call("GET", "/echo/env"))["token_holder"], true);
  }
  {
    ScopedEnv token("CONVERGE_TOKEN", "wrong");
    ScopedEnv file("CONVERGE_TOKEN_FILE", dir_.path() + "/token");  // CONVERGE_TOKEN wins
    auto client = HttpClient::ConnectFromEnvironment();
    ASSERT_TRUE(client.ok());
    EXPECT_EQ((*client)->Call("GET", "/echo/env")->status, 401);
  }
  {
    std::filesystem::create_directories(dir_.path() + "/state/converge/default");
    std::ofstream(dir_.path() + "/state/converge/default/token") << "secret";
    std::filesystem::permissions(dir_.path() + "/state/converge/default/token",
                                 std::filesystem::perms::owner_read);
    auto client = HttpClient::ConnectFromEnvironment();  // the default token file
    ASSERT_TRUE(client.ok());
    EXPECT_EQ((*client)->Call("GET", "/echo/env")->status, 200);
  }
}

}  // namespace
}  // namespace converge::api
