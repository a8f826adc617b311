#include "ui/assets.h"

#include "ui/embedded_file.h"

namespace converge::ui {

std::string_view ContentTypeOf(std::string_view name) {
  struct Type {
    std::string_view extension;
    std::string_view media_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".json", "application/json"},         {".png", "image/png"},
  };
  for (const Type& type : kTypes) {
    if (name.ends_with(type.extension)) return type.media_type;
  }
  return "application/octet-stream";
}

std::optional<Asset> FindAsset(std::string_view name) {
  if (name.empty()) name = "index.html";
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    if (file.name == name) return Asset{file.name, ContentTypeOf(file.name), file.bytes};
  }
  return std::nullopt;
}

}  // namespace converge::ui
