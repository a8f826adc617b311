#include "provenance/digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace converge::provenance {
namespace {

TEST(Sha256Test, MatchesTheStandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, AFileDigestsAsItsBytesAndIsBounded) {
  char name[] = "/tmp/digest_test.XXXXXX";
  const int fd = ::mkstemp(name);
  ASSERT_GE(fd, 0);
  const std::string bytes(200000, 'x');
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  Result<std::string> digest = FileSha256Hex(fd, bytes.size());
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(*digest, Sha256Hex(bytes));
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  Result<std::string> bounded = FileSha256Hex(fd, bytes.size() - 1);
  EXPECT_FALSE(bounded.ok());
  EXPECT_NE(bounded.status().message().find("larger than"), std::string::npos);
  ::close(fd);
  ::unlink(name);
}

}  // namespace
}  // namespace converge::provenance
