#pragma once

// Test helper: runs a shell command and captures what it prints. The end-to-end tests drive the
// real binary with it, and the oracle tests run their independent checkers (Python with pandas,
// Node with hyparquet).

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace stockpulse::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
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

}  // namespace stockpulse::testing
