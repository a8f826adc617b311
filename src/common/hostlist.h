// Hostlists and idsets: the compact text forms Flux uses for sets of host names
// ("node[0-3,7],gpu[01-02]", RFC 29) and of non-negative integers ("0-3,7", RFC 22).
//
// Pure functions over values; thread-safe. Expansion is capped at kMaxExpansion items so a
// short hostile string ("n[0-999999999999]") cannot exhaust memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace converge {

// The most names or ids Expand* will produce from one string.
constexpr int64_t kMaxExpansion = 1'000'000;

// Compresses host names into a hostlist. Names are grouped by prefix (the text before a
// trailing run of digits) in order of each prefix's first appearance; within a group the
// numbers are sorted, de-duplicated and written as ranges. Zero padding is kept
// ("node01".."node10" -> "node[01-10]"); names without a numeric suffix are kept as they are.
// A group holding one number is written without brackets ("node7").
std::string CompressHostlist(std::vector<std::string> names);

// Expands a hostlist into names, in the order written (duplicates kept). Grammar:
//   hostlist := term ("," term)*      term := prefix ["[" ranges "]" suffix]
//   ranges   := range ("," range)*    range := digits ["-" digits]   (lo <= hi)
// A range whose low bound has a leading zero pads every number to that bound's width.
// "" expands to no names. Errors (kInvalidArgument): unbalanced or nested brackets, empty
// terms or ranges, non-digits in ranges, lo > hi, numbers over 18 digits, and expansions
// larger than kMaxExpansion.
Result<std::vector<std::string>> ExpandHostlist(std::string_view hostlist);

// Compresses ids into an idset string ("0-3,7"); sorted and de-duplicated. "" when empty.
// REQUIRES: every id >= 0.
std::string CompressIds(std::vector<int64_t> ids);

// Expands an idset ("0-3,7", optionally wrapped in brackets "[0-3]") into sorted,
// de-duplicated ids. "" expands to no ids. Errors as for ExpandHostlist.
Result<std::vector<int64_t>> ExpandIds(std::string_view idset);

}  // namespace converge
