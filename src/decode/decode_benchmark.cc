// Decode throughput on realistic lines: ~200-byte posts and contract bars, read in place from a
// padded buffer (the LineReader path) and through the copying string_view overload.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "decode/bar_decoder.h"
#include "decode/json_encoder.h"
#include "decode/post_decoder.h"

namespace stockpulse {
namespace {

// Lines concatenated with newlines, like a JSONL file in a reader's buffer, plus padding.
struct Corpus {
  std::string buffer;
  std::vector<std::string_view> lines;
  size_t bytes = 0;
};

Corpus make_posts(size_t n) {
  static const char* kTexts[] = {
      "$AAPL breaking out above resistance, loading calls for next week \xF0\x9F\x9A\x80 not "
      "selling a single share until earnings!!!",
      "Trimmed my $TSLA position today. Margins look ugly and deliveries missed again, not "
      "touching it until the chart stabilises \xF0\x9F\x93\x89",
      "$NVDA $AMD both ripping on AI capex headlines. Who is still short here? Squeeze incoming, "
      "bears in shambles lol",
      "Quiet day for $MSFT, volume light, waiting for the Fed minutes before adding. Holding my "
      "core position for now."};
  Corpus c;
  std::string line;
  for (size_t i = 0; i < n; ++i) {
    Post p;
    p.id = "syn-1-" + std::to_string(i);
    p.created_at = EventTime(1714573805123 + static_cast<int64_t>(i) * 20);
    p.text = kTexts[i % 4];
    p.user = "trader_" + std::to_string(i % 977);
    p.source = "synthetic";
    line.clear();
    append_post_json(p, line);
    c.buffer += line;
    c.buffer += '\n';
  }
  c.bytes = c.buffer.size();
  c.buffer.append(kJsonPadding, '\0');
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t end = c.buffer.find('\n', start);
    c.lines.emplace_back(c.buffer.data() + start, end - start);
    start = end + 1;
  }
  return c;
}

Corpus make_bars(size_t n) {
  static const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL"};
  Corpus c;
  std::string line;
  for (size_t i = 0; i < n; ++i) {
    Bar b;
    b.symbol = kSymbols[i % 6];
    b.ts = EventTime(1714573800000 + static_cast<int64_t>(i / 6) * 60000);
    b.open = 170.12 + static_cast<double>(i % 50) * 0.01;
    b.high = b.open + 0.35;
    b.low = b.open - 0.21;
    b.close = b.open + 0.07;
    b.volume = 12000 + static_cast<double>(i % 1000);
    b.vwap = b.open + 0.03;
    b.trade_count = 140 + static_cast<int64_t>(i % 60);
    line.clear();
    append_bar_json(b, line);
    c.buffer += line;
    c.buffer += '\n';
  }
  c.bytes = c.buffer.size();
  c.buffer.append(kJsonPadding, '\0');
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t end = c.buffer.find('\n', start);
    c.lines.emplace_back(c.buffer.data() + start, end - start);
    start = end + 1;
  }
  return c;
}

void BM_DecodePostsPadded(benchmark::State& state) {
  const Corpus corpus = make_posts(4096);
  PostDecoder decoder;
  Post post;
  DecodeError error;
  size_t i = 0;
  for (auto _ : state) {
    const std::string_view line = corpus.lines[i++ & 4095];
    bool ok = decoder.decode_into(PaddedJson{line}, {PartitionId(0), Offset(0)}, post, error);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes / 4096));
  state.counters["line_bytes"] = static_cast<double>(corpus.bytes) / 4096;
}
BENCHMARK(BM_DecodePostsPadded);

void BM_DecodePostsResult(benchmark::State& state) {
  const Corpus corpus = make_posts(4096);
  PostDecoder decoder;
  size_t i = 0;
  for (auto _ : state) {
    auto r = decoder.decode(PaddedJson{corpus.lines[i++ & 4095]}, {PartitionId(0), Offset(0)});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePostsResult);

void BM_DecodePostsCopying(benchmark::State& state) {
  const Corpus corpus = make_posts(4096);
  PostDecoder decoder;
  size_t i = 0;
  for (auto _ : state) {
    auto r = decoder.decode(corpus.lines[i++ & 4095], {PartitionId(0), Offset(0)});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePostsCopying);

void BM_DecodeBarsPadded(benchmark::State& state) {
  const Corpus corpus = make_bars(4096);
  BarDecoder decoder;
  Bar bar;
  DecodeError error;
  size_t i = 0;
  for (auto _ : state) {
    bool ok = decoder.decode_into(PaddedJson{corpus.lines[i++ & 4095]}, {PartitionId(0), Offset(0)},
                                  bar, error);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["line_bytes"] = static_cast<double>(corpus.bytes) / 4096;
}
BENCHMARK(BM_DecodeBarsPadded);

void BM_EncodePosts(benchmark::State& state) {
  Post p;
  p.id = "syn-1-123456";
  p.created_at = EventTime(1714573805123);
  p.text =
      "$AAPL breaking out above resistance, loading calls for next week \xF0\x9F\x9A\x80 not "
      "selling a single share until earnings!!!";
  p.user = "trader_42";
  p.source = "synthetic";
  std::string out;
  for (auto _ : state) {
    out.clear();
    append_post_json(p, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePosts);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
