#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/result.h"
#include "sink/object_store.h"

namespace stockpulse {

struct LakeMirrorOptions {
  std::string prefix;               // the lake's key prefix in the bucket; may be empty
  std::vector<std::string> tables;  // e.g. {"tweets", "market_data"}
  // Only hour partitions that overlap [since_ms, until_ms) are copied. A key that is not in the
  // lake's date=YYYY-MM-DD/hour=HH layout is copied too (its rows are filtered by the reader).
  int64_t since_ms = std::numeric_limits<int64_t>::min();
  int64_t until_ms = std::numeric_limits<int64_t>::max();
  // Called after each file with (files done, files to copy).
  std::function<void(size_t, size_t)> on_progress;
};

struct LakeMirrorSummary {
  size_t files_copied = 0;
  size_t files_present = 0;  // already in the local folder with the same size
  uint64_t bytes_copied = 0;
};

// Copies the part of a lake in an object store (as `--lake s3://` writes it) that a time range
// needs into a local folder, under the same relative paths, so the local readers (backfill,
// `lake sql`) work on it. Files already there with the same size are kept (a re-run copies only
// what is new). Each file is written to a dot-file and renamed, so a crash leaves no half file
// under a name the readers glob.
Result<LakeMirrorSummary, ObjectStoreError> mirror_lake(ObjectStore& store,
                                                        const std::filesystem::path& local_root,
                                                        const LakeMirrorOptions& options);

// The start (ms since the epoch) of the hour partition a lake key names
// ("…/date=2024-05-01/hour=14/part-….parquet"); nullopt-like -1 when it names none.
int64_t lake_key_hour_start_ms(const std::string& key);

}  // namespace stockpulse
