// How `converge query` prints an answer of POST /v1/query ({"columns", "rows"}). Pure.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace converge::cli {

// A JSON value as text for a table or a line: a string as it is, null as "", anything else
// as compact JSON (invalid UTF-8 replaced).
std::string CellText(const nlohmann::json& value);

// Aligned columns under a header of the column names; NULL shows as "NULL". A cell's line
// breaks and tabs are shown as \n and \t so that each row stays one line.
std::string FormatQueryTable(const nlohmann::json& answer);
// RFC 4180 CSV with a header line: fields with a comma, quote or line break are quoted.
std::string FormatQueryCsv(const nlohmann::json& answer);

}  // namespace converge::cli
