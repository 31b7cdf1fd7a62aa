#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/events.h"
#include "common/rows.h"
#include "pipeline/pipeline_metrics.h"
#include "pipeline/stage_batches.h"
#include "sink/lake_writer.h"

namespace stockpulse {

// What of a SinkBatch goes to the Parquet lake: posts, bars and the final window rows (the lake
// archives what is settled; update rows only serve the live tables), the trigger's permission to
// roll files by age, and the checkpoint to write once the rows are in files.
struct LakeBatch {
  std::vector<ScoredPost> posts;
  std::vector<Bar> bars;
  std::vector<SentimentWindowRow> sentiment;  // final windows only
  std::vector<MarketWindowRow> market;        // final windows only
  bool roll = false;
  std::string checkpoint;
};

// Moves the lake's part out of `batch`: posts, bars, final window rows, roll and checkpoint.
// Update rows stay behind; the moved-from vectors are left empty.
LakeBatch take_lake_rows(SinkBatch& batch);

// Appends a LakeBatch's rows, rolls files by age when the batch says a trigger passed, and records
// the lake's memory in the metrics. Throws what the writer throws. Does not write the checkpoint.
void append_to_lake(LakeWriter& lake, const LakeBatch& batch, PipelineMetrics& metrics);

// "Close the lake before the checkpoint": every open file is finished so the checkpoint never
// claims rows that are only staged in memory. nullopt when every staged row is in a file; else
// the lake's error, and the checkpoint must not be written.
std::optional<std::string> close_lake_for_checkpoint(LakeWriter& lake);

}  // namespace stockpulse
