#include "agent/exchange_hub.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "api/http_server.h"
#include "exec/exchange_client.h"

namespace converge::agent {
namespace {

// A leader's hub on loopback, its io_context on a thread of its own; job 5 runs on two nodes.
class ExchangeHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<ExchangeHub>(io_, [](int64_t id) { return id == 5; });
    hub_->AddRoutes(router_);
    api::HttpServerOptions options;
    options.token = "token";
    server_ = std::make_unique<api::HttpServer>(io_, options, router_.AsHandler());
    Result<api::Address> bound = server_->Listen(*api::ParseAddress("tcp:127.0.0.1:0"));
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    url_ = bound->ToString();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    OnLoop([this] {
      server_->Stop();
      hub_.reset();
      server_.reset();
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  void OnLoop(std::function<void()> step) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      step();
      done.set_value();
    });
    done.get_future().wait();
  }
  exec::ExchangeEndpoint Endpoint(std::string token = "token") { return {url_, token}; }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  api::Router router_;
  std::unique_ptr<ExchangeHub> hub_;
  std::unique_ptr<api::HttpServer> server_;
  std::string url_;
  std::thread thread_;
};

// The outcome of the client's round, waiting up to 10 s for it.
Result<std::vector<std::string>> Outcome(exec::ExchangeClient& client) {
  pollfd fd{client.event_fd(), POLLIN, 0};
  for (int waited = 0; waited < 100; ++waited) {
    if (std::optional<Result<std::vector<std::string>>> outcome = client.Take()) {
      return *outcome;
    }
    ::poll(&fd, 1, 100);
  }
  return Status(Code::kInternal, "no outcome within 10 s");
}

TEST_F(ExchangeHubTest, EveryPartGetsEveryPartsBytesInPartOrder) {
  exec::ExchangeClient first(Endpoint(), 5, "pmi", 0, 2);
  exec::ExchangeClient second(Endpoint(), 5, "pmi", 1, 2);
  first.Begin("alpha");
  second.Begin(std::string("be\nta\0", 6));
  for (exec::ExchangeClient* client : {&first, &second}) {
    Result<std::vector<std::string>> parts = Outcome(*client);
    ASSERT_TRUE(parts.ok()) << parts.status().ToString();
    EXPECT_EQ(*parts, (std::vector<std::string>{"alpha", std::string("be\nta\0", 6)}));
  }
  // The next round, in the other order; a second channel is independent.
  exec::ExchangeClient pmix(Endpoint(), 5, "pmix", 0, 2);
  second.Begin("2");
  pmix.Begin("other channel");
  first.Begin("1");
  for (exec::ExchangeClient* client : {&first, &second}) {
    Result<std::vector<std::string>> parts = Outcome(*client);
    ASSERT_TRUE(parts.ok()) << parts.status().ToString();
    EXPECT_EQ(*parts, (std::vector<std::string>{"1", "2"}));
  }
  EXPECT_TRUE(pmix.in_flight());
}

TEST_F(ExchangeHubTest, AJobThatEndsOnANodeFailsTheRoundsOfTheOthers) {
  exec::ExchangeClient first(Endpoint(), 5, "pmi", 0, 2);
  first.Begin("waiting for the other part");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  OnLoop([this] { hub_->End(5); });
  Result<std::vector<std::string>> parts = Outcome(first);
  ASSERT_FALSE(parts.ok());
  EXPECT_NE(parts.status().message().find("410"), std::string::npos) << parts.status().ToString();
}

TEST_F(ExchangeHubTest, WrongTokenOrDisagreeingPartsAreRefused) {
  exec::ExchangeClient stranger(Endpoint("guess"), 5, "pmi", 0, 2);
  stranger.Begin("x");
  Result<std::vector<std::string>> refused = Outcome(stranger);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("401"), std::string::npos);

  exec::ExchangeClient two(Endpoint(), 5, "pmi", 0, 2);
  exec::ExchangeClient three(Endpoint(), 5, "pmi", 2, 3);
  two.Begin("a");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  three.Begin("b");
  Result<std::vector<std::string>> disagreeing = Outcome(three);
  ASSERT_FALSE(disagreeing.ok());
  EXPECT_NE(disagreeing.status().message().find("409"), std::string::npos);
}

TEST(ExchangeFramesTest, RoundTripAndRefuseWhatIsNotFramed) {
  const std::vector<std::string> parts = {"", "a\nb", std::string(3, '\0')};
  Result<std::vector<std::string>> back = exec::UnframeParts(exec::FrameParts(parts), 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, parts);
  EXPECT_FALSE(exec::UnframeParts(exec::FrameParts(parts), 2).ok());
  EXPECT_FALSE(exec::UnframeParts("5\nabc", 1).ok());
  EXPECT_FALSE(exec::UnframeParts("x\n", 1).ok());
  EXPECT_FALSE(exec::UnframeParts("\nabc", 1).ok());
}

}  // namespace
}  // namespace converge::agent
