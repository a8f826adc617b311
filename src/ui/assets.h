// The dashboard's assets as the instance serves them under /ui/ (docs/dashboard.md).
//
// The files hold no data: every number on a page comes from the API, with the caller's rights.
// Pure lookups over static storage.
#pragma once

#include <optional>
#include <string_view>

namespace converge::ui {

struct Asset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
};

// The asset called `name` ("" and "index.html" give the page itself); nullopt for any other
// name, including names with a '/' in them.
std::optional<Asset> FindAsset(std::string_view name);

// The media type for a file name, by its extension (application/octet-stream when unknown).
std::string_view ContentTypeOf(std::string_view name);

}  // namespace converge::ui
