#include "resource/readers/input_guard.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace converge::resource {

std::string LineOf(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  return "line " + std::to_string(line);
}

namespace {

// Updates the bracket depth for text[i]; fails once it passes kMaxFlowDepth.
Status TrackFlowDepth(std::string_view text, size_t i, int* depth) {
  char c = text[i];
  if (c == '[' || c == '{') {
    if (++*depth > kMaxFlowDepth) {
      return Status::Invalid(LineOf(text, i), "nesting too deep (more than " +
                                                  std::to_string(kMaxFlowDepth) + " levels)");
    }
  } else if (c == ']' || c == '}') {
    *depth = std::max(0, *depth - 1);
  }
  return Status::Ok();
}

}  // namespace

Status CheckYamlNesting(std::string_view text) {
  int depth = 0;
  bool at_line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') return Status::Invalid(LineOf(text, i), "NUL byte in YAML text");
    if (at_line_start) {
      at_line_start = false;
      size_t j = i;
      while (j < text.size() &&
             (text[j] == ' ' || text[j] == '\t' ||
              ((text[j] == '-' || text[j] == '?' || text[j] == ':') && j + 1 < text.size() &&
               (text[j + 1] == ' ' || text[j + 1] == '\t')))) {
        ++j;
      }
      if (j - i > kMaxBlockIndent) {
        return Status::Invalid(LineOf(text, i), "nesting too deep (indentation over " +
                                                    std::to_string(kMaxBlockIndent) + ")");
      }
    }
    if (c == '\n') {
      at_line_start = true;
    } else {
      CONVERGE_RETURN_IF_ERROR(TrackFlowDepth(text, i, &depth));
    }
  }
  return Status::Ok();
}

Status CheckJsonNesting(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else {
      CONVERGE_RETURN_IF_ERROR(TrackFlowDepth(text, i, &depth));
    }
  }
  return Status::Ok();
}

Status CheckUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || i + length > text.size()) {
      return Status::Invalid(LineOf(text, i), "invalid UTF-8");
    }
    uint32_t code = length == 1 ? c : c & (0xFF >> (length + 1));
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return Status::Invalid(LineOf(text, i), "invalid UTF-8");
      code = (code << 6) | (next & 0x3F);
    }
    constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return Status::Invalid(LineOf(text, i), "invalid UTF-8");
    }
    i += length;
  }
  return Status::Ok();
}

}  // namespace converge::resource
