// UTF-8 validation for text that ends up in JSON (which must be UTF-8). Pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace converge {

// The byte offset of the first invalid UTF-8 sequence of `text` (a stray continuation byte, a
// truncated sequence, an overlong form, a surrogate or a code point above U+10FFFF), or
// std::string_view::npos when all of it is valid. O(size).
size_t FirstInvalidUtf8(std::string_view text);

}  // namespace converge
