#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/events.h"

namespace stockpulse {

// A set of 64-bit fingerprints that holds at most `max_entries`; inserting one more forgets the
// oldest (first in, first out). Open addressing with linear probing, kept at most half full,
// plus a ring of the entries in insertion order; both grow with use (doubling) up to 2-4 slots
// and one ring entry per entry: 24-40 bytes per entry at the cap, nothing much before it, so an
// idle or small replay pays no start-up cost. Insertion order alone fixes the contents, so
// re-inserting the same sequence rebuilds the same set (what resuming a replay relies on).
//
// Thread-safety: none.
class FingerprintSet {
 public:
  explicit FingerprintSet(size_t max_entries);

  bool contains(uint64_t fp) const;
  // Adds fp (no-op when present), forgetting the oldest entry when full.
  void insert(uint64_t fp);
  size_t size() const { return count_; }
  size_t max_entries() const { return max_entries_; }

 private:
  size_t slot_of(uint64_t fp) const;  // where fp is, or the empty slot where it would go
  void erase(uint64_t fp);
  void grow();

  std::vector<uint64_t> table_;  // 0: empty
  size_t mask_ = 0;
  size_t max_slots_ = 0;
  std::vector<uint64_t> ring_;  // insertion order; wraps once max_entries_ are held
  size_t max_entries_ = 0;
  size_t ring_next_ = 0;
  size_t count_ = 0;
};

// Why a post was judged a repeat.
enum class DuplicateKind : uint8_t {
  kNone,             // new: pass it on
  kSameId,           // its id was seen (as a post, or as the original of a retweet)
  kRetweetOfSeen,    // a retweet whose original (by id) was seen
  kRetweetTextSeen,  // "RT @user: text" where user's text (or a retweet of it) was seen
};

const char* duplicate_kind_detail(DuplicateKind kind);

// Recognises posts that repeat content already passed on, so that one post counts once in the
// windows: the same id again, a retweet of an original seen before (by the original's id when
// the source names it, else, for "RT @user: text", by user and normalised text: ASCII lower
// case, runs of white space as one space), and an original that arrives after a retweet of it.
// Remembers, per post passed on: its id, its original's id, and the (user, text) key of its
// content, as 64-bit fingerprints (a false match needs two different keys to collide in 64 bits:
// about 1 in 10^7 at 2 million entries) in a FingerprintSet of `max_entries`.
//
// Thread-safety: none (one per source).
class PostDeduplicator {
 public:
  explicit PostDeduplicator(size_t max_entries) : seen_(max_entries) {}

  // Judges `post` and, when it is new, remembers it. `retweet_of` is the original's id when
  // the record names it; `has_own_id` is false for ids made up from row numbers.
  DuplicateKind check(const Post& post, std::string_view retweet_of, bool has_own_id);

  size_t size() const { return seen_.size(); }

 private:
  FingerprintSet seen_;
};

// "RT @user: text" -> user and text; false for anything else.
bool split_classic_retweet(std::string_view text, std::string_view& user, std::string_view& rest);

}  // namespace stockpulse
