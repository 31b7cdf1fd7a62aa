// Runs every tests/cases/*.case file (format: tests/cases/README.md) as one test.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "window_case_file.h"

namespace stockpulse::testing {
namespace {

std::vector<std::string> case_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(STOCKPULSE_WINDOW_CASES_DIR)) {
    if (entry.path().extension() == ".case") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class WindowCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WindowCaseTest, MatchesExpectedWindows) {
  const auto failures = run_window_case(GetParam());
  std::string all;
  for (const auto& f : failures) all += "  " + f + "\n";
  EXPECT_TRUE(failures.empty()) << GetParam() << ":\n" << all;
}

TEST(WindowCaseFiles, AtLeastThirty) {
  EXPECT_GE(case_files().size(), 30u);
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, WindowCaseTest, ::testing::ValuesIn(case_files()), case_name);

}  // namespace
}  // namespace stockpulse::testing
