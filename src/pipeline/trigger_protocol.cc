#include "pipeline/trigger_protocol.h"

namespace stockpulse {

void fire_trigger(std::span<WindowStage* const> stages, SinkBatch& sink) {
  for (WindowStage* stage : stages) {
    stage->advance_watermarks(sink);
    stage->emit_updates(sink);
  }
  sink.roll_lake = true;
}

void fire_trigger(WindowStage& stage, SinkBatch& sink) {
  WindowStage* one = &stage;
  fire_trigger(std::span<WindowStage* const>(&one, 1), sink);
}

bool fire_trigger_if_due(const TriggerSchedule& schedule, std::span<WindowStage* const> stages,
                         SinkBatch& sink) {
  if (!schedule.due()) return false;
  fire_trigger(stages, sink);
  return true;
}

bool fire_trigger_if_due(const TriggerSchedule& schedule, WindowStage& stage, SinkBatch& sink) {
  WindowStage* one = &stage;
  return fire_trigger_if_due(schedule, std::span<WindowStage* const>(&one, 1), sink);
}

void flush_end_of_input(std::span<WindowStage* const> stages, SinkBatch& sink) {
  for (WindowStage* stage : stages) {
    stage->advance_watermarks(sink);
    stage->flush_all(sink);
  }
}

void flush_end_of_input(WindowStage& stage, SinkBatch& sink) {
  WindowStage* one = &stage;
  flush_end_of_input(std::span<WindowStage* const>(&one, 1), sink);
}

bool has_work(const SinkBatch& sink) {
  return !sink.posts.empty() || !sink.bars.empty() || !sink.sentiment_windows.empty() ||
         !sink.market_windows.empty() || !sink.alerts.empty() || !sink.indicators.empty() ||
         !sink.fear_greed.empty() || !sink.correlations.empty() || sink.roll_lake ||
         !sink.checkpoint.empty();
}

}  // namespace stockpulse
