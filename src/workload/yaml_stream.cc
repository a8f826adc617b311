#include "workload/yaml_stream.h"

#include <string>

#include "jobspec/yaml_tree.h"

namespace converge::workload {

namespace {

// True when `line` is `marker` ("---" or "...") followed by nothing, a space or a tab.
bool IsMarker(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// Blank lines, comments and directives: they do not make a document on their own.
bool IsTrivia(std::string_view line) {
  if (!line.empty() && line.front() == '%') return true;
  const size_t first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

// "line L, column C" -> "line L+offset, column C"; anything else unchanged.
std::string ShiftLine(const std::string& where, size_t offset) {
  constexpr std::string_view kLine = "line ";
  if (where.compare(0, kLine.size(), kLine) != 0) return where;
  size_t end = kLine.size();
  size_t line = 0;
  while (end < where.size() && where[end] >= '0' && where[end] <= '9') {
    line = line * 10 + static_cast<size_t>(where[end] - '0');
    ++end;
  }
  if (end == kLine.size()) return where;
  return std::string(kLine) + std::to_string(line + offset) + where.substr(end);
}

}  // namespace

std::vector<YamlPiece> SplitYamlStream(std::string_view stream, size_t max_pieces) {
  std::vector<YamlPiece> pieces;
  size_t piece_start = 0;       // byte offset of the current piece
  size_t piece_first_line = 0;  // its line number
  bool has_content = false;     // the current piece holds more than trivia
  auto close = [&](size_t end) {
    if (has_content)
      pieces.push_back({stream.substr(piece_start, end - piece_start), piece_first_line});
    has_content = false;
  };
  size_t offset = 0;
  for (size_t line_number = 0; offset < stream.size() && pieces.size() <= max_pieces;
       ++line_number) {
    size_t end = stream.find('\n', offset);
    end = end == std::string_view::npos ? stream.size() : end + 1;
    const std::string_view line = stream.substr(offset, end - offset - (stream[end - 1] == '\n'));
    if (IsMarker(line, "---") && has_content) {
      close(offset);
      piece_start = offset;
      piece_first_line = line_number;
    }
    if (IsMarker(line, "...")) {
      close(end);
      piece_start = end;
      piece_first_line = line_number + 1;
    } else if (!IsTrivia(line)) {
      has_content = true;
    }
    offset = end;
  }
  if (pieces.size() <= max_pieces) close(stream.size());
  return pieces;
}

Result<nlohmann::json> LoadYamlPiece(const YamlPiece& piece, const jobspec::ParseOptions& options) {
  Result<nlohmann::json> tree = jobspec::YamlToJson(piece.text, options);
  if (tree.ok()) return tree;
  const Status& error = tree.status();
  return Status(error.code(), error.message(), ShiftLine(error.where(), piece.first_line));
}

}  // namespace converge::workload
