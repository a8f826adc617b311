#include "jobspec/nul_check.h"

namespace converge::jobspec {

namespace {

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// The printable form of a key that holds a NUL ("a\0b" -> "a\\0b").
std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Status RefuseNul(std::string_view text, const std::string& path) {
  if (text.find('\0') == std::string_view::npos) return Status::Ok();
  return Status::Invalid(path, "must not contain a NUL byte");
}

Status RefuseNulInTree(const nlohmann::json& tree, const std::string& path) {
  if (tree.is_string()) return RefuseNul(tree.get_ref<const std::string&>(), path);
  if (tree.is_array()) {
    for (size_t i = 0; i < tree.size(); ++i) {
      CONVERGE_RETURN_IF_ERROR(RefuseNulInTree(tree[i], path + "[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }
  if (tree.is_object()) {
    for (const auto& [key, value] : tree.items()) {
      const std::string key_path = Join(path, Printable(key));
      CONVERGE_RETURN_IF_ERROR(RefuseNul(key, key_path));
      CONVERGE_RETURN_IF_ERROR(RefuseNulInTree(value, key_path));
    }
  }
  return Status::Ok();
}

}  // namespace converge::jobspec
