// A YAML stream (documents separated by `---`) as one JSON tree per document, reusing the
// single-document reader jobspec::YamlToJson (the only code that touches yaml-cpp) rather
// than yaml-cpp's LoadAll, which hangs on some inputs.
//
// The stream is split on document markers at column 0: `---` (starts a document) and `...`
// (ends one), each followed by a space, a tab or the end of the line. YAML 1.2 forbids those
// markers inside any scalar, and yaml-cpp's scanner breaks on them the same way, so the split
// never cuts a document. Pure; O(size of the text).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "jobspec/parse.h"

namespace converge::workload {

struct YamlPiece {
  std::string_view text;  // one document's lines, with its own markers; a view of the stream
  size_t first_line = 0;  // 0-based line number of text's first line in the stream
};

// Splits `stream` into documents. Lines that are blank, comments or `%` directives never
// form a document by themselves: they join the document that follows (or are dropped at the
// end). Returns at most `max_pieces + 1` pieces, so a caller can detect "too many" without
// splitting a hostile stream completely. The views point into `stream`.
std::vector<YamlPiece> SplitYamlStream(std::string_view stream, size_t max_pieces);

// Converts one piece with jobspec::YamlToJson. A syntax error's where() is rewritten from
// "line L, column C" of the piece to the line in the whole stream. A piece holding only a
// marker (`---`) yields null.
Result<nlohmann::json> LoadYamlPiece(const YamlPiece& piece, const jobspec::ParseOptions& options);

}  // namespace converge::workload
