#include "common/json_text.h"

#include <cstdio>

#include "common/utf8.h"

namespace converge {
namespace {

void AppendEscaped(std::string& out, std::string_view valid) {
  for (char c : valid) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
          out += escape;
        } else {
          out += c;
        }
    }
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  while (!text.empty()) {
    const size_t bad = FirstInvalidUtf8(text);
    if (bad == std::string_view::npos) {
      AppendEscaped(out, text);
      break;
    }
    AppendEscaped(out, text.substr(0, bad));
    out += "\xEF\xBF\xBD";  // U+FFFD for the one invalid byte; the rest is looked at again
    text.remove_prefix(bad + 1);
  }
  out += '"';
}

void AppendJsonKey(std::string& out, std::string_view key) {
  AppendJsonString(out, key);
  out += ':';
}

void AppendJsonField(std::string& out, std::string_view key, int64_t value) {
  AppendJsonKey(out, key);
  out += std::to_string(value);
  out += ',';
}

}  // namespace converge
