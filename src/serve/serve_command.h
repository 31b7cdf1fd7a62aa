#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace stockpulse {

// `stockpulse serve`: the dashboard and query API over an existing serving store (SQLite file, or
// the ClickHouse database scale-out processors write), without a pipeline. The page stays live
// because a StorePoller publishes changed windows every second. Follows src/app/commands.h:
// registers the subcommand on construction; execute() runs until SIGINT/SIGTERM and returns the
// exit code (0 ok, 2 start-up error).
class ServeCommand {
 public:
  explicit ServeCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string serving_ = "sqlite:stockpulse.db";
  std::string listen_ = "127.0.0.1:8080";
  std::string web_root_;
  int poll_ms_ = 1000;
};

}  // namespace stockpulse
