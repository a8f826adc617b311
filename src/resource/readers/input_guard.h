// Cheap pre-scans run before handing untrusted text to a recursive parser. yaml-cpp recurses
// once per nesting level, so a few kilobytes of "[[[[" or "- - - -" can overflow the stack;
// these checks reject such input with a line number before any parser sees it.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace converge::resource {

// Deepest nesting any resource file legitimately needs is far below these.
constexpr int kMaxFlowDepth = 64;        // [ and { levels
constexpr size_t kMaxBlockIndent = 256;  // leading spaces and "- " / "? " indicators per line

// Fails (kInvalidArgument, where "line N") when YAML text nests flow collections deeper than
// kMaxFlowDepth or a line's block indentation (spaces plus sequence/key indicators) exceeds
// kMaxBlockIndent, or when the text contains a NUL byte. Brackets inside quotes or comments
// are still counted, which only makes the check stricter.
Status CheckYamlNesting(std::string_view text);

// Fails (kInvalidArgument, where "line N") when JSON text nests arrays/objects deeper than
// kMaxFlowDepth. Brackets inside strings are ignored.
Status CheckJsonNesting(std::string_view text);

// Fails (kInvalidArgument, where "line N") unless `text` is valid UTF-8 (no overlong forms,
// surrogates or code points above U+10FFFF). Resource names end up in JSON, which must be
// UTF-8.
Status CheckUtf8(std::string_view text);

// "line N" for the 0-based byte offset `offset` of `text` (1-based line numbers).
std::string LineOf(std::string_view text, size_t offset);

}  // namespace converge::resource
