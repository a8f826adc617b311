// MlClient against the real model server on a free loopback port.
#include "examples/ml-workflow/ml_client.h"

#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "examples/ml-workflow/ml_routes.h"
#include "examples/ml-workflow/model_server.h"

namespace converge::ml {
namespace {

TEST(MlClientTest, ParsesUrls) {
  Result<api::Address> address = ParseMlUrl("http://127.0.0.1:23456/");
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 23456);
  EXPECT_FALSE(ParseMlUrl("127.0.0.1:23456").ok());
  EXPECT_FALSE(ParseMlUrl("http://127.0.0.1").ok());
  EXPECT_FALSE(ParseMlUrl("http://127.0.0.1:1/api").ok());
}

TEST(MlClientTest, RefusesNonLoopbackListen) {
  boost::asio::io_context io;
  api::Router router;
  std::unique_ptr<api::HttpServer> server = MakeModelServer(io, router);
  EXPECT_EQ(ListenOn(*server, "0.0.0.0", 0).status().code(), Code::kInvalidArgument);
}

TEST(MlClientTest, TalksToTheModelServer) {
  boost::asio::io_context io;
  WallTimeModel model;
  const api::Router router = MakeMlRouter(model);
  std::unique_ptr<api::HttpServer> server = MakeModelServer(io, router);
  Result<int> port = ListenOn(*server, "127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  std::thread loop([&io] { io.run(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);
  {
    Result<std::unique_ptr<MlClient>> client = MlClient::Connect(url);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    Result<nlohmann::json> health = (*client)->Call("GET", "/healthz");
    ASSERT_TRUE(health.ok()) << health.status().ToString();
    EXPECT_EQ((*health)["ok"], true);
    Result<nlohmann::json> early = (*client)->Call(
        "POST", "/api/predict", {{"features", {{{"x", 1}, {"y", 1}, {"z", 1}, {"ranks", 1}}}}});
    EXPECT_EQ(early.status().code(), Code::kWait);
    Result<nlohmann::json> bad = (*client)->Call("POST", "/api/train", {{"samples", 3}});
    EXPECT_EQ(bad.status().message(), "samples: must be an array");
  }
  boost::asio::post(io, [&] {
    server->Stop();
    io.stop();
  });
  loop.join();
}

TEST(MlClientTest, ConnectionRefusedIsAClearError) {
  boost::asio::io_context io;
  api::Router router;
  std::unique_ptr<api::HttpServer> server = MakeModelServer(io, router);
  Result<int> port = ListenOn(*server, "127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  server->Stop();  // the port is now closed
  Result<std::unique_ptr<MlClient>> client =
      MlClient::Connect("http://127.0.0.1:" + std::to_string(*port));
  EXPECT_EQ(client.status().code(), Code::kNotFound);
  EXPECT_NE(client.status().message().find("connection refused"), std::string::npos);
}

}  // namespace
}  // namespace converge::ml
