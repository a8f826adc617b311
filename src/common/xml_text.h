// Text for XML and SVG documents written by hand. Pure.
#pragma once

#include <string>
#include <string_view>

namespace converge {

// `text` with &, <, > and " replaced by their entities (safe in element text and attributes).
std::string XmlEscape(std::string_view text);

}  // namespace converge
