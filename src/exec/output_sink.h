// OutputSink: where one of a job's output streams goes, for the shim's services that write
// the tasks' output themselves (LabelIoService, OutputRelay).
//
// Either a descriptor the caller opened, or the instance's own default file
// (ShimSpec::*_default), which is created only when the first byte is written: a job that writes
// nothing leaves no file, and its start creates no inode. The default file is opened with the
// shim's rights, never through a link, created 0600 and exclusively on the job's first start
// (ShimSpec::fresh_outputs: a file there already is another job's, and is never appended to).
// Single-threaded.
#pragma once

#include <string>
#include <string_view>

namespace converge::exec {

class OutputSink {
 public:
  // Writes go to `fd`, which stays the caller's (-1: nowhere).
  static OutputSink Descriptor(int fd);
  // Writes go to `path`, opened (created) at the first write; `exclusive`: created with O_EXCL.
  static OutputSink DefaultFile(std::string path, bool exclusive);

  OutputSink(OutputSink&& other) noexcept;
  OutputSink& operator=(OutputSink&& other) noexcept;
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;
  ~OutputSink();

  // Writes all of `text`, retrying short writes. What cannot be written is dropped (a full disk
  // is the job's loss, as with a file the tasks write themselves); why is in error().
  void Write(std::string_view text);
  // Why output was dropped ("" while none was): the first failure, once.
  const std::string& error() const { return error_; }
  // Whether the default file was opened (something was written).
  bool opened() const { return fd_ >= 0; }

 private:
  OutputSink() = default;
  int Fd();

  int fd_ = -1;
  bool owned_ = false;  // fd_ is the default file's, closed by us
  std::string path_;    // the default file; "" for a descriptor
  bool exclusive_ = false;
  std::string error_;
};

}  // namespace converge::exec
