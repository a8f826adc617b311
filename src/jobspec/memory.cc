#include "jobspec/memory.h"

namespace converge::jobspec {

Result<int64_t> MemoryUnitBytes(const std::string& unit) {
  constexpr int64_t kKiB = 1024;
  if (unit == "B") return int64_t{1};
  if (unit == "K" || unit == "KB" || unit == "KiB") return kKiB;
  if (unit.empty() || unit == "M" || unit == "MB" || unit == "MiB") return kKiB * kKiB;
  if (unit == "G" || unit == "GB" || unit == "GiB") return kKiB * kKiB * kKiB;
  if (unit == "T" || unit == "TB" || unit == "TiB") return kKiB * kKiB * kKiB * kKiB;
  return Status::Invalid(
      "unit", "unknown memory unit '" + unit + "' (use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB)");
}

Result<int64_t> MemoryMiB(const ResourceRequest& request) {
  if (request.type != "memory") return Status::Invalid("type", "is not memory");
  Result<int64_t> bytes = MemoryUnitBytes(request.unit);
  if (!bytes.ok()) return bytes.status();
  const int64_t count = request.count.min;
  if (count < 0) return Status::Invalid("count", "must be >= 0");
  constexpr int64_t kMiB = 1024 * 1024;
  if (*bytes >= kMiB) {
    const int64_t factor = *bytes / kMiB;
    if (count > INT64_MAX / factor) return Status::Invalid("count", "is too large");
    return count * factor;
  }
  const int64_t per_mib = kMiB / *bytes;  // units per MiB
  return count / per_mib + (count % per_mib != 0 ? 1 : 0);
}

}  // namespace converge::jobspec
