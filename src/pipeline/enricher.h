#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "common/dead_letter.h"
#include "decode/bar_decoder.h"
#include "decode/post_decoder.h"
#include "pipeline/sentiment_stack.h"
#include "pipeline/stage_batches.h"

namespace stockpulse {

// The decoders' limits from the configuration.
PostDecoderOptions post_decoder_options(const Config& config);
BarDecoderOptions bar_decoder_options(const Config& config);

// A dead letter for one input record as the enrich stage writes it (the input sort too): the
// payload is cut to kMaxDeadLetterPayload, full_size keeps the record's real size.
DeadLetter record_dead_letter(Stream stream, SourcePosition pos, DeadLetterReason reason,
                              std::string detail, std::string_view payload, uint64_t full_size);

// The detail of a record over the size limit.
std::string too_large_detail(uint64_t full_size);

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
