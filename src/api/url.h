// Request-target decoding: "/v1/jobs/12?state=RUN%2CSCHED&user=a+b" -> path and query map.
//
// Pure functions over strings; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace converge::api {

struct Target {
  std::string path;                          // percent-decoded ("+" stays "+")
  std::map<std::string, std::string> query;  // keys and values decoded ("+" is a space)
};

// Decodes %XX escapes (and "+" as a space when `plus_is_space`). A "%" not followed by two
// hex digits is kept as is. Decoded bytes are not validated (they may be any byte).
std::string PercentDecode(std::string_view text, bool plus_is_space);

// Splits `target` at the first "?" and decodes both parts. Query pairs are separated by "&";
// a pair without "=" maps to ""; empty keys are skipped; a repeated key keeps its last value.
Target ParseTarget(std::string_view target);

}  // namespace converge::api
