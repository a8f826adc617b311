#include "api/address.h"

#include <gtest/gtest.h>

namespace converge::api {
namespace {

TEST(AddressTest, ParsesUnixAndTcpForms) {
  auto unix_address = ParseAddress("unix:/run/c.sock");
  ASSERT_TRUE(unix_address.ok());
  EXPECT_EQ(unix_address->kind, Address::Kind::kUnix);
  EXPECT_EQ(unix_address->path, "/run/c.sock");
  auto tcp = ParseAddress("tcp:127.0.0.1:8080");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->host, "127.0.0.1");
  EXPECT_EQ(tcp->port, 8080);
  auto v6 = ParseAddress("tcp:[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "tcp:[::1]:0");
}

TEST(AddressTest, NamesWhatIsWrong) {
  EXPECT_NE(ParseAddress("http://x").status().message().find("unix:PATH or tcp:HOST:PORT"),
            std::string::npos);
  EXPECT_NE(ParseAddress("tcp:host:70000").status().message().find("0..65535"),
            std::string::npos);
  EXPECT_FALSE(ParseAddress("tcp:8080").ok());
  EXPECT_FALSE(ParseAddress("unix:").ok());
  EXPECT_FALSE(ParseAddress("unix:/" + std::string(200, 'x')).ok());
}

}  // namespace
}  // namespace converge::api
