#include "sim/swf_file.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <zlib.h>

namespace converge::sim {

namespace {

struct GzCloser {
  void operator()(gzFile file) const { gzclose(file); }
};

}  // namespace

Result<std::string> ReadTraceFile(const std::string& path, int64_t max_bytes) {
  errno = 0;
  // gzopen reads plain (non-gzip) files transparently.
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) {
    std::string reason = errno != 0 ? std::strerror(errno) : "cannot open";
    return Status(Code::kNotFound, "cannot open trace: " + reason, path);
  }
  gzbuffer(file.get(), 1 << 17);
  std::string text;
  char buffer[1 << 16];
  while (true) {
    int n = gzread(file.get(), buffer, sizeof(buffer));
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file.get(), &code);
      return Status::Invalid(path, std::string("corrupt trace: ") + (message ? message : "?"));
    }
    if (n == 0) break;
    if (static_cast<int64_t>(text.size()) + n > max_bytes) {
      return Status::Invalid(path, "trace larger than " + std::to_string(max_bytes) +
                                       " bytes (decompressed)");
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  int code = 0;
  gzerror(file.get(), &code);
  if (code != Z_OK) {  // Z_BUF_ERROR here: "unexpected end of file"
    return Status::Invalid(path, "corrupt trace: truncated or damaged gzip data");
  }
  return text;
}

}  // namespace converge::sim
