#include "ui/assets.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ui/embedded_file.h"

namespace converge::ui {
namespace {

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Tests run from the repository root (cmake/converge.cmake).
TEST(UiAssetsTest, EveryPageFileIsEmbeddedByteForByte) {
  size_t on_disk = 0;
  for (const auto& entry : std::filesystem::directory_iterator("ui")) {
    const std::string name = entry.path().filename().string();
    const std::string extension = entry.path().extension().string();
    if (extension != ".html" && extension != ".js" && extension != ".css") continue;
    ++on_disk;
    std::optional<Asset> asset = FindAsset(name);
    ASSERT_TRUE(asset.has_value()) << name;
    EXPECT_EQ(asset->bytes, ReadWhole(entry.path())) << name;
  }
  EXPECT_GE(on_disk, 10u);
  EXPECT_EQ(EmbeddedFiles().size(), on_disk);
}

TEST(UiAssetsTest, TheEmptyNameIsThePageAndTypesFollowTheExtension) {
  std::optional<Asset> page = FindAsset("");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->name, "index.html");
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(page->bytes.starts_with("<!doctype html>"));
  EXPECT_EQ(FindAsset("app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(FindAsset("style.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("x.bin"), "application/octet-stream");
}

TEST(UiAssetsTest, OtherNamesAreNotFound) {
  for (std::string_view name : {"README.md", "../CMakeLists.txt", "/etc/passwd", "ui/app.js",
                                "app.js/", "APP.JS", "app"}) {
    EXPECT_FALSE(FindAsset(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace converge::ui
