#pragma once

#include "pipeline/pipeline_metrics.h"
#include "pipeline/stage_batches.h"
#include "sink/serving_store.h"

namespace stockpulse {

// Writes every table of a SinkBatch to the serving store (each write an upsert by key), and
// records the write's latency, rows and alerts in the metrics. Throws what the store throws.
void write_sink_batch(ServingStore& store, const SinkBatch& batch, PipelineMetrics& metrics);

}  // namespace stockpulse
