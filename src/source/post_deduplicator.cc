#include "source/post_deduplicator.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <string>

namespace stockpulse {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// FNV-1a over a tag byte and the key, then mixed; never 0 (the empty slot).
uint64_t fingerprint(char tag, std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  add(static_cast<unsigned char>(tag));
  for (char c : key) add(static_cast<unsigned char>(c));
  h = mix(h);
  return h == 0 ? 1 : h;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// user '\0' text, lower-cased, white space collapsed and trimmed.
std::string content_key(std::string_view user, std::string_view text) {
  std::string key;
  key.reserve(user.size() + text.size() + 1);
  for (char c : user) key += lower(c);
  key += '\0';
  bool pending_space = false;
  for (char c : text) {
    if (space(c)) {
      pending_space = key.back() != '\0';
      continue;
    }
    if (pending_space) key += ' ';
    pending_space = false;
    key += lower(c);
  }
  return key;
}

}  // namespace

FingerprintSet::FingerprintSet(size_t max_entries) {
  max_entries_ = max_entries < 1 ? 1 : max_entries;
  max_slots_ = std::bit_ceil(max_entries_ * 2);
  table_.assign(std::min<size_t>(max_slots_, 1024), 0);
  mask_ = table_.size() - 1;
}

size_t FingerprintSet::slot_of(uint64_t fp) const {
  size_t i = static_cast<size_t>(fp) & mask_;
  while (table_[i] != 0 && table_[i] != fp) i = (i + 1) & mask_;
  return i;
}

bool FingerprintSet::contains(uint64_t fp) const {
  return fp != 0 && table_[slot_of(fp)] == fp;
}

void FingerprintSet::grow() {
  std::vector<uint64_t> old;
  old.swap(table_);
  table_.assign(old.size() * 2, 0);
  mask_ = table_.size() - 1;
  for (uint64_t fp : old)
    if (fp != 0) table_[slot_of(fp)] = fp;
}

void FingerprintSet::insert(uint64_t fp) {
  if (fp == 0 || contains(fp)) return;
  if (count_ == max_entries_) {
    erase(ring_[ring_next_]);
    --count_;
  } else if ((count_ + 1) * 2 > table_.size() && table_.size() < max_slots_) {
    grow();
  }
  table_[slot_of(fp)] = fp;
  if (ring_.size() < max_entries_) {
    ring_.push_back(fp);
  } else {
    ring_[ring_next_] = fp;
  }
  ring_next_ = (ring_next_ + 1) % max_entries_;
  ++count_;
}

// Backward-shift deletion: later entries of the probe run move up, so lookups never need
// tombstones and the table never degrades.
void FingerprintSet::erase(uint64_t fp) {
  size_t i = slot_of(fp);
  if (table_[i] != fp) return;
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    if (table_[j] == 0) break;
    const size_t home = static_cast<size_t>(table_[j]) & mask_;
    // table_[j] may move to i unless its home lies cyclically in (i, j].
    const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = 0;
}

const char* duplicate_kind_detail(DuplicateKind kind) {
  switch (kind) {
    case DuplicateKind::kNone:
      return "new";
    case DuplicateKind::kSameId:
      return "id already seen (a post, or the original of a retweet)";
    case DuplicateKind::kRetweetOfSeen:
      return "retweet of a post already seen";
    case DuplicateKind::kRetweetTextSeen:
      return "retweet (RT @user: text) of a text already seen";
  }
  return "duplicate";
}

bool split_classic_retweet(std::string_view text, std::string_view& user, std::string_view& rest) {
  if (text.substr(0, 4) != "RT @") return false;
  size_t i = 4;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
    ++i;
  if (i == 4 || i >= text.size() || text[i] != ':') return false;
  user = text.substr(4, i - 4);
  rest = text.substr(i + 1);
  return true;
}

DuplicateKind PostDeduplicator::check(const Post& post, std::string_view retweet_of,
                                      bool has_own_id) {
  const uint64_t id_fp = has_own_id && !post.id.empty() ? fingerprint('I', post.id) : 0;
  if (seen_.contains(id_fp)) return DuplicateKind::kSameId;
  const uint64_t orig_fp = retweet_of.empty() ? 0 : fingerprint('I', retweet_of);
  if (seen_.contains(orig_fp)) return DuplicateKind::kRetweetOfSeen;
  std::string_view rt_user, rt_text;
  const bool classic = split_classic_retweet(post.text, rt_user, rt_text);
  // A retweet's content is the original author's text; any other post's is its own.
  const uint64_t text_fp = classic ? fingerprint('T', content_key(rt_user, rt_text))
                                   : fingerprint('T', content_key(post.user, post.text));
  if (classic && seen_.contains(text_fp)) return DuplicateKind::kRetweetTextSeen;
  seen_.insert(id_fp);
  seen_.insert(orig_fp);
  seen_.insert(text_fp);
  return DuplicateKind::kNone;
}

}  // namespace stockpulse
