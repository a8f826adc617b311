// ShellQuote: a word that a POSIX shell reads back as exactly `text`, for the scripts the
// metric plugins build from user options. Pure.
#pragma once

#include <string>
#include <string_view>

namespace converge::benchmarks {

// `text` in single quotes, each ' written as '\'' : "it's" -> 'it'\''s'. No character of the
// result is special to the shell, so option text never becomes a command. REQUIRES: no NUL
// in `text` (a shell word cannot hold one; the option checks refuse it first).
std::string ShellQuote(std::string_view text);

}  // namespace converge::benchmarks
