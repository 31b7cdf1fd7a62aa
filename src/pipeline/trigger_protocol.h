#pragma once

#include <span>

#include "pipeline/stage_batches.h"
#include "pipeline/trigger_schedule.h"
#include "pipeline/window_stage.h"

namespace stockpulse {

// The steps every driver takes on its window stages (one in `run`, one per keyed partition in
// `process`), in the order docs/design.md §5 gives them. The rows go into `sink`, which the
// driver hands to the sink fan-out (result_fanout.h, lake_batch.h).

// One trigger: each stage's watermarks advanced (closing windows go out as final rows), every
// changed open window emitted as an update row, and the lake allowed to roll files by age.
void fire_trigger(std::span<WindowStage* const> stages, SinkBatch& sink);
void fire_trigger(WindowStage& stage, SinkBatch& sink);

// fire_trigger() when `schedule` says the trigger is due, and nothing before: whether it fired.
// The caller calls schedule.restart() once it has handed the trigger's rows on, so the next
// trigger counts from then.
bool fire_trigger_if_due(const TriggerSchedule& schedule, std::span<WindowStage* const> stages,
                         SinkBatch& sink);
bool fire_trigger_if_due(const TriggerSchedule& schedule, WindowStage& stage, SinkBatch& sink);

// End of input (or a stop that does not keep state for a resumed run): watermarks advanced, then
// every open window emitted once as final, with every pending analytics interval.
void flush_end_of_input(std::span<WindowStage* const> stages, SinkBatch& sink);
void flush_end_of_input(WindowStage& stage, SinkBatch& sink);

// Whether a SinkBatch carries anything for the sinks: rows, a lake roll or a checkpoint.
bool has_work(const SinkBatch& sink);

}  // namespace stockpulse
