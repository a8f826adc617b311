// EmbeddedFile: a file compiled into the binary (cmake/embed_files.cmake writes the table).
#pragma once

#include <span>
#include <string_view>

namespace converge::ui {

struct EmbeddedFile {
  std::string_view name;   // base name, "app.js"
  std::string_view bytes;  // the whole file
};

// The dashboard's files (ui/ at the repository root), in name order. Static storage.
std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace converge::ui
