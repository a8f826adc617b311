#include "exec/label_io_service.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace converge::exec {
namespace {

// A memory file standing for the job's output file; Read() returns what reached it since the
// last Read().
struct Output {
  Output() : fd(::memfd_create("label-io-test", MFD_CLOEXEC)) { EXPECT_GE(fd, 0); }
  ~Output() { ::close(fd); }
  std::string Read() {
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::pread(fd, buffer, sizeof buffer, offset)) > 0; offset += n) {
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }
  int fd = -1;
  off_t offset = 0;
  OutputSink sink = OutputSink::Descriptor(fd);
};

TaskSpec Task(int rank) {
  TaskSpec task;
  task.rank = rank;
  return task;
}

void Write(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

// Polls the service once, as the shim's loop does.
void PollOnce(LabelIoService& service) {
  std::vector<pollfd> fds;
  service.AddPollFds(fds);
  ASSERT_GE(::poll(fds.data(), fds.size(), 1000), 0);
  service.OnPoll(fds);
}

TEST(LabelIoServiceTest, PutsTheRankInFrontOfEveryWholeLine) {
  Output out, err;
  LabelIoService service(&out.sink, &err.sink, true, true);
  Result<TaskAttachment> zero = service.Attach(Task(0));
  Result<TaskAttachment> three = service.Attach(Task(3));
  ASSERT_TRUE(zero.ok() && three.ok());
  ASSERT_GE(zero->stdout_fd, 0);
  ASSERT_GE(three->stderr_fd, 0);
  // The tasks' copies of their ends (as fork would make them); the service closes its own.
  const int zero_out = ::dup(zero->stdout_fd);
  const int three_err = ::dup(three->stderr_fd);
  service.Launched(Task(0));
  service.Launched(Task(3));
  Write(zero_out, "a\nb");
  Write(three_err, "oops\n");
  PollOnce(service);
  EXPECT_EQ(out.Read(), "0: a\n");  // "b" waits for its newline
  EXPECT_EQ(err.Read(), "3: oops\n");
  Write(zero_out, "c\n");
  ::close(zero_out);
  ::close(three_err);
  service.Finish();
  EXPECT_EQ(out.Read(), "0: bc\n");
}

TEST(LabelIoServiceTest, EndsALastLineWithoutNewlineAndSplitsOverlongOnes) {
  Output out;
  LabelIoService service(&out.sink, &out.sink, true, false);
  Result<TaskAttachment> task = service.Attach(Task(1));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->stderr_fd, -1);  // stderr unlabelled: the job's own file
  const int fd = ::dup(task->stdout_fd);
  service.Launched(Task(1));
  const std::string long_line(kMaxLabelledLine + 10, 'x');
  std::string seen;
  for (size_t done = 0; done < long_line.size();) {
    const size_t part = std::min<size_t>(4096, long_line.size() - done);
    Write(fd, long_line.substr(done, part));
    done += part;
    PollOnce(service);
    seen += out.Read();
  }
  Write(fd, "\nlast");
  ::close(fd);
  service.Finish();
  seen += out.Read();
  EXPECT_EQ(seen, "1: " + std::string(kMaxLabelledLine, 'x') + "\n1: " + std::string(10, 'x') +
                      "\n1: last\n");
}

}  // namespace
}  // namespace converge::exec
