// Names of the queue and match policies, with parsing for flags and config.
#pragma once

#include <string_view>

#include "common/status.h"

namespace converge::sched {

enum class QueuePolicy { kFcfs, kEasy, kConservative };
// first: the first fit in graph order (lowest ids). low: lowest ids (same order as first).
// high: highest ids. pack: fill partially used nodes before idle ones. spread: the node
// with the most free resources first.
enum class MatchPolicy { kFirst, kLow, kHigh, kPack, kSpread };

const char* QueuePolicyName(QueuePolicy policy);
const char* MatchPolicyName(MatchPolicy policy);
Result<QueuePolicy> ParseQueuePolicy(std::string_view text);
Result<MatchPolicy> ParseMatchPolicy(std::string_view text);

}  // namespace converge::sched
