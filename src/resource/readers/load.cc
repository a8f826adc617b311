#include "resource/readers/load.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "resource/readers/cluster_yaml.h"
#include "resource/readers/jgf.h"

namespace converge::resource {

Result<Graph> ReadResourceText(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') return ReadJgf(text);
  return ReadClusterYaml(text);
}

Result<Graph> LoadResourceFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status(Code::kNotFound, std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  while (file) {
    file.read(buffer, sizeof(buffer));
    text.append(buffer, static_cast<size_t>(file.gcount()));
    if (text.size() > kMaxResourceFileBytes) {
      return Status::Invalid(
          "", "file is larger than " + std::to_string(kMaxResourceFileBytes >> 20) + " MiB");
    }
  }
  if (file.bad()) return Status(Code::kNotFound, "read error");
  return ReadResourceText(text);
}

}  // namespace converge::resource
