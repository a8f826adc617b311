#include "workload/names.h"

namespace converge::workload {

namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

bool IsDnsLabel(std::string_view text) {
  if (text.empty() || !IsLowerAlnum(text.front()) || !IsLowerAlnum(text.back())) return false;
  for (char c : text) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsIdentifier(std::string_view text) {
  if (text.empty() || !(IsAlpha(text.front()) || text.front() == '_')) return false;
  for (char c : text) {
    if (!IsAlpha(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-') return false;
  }
  return true;
}

Status CheckName(std::string_view name, const std::string& path) {
  if (name.empty()) return Status::Invalid(path, "must not be empty");
  if (name.size() > kMaxNameLength) {
    return Status::Invalid(path,
                           "must be at most " + std::to_string(kMaxNameLength) + " characters");
  }
  if (!IsDnsLabel(name)) {
    return Status::Invalid(path,
                           "must be a DNS label (lowercase letters, digits and '-', starting and "
                           "ending with a letter or digit)");
  }
  return Status::Ok();
}

}  // namespace converge::workload
