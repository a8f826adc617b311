// Parse: jobspec text (YAML or JSON) -> validated Jobspec.
//
// Accepts Flux canonical jobspec (RFC 14) and, with `v1`, enforces RFC 25's version 1
// rules on top. Every error is a kInvalidArgument Status whose where() is the field path
// (e.g. "resources[0].with[0].count") and whose message is the broken rule ("must be >= 1").
// YAML syntax errors use where() = "line L, column C". Never throws, never crashes on hostile
// input: size, nesting depth and node count are capped (see ParseOptions). Pure and
// thread-compatible (no shared state).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

struct ParseOptions {
  // Enforce RFC 25 (jobspec version 1) on top of RFC 14.
  bool v1 = false;
  // Inputs longer than this are rejected before parsing.
  size_t max_bytes = 1 << 20;
  // Deepest allowed nesting of mappings/sequences (the document root is depth 1).
  int max_depth = 64;
  // Most YAML nodes visited (aliases are counted each time they are reached, which stops
  // "billion laughs" alias bombs).
  size_t max_nodes = 100000;
  // Most bytes of keys and scalars after alias expansion (a 4 KiB document can otherwise
  // expand to gigabytes through aliases of long strings).
  size_t max_expanded_bytes = 16 << 20;
};

// Parses and validates `text`. Complexity: O(size + visited nodes).
Result<Jobspec> Parse(std::string_view text, const ParseOptions& options);

}  // namespace converge::jobspec
