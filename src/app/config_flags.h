#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <utility>
#include <vector>

#include "app/config.h"
#include "pipeline/dashboard_options.h"  // dashboard_options(), for `run` and `process`

namespace stockpulse {

// Command-line flags that override configuration values, shared by `run` and `process`. Each
// flag is applied over the TOML file only when it was given, so the file's value stands
// otherwise.
// Lifecycle: a member of its command, constructed in place (the flags hold references into it);
// register with add()/add_common() before parsing, apply() after.
class ConfigFlags {
 public:
  ConfigFlags() = default;
  ConfigFlags(const ConfigFlags&) = delete;
  ConfigFlags& operator=(const ConfigFlags&) = delete;

  // Where parsed values land, for add().
  Config& values() { return values_; }
  const Config& values() const { return values_; }
  void add(CLI::Option* option, std::function<void(Config&)> apply);
  // The flags both pipelines take: --serving, --lake, -o/--output-dir, --trigger-ms,
  // -d/--duration, --scorer, --window, --slide, --lateness, -q/--quiet.
  void add_common(CLI::App& cmd);
  // Applies every flag that was given, in registration order.
  void apply(Config& c) const;

 private:
  Config values_;
  bool quiet_ = false;
  std::vector<std::pair<CLI::Option*, std::function<void(Config&)>>> overrides_;
};

}  // namespace stockpulse
