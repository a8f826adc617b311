#include "sim/swf_file.h"

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <zlib.h>

#include "sim/swf.h"

namespace converge::sim {
namespace {

class SwfFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/converge_swf_file_testXXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string WritePlain(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string WriteGzip(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, content.data(), static_cast<unsigned>(content.size()));
    gzclose(file);
    return path;
  }

  std::string dir_;
};

constexpr const char* kTrace = "; MaxProcs: 4\n1 0 0 5 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n";

TEST_F(SwfFileTest, ReadsPlainAndGzip) {
  Result<std::string> plain = ReadTraceFile(WritePlain("a.swf", kTrace));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, kTrace);
  Result<std::string> gz = ReadTraceFile(WriteGzip("a.swf.gz", kTrace));
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  EXPECT_EQ(*gz, kTrace);
}

TEST_F(SwfFileTest, MissingFileIsNotFound) {
  Result<std::string> text = ReadTraceFile(dir_ + "/missing.swf");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), Code::kNotFound);
  EXPECT_EQ(text.status().where(), dir_ + "/missing.swf");
}

TEST_F(SwfFileTest, SizeCap) {
  std::string path = WriteGzip("big.swf.gz", std::string(100000, ';'));
  Result<std::string> text = ReadTraceFile(path, 1000);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("larger than 1000 bytes"), std::string::npos);
}

TEST_F(SwfFileTest, TruncatedGzipIsAnError) {
  std::string gz_path = WriteGzip("t.swf.gz", std::string(50000, 'x') + kTrace);
  std::string bytes;
  {
    std::ifstream in(gz_path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string cut = WritePlain("cut.swf.gz", bytes.substr(0, bytes.size() / 2));
  Result<std::string> text = ReadTraceFile(cut);
  EXPECT_FALSE(text.ok());
}

TEST(SwfFileShared, ReadsTheSharedLublinTrace) {
  Result<std::string> text = ReadTraceFile("../shared/traces/lublin_256.swf.gz");
  if (!text.ok()) GTEST_SKIP() << "shared traces not available: " << text.status().ToString();
  Result<SwfTrace> trace = ParseSwf(*text);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_EQ(trace->records.size(), 10000u);
  EXPECT_EQ(trace->max_nodes, 256);
  EXPECT_FALSE(trace->max_procs.has_value());
}

}  // namespace
}  // namespace converge::sim
