// How `converge query` prints an answer of POST /v1/query ({"columns", "rows"}). Pure.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace converge::cli {

// Aligned columns under a header of the column names; NULL shows as "NULL". A cell's line
// breaks and tabs are shown as \n and \t so that each row stays one line.
std::string FormatQueryTable(const nlohmann::json& answer);
// RFC 4180 CSV with a header line: fields with a comma, quote or line break are quoted.
std::string FormatQueryCsv(const nlohmann::json& answer);

}  // namespace converge::cli
