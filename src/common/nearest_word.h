// The closest of a set of words to a mistyped one, for "did you mean" hints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace converge {

// Edit distance (insertions, deletions, substitutions, and swaps of two neighbours, each 1)
// between `a` and `b`.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, or "" when none is within max(2, word.size() / 3) edits or
// `word` is shorter than 4 characters (every short option is one edit from another: a hint
// then misleads more than it helps). Ties go to the first candidate.
std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace converge
