#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pipeline/dead_letter_writer.h"
#include "pipeline/pipeline_metrics.h"
#include "sink/lake_writer.h"
#include "sink/serving_store.h"

namespace stockpulse {

// File mode's checkpoint, written only once everything before it is durable (docs/design.md §8):
// the serving store flushed (`store`, when not null; each of its writes is already a transaction),
// the dead letters flushed, the lake's open files closed (close_lake_for_checkpoint), and only
// then the checkpoint bytes written atomically to `path` and counted in the metrics.
// nullopt on success; else what failed, and the checkpoint is not written, so a restart resumes
// from the previous one. Throws what the store's flush throws.
std::optional<std::string> commit_file_checkpoint(const std::string& path, std::string_view bytes,
                                                  ServingStore* store, DeadLetterWriter& dead,
                                                  LakeWriter* lake, PipelineMetrics& metrics);

}  // namespace stockpulse
