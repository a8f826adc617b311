// Plain-text tables: rows of cells, each column padded to its widest cell, two spaces apart.
#pragma once

#include <string>
#include <vector>

namespace converge::cli {

// REQUIRES: every row has the same number of cells. Ends each line with '\n'.
std::string FormatColumns(const std::vector<std::vector<std::string>>& rows);

}  // namespace converge::cli
