// Issue 9 (hardening), the critical items: a local user must never gain root or read what is
// not theirs through the instance. Run as root with throwaway users (ThrowawayUser); each test
// skips with the reason where that is impossible.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/throwaway_user.h"

namespace converge::testutil {
namespace {

std::string LinkTarget(const std::string& link) {
  char target[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : "";
}

struct stat StatOf(const std::string& path) {
  struct stat info {};
  ::lstat(path.c_str(), &info);
  return info;
}

// Item 1: the run folder has an unpredictable name, and a folder another user prepared where
// the instance's record points (as after a reboot emptied /dev/shm) is never used: the root
// shims would run the specs the user wrote there, and the user would read every job's spec.
TEST(SecurityTest, Issue9ARunFolderAnotherUserPreparedIsNeverUsed) {
  ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  if (::access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no writable /dev/shm";
  InstanceLauncher instance({.extra_args = {"--multiuser"}});
  ASSERT_TRUE(instance.Start()) << instance.log();
  const std::string run = LinkTarget(instance.state_dir() + "/run");
  ASSERT_EQ(run.rfind("/dev/shm/converge-0-", 0), 0u) << run;
  EXPECT_EQ(StatOf(run).st_mode & 07777, 0700u);
  EXPECT_EQ(WaitInactive(instance, SubmitJob(instance, {"true"}))["result"], "completed");
  instance.Kill9();

  // "Reboot": the folder is gone; the user makes one at the recorded path, open to them.
  std::filesystem::remove_all(run);
  ASSERT_EQ(user.Run({"mkdir", "-m", "0777", run}).exit_code, 0);
  ASSERT_TRUE(instance.Start()) << instance.log();
  const std::string fresh = LinkTarget(instance.state_dir() + "/run");
  EXPECT_NE(fresh, run);
  EXPECT_EQ(StatOf(fresh).st_uid, 0u);
  EXPECT_EQ(StatOf(fresh).st_mode & 07777, 0700u);
  const int64_t job = SubmitJob(instance, {"--env", "SECRET=hunter2", "sleep", "2"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(std::filesystem::is_empty(run)) << "the instance wrote into the user's folder";
  EXPECT_EQ(WaitInactive(instance, job)["result"], "completed");
  instance.PrintLogIfFailed();
  std::filesystem::remove_all(run);
}

// Item 1, the same with a folder that looks right (0700) but is the user's, and with a link.
TEST(SecurityTest, Issue9ARecordedRunFolderThatIsALinkOrNotOursIsReplaced) {
  ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  if (::access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no writable /dev/shm";
  InstanceLauncher instance({.extra_args = {"--multiuser"}});
  for (const char* prepared : {"theirs-0700", "link"}) {
    ASSERT_TRUE(instance.Start()) << instance.log();
    const std::string run = LinkTarget(instance.state_dir() + "/run");
    instance.Kill9();
    std::filesystem::remove_all(run);
    if (std::string(prepared) == "link") {
      ASSERT_EQ(user.Run({"ln", "-s", "/root", run}).exit_code, 0);
    } else {
      ASSERT_EQ(user.Run({"mkdir", "-m", "0700", run}).exit_code, 0);
    }
    ASSERT_TRUE(instance.Start()) << instance.log();
    EXPECT_NE(LinkTarget(instance.state_dir() + "/run"), run) << prepared;
    EXPECT_EQ(WaitInactive(instance, SubmitJob(instance, {"true"}))["result"], "completed");
    ASSERT_TRUE(instance.Stop());
    std::filesystem::remove_all(run);
  }
  instance.PrintLogIfFailed();
}

// Item 2: output paths are opened with the job's user's rights, and `converge logs` reads
// them with the same rights: no appending to, creating, or reading back root-only files,
// directly or through a link.
TEST(SecurityTest, Issue9OutputAndLogsNeverUseTheInstancesRootRights) {
  ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  InstanceLauncher instance({.extra_args = {"--multiuser"}});
  ASSERT_TRUE(instance.Start()) << instance.log();
  TempDir root_only;
  ::chmod(root_only.path().c_str(), 0755);  // others may enter, not write
  const std::string secret = root_only.path() + "/secret";
  std::ofstream(secret) << "root-only\n";
  ::chmod(secret.c_str(), 0600);
  TempDir theirs;
  ::chmod(theirs.path().c_str(), 0777);
  const std::string link = theirs.path() + "/link";
  ASSERT_EQ(user.Run({"ln", "-s", secret, link}).exit_code, 0);

  for (const std::string& path : {secret, link, root_only.path() + "/new"}) {
    CommandResult submitted =
        user.RunConverge(instance, {"submit", "--cwd", "/tmp", "--output", path, "echo", "x"});
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    const int64_t id = std::stoll(submitted.out);
    nlohmann::json job = WaitInactive(instance, id);
    EXPECT_EQ(job["result"], "failed") << path;
    CommandResult logs = user.RunConverge(instance, {"logs", std::to_string(id)});
    EXPECT_EQ(logs.out.find("root-only"), std::string::npos) << path << ": " << logs.out;
    if (std::filesystem::exists(path)) {
      EXPECT_NE(logs.exit_code, 0) << path;  // refused, not empty
    }
    // The owner (root) reading a user's job: still only what that user could read.
    CommandResult as_owner = instance.Run({"logs", std::to_string(id)});
    EXPECT_EQ(as_owner.out.find("root-only"), std::string::npos) << as_owner.out;
  }
  EXPECT_EQ(ReadFile(secret), "root-only\n");
  EXPECT_FALSE(std::filesystem::exists(root_only.path() + "/new"));

  // What the user may write works, is theirs, and reads back.
  const std::string own = theirs.path() + "/own.out";
  CommandResult mine =
      user.RunConverge(instance, {"run", "--cwd", "/tmp", "--output", own, "echo", "mine"});
  EXPECT_EQ(mine.exit_code, 0) << mine.err;
  EXPECT_EQ(StatOf(own).st_uid, user.uid());
  // Default output (the instance's own folder) works too, read back through the instance.
  CommandResult plain = user.RunConverge(instance, {"submit", "--cwd", "/tmp", "echo", "plain"});
  const int64_t plain_id = std::stoll(plain.out);
  EXPECT_EQ(WaitInactive(instance, plain_id)["result"], "completed");
  EXPECT_EQ(user.RunConverge(instance, {"logs", std::to_string(plain_id)}).out, "plain\n");
  instance.PrintLogIfFailed();
}

// Item 3: the store (every job's environment) and the state folder's files are the owner's
// alone in every mode; only the socket is open to others in multi-user mode.
TEST(SecurityTest, Issue9TheStoreAndStateFilesAreOwnerOnly) {
  ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  InstanceLauncher instance({.extra_args = {"--multiuser"}, .tcp = true});
  ASSERT_TRUE(instance.Start()) << instance.log();
  EXPECT_EQ(
      WaitInactive(instance, SubmitJob(instance, {"--env", "SECRET=hunter2", "true"}))["result"],
      "completed");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(instance.state_dir())) {
    const std::string path = entry.path().string();
    const struct stat info = StatOf(path);
    if (S_ISSOCK(info.st_mode) || S_ISLNK(info.st_mode)) continue;
    EXPECT_EQ(info.st_mode & 077, 0u) << path << " is open to others";
  }
  CommandResult peek = user.Run({"cat", instance.state_dir() + "/state.db"});
  EXPECT_NE(peek.exit_code, 0);
  EXPECT_EQ(peek.out.find("hunter2"), std::string::npos);
  instance.PrintLogIfFailed();
}

// Item 12: a token file others may read is refused, by the instance and by the client.
TEST(SecurityTest, Issue9ATokenFileOthersMayReadIsRefused) {
  InstanceLauncher instance({.tcp = true});
  ASSERT_TRUE(instance.Start()) << instance.log();
  ASSERT_TRUE(instance.Stop());
  const std::string token = instance.state_dir() + "/token";
  ASSERT_EQ(::chmod(token.c_str(), 0644), 0);
  EXPECT_FALSE(instance.Start());
  EXPECT_NE(instance.log().find("too open"), std::string::npos) << instance.log();
  CommandResult client = RunConvergeWithEnv(
      {"jobs"}, {{"CONVERGE_URI", "tcp:127.0.0.1:1"}, {"CONVERGE_TOKEN_FILE", token}});
  EXPECT_NE(client.exit_code, 0);
  EXPECT_NE(client.err.find("too open"), std::string::npos) << client.err;
  ASSERT_EQ(::chmod(token.c_str(), 0600), 0);
  EXPECT_TRUE(instance.Start()) << instance.log();
}

// The state folder must be the instance owner's alone: one another user may change could be
// used to plant the store, the run-folder record or the token.
TEST(SecurityTest, Issue9AStateFolderOthersMayChangeIsRefused) {
  TempDir dir;
  const std::string state = dir.path() + "/shared";
  ASSERT_EQ(::mkdir(state.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(state.c_str(), 0777), 0);
  CommandResult started = RunConverge({"start", "--state", state});
  EXPECT_NE(started.exit_code, 0);
  EXPECT_NE(started.err.find("only it may change"), std::string::npos) << started.err;
}

}  // namespace
}  // namespace converge::testutil
