#pragma once

#include <memory>

#include "app/config.h"
#include "common/clock.h"
#include "pipeline/lake_sink.h"
#include "sink/lake_writer.h"
#include "sink/serving_store.h"

namespace stockpulse {

// Throws std::runtime_error listing every problem of the configuration (Config::validate), the
// first thing every driver does.
void check_config(const Config& config);

// Creates the output folder when the serving store (SQLite) or the lake lives in it.
void prepare_output_dir(const Config& config);

// The two stores every driver writes: the serving store (serve.url, or the SQLite file under the
// output folder) and the lake (nullptr when --lake none). The output folder is created when
// either lives in it (prepare_output_dir).
//
// Lifecycle: open_pipeline_sinks() at start-up throws std::runtime_error when a store cannot be
// opened; the driver closes the lake (lake_sink->close()) when it stops.
// Thread-safety: as ServingStore and LakeSink (each used by one thread at a time).
struct PipelineSinks {
  std::unique_ptr<ServingStore> store;
  std::unique_ptr<LakeSink> lake_sink;
  LakeWriter* lake = nullptr;  // lake_sink's writer, or nullptr
};
PipelineSinks open_pipeline_sinks(const Config& config, const Clock& clock);

}  // namespace stockpulse
