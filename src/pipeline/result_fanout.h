#pragma once

#include <string>
#include <string_view>

#include "pipeline/stage_batches.h"
#include "serve/row_json.h"

namespace stockpulse {

// The results that leave the pipeline as JSON beside the stores: window rows and alerts, to the
// dashboard's live stream in `run` and to the result topics in `process` (docs/design.md §2).
enum class ResultChannel { kSentiment, kTrend, kAlert };

// The live stream's event name of a channel.
inline const char* live_event_name(ResultChannel c) {
  switch (c) {
    case ResultChannel::kSentiment:
      return "sentiment";
    case ResultChannel::kTrend:
      return "trend";
    case ResultChannel::kAlert:
      return "alert";
  }
  return "";
}

// Which window rows go out: every one (the live stream shows windows filling up) or only the
// final ones (the result topics carry settled rows). Alerts always go.
enum class WindowRows { kAll, kFinalOnly };

// Calls emit(channel, symbol, json) for each result of `batch`: sentiment windows, then market
// windows, then alerts, each in the batch's order. `json` is a scratch string emit may move from.
// Stops at, and returns false on, the first emit that returns false.
template <class Emit>
bool fan_out_results(const SinkBatch& batch, WindowRows rows, Emit&& emit) {
  std::string json;
  const bool all = rows == WindowRows::kAll;
  for (const auto& r : batch.sentiment_windows) {
    if (!all && !r.is_final) continue;
    json.clear();
    append_json(r, json);
    if (!emit(ResultChannel::kSentiment, std::string_view(r.symbol), json)) return false;
  }
  for (const auto& r : batch.market_windows) {
    if (!all && !r.is_final) continue;
    json.clear();
    append_json(r, json);
    if (!emit(ResultChannel::kTrend, std::string_view(r.symbol), json)) return false;
  }
  for (const auto& r : batch.alerts) {
    json.clear();
    append_json(r, json);
    if (!emit(ResultChannel::kAlert, std::string_view(r.symbol), json)) return false;
  }
  return true;
}

}  // namespace stockpulse
