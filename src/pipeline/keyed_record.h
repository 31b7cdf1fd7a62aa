#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/events.h"

namespace stockpulse {

// What the Kafka processor's ingest stage writes to the keyed topic:
//   kPost     the whole scored post, to the keyed partition of its source partition; its owner
//             writes it to the serving store and the lake.
//   kMention  one window contribution of a post, keyed by window key: "*" with the overall score,
//             or a ticker with its clause score (post.tickers holds that one entry; the post's
//             text is left out).
//   kBar      key = symbol: the bar.
// Every window key thus lives in exactly one partition of the keyed topic, with the bars of the
// same symbol, so per-partition state is complete. `sub` numbers the messages made from one input
// record (0 for the post or bar, 1 for its "*" mention, 2.. for its tickers): with the record's
// source position it orders them, which is how the window stage recognises a message re-sent after
// a crash of the ingest stage.
struct KeyedRecord {
  enum class Kind : uint8_t { kPost = 0, kMention = 1, kBar = 2 };
  Kind kind = Kind::kPost;
  uint32_t sub = 0;
  ScoredPost post;  // kPost, kMention (mention: tickers holds just the one ticker)
  Bar bar;          // kBar
};

// Binary, versioned, internal to stockpulse (doubles travel bit-exact, so results equal those of
// the embedded pipeline). Appends to `out`.
void encode_keyed(const KeyedRecord& r, std::string& out);
// nullopt for anything that is not a keyed record of this version.
std::optional<KeyedRecord> decode_keyed(std::string_view in);

}  // namespace stockpulse
