#include "serve/static_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "serve/tests/test_support.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "dist";
    fs::create_directories(root_ / "assets");
    write(root_ / "index.html", "<!doctype html>index");
    write(root_ / "assets" / "app.js", "console.log(1)");
    write(dir_.path() / "secret.txt", "secret");
    fs::create_symlink(dir_.path() / "secret.txt", root_ / "leak.txt");
    fs::create_symlink(root_ / "assets" / "app.js", root_ / "inside.js");
  }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  testing::TempDir dir_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesIndexAndAssetsWithTypes) {
  StaticFiles files(root_);
  auto index = files.load("/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index.value().body, "<!doctype html>index");
  EXPECT_EQ(index.value().content_type, "text/html; charset=utf-8");
  auto js = files.load("/assets/app.js");
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js.value().content_type, "text/javascript; charset=utf-8");
  // A symlink that stays inside the root is fine.
  EXPECT_TRUE(files.load("/inside.js").ok());
  EXPECT_EQ(files.load("/nope.js").error(), StaticFileError::kNotFound);
  EXPECT_EQ(files.load("/assets").error(), StaticFileError::kNotFound);  // a folder
}

TEST_F(StaticFilesTest, RefusesTraversal) {
  StaticFiles files(root_);
  for (const char* path :
       {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
        "/..%2fsecret.txt", "/assets/..%2F..%2Fsecret.txt", "//etc/passwd", "/./index.html",
        "/index.html%00.js", "/assets%5c..%5c..%5csecret.txt", "/leak.txt", "relative", "/%",
        "/%zz"}) {
    auto r = files.load(path);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error(), StaticFileError::kBadPath) << path;
  }
}

TEST_F(StaticFilesTest, MissingRootIsReported) {
  StaticFiles files(dir_.path() / "no-such-dist");
  EXPECT_EQ(files.load("/").error(), StaticFileError::kNoRoot);
}

}  // namespace
}  // namespace stockpulse
