#include "api/address.h"

#include <string>

#include <gtest/gtest.h>

namespace converge::api {
namespace {

std::string ErrorOf(std::string_view text) { return ParseAddress(text).status().ToString(); }

TEST(AddressTest, ParsesUnixPathsAbsoluteOrRelative) {
  auto absolute = ParseAddress("unix:/run/c.sock");
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->kind, Address::Kind::kUnix);
  EXPECT_EQ(absolute->path, "/run/c.sock");
  EXPECT_EQ(absolute->ToString(), "unix:/run/c.sock");
  auto relative = ParseAddress("unix:state/c.sock");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->path, "state/c.sock");
}

TEST(AddressTest, AcceptsUnixPathsUpTo107Bytes) {
  EXPECT_TRUE(ParseAddress("unix:/" + std::string(106, 'x')).ok());
  EXPECT_EQ(ErrorOf("unix:/" + std::string(107, 'x')),
            "unix:/" + std::string(107, 'x') + ": socket path longer than 107 bytes");
  EXPECT_EQ(ErrorOf("unix:"), "unix:: unix: needs a socket path");
}

TEST(AddressTest, ParsesTcpHostsAndPorts) {
  auto ipv4 = ParseAddress("tcp:127.0.0.1:8080");
  ASSERT_TRUE(ipv4.ok());
  EXPECT_EQ(ipv4->kind, Address::Kind::kTcp);
  EXPECT_EQ(ipv4->host, "127.0.0.1");
  EXPECT_EQ(ipv4->port, 8080);
  auto name = ParseAddress("tcp:localhost:65535");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 65535);
  auto ipv6 = ParseAddress("tcp:[::1]:0");
  ASSERT_TRUE(ipv6.ok());
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_EQ(ipv6->port, 0);
  EXPECT_EQ(ipv6->ToString(), "tcp:[::1]:0");
}

TEST(AddressTest, NamesWhatIsWrong) {
  EXPECT_EQ(ErrorOf("http://x"), "http://x: an address must be unix:PATH or tcp:HOST:PORT");
  EXPECT_EQ(ErrorOf("tcp:host:70000"), "tcp:host:70000: port must be 0..65535");
  EXPECT_EQ(ErrorOf("tcp:host:-1"), "tcp:host:-1: port must be 0..65535");
  EXPECT_EQ(ErrorOf("tcp:host:80x"), "tcp:host:80x: port must be 0..65535");
  EXPECT_EQ(ErrorOf("tcp:host:"), "tcp:host:: port must be 0..65535");
  EXPECT_EQ(ErrorOf("tcp:8080"), "tcp:8080: tcp:HOST:PORT needs a host and a port");
  EXPECT_EQ(ErrorOf("tcp::8080"), "tcp::8080: tcp:HOST:PORT needs a host");
  EXPECT_NE(ErrorOf("tcp:[::1:80").find("in brackets"), std::string::npos);
  EXPECT_NE(ErrorOf("tcp:[]:80").find("in brackets"), std::string::npos);
  EXPECT_EQ(ParseAddress("tcp:a b:80").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace converge::api
