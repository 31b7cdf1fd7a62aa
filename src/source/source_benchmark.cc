// Throughput of the source stage: LineReader over a large JSONL file (lines/s and bytes/s, with
// and without decoding), and the synthetic generators with JSON encoding (what the bench harness
// uses to write its corpus).
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <string>

#include "decode/json_encoder.h"
#include "decode/post_decoder.h"
#include "source/line_reader.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {
namespace {

constexpr int kCorpusPosts = 500000;

// A ~110 MB corpus of synthetic posts, written once per process.
const std::string& corpus_path() {
  static const std::string path = [] {
    std::string p = "/tmp/sp_source_benchmark_" + std::to_string(::getpid()) + ".jsonl";
    SyntheticPostGenerator gen({.seed = 1});
    std::ofstream f(p, std::ios::binary);
    Post post;
    std::string buf;
    for (int i = 0; i < kCorpusPosts; ++i) {
      gen.next(post);
      append_post_json(post, buf);
      buf += '\n';
      if (buf.size() > (1 << 20)) {
        f << buf;
        buf.clear();
      }
    }
    f << buf;
    std::atexit([] { std::remove(corpus_path().c_str()); });
    return p;
  }();
  return path;
}

void BM_LineReader(benchmark::State& state) {
  const std::string& path = corpus_path();
  int64_t lines = 0, bytes = 0;
  for (auto _ : state) {
    LineReader reader({.block_bytes = static_cast<size_t>(state.range(0))});
    if (reader.open(path)) state.SkipWithError("cannot open corpus");
    Line line;
    while (reader.next(line) == ReadStatus::kLine) ++lines;
    bytes += static_cast<int64_t>(reader.bytes_read());
  }
  state.SetItemsProcessed(lines);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_LineReader)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_LineReaderAndDecode(benchmark::State& state) {
  const std::string& path = corpus_path();
  int64_t lines = 0;
  PostDecoder decoder;
  Post post;
  DecodeError error;
  for (auto _ : state) {
    LineReader reader;
    if (reader.open(path)) state.SkipWithError("cannot open corpus");
    Line line;
    while (reader.next(line) == ReadStatus::kLine) {
      lines += decoder.decode_into(line.padded(), {PartitionId(0), line.offset}, post, error);
    }
  }
  state.SetItemsProcessed(lines);
}
BENCHMARK(BM_LineReaderAndDecode)->Unit(benchmark::kMillisecond);

void BM_GeneratePosts(benchmark::State& state) {
  SyntheticPostGenerator gen({.seed = 1});
  Post post;
  for (auto _ : state) {
    gen.next(post);
    benchmark::DoNotOptimize(post.text.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GeneratePosts);

void BM_GenerateAndEncodePosts(benchmark::State& state) {
  SyntheticPostGenerator gen({.seed = 1});
  Post post;
  std::string out;
  for (auto _ : state) {
    gen.next(post);
    out.clear();
    append_post_json(post, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GenerateAndEncodePosts);

void BM_GenerateAndEncodeBars(benchmark::State& state) {
  SyntheticBarGenerator gen({.seed = 1});
  std::vector<Bar> bars;
  std::string out;
  int64_t n = 0;
  for (auto _ : state) {
    bars.clear();
    gen.next_minute(bars);
    out.clear();
    for (const Bar& b : bars) append_bar_json(b, out);
    n += static_cast<int64_t>(bars.size());
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_GenerateAndEncodeBars);

}  // namespace
}  // namespace stockpulse

BENCHMARK_MAIN();
