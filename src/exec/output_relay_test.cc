#include "exec/output_relay.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "exec/output_sink.h"
#include "tests/testutil/run_command.h"

namespace converge::exec {
namespace {

using testutil::ReadFile;
using testutil::TempDir;

bool Exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

void Write(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

void PollOnce(OutputRelay& relay) {
  std::vector<pollfd> fds;
  relay.AddPollFds(fds);
  ASSERT_GE(::poll(fds.data(), fds.size(), 1000), 0);
  relay.OnPoll(fds);
}

TEST(OutputSinkTest, TheDefaultFileIsCreatedOwnerOnlyAtTheFirstByte) {
  TempDir dir;
  const std::string path = dir.path() + "/7.out";
  OutputSink sink = OutputSink::DefaultFile(path, /*exclusive=*/true);
  sink.Write("");
  EXPECT_FALSE(Exists(path));
  EXPECT_FALSE(sink.opened());
  sink.Write("hello ");
  sink.Write("world\n");
  EXPECT_TRUE(sink.opened());
  EXPECT_EQ(ReadFile(path), "hello world\n");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(sink.error(), "");
}

TEST(OutputSinkTest, AFreshStartNeverAppendsToAFileThereAlready) {
  TempDir dir;
  const std::string path = dir.Write("7.out", "another job's words\n");
  OutputSink sink = OutputSink::DefaultFile(path, /*exclusive=*/true);
  sink.Write("mine\n");
  EXPECT_EQ(ReadFile(path), "another job's words\n");
  EXPECT_NE(sink.error().find("another job's output"), std::string::npos) << sink.error();
  // A relaunch after a restart appends to its own file.
  OutputSink again = OutputSink::DefaultFile(path, /*exclusive=*/false);
  again.Write("more\n");
  EXPECT_EQ(ReadFile(path), "another job's words\nmore\n");
}

TEST(OutputSinkTest, NeverFollowsALink) {
  TempDir dir;
  const std::string target = dir.Write("target", "keep\n");
  const std::string path = dir.path() + "/7.out";
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0);
  for (bool exclusive : {true, false}) {
    OutputSink sink = OutputSink::DefaultFile(path, exclusive);
    sink.Write("x\n");
    EXPECT_FALSE(sink.error().empty());
  }
  EXPECT_EQ(ReadFile(target), "keep\n");
}

TEST(OutputRelayTest, CarriesBothStreamsAndLeavesNoFileForASilentOne) {
  TempDir dir;
  OutputSink out = OutputSink::DefaultFile(dir.path() + "/1.out", true);
  OutputSink err = OutputSink::DefaultFile(dir.path() + "/1.err", true);
  Result<std::unique_ptr<OutputRelay>> relay = OutputRelay::Make(&out, &err);
  ASSERT_TRUE(relay.ok()) << relay.status().ToString();
  ASSERT_GE((*relay)->stdout_fd(), 0);
  ASSERT_GE((*relay)->stderr_fd(), 0);
  EXPECT_NE((*relay)->stdout_fd(), (*relay)->stderr_fd());
  Write((*relay)->stdout_fd(), "one\n");
  PollOnce(**relay);
  EXPECT_EQ(ReadFile(dir.path() + "/1.out"), "one\n");
  Write((*relay)->stdout_fd(), "two\n");  // still in the pipe when the tasks are gone
  (*relay)->Finish();
  EXPECT_EQ(ReadFile(dir.path() + "/1.out"), "one\ntwo\n");
  EXPECT_FALSE(Exists(dir.path() + "/1.err"));
}

TEST(OutputRelayTest, AFileThatTakesNothingMakesTheTasksWritesFail) {
  TempDir dir;
  const std::string taken = dir.Write("4.out", "another job's\n");
  OutputSink out = OutputSink::DefaultFile(taken, /*exclusive=*/true);
  Result<std::unique_ptr<OutputRelay>> relay = OutputRelay::Make(&out, nullptr);
  ASSERT_TRUE(relay.ok());
  const int task_end = ::dup((*relay)->stdout_fd());
  Write(task_end, "mine\n");
  PollOnce(**relay);
  EXPECT_FALSE(out.error().empty());
  signal(SIGPIPE, SIG_IGN);
  EXPECT_EQ(::write(task_end, "more\n", 5), -1);
  EXPECT_EQ(errno, EPIPE);
  ::close(task_end);
  (*relay)->Finish();
  EXPECT_EQ(ReadFile(taken), "another job's\n");
}

TEST(OutputRelayTest, OneSinkForBothStreamsIsOnePipe) {
  TempDir dir;
  OutputSink both = OutputSink::DefaultFile(dir.path() + "/2.out", true);
  Result<std::unique_ptr<OutputRelay>> relay = OutputRelay::Make(&both, &both);
  ASSERT_TRUE(relay.ok());
  EXPECT_EQ((*relay)->stdout_fd(), (*relay)->stderr_fd());
  Write((*relay)->stderr_fd(), "err\n");
  Write((*relay)->stdout_fd(), "out\n");
  (*relay)->Finish();
  EXPECT_EQ(ReadFile(dir.path() + "/2.out"), "err\nout\n");
}

TEST(OutputRelayTest, AStreamNotRelayedHasNoDescriptor) {
  TempDir dir;
  OutputSink err = OutputSink::DefaultFile(dir.path() + "/3.err", true);
  Result<std::unique_ptr<OutputRelay>> relay = OutputRelay::Make(nullptr, &err);
  ASSERT_TRUE(relay.ok());
  EXPECT_EQ((*relay)->stdout_fd(), -1);
  EXPECT_GE((*relay)->stderr_fd(), 0);
  (*relay)->Finish();
  EXPECT_FALSE(Exists(dir.path() + "/3.err"));
}

}  // namespace
}  // namespace converge::exec
