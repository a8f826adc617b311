#include "exec/run_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/testutil/run_command.h"

namespace converge::exec {
namespace {

using testutil::ReadFile;
using testutil::TempDir;

TEST(RunFilesTest, NamesTheFilesOfAJob) {
  EXPECT_EQ(SpecFileName(12), "12.spec.json");
  EXPECT_EQ(LockFileName(12), "12.lock");
  EXPECT_EQ(ResultFileName(12), "12.result.json");
  EXPECT_EQ(ShimLogFileName(12), "12.shim.log");
}

TEST(RunFilesTest, WritesAtomicallyAndReadsBack) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomicAt(AT_FDCWD, dir.path() + "/a", "first", true).ok());
  ASSERT_TRUE(WriteFileAtomicAt(AT_FDCWD, dir.path() + "/a", "second", false).ok());
  Result<std::string> text = ReadFileAt(AT_FDCWD, dir.path() + "/a");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "second");
  EXPECT_NE(::access((dir.path() + "/a.tmp").c_str(), F_OK), 0);
  EXPECT_EQ(ReadFileAt(AT_FDCWD, dir.path() + "/missing").status().code(), Code::kNotFound);
  Status failed = WriteFileAtomicAt(AT_FDCWD, dir.path() + "/no/such/dir", "x", false);
  EXPECT_EQ(failed.code(), Code::kInternal);
  EXPECT_EQ(failed.message(), "No such file or directory");
}

TEST(RunFilesTest, LockPidRoundTrip) {
  TempDir dir;
  const int dir_fd = ::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  const int fd = OpenLockAt(dir_fd, 3);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ReadLockPid(fd), 0);  // new: no holder pid yet
  ASSERT_EQ(WriteLockPid(fd, 123456), 0);
  ASSERT_EQ(WriteLockPid(fd, 42), 0);  // truncates: no leftover digits
  EXPECT_EQ(ReadLockPid(fd), 42);
  EXPECT_EQ(ReadFile(dir.path() + "/3.lock"), "42\n");
  ::close(fd);
  ::close(dir_fd);
}

TEST(RunFilesTest, ALockOnARemovedOrReplacedFileIsNotCurrent) {
  TempDir dir;
  const int dir_fd = ::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  const int old_fd = OpenLockAt(dir_fd, 4);
  EXPECT_TRUE(LockIsCurrent(dir_fd, 4, old_fd));
  ASSERT_EQ(::unlinkat(dir_fd, "4.lock", 0), 0);
  EXPECT_FALSE(LockIsCurrent(dir_fd, 4, old_fd));
  const int new_fd = OpenLockAt(dir_fd, 4);  // a new 4.lock
  EXPECT_FALSE(LockIsCurrent(dir_fd, 4, old_fd));
  EXPECT_TRUE(LockIsCurrent(dir_fd, 4, new_fd));
  ::close(old_fd);
  ::close(new_fd);
  ::close(dir_fd);
}

}  // namespace
}  // namespace converge::exec
