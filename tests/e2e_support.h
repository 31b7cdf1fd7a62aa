#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/run_command.h"

extern char** environ;

namespace stockpulse::e2e {

using testing::CommandResult;

// Runs a shell command, capturing its output (common/testing/run_command.h).
inline CommandResult run(const std::string& command) {
  return testing::run_command(command);
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

// Every serving table of a SQLite store as text, rows in key order: equal dumps, equal tables.
inline std::string dump_serving_tables(const std::filesystem::path& db) {
  std::string all;
  for (const char* q : {
           "SELECT * FROM tweets ORDER BY symbol, created_at, id",
           "SELECT * FROM market_data ORDER BY symbol, ts",
           "SELECT * FROM topic_sentiment_avg ORDER BY symbol, window_start, window_end",
           "SELECT * FROM stock_trends ORDER BY symbol, window_start, window_end",
           "SELECT * FROM alerts ORDER BY symbol, ts, kind",
           "SELECT * FROM indicators ORDER BY symbol, ts",
           "SELECT * FROM fear_greed ORDER BY symbol, ts",
           "SELECT * FROM sentiment_correlation ORDER BY symbol, ts",
       }) {
    const auto r = run("sqlite3 " + db.string() + " '" + q + "'");
    EXPECT_EQ(r.exit_code, 0) << q << ": " << r.output;
    all += std::string("== ") + q + "\n" + r.output;
  }
  return all;
}

// Starts a process with stdout and stderr appended to `log`; returns its pid, or -1. With
// `stdin_fd`, the child's stdin is a pipe and *stdin_fd its writing end (close it when done).
inline pid_t spawn(const std::vector<std::string>& args, const std::string& log,
                   int* stdin_fd = nullptr) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int pipe_fds[2] = {-1, -1};
  if (stdin_fd != nullptr) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_adddup2(&fa, pipe_fds[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (stdin_fd != nullptr) {
    ::close(pipe_fds[0]);
    *stdin_fd = pipe_fds[1];
  }
  return rc == 0 ? pid : -1;
}

// Waits for a process: its exit code, or minus the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Starts `command` (a file-mode run writing into out_dir, its output appended to log), stops it
// with SIGTERM `after` the files in `ready` exist (the sorted copies a sorting run makes before
// it reads: out_dir/sorted/posts.jsonl.source, say), checks it exited 0 leaving a checkpoint,
// calls `stopped` (checks on the checkpoint, say), then runs it again to the end and checks that
// run resumed from the checkpoint. Callers check HasFatalFailure().
inline void stop_and_resume(const std::vector<std::string>& command,
                            const std::filesystem::path& out_dir, const std::filesystem::path& log,
                            std::chrono::milliseconds after,
                            const std::function<void()>& stopped = {},
                            const std::vector<std::filesystem::path>& ready = {}) {
  const pid_t pid = spawn(command, log.string());
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  for (const auto& f : ready) {
    while (!std::filesystem::exists(f) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(std::filesystem::exists(f)) << f << "\n" << slurp(log);
  }
  std::this_thread::sleep_for(after);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the run ended before it could be stopped";
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  ASSERT_EQ(wait_exit(pid), 0) << slurp(log);
  ASSERT_TRUE(std::filesystem::exists(out_dir / "checkpoint.bin")) << slurp(log);
  if (stopped) stopped();
  ASSERT_EQ(wait_exit(spawn(command, log.string())), 0) << slurp(log);
  EXPECT_NE(slurp(log).find("resuming from checkpoint"), std::string::npos) << slurp(log);
}

}  // namespace stockpulse::e2e
