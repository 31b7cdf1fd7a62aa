#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "app/config_flags.h"

namespace stockpulse {

// `stockpulse backfill`: the batch layer. Reads the archived posts and bars of a Parquet lake
// (LakeWriter's tweets and market_data tables) for an event-time range, re-scores the posts with
// the configured scorer exactly as the Enricher does, recomputes every window and analytics row
// with a WindowStage, and upserts posts, bars, windows and analytics into the serving store: fix
// the model, re-process history.
//
// `--from` is a lake folder or s3://BUCKET/PREFIX (as `--lake s3://` writes it; endpoint and keys
// from the AWS_* variables). A bucket is first mirrored (mirror_lake) into a local staging folder,
// only the tweets and market_data files of the hour partitions that overlap the range, then read
// like a lake folder. The staging folder (--staging, default OUTPUT_DIR/backfill-lake) is kept,
// so a re-run copies only the files it lacks.
//
// Rows are read from DuckDB chunk by chunk, in input order ((partition, offset), one row per
// position), and posts and bars are written in batches while they are read. Window and analytics
// rows only exist once all the input is in, so they are written at the end. Window rows that
// straddle --since or --until, and analytics rows outside the range, are not written: they would
// be computed from part of their input and would overwrite complete rows.
//
// Lifecycle: construct before parsing (registers the subcommand), execute() after. Start-up
// errors (missing lake, bad time, unknown scorer, unreachable store, refused bucket keys, a failed
// copy from the bucket) throw std::runtime_error.
// Thread-safety: none needed (CLI thread).
class BackfillCommand {
 public:
  explicit BackfillCommand(CLI::App& app);
  bool selected() const { return cmd_->parsed(); }
  int execute();

 private:
  CLI::App* cmd_;
  std::string config_file_;
  std::string lake_;
  std::string staging_;
  std::string since_;
  std::string until_;
  ConfigFlags flags_;
};

}  // namespace stockpulse
