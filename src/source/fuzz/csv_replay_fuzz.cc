// libFuzzer target: the CSV path of a dataset replay on arbitrary bytes. The first input byte
// picks small block and record sizes (so record, quote and block boundaries meet); the rest is
// the file. Checked for any input:
// - RecordReader (CSV syntax): records come in file order, each is exactly the file's bytes at
//   its offsets, none longer than the limit, and the reader ends (no record makes it loop);
// - PostReplay: every dead letter says why and keeps at most 4 KiB; positions never go back;
// - resume (differential): a replay opened at the position saved after any record returns
//   exactly what the uninterrupted replay returned after it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/fuzz_input_file.h"
#include "source/post_replay.h"
#include "source/record_reader.h"

using namespace stockpulse;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// One thing a replay returned: a post or a dead letter, in a comparable form.
struct Item {
  ReplayStatus status;
  std::string id, text, user;
  int64_t time_ms = 0;
  DeadLetterReason reason{};
  ReplayPosition after;
  bool operator==(const Item& o) const {
    return status == o.status && id == o.id && text == o.text && user == o.user &&
           time_ms == o.time_ms && reason == o.reason && after == o.after;
  }
};

std::vector<Item> replay(const std::string& path, const PostReplayOptions& options,
                         const ReplayPosition& from, size_t max_items, bool* opened) {
  SimulatedClock clock(1'700'000'000'000);
  PostReplay r(options, clock);
  std::vector<Item> items;
  *opened = !r.open(path, from).has_value();
  if (!*opened) return items;
  Post post;
  DeadLetter letter;
  uint64_t last_offset = from.byte_offset;
  for (size_t i = 0; i < max_items; ++i) {
    const ReplayStatus s = r.next(post, letter);
    if (s == ReplayStatus::kEnd || s == ReplayStatus::kError) break;
    Item item{.status = s};
    if (s == ReplayStatus::kPost) {
      item.id = post.id;
      item.text = post.text;
      item.user = post.user;
      item.time_ms = post.created_at.value();
    } else {
      check(!letter.detail.empty());
      check(letter.payload.size() <= kMaxDeadLetterPayload);
      item.reason = letter.reason;
    }
    item.after = r.position();
    check(item.after.byte_offset >= last_offset);
    last_offset = item.after.byte_offset;
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzInputFile file(".csv");
  if (size == 0) return 0;
  const uint8_t shape = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string& path = file.write(body);
  const size_t block = 16 + (shape & 0x1f) * 7;
  const size_t max_record = 48 + (shape >> 5) * 96;

  RecordReader reader(RecordReaderOptions{
      .syntax = RecordSyntax::kCsv, .block_bytes = block, .max_record_bytes = max_record});
  check(!reader.open(path).has_value());
  Record rec;
  uint64_t prev_end = 0;
  for (size_t n = 0;; ++n) {
    check(n <= body.size() + 1);  // every record consumes at least one byte
    const RecordStatus s = reader.next(rec);
    if (s == RecordStatus::kEof) break;
    check(s != RecordStatus::kError);
    check(rec.begin_offset >= prev_end && rec.end_offset > rec.begin_offset);
    check(rec.end_offset <= body.size());
    if (s == RecordStatus::kRecord) {
      check(!rec.text.empty() && rec.text.size() <= max_record);
      check(rec.text == body.substr(rec.begin_offset, rec.text.size()));
    } else {
      check(rec.full_size > max_record && rec.text.size() <= 4096);
    }
    prev_end = rec.end_offset;
  }

  PostReplayOptions options;
  options.format = PostFileFormat::kCsv;
  options.speed = 0;
  options.block_bytes = block;
  options.max_record_bytes = max_record;
  options.dedupe = (shape & 1) != 0;
  options.dedupe_max_entries = 4096;  // small, so the forgetting of old entries runs too
  bool opened = false;
  const size_t cap = body.size() + 2;
  const std::vector<Item> all = replay(path, options, {}, cap, &opened);
  if (!opened || all.empty()) return 0;
  // Resume after an input-chosen item: the rest must be the same, position for position.
  const size_t k = body.size() % all.size();
  const std::vector<Item> rest = replay(path, options, all[k].after, cap, &opened);
  check(opened);
  check(rest.size() == all.size() - k - 1);
  for (size_t i = 0; i < rest.size(); ++i) check(rest[i] == all[k + 1 + i]);
  return 0;
}
