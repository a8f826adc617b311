#include "resource/readers/input_guard.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "common/utf8.h"

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
  const size_t bad = FirstInvalidUtf8(text);
  if (bad != std::string_view::npos) return Status::Invalid(LineOf(text, bad), "invalid UTF-8");
  return Status::Ok();
}

}  // namespace converge::resource
