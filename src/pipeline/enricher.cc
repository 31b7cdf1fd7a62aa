#include "pipeline/enricher.h"

#include <fmt/format.h>

#include <algorithm>

#include "decode/padded_json.h"

namespace stockpulse {

PostDecoderOptions post_decoder_options(const Config& c) {
  PostDecoderOptions o;
  o.max_text_bytes = static_cast<size_t>(c.sources.max_text_bytes);
  o.max_record_bytes = static_cast<size_t>(c.sources.max_record_bytes);
  return o;
}

BarDecoderOptions bar_decoder_options(const Config& c) {
  BarDecoderOptions o;
  o.max_record_bytes = static_cast<size_t>(c.sources.max_record_bytes);
  return o;
}

Enricher::Enricher(const Config& config, const SentimentStack& sentiment, int64_t time_shift_ms)
    : sentiment_(sentiment),
      posts_(post_decoder_options(config)),
      bars_(bar_decoder_options(config)),
      time_shift_ms_(time_shift_ms) {}

DeadLetter record_dead_letter(Stream stream, SourcePosition pos, DeadLetterReason reason,
                              std::string detail, std::string_view payload, uint64_t full_size) {
  DeadLetter d;
  d.stream = stream_name(stream);
  d.partition = pos.partition;
  d.offset = pos.offset;
  d.reason = reason;
  d.detail = std::move(detail);
  d.payload.assign(payload.substr(0, kMaxDeadLetterPayload));
  d.payload_size = full_size;
  return d;
}

std::string too_large_detail(uint64_t full_size) {
  return fmt::format("record of {} bytes is over the limit", full_size);
}

DeadLetter Enricher::make_letter(const RawBatch& in, const RawRecord& r, DeadLetterReason reason,
                                 std::string detail) const {
  return record_dead_letter(in.stream, {in.partition, r.offset}, reason, std::move(detail),
                            std::string_view(in.buffer.data() + r.begin, r.size), r.full_size);
}

void Enricher::process(const RawBatch& in, EnrichedBatch& out, std::vector<DeadLetter>& dead) {
  out.stream = in.stream;
  out.partition = in.partition;
  out.seq = in.seq;
  out.end_of_input = in.end_of_input;
  out.end_offset = in.end_offset;
  if (in.stream == Stream::kPosts) {
    out.posts.reserve(in.records.size());
  } else {
    out.bars.reserve(in.records.size());
  }
  for (const RawRecord& r : in.records) {
    if (r.too_large) {
      dead.push_back(
          make_letter(in, r, DeadLetterReason::kTooLarge, too_large_detail(r.full_size)));
      continue;
    }
    // Records sit in one buffer that ends with padding, so the decoders read them in place.
    const PaddedJson json{std::string_view(in.buffer.data() + r.begin, r.size)};
    const SourcePosition pos{in.partition, r.offset};
    if (in.stream == Stream::kPosts) {
      ScoredPost& sp = out.posts.emplace_back();
      if (!posts_.decode_into(json, pos, sp.post, error_)) {
        out.posts.pop_back();
        dead.push_back(make_letter(in, r, error_.reason, std::move(error_.detail)));
        continue;
      }
      sp.post.created_at = EventTime(sp.post.created_at.value() + time_shift_ms_);
      sentiment_.analyzer().analyze(sp.post.text, sp.overall, sp.tickers);
      // Tickers the source tagged the post with (StockTwits' symbols) count like cashtags of the
      // text; a symbol the text does not name gets the whole post's score.
      for (const std::string& symbol : sp.post.symbols) {
        if (std::none_of(sp.tickers.begin(), sp.tickers.end(),
                         [&](const TickerSentiment& t) { return t.symbol == symbol; }))
          sp.tickers.push_back(TickerSentiment{symbol, sp.overall});
      }
    } else {
      Bar& bar = out.bars.emplace_back();
      if (!bars_.decode_into(json, pos, bar, error_)) {
        out.bars.pop_back();
        dead.push_back(make_letter(in, r, error_.reason, std::move(error_.detail)));
        continue;
      }
      bar.ts = EventTime(bar.ts.value() + time_shift_ms_);
    }
  }
}

}  // namespace stockpulse
