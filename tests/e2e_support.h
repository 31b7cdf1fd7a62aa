#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace stockpulse::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing its output. Tests use it to drive the real binary and the
// independent checkers (Python with pandas, Node with hyparquet).
inline CommandResult run(const std::string& command) {
  CommandResult r;
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string binary() {
  return STOCKPULSE_BIN;
}

// A fresh folder under the build tree for one test.
inline std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::path(STOCKPULSE_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline size_t count_lines(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  size_t n = 0;
  for (std::string l; std::getline(in, l);) n += !l.empty();
  return n;
}

// The test oracles run on Debian's Python, which has pandas and NLTK (scripts/setup.sh installs
// them); a missing interpreter fails the test rather than skipping it.
inline std::string python() {
  return "/usr/bin/python3";
}

}  // namespace stockpulse::e2e
