// Writing JSON text directly, for the few answers too large to build as nlohmann objects first
// (GET /v1/resources at 10,000 nodes). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace converge {

// Appends `text` as a JSON string (quotes included), escaped as RFC 8259 asks. Invalid UTF-8
// sequences become U+FFFD, so the result is always valid JSON in UTF-8.
void AppendJsonString(std::string& out, std::string_view text);

// Appends `"key":` (the key escaped as by AppendJsonString).
void AppendJsonKey(std::string& out, std::string_view key);

// Appends `"key":value,` for an integer value: the common field of a hand-written object.
void AppendJsonField(std::string& out, std::string_view key, int64_t value);

}  // namespace converge
