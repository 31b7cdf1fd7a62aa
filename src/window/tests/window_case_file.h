#pragma once

#include <string>
#include <vector>

namespace stockpulse::testing {

// Runs one tests/cases/*.case file (format: tests/cases/README.md) through a WatermarkTracker
// and a WindowEngine<TestAgg>, and returns every difference between what the file expects and
// what happened, one human-readable line each. Empty = the case passes.
std::vector<std::string> run_window_case(const std::string& path);

}  // namespace stockpulse::testing
