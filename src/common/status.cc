#include "common/status.h"

namespace converge {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kUnschedulable: return "unschedulable";
    case Code::kUnsatisfiable: return "unsatisfiable";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kNotFound: return "not found";
    case Code::kInternal: return "internal";
    case Code::kWait: return "wait";
    case Code::kSkip: return "skip";
    case Code::kPermissionDenied: return "permission denied";
    case Code::kUnavailable: return "unavailable";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (where_.empty()) return message_;
  return where_ + ": " + message_;
}

Status Status::WithPrefix(const std::string& prefix) const {
  if (prefix.empty()) return *this;
  std::string joined = prefix;
  if (!where_.empty()) {
    if (where_.front() != '[') joined += '.';
    joined += where_;
  }
  return Status(code_, message_, joined);
}

}  // namespace converge
