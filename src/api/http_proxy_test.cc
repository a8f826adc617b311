#include "api/http_proxy.h"

#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/http_client.h"
#include "api/http_server.h"
#include "api/http_test_support.h"
#include "api/router.h"

namespace converge::api {
namespace {

using std::chrono::milliseconds;

// An upstream server (Unix socket, and TCP with the token "upstream") and a proxy in front of
// it on loopback TCP with the token "front", all on one io_context thread.
class HttpProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    router_.Add({"GET", "/echo/{word}", "anyone", [](HttpRequest request, auto responder) {
                   nlohmann::json body = {{"target", request.target},
                                          {"query", request.query},
                                          {"authorization", request.Header("authorization")},
                                          {"unix", request.peer.unix_socket},
                                          {"token_holder", request.peer.token_holder},
                                          {"uid", request.peer.uid}};
                   HttpResponse response = JsonResponse(200, body.dump());
                   response.headers["Cache-Control"] = "no-cache";
                   response.headers["X-Internal"] = "kept upstream";
                   responder->Reply(std::move(response));
                 }});
    router_.Add({"POST", "/echo/{word}", "anyone", [this](HttpRequest, auto responder) {
                   posted_ = true;
                   responder->Reply(JsonResponse(200, "{}"));
                 }});
    router_.Add({"GET", "/stream", "anyone", [](HttpRequest, auto responder) {
                   std::shared_ptr<Stream> stream = responder->StartStream(200, "text/plain");
                   for (const char* line : {"one\n", "two\n", "three\n"}) stream->Write(line);
                   stream->Close();
                 }});
    // One line, then silence until the test ends.
    router_.Add({"GET", "/quiet", "anyone", [this](HttpRequest, auto responder) {
                   quiet_ = responder->StartStream(200, "application/x-ndjson");
                   quiet_->Write("{}\n");
                 }});
    upstream_ = std::make_unique<HttpServer>(io_, HttpServerOptions{.token = "upstream"},
                                             router_.AsHandler());
    ASSERT_TRUE(upstream_->Listen(*ParseAddress("unix:" + socket_)).ok());
    Result<Address> tcp = upstream_->Listen(*ParseAddress("tcp:127.0.0.1:0"));
    ASSERT_TRUE(tcp.ok());
    upstream_tcp_ = *tcp;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  void TearDown() override {
    OnIo([this] {
      if (front_) front_->Stop();
      upstream_->Stop();
      quiet_.reset();
    });
    io_.stop();
    thread_.join();
  }

  void OnIo(const std::function<void()>& work) { RunOnIo(io_, work); }

  // Starts the proxy towards `upstream` and returns a client of it.
  std::unique_ptr<HttpClient> ProxyTo(Address upstream, std::string token = "") {
    OnIo([&] {
      proxy_ = std::make_unique<HttpProxy>(
          io_, HttpProxyOptions{.upstream = std::move(upstream), .upstream_token = token});
      front_ = std::make_unique<HttpServer>(io_, HttpServerOptions{.token = "front"},
                                            proxy_->AsHandler());
      Result<Address> bound = front_->Listen(*ParseAddress("tcp:127.0.0.1:0"));
      EXPECT_TRUE(bound.ok());
      front_address_ = *bound;
    });
    auto client = HttpClient::Connect(front_address_, "front");
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  size_t InFlight() {
    size_t count = 0;
    OnIo([&] { count = proxy_->in_flight(); });
    return count;
  }

  TempDir dir_;
  std::string socket_ = dir_.path() + "/upstream.sock";
  boost::asio::io_context io_;
  Router router_;
  std::unique_ptr<HttpServer> upstream_;
  Address upstream_tcp_;
  std::unique_ptr<HttpProxy> proxy_;
  std::unique_ptr<HttpServer> front_;
  Address front_address_;
  std::shared_ptr<Stream> quiet_;
  bool posted_ = false;
  std::thread thread_;
};

TEST_F(HttpProxyTest, AGetReachesTheUnixSocketAsTheProxysUserWithNoneOfTheCallersHeaders) {
  auto client = ProxyTo(*ParseAddress("unix:" + socket_));
  Result<HttpResponse> response = client->Call("GET", "/echo/a%20b?state=RUN%2CSCHED&x=1");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["target"], "/echo/a%20b?state=RUN%2CSCHED&x=1");
  EXPECT_EQ(body["query"]["state"], "RUN,SCHED");
  EXPECT_EQ(body["unix"], true);
  EXPECT_EQ(body["uid"], static_cast<int64_t>(::getuid()));
  EXPECT_EQ(body["token_holder"], false);
  EXPECT_EQ(body["authorization"], "") << "the caller's token must stay at the proxy";
  EXPECT_EQ(response->headers["cache-control"], "no-cache");
  EXPECT_EQ(response->headers.count("x-internal"), 0u);
  EXPECT_EQ(response->content_type, "application/json");
}

TEST_F(HttpProxyTest, OnTcpTheUpstreamTokenIsShownAndTheCallerNeedsTheProxysOwn) {
  auto client = ProxyTo(upstream_tcp_, "upstream");
  nlohmann::json body = nlohmann::json::parse(client->Call("GET", "/echo/x")->body);
  EXPECT_EQ(body["token_holder"], true);
  EXPECT_EQ(body["authorization"], "Bearer upstream");
  auto stranger = HttpClient::Connect(front_address_, "upstream");
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ((*stranger)->Call("GET", "/echo/x")->status, 401);
}

TEST_F(HttpProxyTest, OtherMethodsAreRefusedWithoutReachingTheUpstream) {
  auto client = ProxyTo(*ParseAddress("unix:" + socket_));
  Result<HttpResponse> response = client->Call("POST", "/echo/x", "{}");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers["allow"], "GET");
  bool posted = true;
  OnIo([&] { posted = posted_; });
  EXPECT_FALSE(posted);
}

TEST_F(HttpProxyTest, AStreamIsRelayedWhole) {
  auto client = ProxyTo(*ParseAddress("unix:" + socket_));
  std::string received;
  Result<int> status = client->Stream("GET", "/stream", [&](std::string_view chunk) {
    received += chunk;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(received, "one\ntwo\nthree\n");
}

TEST_F(HttpProxyTest, ACallerThatLeavesAQuietStreamEndsItsForwarding) {
  auto client = ProxyTo(*ParseAddress("unix:" + socket_));
  Result<int> status = client->Stream("GET", "/quiet", [](std::string_view) { return false; });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  client.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (InFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(InFlight(), 0u);
}

TEST_F(HttpProxyTest, AnAbsentUpstreamIsA502NamingIt) {
  const std::string missing = dir_.path() + "/missing.sock";
  auto client = ProxyTo(*ParseAddress("unix:" + missing));
  Result<HttpResponse> response = client->Call("GET", "/echo/x");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 502);
  EXPECT_NE(response->body.find(missing), std::string::npos) << response->body;
}

}  // namespace
}  // namespace converge::api
