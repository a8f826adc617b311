#include "cli/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace converge::cli {

Status WriteOutputFile(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Code::kInternal, std::strerror(errno), path);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t wrote = ::write(fd, content.data() + done, content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const int error = wrote < 0 ? errno : EIO;
      ::close(fd);
      return Status(Code::kInternal, std::strerror(error), path);
    }
    done += static_cast<size_t>(wrote);
  }
  return ::close(fd) == 0 ? Status::Ok() : Status(Code::kInternal, std::strerror(errno), path);
}

}  // namespace converge::cli
