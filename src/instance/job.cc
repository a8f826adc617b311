#include "instance/job.h"

#include <array>

namespace converge::instance {
namespace {

constexpr std::array<const char*, 7> kStateNames = {"NEW", "DEPEND", "PRIORITY", "SCHED",
                                                    "RUN", "CLEANUP", "INACTIVE"};

}  // namespace

const char* JobStateName(JobState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<JobState> ParseJobState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (name == kStateNames[i]) return static_cast<JobState>(i);
  }
  return std::nullopt;
}

std::string Dependency::ToString() const {
  const char* scheme = kind == Kind::kAfterOk    ? "afterok"
                       : kind == Kind::kAfterAny ? "afterany"
                                                 : "afternotok";
  return std::string(scheme) + ":" + std::to_string(job);
}

}  // namespace converge::instance
