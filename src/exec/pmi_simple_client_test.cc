#include "exec/pmi_simple_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "exec/pmi_simple_server.h"

namespace converge::exec {
namespace {

// Serves rank `rank` of `server` on `fd` until the client closes its end.
void Serve(PmiSimpleServer& server, int rank, int fd) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) {
      server.Disconnected(rank);
      break;
    }
    server.Receive(rank, std::string_view(buffer, static_cast<size_t>(n)));
    const std::string out = server.TakeOutput(rank);
    if (!out.empty() && ::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
      break;
    }
    if (server.closed(rank)) break;
  }
  ::close(fd);
}

TEST(PmiSimpleClientTest, PutsBarriersAndGetsAgainstTheServer) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  PmiSimpleServer server(1, "kvs-test");
  std::thread serving([&] { Serve(server, 0, fds[1]); });
  {
    Result<PmiSimpleClient> client = PmiSimpleClient::Connect(fds[0], 0, 1);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    EXPECT_TRUE(client->Put("converge.leader", "tcp:10.0.0.1:5000,tcp:127.0.0.1:5000").ok());
    EXPECT_TRUE(client->Barrier().ok());
    EXPECT_EQ(*client->Get("converge.leader"), "tcp:10.0.0.1:5000,tcp:127.0.0.1:5000");
    EXPECT_EQ(client->Get("missing").status().code(), Code::kNotFound);
    EXPECT_EQ(client->Put("a key", "v").code(), Code::kInvalidArgument);
    EXPECT_EQ(client->Put("k", std::string(2000, 'v')).code(), Code::kInvalidArgument);
    EXPECT_TRUE(client->Finalize().ok());
    EXPECT_FALSE(client->Finalize().ok());
  }
  serving.join();
  EXPECT_FALSE(server.abort().has_value());  // finalized before the connection ended
}

TEST(PmiSimpleClientTest, AServerThatGoesAwayIsAnError) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  ::close(fds[1]);
  Result<PmiSimpleClient> client = PmiSimpleClient::Connect(fds[0], 0, 1);
  EXPECT_EQ(client.status().code(), Code::kUnavailable);
}

TEST(PmiSimpleClientTest, TheEnvironmentMustNameThePmi) {
  ::unsetenv("PMI_FD");
  EXPECT_EQ(PmiSimpleClient::FromEnvironment().status().ToString(),
            "PMI_FD: is not set: the task has no PMI-1 server (PMI_FD)");
  ::setenv("PMI_FD", "x", 1);
  EXPECT_EQ(PmiSimpleClient::FromEnvironment().status().code(), Code::kInvalidArgument);
  ::unsetenv("PMI_FD");
}

TEST(PmiFieldTest, FindsWholeKeysOnly) {
  EXPECT_EQ(PmiField("cmd=get_result rc=0 value=a=b", "value"), "a=b");
  EXPECT_EQ(PmiField("cmd=x xrc=1 rc=0", "rc"), "0");
  EXPECT_EQ(PmiField("cmd=x", "rc"), std::nullopt);
}

}  // namespace
}  // namespace converge::exec
