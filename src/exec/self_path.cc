#include "exec/self_path.h"

#include <limits.h>
#include <unistd.h>

namespace converge::exec {

std::string SelfExecutable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string("converge");
}

std::string BesideSelf(const std::string& name) {
  const std::string self = SelfExecutable();
  const size_t slash = self.rfind('/');
  return slash == std::string::npos ? name : self.substr(0, slash + 1) + name;
}

}  // namespace converge::exec
