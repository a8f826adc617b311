#include "provenance/job_inputs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "provenance/digest.h"

namespace converge::provenance {
namespace {

class CommandDigestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char folder[] = "/tmp/job_inputs_test.XXXXXX";
    ASSERT_NE(::mkdtemp(folder), nullptr);
    folder_ = folder;
    ::chmod(folder_.c_str(), 0755);
  }
  void TearDown() override { std::system(("rm -rf " + folder_).c_str()); }

  std::string Write(const std::string& name, const std::string& bytes, mode_t mode) {
    const std::string path = folder_ + "/" + name;
    std::ofstream(path) << bytes;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::string folder_;
};

TEST_F(CommandDigestsTest, FindsTheCommandInPathAndDigestsIt) {
  const std::string path = Write("app", "#!/bin/sh\necho one\n", 0755);
  CommandDigests digests;
  CommandIdentity identity =
      digests.Identify("app", {"PATH=/nonexistent:" + folder_}, "/", {});
  EXPECT_EQ(identity.path, path);
  EXPECT_EQ(identity.digest, Sha256Hex("#!/bin/sh\necho one\n"));
  EXPECT_EQ(identity.note, "");

  // Relative to the working folder, and a change of the file is seen despite the cache.
  ::usleep(10000);
  Write("app", "#!/bin/sh\necho two\n", 0755);
  identity = digests.Identify("./app", {}, folder_, {});
  EXPECT_EQ(identity.path, path);
  EXPECT_EQ(identity.digest, Sha256Hex("#!/bin/sh\necho two\n"));
}

TEST_F(CommandDigestsTest, SaysWhyThereIsNoDigest) {
  CommandDigests digests;
  CommandIdentity missing =
      digests.Identify("no-such-program-here", {"PATH=" + folder_}, "/", {});
  EXPECT_EQ(missing.path, "");
  EXPECT_EQ(missing.digest, "");
  EXPECT_NE(missing.note.find("not found"), std::string::npos);
  Write("data", "not a program", 0644);
  EXPECT_NE(digests.Identify("data", {"PATH=" + folder_}, "/", {}).note.find("not found"),
            std::string::npos);
}

TEST_F(CommandDigestsTest, AFileTheJobsUserCannotReadIsNotDigested) {
  Write("secret", "#!/bin/sh\n", 0711);  // executable by all, readable by its owner only
  CommandDigests digests;
  const Reader nobody{65534, 65534, {}};
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the owner of a 0711 file is the test";
  CommandIdentity identity = digests.Identify("secret", {"PATH=" + folder_}, "/", nobody);
  EXPECT_EQ(identity.digest, "");
  EXPECT_NE(identity.note.find("may not read"), std::string::npos);
  // A readable file in a folder the user cannot enter is not digested either.
  Write("open", "#!/bin/sh\n", 0755);
  ::chmod(folder_.c_str(), 0700);
  identity = digests.Identify("open", {"PATH=" + folder_}, "/", nobody);
  EXPECT_EQ(identity.digest, "");
  ::chmod(folder_.c_str(), 0755);
  EXPECT_EQ(digests.Identify("open", {"PATH=" + folder_}, "/", nobody).digest,
            Sha256Hex("#!/bin/sh\n"));
  EXPECT_EQ(digests.Identify("secret", {"PATH=" + folder_}, "/", Reader{0, 0, {}}).digest,
            Sha256Hex("#!/bin/sh\n"));
}

TEST(EnvironmentJsonTest, NamesEachVariableWithoutItsValue) {
  nlohmann::ordered_json json = EnvironmentJson({{"A", "1"}, {"SECRET", "hunter2"}});
  EXPECT_EQ(json["digest"], Sha256Hex("A=1\nSECRET=hunter2\n"));
  EXPECT_EQ(json["variables"]["SECRET"], Sha256Hex("hunter2").substr(0, 16));
  EXPECT_EQ(json.dump().find("hunter2"), std::string::npos);
  EXPECT_NE(EnvironmentJson({{"A", "2"}})["digest"], EnvironmentJson({{"A", "1"}})["digest"]);
}

}  // namespace
}  // namespace converge::provenance
