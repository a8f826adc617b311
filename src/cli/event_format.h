// How `converge events` prints the instance's event stream (GET /v1/events, docs/api.md):
// one line per event, in fixed-width columns so that a followed stream stays aligned.
// Pure: missing fields read as empty or zero.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace converge::cli {

// "TIME                 OBJECT                   REASON        MESSAGE\n".
std::string StreamEventHeader();
// One event: local time, KIND/NAME, reason, message (newlines shown as spaces), "\n".
std::string FormatStreamEvent(const nlohmann::json& event);

}  // namespace converge::cli
