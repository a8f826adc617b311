#include "cli/query_format.h"

#include <vector>

#include "cli/columns.h"

namespace converge::cli {
namespace {

std::string Cell(const nlohmann::json& value, const char* null_text) {
  return value.is_null() ? null_text : CellText(value);
}

std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string CellText(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FormatQueryTable(const nlohmann::json& answer) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const auto& column : answer.value("columns", nlohmann::json::array())) {
    header.push_back(OneLine(Cell(column, "")));
  }
  rows.push_back(header);
  for (const auto& row : answer.value("rows", nlohmann::json::array())) {
    std::vector<std::string> cells;
    for (const auto& value : row) cells.push_back(OneLine(Cell(value, "NULL")));
    cells.resize(header.size());
    rows.push_back(std::move(cells));
  }
  if (header.empty()) return "";
  return FormatColumns(rows);
}

std::string FormatQueryCsv(const nlohmann::json& answer) {
  std::string out;
  auto line = [&](const nlohmann::json& values, const char* null_text) {
    bool first = true;
    for (const auto& value : values) {
      if (!first) out += ',';
      first = false;
      out += CsvField(Cell(value, null_text));
    }
    out += "\r\n";
  };
  line(answer.value("columns", nlohmann::json::array()), "");
  for (const auto& row : answer.value("rows", nlohmann::json::array())) line(row, "");
  return out;
}

}  // namespace converge::cli
