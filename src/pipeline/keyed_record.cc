#include "pipeline/keyed_record.h"

#include "window/checkpoint_codec.h"

namespace stockpulse {

namespace {

constexpr uint32_t kMagic = 0x4b59444b;  // "KDYK"
constexpr uint8_t kVersion = 1;

void put_scores(CheckpointWriter& w, const SentimentScores& s) {
  w.put<double>(s.compound);
  w.put<double>(s.pos);
  w.put<double>(s.neu);
  w.put<double>(s.neg);
}

SentimentScores get_scores(CheckpointReader& r) {
  SentimentScores s;
  s.compound = r.get<double>();
  s.pos = r.get<double>();
  s.neu = r.get<double>();
  s.neg = r.get<double>();
  return s;
}

void put_position(CheckpointWriter& w, SourcePosition p) {
  w.put<int32_t>(p.partition.value());
  w.put<int64_t>(p.offset.value());
}

SourcePosition get_position(CheckpointReader& r) {
  SourcePosition p;
  p.partition = PartitionId(r.get<int32_t>());
  p.offset = Offset(r.get<int64_t>());
  return p;
}

}  // namespace

void encode_keyed(const KeyedRecord& k, std::string& out) {
  CheckpointWriter w(out);
  w.put<uint32_t>(kMagic);
  w.put<uint8_t>(kVersion);
  w.put<uint8_t>(static_cast<uint8_t>(k.kind));
  w.put<uint32_t>(k.sub);
  if (k.kind == KeyedRecord::Kind::kBar) {
    const Bar& b = k.bar;
    w.put_bytes(b.symbol);
    w.put<int64_t>(b.ts.value());
    w.put<double>(b.open);
    w.put<double>(b.high);
    w.put<double>(b.low);
    w.put<double>(b.close);
    w.put<double>(b.volume);
    w.put<double>(b.vwap);
    w.put<int64_t>(b.trade_count);
    put_position(w, b.position);
    return;
  }
  const Post& p = k.post.post;
  w.put_bytes(p.id);
  w.put<int64_t>(p.created_at.value());
  w.put_bytes(p.text);
  w.put_bytes(p.user);
  w.put_bytes(p.source);
  put_position(w, p.position);
  put_scores(w, k.post.overall);
  w.put<uint32_t>(static_cast<uint32_t>(k.post.tickers.size()));
  for (const TickerSentiment& t : k.post.tickers) {
    w.put_bytes(t.symbol);
    put_scores(w, t.scores);
  }
}

std::optional<KeyedRecord> decode_keyed(std::string_view in) {
  CheckpointReader r(in);
  if (r.get<uint32_t>() != kMagic || r.get<uint8_t>() != kVersion || !r.ok()) return std::nullopt;
  KeyedRecord k;
  const uint8_t kind = r.get<uint8_t>();
  if (kind > static_cast<uint8_t>(KeyedRecord::Kind::kBar)) return std::nullopt;
  k.kind = static_cast<KeyedRecord::Kind>(kind);
  k.sub = r.get<uint32_t>();
  if (k.kind == KeyedRecord::Kind::kBar) {
    Bar& b = k.bar;
    b.symbol = std::string(r.get_bytes());
    b.ts = EventTime(r.get<int64_t>());
    b.open = r.get<double>();
    b.high = r.get<double>();
    b.low = r.get<double>();
    b.close = r.get<double>();
    b.volume = r.get<double>();
    b.vwap = r.get<double>();
    b.trade_count = r.get<int64_t>();
    b.position = get_position(r);
  } else {
    Post& p = k.post.post;
    p.id = std::string(r.get_bytes());
    p.created_at = EventTime(r.get<int64_t>());
    p.text = std::string(r.get_bytes());
    p.user = std::string(r.get_bytes());
    p.source = std::string(r.get_bytes());
    p.position = get_position(r);
    k.post.overall = get_scores(r);
    const uint32_t n = r.get<uint32_t>();
    // Each ticker takes at least 36 bytes: a count beyond what is left is corrupt.
    if (!r.ok() || n > r.remaining() / 36) return std::nullopt;
    k.post.tickers.resize(n);
    for (TickerSentiment& t : k.post.tickers) {
      t.symbol = std::string(r.get_bytes());
      t.scores = get_scores(r);
    }
  }
  if (!r.ok() || r.remaining() != 0) return std::nullopt;
  return k;
}

}  // namespace stockpulse
