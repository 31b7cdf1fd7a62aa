// libFuzzer target: the social-media dataset readers on arbitrary bytes. The whole input goes to
// SocialPostParser as one record in each of the five formats (Twitter v1.1, v2, archive
// tweets.js, StockTwits, Reddit) and to classify_json_record; then, as a file, through a
// PostReplay whose format and block sizes the input's length picks (so JsonRecordReader's arrays,
// tweets.js assignments and pretty-printed values are split too). Checked for any input: a post
// that cannot be read says why, keeps at most 4 KiB of its JSON, and the replay's dead letters say
// why with at most 4 KiB of payload, its positions never go back, and it ends.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/fuzz_input_file.h"
#include "source/post_replay.h"
#include "source/social_post_parser.h"

using namespace stockpulse;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr PostFileFormat kSocial[] = {PostFileFormat::kTwitterV1, PostFileFormat::kTwitterV2,
                                      PostFileFormat::kTwitterArchive, PostFileFormat::kStockTwits,
                                      PostFileFormat::kReddit};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzInputFile file(".json");
  static std::vector<std::unique_ptr<SocialPostParser>> parsers = [] {
    std::vector<std::unique_ptr<SocialPostParser>> v;
    for (PostFileFormat f : kSocial) v.push_back(std::make_unique<SocialPostParser>(f));
    return v;
  }();
  const std::string_view record(reinterpret_cast<const char*>(data), size);
  std::vector<SocialPost> posts;
  for (auto& parser : parsers) {
    parser->parse(record, posts);
    for (const SocialPost& p : posts) {
      if (p.problem) check(!p.detail.empty());
      check(p.raw.size() <= 4096);
    }
  }
  (void)classify_json_record(record);

  PostReplayOptions options;
  const size_t pick = size % (std::size(kSocial) + 2);
  const size_t shape = (size / (std::size(kSocial) + 2)) % 16;
  options.format = pick < std::size(kSocial)    ? kSocial[pick]
                   : pick == std::size(kSocial) ? PostFileFormat::kAuto
                                                : PostFileFormat::kJsonLines;
  options.speed = 0;
  options.block_bytes = 64 + shape * 61;
  options.max_record_bytes = 256 + shape * 512;
  options.dedupe = (shape & 1) != 0;
  options.dedupe_max_entries = 4096;  // small, so the forgetting of old entries runs too
  SimulatedClock clock(1'700'000'000'000);
  PostReplay replay(options, clock);
  if (replay.open(file.write(record)).has_value()) return 0;
  Post post;
  DeadLetter letter;
  uint64_t last_offset = 0;
  for (size_t n = 0;; ++n) {
    check(n <= 2 * size + 2);
    const ReplayStatus s = replay.next(post, letter);
    if (s == ReplayStatus::kEnd || s == ReplayStatus::kError) break;
    if (s == ReplayStatus::kDeadLetter) {
      check(!letter.detail.empty());
      check(letter.payload.size() <= kMaxDeadLetterPayload);
    }
    check(replay.position().byte_offset >= last_offset);
    last_offset = replay.position().byte_offset;
  }
  return 0;
}
