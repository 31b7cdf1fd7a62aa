#include "pipeline/checkpoint_commit.h"

#include <fmt/format.h>

#include "pipeline/lake_batch.h"
#include "window/checkpoint_file.h"

namespace stockpulse {

std::optional<std::string> commit_file_checkpoint(const std::string& path, std::string_view bytes,
                                                  ServingStore* store, DeadLetterWriter& dead,
                                                  LakeWriter* lake, PipelineMetrics& metrics) {
  if (store) store->flush();
  dead.flush();
  if (lake) {
    // The checkpoint would claim lake files that are not there: stop at the previous one.
    if (auto err = close_lake_for_checkpoint(*lake)) {
      return fmt::format("writing the lake failed: {}", *err);
    }
  }
  if (!write_file_atomically(path, bytes)) {
    return fmt::format("cannot write the checkpoint '{}'", path);
  }
  metrics.checkpoints.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

}  // namespace stockpulse
