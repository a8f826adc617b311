#include "sched/policy.h"

#include <string>

namespace converge::sched {

const char* QueuePolicyName(QueuePolicy policy) {
  switch (policy) {
    case QueuePolicy::kFcfs: return "fcfs";
    case QueuePolicy::kEasy: return "easy";
    case QueuePolicy::kConservative: return "conservative";
  }
  return "unknown";
}

const char* MatchPolicyName(MatchPolicy policy) {
  switch (policy) {
    case MatchPolicy::kFirst: return "first";
    case MatchPolicy::kLow: return "low";
    case MatchPolicy::kHigh: return "high";
    case MatchPolicy::kPack: return "pack";
    case MatchPolicy::kSpread: return "spread";
  }
  return "unknown";
}

Result<QueuePolicy> ParseQueuePolicy(std::string_view text) {
  for (QueuePolicy policy : {QueuePolicy::kFcfs, QueuePolicy::kEasy, QueuePolicy::kConservative}) {
    if (text == QueuePolicyName(policy)) return policy;
  }
  return Status::Invalid("policy", "unknown queue policy '" + std::string(text) +
                                       "' (expected fcfs, easy or conservative)");
}

Result<MatchPolicy> ParseMatchPolicy(std::string_view text) {
  for (MatchPolicy policy : {MatchPolicy::kFirst, MatchPolicy::kLow, MatchPolicy::kHigh,
                             MatchPolicy::kPack, MatchPolicy::kSpread}) {
    if (text == MatchPolicyName(policy)) return policy;
  }
  return Status::Invalid("match", "unknown match policy '" + std::string(text) +
                                      "' (expected first, low, high, pack or spread)");
}

}  // namespace converge::sched
