#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "app/config.h"
#include "app/config_flags.h"
#include "pipeline/kafka_processor.h"

namespace stockpulse {

// `stockpulse process`: one member of a processing group on Kafka (KafkaProcessor). Window,
// sentiment, serving and lake settings come from the same TOML file and flags as `run`.
class ProcessCommand {
 public:
  explicit ProcessCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string config_file_;
  ConfigFlags flags_;
  ProcessOptions options_;
  std::vector<std::string> kafka_properties_;
  double checkpoint_s_ = 5;
  double exit_when_idle_s_ = 0;
  std::string listen_;  // empty: no HTTP server
};

}  // namespace stockpulse
