// The ceiling of the end-to-end benchmark: read a JSON-lines file of posts with the pipeline's
// LineReader and decode every line with its PostDecoder, on one thread, doing nothing else.
// Prints "records=N seconds=S rate=R" for bench/e2e_throughput.sh.
#include <chrono>
#include <cstdio>
#include <string>

#include "decode/post_decoder.h"
#include "source/line_reader.h"

int main(int argc, char** argv) {
  using namespace stockpulse;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s POSTS.jsonl\n", argv[0]);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  LineReader reader;
  if (auto err = reader.open(argv[1])) {
    std::fprintf(stderr, "error: %s\n", err->c_str());
    return 1;
  }
  PostDecoder decoder;
  Post post;
  DecodeError error;
  Line line;
  uint64_t ok = 0, bad = 0;
  for (;;) {
    const ReadStatus st = reader.next(line);
    if (st == ReadStatus::kEof || st == ReadStatus::kError) break;
    if (st != ReadStatus::kLine) {
      ++bad;
      continue;
    }
    if (decoder.decode_into(PaddedJson{line.text}, SourcePosition{PartitionId(0), line.offset},
                            post, error)) {
      ++ok;
    } else {
      ++bad;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("records=%llu bad=%llu seconds=%.3f rate=%.0f\n", static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(bad), secs, static_cast<double>(ok + bad) / secs);
  return 0;
}
