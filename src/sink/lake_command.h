#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>

#include "common/clock.h"

namespace stockpulse {

struct LakeCompactOptions {
  // An hour is closed (and compacted) once its end is this far in the past: late rows and the
  // writer's age roll (10 min) have landed by then.
  int64_t grace_ms = 30 * 60 * 1000;
  const Clock* clock = nullptr;  // null: system clock
};

// `stockpulse lake compact`: in every closed hour folder <root>/<table>/date=.../hour=.../,
// merges the files into one per input partition (posts, bars: part-p<P>-<min first>-<max
// last>.parquet, still the name LakeWriter's restart check reads) or one for windows
// (part-w<min start>-<max end>-compact.parquet). Rows are deduplicated by key ((partition,
// offset); (symbol, window_start, window_end)), the new file is written under a temporary name,
// its row count checked equal to the distinct keys of the originals, renamed into place
// (atomic), and only then are the originals deleted. Deterministic: compacting again changes
// nothing. Prints one line per merge to out. Returns 0, or 1 if any folder failed (the folder is
// left as it was).
int lake_compact(const std::string& root, const LakeCompactOptions& options, std::ostream& out,
                 std::ostream& err);

// `stockpulse lake sql "SELECT ..."`: runs the query in DuckDB over the lake, where each table
// folder is a view of the same name (read_parquet(..., hive_partitioning=true), so `date` and
// `hour` are columns). Prints a header line and the rows, tab-separated. Returns 0, or 1 with
// DuckDB's message on err.
int lake_sql(const std::string& root, const std::string& query, std::ostream& out,
             std::ostream& err);

// Registers `lake` with subcommands `compact` and `sql` on the CLI (pattern of
// src/app/commands.h). Lifecycle: construct before parsing, execute() after.
// Thread-safety: none needed (CLI thread).
class LakeCommand {
 public:
  explicit LakeCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  CLI::App* compact_;
  CLI::App* sql_;
  std::string root_ = "lake";
  std::string query_;
  double grace_minutes_ = 30;
};

}  // namespace stockpulse
