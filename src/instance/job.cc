#include "instance/job.h"

#include <cstdio>

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
  switch (kind) {
    case Kind::kAfterOk:
      return "afterok:" + std::to_string(job);
    case Kind::kAfterAny:
      return "afterany:" + std::to_string(job);
    case Kind::kAfterNotOk:
      return "afternotok:" + std::to_string(job);
    case Kind::kAfter:
      return "after:" + std::to_string(job);
    case Kind::kSingleton:
      return "singleton";
    case Kind::kBeginTime: {
      char text[32];
      std::snprintf(text, sizeof text, "begin-time:%.0f", time);
      return text;
    }
  }
  return "";
}

}  // namespace converge::instance
