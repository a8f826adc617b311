#include "api/token_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace converge::api {
namespace {

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char folder[] = "/tmp/converge-token-XXXXXX";
    ASSERT_NE(::mkdtemp(folder), nullptr);
    dir_ = folder;
  }
  void TearDown() override {
    for (const char* name : {"token", "link"}) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir(dir_.c_str());
  }
  std::string Write(const std::string& text, mode_t mode) {
    const std::string path = dir_ + "/token";
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string dir_;
};

TEST_F(TokenFileTest, ReadsTheFirstLineOfAnOwnerOnlyFile) {
  Result<std::string> token = ReadTokenFile(Write("  abc123 \nignored\n", 0600));
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "abc123");
}

// Issue 9, item 12: a token file readable by others is refused, as ssh refuses such a key.
TEST_F(TokenFileTest, Issue9RefusesATokenFileOthersMayRead) {
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    Result<std::string> token = ReadTokenFile(Write("abc\n", mode));
    ASSERT_FALSE(token.ok()) << std::oct << mode;
    EXPECT_EQ(token.status().code(), Code::kPermissionDenied);
    EXPECT_NE(token.status().message().find("too open"), std::string::npos)
        << token.status().message();
    EXPECT_NE(token.status().message().find("chmod 600"), std::string::npos);
  }
  EXPECT_FALSE(LoadOrCreateTokenFile(dir_ + "/token").ok());  // the instance refuses it too
}

TEST_F(TokenFileTest, NeverFollowsALink) {
  const std::string target = Write("abc\n", 0600);
  ASSERT_EQ(::symlink(target.c_str(), (dir_ + "/link").c_str()), 0);
  Result<std::string> token = ReadTokenFile(dir_ + "/link");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kPermissionDenied);
  EXPECT_FALSE(LoadOrCreateTokenFile(dir_ + "/link").ok());
}

TEST_F(TokenFileTest, CreatesAnOwnerOnlyTokenOnceAndKeepsIt) {
  const std::string path = dir_ + "/token";
  Result<std::string> made = LoadOrCreateTokenFile(path);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->size(), 64u);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  Result<std::string> again = LoadOrCreateTokenFile(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *made);
}

TEST_F(TokenFileTest, AnEmptyFileIsAnError) {
  Result<std::string> token = ReadTokenFile(Write("\n", 0600));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace converge::api
