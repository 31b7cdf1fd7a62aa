#pragma once

#include <vector>

#include "app/config.h"
#include "app/sentiment_stack.h"
#include "app/stage_batches.h"
#include "common/dead_letter.h"
#include "decode/bar_decoder.h"
#include "decode/post_decoder.h"

namespace stockpulse {

// The decode + enrich stage for one worker thread: turns a RawBatch into typed, scored records
// and dead letters (with reasons). Owns its decoders, so one Enricher per thread; shares the
// immutable SentimentStack.
class Enricher {
 public:
  // time_shift_ms is added to every event time (--rebase-time; 0 otherwise).
  Enricher(const Config& config, const SentimentStack& sentiment, int64_t time_shift_ms = 0);

  void process(const RawBatch& in, EnrichedBatch& out, std::vector<DeadLetter>& dead);

 private:
  DeadLetter make_letter(const RawBatch& in, const RawRecord& r, DeadLetterReason reason,
                         std::string detail) const;

  const SentimentStack& sentiment_;
  PostDecoder posts_;
  BarDecoder bars_;
  DecodeError error_;
  int64_t time_shift_ms_;
};

}  // namespace stockpulse
