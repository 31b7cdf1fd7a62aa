#include "sentiment/vader_scorer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include "sentiment/embedded_data.h"
#include "sentiment/unicode_text.h"

namespace stockpulse {

namespace {

namespace ut = unicode_text;

// The word table compares keys as zero-padded 64-bit words loaded straight from the text.
static_assert(std::endian::native == std::endian::little, "masked key loads assume little-endian");

// NLTK 3.8 VaderConstants.
constexpr double kBIncr = 0.293;
constexpr double kBDecr = -0.293;
constexpr double kCIncr = 0.733;
constexpr double kNScalar = -0.74;

constexpr const char* kNegate[] = {
    "aint",   "arent",    "cannot",  "cant",     "couldnt",  "darent",   "didnt",   "doesnt",
    "ain't",  "aren't",   "can't",   "couldn't", "daren't",  "didn't",   "doesn't", "dont",
    "hadnt",  "hasnt",    "havent",  "isnt",     "mightnt",  "mustnt",   "neither", "don't",
    "hadn't", "hasn't",   "haven't", "isn't",    "mightn't", "mustn't",  "neednt",  "needn't",
    "never",  "none",     "nope",    "nor",      "not",      "nothing",  "nowhere", "oughtnt",
    "shant",  "shouldnt", "uhuh",    "wasnt",    "werent",   "oughtn't", "shan't",  "shouldn't",
    "uh-uh",  "wasn't",   "weren't", "without",  "wont",     "wouldnt",  "won't",   "wouldn't",
    "rarely", "seldom",   "despite"};

constexpr const char* kBoostIncr[] = {
    "absolutely",   "amazingly",     "awfully",    "completely", "considerably", "decidedly",
    "deeply",       "effing",        "enormously", "entirely",   "especially",   "exceptionally",
    "extremely",    "fabulously",    "flipping",   "flippin",    "fricking",     "frickin",
    "frigging",     "friggin",       "fully",      "fucking",    "greatly",      "hella",
    "highly",       "hugely",        "incredibly", "intensely",  "majorly",      "more",
    "most",         "particularly",  "purely",     "quite",      "really",       "remarkably",
    "so",           "substantially", "thoroughly", "totally",    "tremendously", "uber",
    "unbelievably", "unusually",     "utterly",    "very"};

// "just enough", "kind of" and "sort of" contain a space: as single tokens they never match, but
// _idioms_check looks up two joined tokens in the same dict (see booster_bigram below).
constexpr const char* kBoostDecr[] = {
    "almost",   "barely",   "hardly",  "just enough", "kind of",      "kinda",  "kindof",
    "kind-of",  "less",     "little",  "marginally",  "occasionally", "partly", "scarcely",
    "slightly", "somewhat", "sort of", "sorta",       "sortof",       "sort-of"};

// SPECIAL_CASE_IDIOMS, spelled with the 1-based indices of their words in kIdiomWords: an item
// carries the index of the word it is EXACTLY (case-sensitive, like NLTK's joined strings), so
// matching an idiom is a few byte compares.
constexpr const char* kIdiomWords[] = {"the",  "shit",  "bomb", "bad",     "ass",
                                       "yeah", "right", "cut",  "mustard", "kiss",
                                       "of",   "death", "hand", "to",      "mouth"};
struct Idiom {
  uint8_t words[3];
  int length;
  double valence;
};
constexpr Idiom kIdioms[] = {{{1, 2, 0}, 2, 3},    {{1, 3, 0}, 2, 3}, {{4, 5, 0}, 2, 1.5},
                             {{6, 7, 0}, 2, -2},   {{8, 1, 9}, 3, 2}, {{10, 11, 12}, 3, -1.5},
                             {{13, 14, 15}, 3, -2}};

// Python's string.punctuation.
constexpr bool is_ascii_punct(unsigned c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// One table lookup per byte tells the tokeniser everything it needs: Python whitespace (ASCII
// part), case, punctuation, and the bytes counted for emphasis.
enum ByteClass : uint8_t {
  kByteUpper = 1,  // must stay 1: lower-casing adds (class & kByteUpper) << 5
  kByteLower = 2,
  kBytePunct = 4,
  kByteApostrophe = 8,
  kByteSpace = 16,
  kByteHigh = 32,  // >= 0x80: part of a multi-byte (or invalid) sequence
  kByteBang = 64,
  kByteQuestion = 128,
};
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned b = 0; b < 256; ++b) {
    uint8_t c = 0;
    if (b >= 'A' && b <= 'Z') c |= kByteUpper;
    if (b >= 'a' && b <= 'z') c |= kByteLower;
    if (is_ascii_punct(b)) c |= kBytePunct;
    if (b == '\'') c |= kByteApostrophe;
    if ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) c |= kByteSpace;
    if (b >= 0x80) c |= kByteHigh;
    if (b == '!') c |= kByteBang;
    if (b == '?') c |= kByteQuestion;
    t[b] = c;
  }
  return t;
}();

// s is a run of ASCII punctuation; is it one of NLTK's PUNC_LIST (".", "!", "?", ",", ";", ":",
// "-", "'", "\"", "!!", "!!!", "??", "???", "?!?", "!?!", "?!?!", "!?!?")?
bool in_punc_list(std::string_view s) {
  switch (s.size()) {
    case 1:
      return std::string_view(".!?,;:-'\"").find(s[0]) != std::string_view::npos;
    case 2:
      return s == "!!" || s == "??";
    case 3:
      return s == "!!!" || s == "???" || s == "?!?" || s == "!?!";
    case 4:
      return s == "?!?!" || s == "!?!?";
    default:
      return false;
  }
}

// Python's round(x, ndigits) for a float: the exact binary value rounded to ndigits decimals,
// ties to even, read back as the nearest double. The fast path scales and rounds; when the scaled
// value is within 1e-7 of a .5 tie (where the scaling's own rounding error could matter) we ask
// printf, which rounds the exact binary value like Python's dtoa does.
[[gnu::noinline]] double py_round_near_tie(double x, int ndigits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", ndigits, x);
  const double r = std::strtod(buf, nullptr);
  return r == 0 ? std::copysign(0.0, x) : r;
}
// |x * scale| <= 1e4 here, so the integer conversion is an exact floor (no libm call), and the
// result is written without data-dependent branches: these run 4 times per score, on values a
// branch predictor cannot guess.
inline double py_round(double x, int ndigits, double scale) {
  const double y = x * scale;
  double f = static_cast<double>(static_cast<int64_t>(y));
  f -= f > y ? 1.0 : 0.0;
  const double frac = y - f;
  if (std::fabs(frac - 0.5) <= 1e-7) [[unlikely]] {
    return py_round_near_tie(x, ndigits);
  }
  // The quotient has the sign of x, except for a zero, which takes x's sign as in Python.
  return std::copysign((f + (frac < 0.5 ? 0.0 : 1.0)) / scale, x);
}

// Lets the emoji/phrase set-up use string_view keys.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h ^ (h >> 31);
}

// Everything VADER asks about a lower-cased word, found with ONE hash lookup per item. The first
// group describes the word; the second is set per item by the tokeniser.
enum WordFlag : uint32_t {
  kInLexicon = 1u << 0,
  kBooster = 1u << 1,
  kNegation = 1u << 2,  // in NEGATE (the tokeniser folds it into kNegated)
  kKind = 1u << 3,
  kOf = 1u << 4,
  kLeast = 1u << 5,
  kAt = 1u << 6,
  kVery = 1u << 7,
  kBut = 1u << 8,
  kNever = 1u << 9,
  kSoOrThis = 1u << 10,
  kJust = 1u << 11,
  kEnough = 1u << 12,
  kSort = 1u << 13,
  kPhraseStart = 1u << 14,  // first word of a configured phrase
  // Per item:
  kUpper = 1u << 16,     // Python's item.isupper()
  kNegated = 1u << 17,   // NLTK negated([item]): in NEGATE or contains "n't" (lower-cased)
  kAsIs = 1u << 18,      // the item has no upper-case letter, so it equals its lower-case form:
                         // the case-sensitive comparisons ("never", "so", idioms) need this
  kPhrase = 1u << 19,    // a configured phrase spanning several words
  kHasPunct = 1u << 20,  // (while tokenising) the chunk holds punctuation, so maybe "n't"
};

// The word part of the flags fits in 16 bits (WordInfo::flags).
static_assert(kPhraseStart <= 0xFFFF);

// What the table knows about a word. 16 bytes, so a table slot (key words + this) is 32 bytes:
// two per cache line.
struct WordInfo {
  double valence = 0;
  uint32_t key_length = 0;  // owned by WordTable: 0 marks an empty slot
  uint16_t flags = 0;       // WordFlag (word part)
  int8_t booster = 0;       // +1 booster (B_INCR), -1 dampener (B_DECR)
  uint8_t idiom_word = 0;   // 1-based index into kIdiomWords
};

// Bytes [p, p + n) as two zero-padded little-endian words. Reads 16 bytes from p: callers keep
// 16 readable bytes after every key (Scratch::lower is padded).
struct KeyWords {
  uint64_t a;
  uint64_t b;
};
inline uint64_t masked_load(const char* p, size_t n) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return n >= 8 ? v : v & ((uint64_t{1} << (8 * n)) - 1);
}
inline KeyWords key_words(const char* p, size_t n) {
  return {masked_load(p, n), n > 8 ? masked_load(p + 8, n - 8) : 0};
}

// Open addressing (linear probing, load <= 1/2) over 32-byte slots holding the first 16 key bytes
// and the WordInfo inline: a lookup is two multiplies and usually ONE cache line, compared as
// integers; only keys longer than 16 bytes compare their tail in the arena. (Profiling showed the
// earlier slot-index -> entry indirection stalling on the second, dependent load.)
class WordTable {
 public:
  // Returns the entry of `key`, adding an empty one if needed. Pointers to entries stay valid
  // until the next insert.
  WordInfo& insert(std::string_view key) {
    // No item is empty (items have 2+ characters): an empty key can never match.
    if (key.empty()) return ignored_;
    const size_t head = std::min<size_t>(key.size(), 16);
    char buf[16] = {};
    std::memcpy(buf, key.data(), head);
    const KeyWords kw = key_words(buf, head);
    if (WordInfo* existing = find_mut(kw, key.data(), key.size())) return *existing;
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 1024 : slots_.size() * 2);
    Slot slot{};
    slot.a = kw.a;
    slot.b = kw.b;
    slot.info.key_length = static_cast<uint32_t>(key.size());
    const auto tail = static_cast<uint32_t>(arena_.size());
    if (key.size() > 16) arena_.append(key.substr(16));
    ++size_;
    return slots_[place(slot, tail)].info;
  }
  // p must have 16 readable bytes.
  const WordInfo* find(const char* p, size_t n) const {
    return const_cast<WordTable*>(this)->find_mut(key_words(p, n), p, n);
  }
  // Starts loading the slot where find(p, n) begins (p must have 16 readable bytes).
  void prefetch(const char* p, size_t n) const {
    __builtin_prefetch(slots_.data() + index_of(hash(key_words(p, n), n)));
  }
  // For set-up code without padding.
  const WordInfo* find(std::string_view key) const {
    const size_t head = std::min<size_t>(key.size(), 16);
    char buf[16] = {};
    std::memcpy(buf, key.data(), head);
    return const_cast<WordTable*>(this)->find_mut(key_words(buf, head), key.data(), key.size());
  }
  // Slot numbers, for side tables built after the last insert.
  size_t capacity() const { return slots_.size(); }
  size_t slot_of(const WordInfo* info) const {
    return static_cast<size_t>(reinterpret_cast<const Slot*>(info) - slots_.data());
  }

 private:
  struct Slot {
    WordInfo info;  // first member: a WordInfo* is its Slot*
    uint64_t a;
    uint64_t b;
  };
  static_assert(sizeof(Slot) == 32);
  // Multiplicative hashing: the index is taken from the TOP bits of the product, where every
  // input byte has an effect (two multiplies, no further mixing).
  static uint64_t hash(const KeyWords& k, size_t n) {
    return (k.a * 0x9E3779B97F4A7C15ULL) ^ ((k.b + n) * 0xC2B2AE3D27D4EB4FULL);
  }
  size_t index_of(uint64_t h) const { return static_cast<size_t>(h >> shift_); }
  WordInfo* find_mut(const KeyWords& k, const char* p, size_t n) {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = index_of(hash(k, n));; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.info.key_length == 0) return nullptr;
      if (slot.a == k.a && slot.b == k.b && slot.info.key_length == n &&
          (n <= 16 || std::memcmp(arena_.data() + tails_[i], p + 16, n - 16) == 0)) {
        return &slot.info;
      }
    }
  }
  size_t place(const Slot& slot, uint32_t tail) {
    const size_t mask = slots_.size() - 1;
    size_t i = index_of(hash({slot.a, slot.b}, slot.info.key_length));
    while (slots_[i].info.key_length != 0) i = (i + 1) & mask;
    slots_[i] = slot;
    tails_[i] = tail;
    return i;
  }
  void rehash(size_t n) {
    std::vector<Slot> old = std::move(slots_);
    std::vector<uint32_t> old_tails = std::move(tails_);
    slots_.assign(n, Slot{});
    tails_.assign(n, 0);
    shift_ = 64 - std::countr_zero(n);
    for (size_t k = 0; k < old.size(); ++k) {
      if (old[k].info.key_length != 0) place(old[k], old_tails[k]);
    }
  }

  std::string arena_;            // key bytes after the 16th
  std::vector<Slot> slots_;      // size is a power of two
  std::vector<uint32_t> tails_;  // per slot: offset of its key's tail in arena_
  size_t size_ = 0;
  int shift_ = 64;  // 64 - log2(slots_.size())
  WordInfo ignored_;
};

// One item of NLTK's words_and_emoticons with everything the rules ask about it, computed once
// when the text is tokenised.
struct Token {
  uint32_t begin;        // the item's bytes in the scored text (punctuation stripped);
  uint32_t end;          // a phrase spans its words
  uint32_t chunk_begin;  // the whitespace-delimited chunk(s) it came from, for score_parts
  uint32_t chunk_end;
  uint32_t lower_at;  // the lower-cased item in Scratch::lower (used while tokenising)
  uint32_t lower_len;
  uint32_t flags;      // WordFlag
  int8_t booster;      // WordInfo::booster
  uint8_t idiom_word;  // WordInfo::idiom_word if the item is exactly that word, else 0
  double valence;      // lexicon (or phrase) valence when kInLexicon
  const void* id;      // the word-table entry of the lower-cased item (or the phrase): equal
                       // ids are a cheap pre-check for equal item texts
};

// Grow-only storage for a post's items: no per-item capacity check or zeroing (vector's
// push_back and resize cost ~30 instructions per item).
template <class T>
struct GrowOnlyArray {
  std::unique_ptr<T[]> data;
  size_t capacity = 0;
  size_t size = 0;
  void reset(size_t max_size) {
    if (max_size > capacity) {
      capacity = std::max(max_size, 2 * capacity);
      data.reset(new T[capacity]);
    }
    size = 0;
  }
  T& operator[](size_t k) { return data[k]; }
  const T& operator[](size_t k) const { return data[k]; }
};

// Per-thread scratch, reused across posts so the steady state allocates nothing.
struct Scratch {
  std::string emoji_text;
  // Lower-cased items. Bytes [0, text size) mirror the text for ASCII chunks (lower-cased in
  // place, same offsets); non-ASCII items are appended after it, each followed by padding.
  std::string lower;
  GrowOnlyArray<Token> tokens;
  uint32_t exclamations = 0;  // '!' and '?' in the whole text (score_valence counts in the text)
  uint32_t questions = 0;
  bool non_ascii = false;  // some byte >= 0x80 outside whitespace (emoji need one)
  // score_items():
  GrowOnlyArray<uint32_t> lexicon_items;
  GrowOnlyArray<const void*> lexicon_ids;  // Token::id of each lexicon item, contiguous to scan
  GrowOnlyArray<double> lexicon_values;
  std::vector<uint32_t> slots;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}
// score_parts() keeps the whole post's items in scratch() while a part that cannot share them is
// scored on its own here.
Scratch& part_scratch() {
  thread_local Scratch s;
  return s;
}

constexpr size_t kKeyPad = 16;

// SWAR helpers on 8 bytes in a uint64_t whose lanes are all < 0x80 (callers clear bit 7 first, so
// no addition carries into the next lane). A lane's result is its bit 7.
constexpr uint64_t kLaneOnes = 0x0101010101010101ULL;
constexpr uint64_t kLaneHigh = 0x8080808080808080ULL;
inline uint64_t lanes_ge(uint64_t x, unsigned c) {
  return (x + (0x80 - c) * kLaneOnes) & kLaneHigh;
}
inline uint64_t lanes_eq(uint64_t x, unsigned c) {
  const uint64_t t = x ^ (c * kLaneOnes);
  return ~(t + 0x7F * kLaneOnes) & kLaneHigh;
}
inline uint32_t lane_count(uint64_t m) {
  return static_cast<uint32_t>(((m >> 7) * kLaneOnes) >> 56);
}

}  // namespace

struct VaderTables {
  WordTable words;
  struct EmojiEntry {
    std::string sequence;  // UTF-8 bytes
    std::string name;      // lower-case words
  };
  // First code point -> candidate sequences, longest first.
  std::unordered_map<uint32_t, std::vector<EmojiEntry>> emoji;
  bool ascii_emoji_start[128] = {};
  struct Phrase {
    std::vector<std::string> words;
    std::vector<const WordInfo*> word_ids;  // the word-table entries of `words`
    std::string text;
    double valence;
  };
  std::vector<Phrase> phrases;
  // Phrases by first word, longest phrase first; phrase_list_of_slot[word-table slot of the
  // first word] is the 1-based index of its list.
  std::vector<std::vector<size_t>> phrase_lists;
  std::vector<uint32_t> phrase_list_of_slot;
};

namespace {

void load_emoji(VaderTables& t) {
  std::string_view data = embedded_emoji_test();
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data = nl == std::string_view::npos ? std::string_view{} : data.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    // "1F44D 1F3FD ; fully-qualified # 👍🏽 E1.0 thumbs up: medium skin tone"
    const size_t semi = line.find(';');
    const size_t hash = line.find('#', semi == std::string_view::npos ? 0 : semi);
    if (semi == std::string_view::npos || hash == std::string_view::npos) continue;
    std::string seq;
    uint32_t first_cp = 0;
    std::string_view cps = line.substr(0, semi);
    while (!cps.empty()) {
      while (!cps.empty() && cps.front() == ' ') cps.remove_prefix(1);
      if (cps.empty()) break;
      const uint32_t cp =
          static_cast<uint32_t>(std::strtoul(std::string(cps.substr(0, 8)).c_str(), nullptr, 16));
      if (seq.empty()) first_cp = cp;
      ut::append_utf8(seq, cp);
      const size_t sp = cps.find(' ');
      cps = sp == std::string_view::npos ? std::string_view{} : cps.substr(sp);
    }
    // After '#': " <emoji> E<version> <name>".
    std::string_view rest = line.substr(hash + 1);
    const size_t e = rest.find(" E");
    if (e == std::string_view::npos) continue;
    rest = rest.substr(e + 2);
    const size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) continue;
    const std::string_view name = rest.substr(sp + 1);
    std::string lower;
    ut::append_lower(name, lower);
    // Names such as "ON! arrow" would otherwise add '!' emphasis to the post.
    std::string clean;
    for (char c : lower) {
      if (c != '!' && c != '?') clean.push_back(c);
    }
    auto& list = t.emoji[first_cp];
    bool dup = false;
    for (const auto& existing : list) dup = dup || existing.sequence == seq;
    if (!dup) list.push_back({seq, clean});
    if (first_cp < 128) t.ascii_emoji_start[first_cp] = true;
  }
  for (auto& [cp, list] : t.emoji) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.sequence.size() > b.sequence.size();
    });
  }
}

// vaderSentiment >= 3.3 replaces each emoji by its description before scoring. We match whole
// emoji sequences (longest first, so a skin-tone or ZWJ sequence gets its own name) and surround
// the name with spaces on both sides (vaderSentiment only adds one before, gluing the name to a
// following word).
// Returns `text` itself when it holds no emoji. The caller skips texts without a non-ASCII byte.
std::string_view replace_emoji(const VaderTables& t, std::string_view text, std::string& out) {
  out.clear();
  const char* p = text.data();
  const char* end = p + text.size();
  bool replaced = false;
  while (p < end) {
    uint32_t cp;
    const int len = ut::decode(p, end, cp);
    const VaderTables::EmojiEntry* hit = nullptr;
    if (cp >= 128 || t.ascii_emoji_start[cp]) {
      auto it = t.emoji.find(cp);
      if (it != t.emoji.end()) {
        const size_t left = static_cast<size_t>(end - p);
        for (const auto& entry : it->second) {
          if (entry.sequence.size() <= left &&
              std::memcmp(entry.sequence.data(), p, entry.sequence.size()) == 0) {
            hit = &entry;
            break;
          }
        }
      }
    }
    if (hit != nullptr) {
      out.push_back(' ');
      out.append(hit->name);
      out.push_back(' ');
      p += hit->sequence.size();
      replaced = true;
    } else {
      out.append(p, static_cast<size_t>(len));
      p += len;
    }
  }
  return replaced ? std::string_view(out) : text;
}

// Counts '!' and '?' in text, eight bytes per step.
void count_emphasis(std::string_view text, uint32_t& exclamations, uint32_t& questions) {
  size_t k = 0;
  for (; k + 8 <= text.size(); k += 8) {
    uint64_t v;
    std::memcpy(&v, text.data() + k, 8);
    // Bytes >= 0x80 are cleared to a value that is neither '!' nor '?'.
    const uint64_t x = v & ~kLaneHigh;
    const uint64_t ascii = ~v & kLaneHigh;
    exclamations += lane_count(lanes_eq(x, '!') & ascii);
    questions += lane_count(lanes_eq(x, '?') & ascii);
  }
  for (; k < text.size(); ++k) {
    exclamations += text[k] == '!';
    questions += text[k] == '?';
  }
}

// Does the lower-cased item [p, p + n) contain "n't"? (A loop: string_view::find calls memchr.)
bool contains_nt(const char* p, size_t n) {
  for (size_t k = 1; k + 1 < n; ++k) {
    if (p[k] == '\'' && p[k - 1] == 'n' && p[k + 1] == 't') return true;
  }
  return false;
}

// NLTK SentiText._words_and_emoticons in one pass over the bytes: split on Python whitespace,
// drop items of one character, strip punctuation from an item when it is exactly
// <PUNC_LIST entry><word> or <word><PUNC_LIST entry> with a word of 2+ characters free of ASCII
// punctuation (that is what the words_punc_dict lookup amounts to; "'cat'" or "cat!!!!" stay as
// they are). On the way each ASCII chunk is lower-cased into s.lower, its isupper() found, '!'
// and '?' counted, and each item looked up once in the word table. Non-ASCII bytes take the
// Unicode-table path.
void tokenize(const VaderTables& t, std::string_view text, Scratch& s) {
  const size_t size = text.size();
  // Items have 2+ bytes and are separated by whitespace.
  s.tokens.reset(size / 3 + 1);
  Token* const tokens = s.tokens.data.get();
  size_t count = 0;
  // Counters live in locals: stores through the char* lower-case buffer could alias Scratch's
  // fields and force a reload per byte.
  uint32_t exclamations = 0;
  uint32_t questions = 0;
  bool non_ascii = false;
  // A copy of the text padded with spaces: the SWAR loop reads 8 bytes at a time and stops at
  // the padding, and word-table keys read 16 bytes. ASCII items are lower-cased in place.
  s.lower.resize(size + kKeyPad);
  std::memcpy(s.lower.data(), text.data(), size);
  std::memset(s.lower.data() + size, ' ', kKeyPad);
  const char* const base = text.data();
  const char* const limit = base + size;
  const auto* bytes = reinterpret_cast<const unsigned char*>(base);
  size_t p = 0;
  while (p < size) {
    uint8_t c = kByteClass[bytes[p]];
    if (c & kByteSpace) {
      ++p;
      continue;
    }
    if (c & kByteHigh) {
      uint32_t cp;
      const int len = ut::decode(base + p, limit, cp);
      if (ut::is_space(cp)) {
        p += static_cast<size_t>(len);
        continue;
      }
    }
    // One chunk: [start, p).
    const size_t start = p;
    char* const lower = s.lower.data();
    uint64_t upper_lanes = 0;  // OR of the lanes holding A-Z / a-z
    uint64_t lower_lanes = 0;
    uint32_t punct = 0;          // ASCII punctuation bytes
    size_t multibyte_extra = 0;  // bytes beyond the first of multi-byte code points
    bool high = false;
    // Eight bytes per step (SWAR) from the padded copy; a step ends at the first byte that is
    // not printable ASCII, which the scalar code below classifies.
    while (true) {
      uint64_t v;
      std::memcpy(&v, lower + p, 8);
      const uint64_t x = v & ~kLaneHigh;
      const uint64_t stop = (v & kLaneHigh) | (~lanes_ge(x, 0x21) & kLaneHigh);
      const size_t lanes = stop == 0 ? 8 : static_cast<size_t>(std::countr_zero(stop)) >> 3;
      // All bits below the first stop bit (all bits if none): it keeps bit 7 of exactly the
      // lanes before the stop, the only bit the lane masks below use.
      const uint64_t mask = (stop & (~stop + 1)) - 1;
      // Letters: fold case (set bit 5) and test one range; bit 5, shifted to bit 7, then tells
      // lower from upper case.
      const uint64_t folded = x | (0x20 * kLaneOnes);
      const uint64_t alpha = lanes_ge(folded, 'a') & ~lanes_ge(folded, 'z' + 1) & mask;
      const uint64_t up = alpha & ~(x << 2);
      upper_lanes |= up;
      lower_lanes |= alpha & (x << 2);
      // Most steps are all letters: digits and punctuation are looked at only otherwise.
      const uint64_t other = mask & kLaneHigh & ~alpha;
      if (other != 0) {
        // string.punctuation: printable (lanes before the stop are >= 0x21), not DEL, not a
        // letter or digit.
        const uint64_t digit = lanes_ge(x, '0') & ~lanes_ge(x, '9' + 1);
        const uint64_t pu = other & ~(digit | lanes_ge(x, 0x7F));
        if (pu != 0) {
          punct += lane_count(pu);
          exclamations += lane_count(lanes_eq(x, '!') & mask);
          questions += lane_count(lanes_eq(x, '?') & mask);
        }
      }
      // 'A'-'Z' + 0x20; lanes past the step are written back unchanged.
      const uint64_t lowered = v | (up >> 2);
      std::memcpy(lower + p, &lowered, 8);
      p += lanes;
      if (lanes == 8) continue;
      if (p >= size) break;
      c = kByteClass[bytes[p]];
      if (c & kByteSpace) break;
      if (c & kByteHigh) {
        uint32_t cp;
        const int len = ut::decode(base + p, limit, cp);
        if (ut::is_space(cp)) break;
        high = true;
        p += static_cast<size_t>(len);
        multibyte_extra += static_cast<size_t>(len - 1);
        continue;
      }
      ++p;  // a control character that Python does not call whitespace: part of the item
    }
    uint32_t seen = (upper_lanes ? kByteUpper : 0) | (lower_lanes ? kByteLower : 0);
    const size_t chunk_len = p - start;
    // Before dropping one-character items: a lone emoji still becomes its name.
    non_ascii |= high;
    if (chunk_len - multibyte_extra <= 1) continue;

    // Python len() of [from, to): bytes for ASCII, code points otherwise.
    auto chars = [&](size_t from, size_t to) {
      return high ? ut::length(text.substr(from, to - from)) : to - from;
    };
    size_t wb = start;
    size_t we = p;
    if (punct > 0) {
      size_t lead = 0;
      while (lead < chunk_len && (kByteClass[bytes[start + lead]] & kBytePunct)) ++lead;
      if (lead > 0) {
        // The rest must hold no punctuation at all: every punctuation byte is in the prefix.
        if (punct == lead && lead < chunk_len && in_punc_list(text.substr(start, lead)) &&
            chars(start + lead, p) > 1) {
          wb = start + lead;
        }
      } else {
        size_t trail = 0;
        while (trail < chunk_len && (kByteClass[bytes[p - 1 - trail]] & kBytePunct)) ++trail;
        if (trail > 0 && punct == trail && in_punc_list(text.substr(p - trail, trail)) &&
            chars(start, p - trail) > 1) {
          we = p - trail;
        }
      }
    }

    Token& tok = tokens[count++];
    tok.begin = static_cast<uint32_t>(wb);
    tok.end = static_cast<uint32_t>(we);
    tok.chunk_begin = static_cast<uint32_t>(start);
    tok.chunk_end = static_cast<uint32_t>(p);
    uint32_t flags = punct > 0 ? uint32_t{kHasPunct} : 0u;
    if (!high) {
      // Stripped bytes are punctuation (uncased), so the chunk's case is the item's.
      tok.lower_at = static_cast<uint32_t>(wb);
      tok.lower_len = static_cast<uint32_t>(we - wb);
      if ((seen & kByteUpper) && !(seen & kByteLower)) flags |= kUpper;
      if (!(seen & kByteUpper)) flags |= kAsIs;
    } else {
      const std::string_view item = text.substr(wb, we - wb);
      const size_t at = s.lower.size();
      ut::append_lower(item, s.lower);
      tok.lower_at = static_cast<uint32_t>(at);
      tok.lower_len = static_cast<uint32_t>(s.lower.size() - at);
      s.lower.append(kKeyPad, '\0');
      if (ut::is_upper(item)) flags |= kUpper;
      // kAsIs only serves comparisons with ASCII words, which a non-ASCII item never equals.
    }
    tok.flags = flags;
    // The table is too big for the L1 cache: start loading this item's slot now and look it up
    // after the whole text is split, so the loads overlap instead of stalling one by one.
    t.words.prefetch(s.lower.data() + tok.lower_at, tok.lower_len);
  }

  const char* const lower = s.lower.data();
  for (size_t k = 0; k < count; ++k) {
    Token& tok = tokens[k];
    const char* lw = lower + tok.lower_at;
    const size_t ln = tok.lower_len;
    // A word outside the table reads an all-zero entry: no branch on the lookup's outcome.
    static constexpr WordInfo kNoWord{};
    const WordInfo* info = t.words.find(lw, ln);
    if (info == nullptr) info = &kNoWord;
    uint32_t flags = tok.flags | info->flags;
    tok.booster = info->booster;
    tok.valence = info->valence;
    tok.id = info;
    tok.idiom_word = (flags & kAsIs) ? info->idiom_word : 0;
    // "n't" needs an apostrophe, i.e. punctuation in the chunk.
    if ((flags & kNegation) || ((flags & kHasPunct) && contains_nt(lw, ln))) flags |= kNegated;
    tok.flags = flags;
  }
  s.tokens.size = count;
  s.exclamations = exclamations;
  s.questions = questions;
  s.non_ascii = non_ascii;
}

// A configured phrase starting at an item becomes one item (longest match first); its words are
// then not scored separately.
void merge_phrases(const VaderTables& t, std::string_view text, Scratch& s) {
  GrowOnlyArray<Token>& w = s.tokens;
  const size_t n = w.size;
  size_t out = 0;
  for (size_t k = 0; k < n; ++k) {
    const Token tk = w[k];
    if (tk.flags & kPhraseStart) {
      const auto* info = static_cast<const WordInfo*>(tk.id);
      const VaderTables::Phrase* match = nullptr;
      const uint32_t list = t.phrase_list_of_slot[t.words.slot_of(info)];
      for (size_t idx : t.phrase_lists[list - 1]) {
        const VaderTables::Phrase& ph = t.phrases[idx];
        if (k + ph.words.size() > n) continue;
        bool ok = true;
        for (size_t j = 1; j < ph.words.size() && ok; ++j) ok = w[k + j].id == ph.word_ids[j];
        if (ok) {
          match = &ph;
          break;
        }
      }
      if (match != nullptr) {
        const Token& last = w[k + match->words.size() - 1];
        Token m{};
        m.begin = tk.begin;
        m.end = last.end;
        m.chunk_begin = tk.chunk_begin;
        m.chunk_end = last.chunk_end;
        m.valence = match->valence;
        m.id = match;
        m.flags = kInLexicon | kPhrase;
        if (ut::is_upper(text.substr(m.begin, m.end - m.begin))) m.flags |= kUpper;
        w[out++] = m;
        k += match->words.size() - 1;
        continue;
      }
    }
    w[out++] = tk;
  }
  w.size = out;
}

bool same_text(const char* text, const Token& a, const Token& b) {
  return a.end - a.begin == b.end - b.begin &&
         std::memcmp(text + a.begin, text + b.begin, a.end - a.begin) == 0;
}

// The valence NLTK's sentiment_valence() gives item i of w[0, n) (only called for items with
// kInLexicon: every other item scores 0 whatever its context).
double item_valence(const Token* w, size_t n, size_t i, bool cap_diff, bool any_idiom_word) {
  const Token& item = w[i];
  // polarity_scores: "kind" followed by "of", and boosters, score 0.
  if ((i + 1 < n && (item.flags & kKind) && (w[i + 1].flags & kOf)) || (item.flags & kBooster)) {
    return 0;
  }
  auto in_lex = [&](size_t k) { return (w[k].flags & kInLexicon) != 0; };
  auto exactly = [&](size_t k, uint32_t flag) {
    return (w[k].flags & (flag | kAsIs)) == (flag | kAsIs);
  };

  double valence = item.valence;
  if ((item.flags & kUpper) && cap_diff) {
    if (valence > 0) {
      valence += kCIncr;
    } else {
      valence -= kCIncr;
    }
  }

  // scalar_inc_dec.
  auto scalar_inc_dec = [&](const Token& t, double v) {
    double scalar = 0.0;
    if (t.flags & kBooster) {
      scalar = t.booster > 0 ? kBIncr : kBDecr;
      if (v < 0) scalar *= -1;
      if ((t.flags & kUpper) && cap_diff) {
        if (v > 0) {
          scalar += kCIncr;
        } else {
          scalar -= kCIncr;
        }
      }
    }
    return scalar;
  };

  // _never_check: note the case-sensitive comparisons with "never"/"so"/"this", as in NLTK.
  auto never_check = [&](double v, int start_i) {
    if (start_i == 0) {
      if (w[i - 1].flags & kNegated) v *= kNScalar;
    } else if (start_i == 1) {
      if (exactly(i - 2, kNever) && exactly(i - 1, kSoOrThis)) {
        v *= 1.5;
      } else if (w[i - 2].flags & kNegated) {
        v *= kNScalar;
      }
    } else {
      // NLTK's condition is `(never at i-3 and so/this at i-2) or (so/this at i-1)`.
      if ((exactly(i - 3, kNever) && exactly(i - 2, kSoOrThis)) || exactly(i - 1, kSoOrThis)) {
        v *= 1.25;
      } else if (w[i - 3].flags & kNegated) {
        v *= kNScalar;
      }
    }
    return v;
  };

  // Does the run [from, from + len) spell an idiom? Sets out to its valence.
  auto idiom_value = [&](size_t from, int len, double& out) {
    if (w[from].idiom_word == 0) return false;  // most items start no idiom
    for (const Idiom& idiom : kIdioms) {
      if (idiom.length != len) continue;
      bool match = true;
      for (int k = 0; k < len && match; ++k) {
        match = w[from + static_cast<size_t>(k)].idiom_word == idiom.words[k];
      }
      if (match) {
        out = idiom.valence;
        return true;
      }
    }
    return false;
  };
  // Two items joined by a space found in BOOSTER_DICT: only "just enough", "kind of", "sort of".
  auto booster_bigram = [&](size_t a) {
    return (exactly(a, kJust) && exactly(a + 1, kEnough)) ||
           ((exactly(a, kKind) || exactly(a, kSort)) && exactly(a + 1, kOf));
  };
  // _idioms_check (reached only with i > 2).
  auto idioms_check = [&](double v) {
    if (any_idiom_word) {
      // Sequences in NLTK's order: onezero, twoonezero, twoone, threetwoone, threetwo.
      double iv = 0;
      if (idiom_value(i - 1, 2, iv) || idiom_value(i - 2, 3, iv) || idiom_value(i - 2, 2, iv) ||
          idiom_value(i - 3, 3, iv) || idiom_value(i - 3, 2, iv)) {
        v = iv;
      }
      if (n - 1 > i && idiom_value(i, 2, iv)) v = iv;
      if (n - 1 > i + 1 && idiom_value(i, 3, iv)) v = iv;
    }
    if (booster_bigram(i - 3) || booster_bigram(i - 2)) v = v + kBDecr;
    return v;
  };

  for (int start_i = 0; start_i < 3; ++start_i) {
    const size_t su = static_cast<size_t>(start_i);
    if (i > su && !in_lex(i - (su + 1))) {
      double sc = scalar_inc_dec(w[i - (su + 1)], valence);
      if (start_i == 1 && sc != 0) sc = sc * 0.95;
      if (start_i == 2 && sc != 0) sc = sc * 0.9;
      valence = valence + sc;
      valence = never_check(valence, start_i);
      if (start_i == 2) valence = idioms_check(valence);
    }
  }

  // _least_check.
  if (i > 1 && !in_lex(i - 1) && (w[i - 1].flags & kLeast)) {
    if (!(w[i - 2].flags & (kAt | kVery))) valence *= kNScalar;
  } else if (i > 0 && !in_lex(i - 1) && (w[i - 1].flags & kLeast)) {
    valence *= kNScalar;
  }
  return valence;
}

// polarity_scores() + _but_check() + score_valence() over the items w[0, n) of a text (whose
// bytes `text` the items index into) with `exclamations` '!' and `questions` '?'. Every rule
// looks only at items inside [0, n), so a sub-range of a post's items scores exactly like the
// corresponding substring.
SentimentScores score_items(const Token* w, size_t n, const char* text, uint32_t exclamations,
                            uint32_t questions, Scratch& s) {
  if (n == 0) return {};
  size_t allcap = 0;
  size_t but_at = n;
  bool any_idiom_word = false;
  s.lexicon_items.reset(n);
  s.lexicon_ids.reset(n);
  uint32_t* const lexicon_items = s.lexicon_items.data.get();
  const void** const lexicon_ids = s.lexicon_ids.data.get();
  size_t nl = 0;
  for (size_t k = 0; k < n; ++k) {
    const uint32_t f = w[k].flags;
    allcap += (f & kUpper) ? 1 : 0;
    if ((f & kBut) && but_at == n) but_at = k;
    any_idiom_word |= w[k].idiom_word != 0;
    // Written for every item, kept (nl advanced) for lexicon items only: no branch.
    lexicon_items[nl] = static_cast<uint32_t>(k);
    lexicon_ids[nl] = w[k].id;
    nl += (f & kInLexicon) ? 1 : 0;
  }
  // SentiText.allcap_differential.
  const bool cap_diff = allcap > 0 && allcap < n;

  // NLTK looks each item up with words_and_emoticons.index(item): a repeated item is scored in
  // the context of its FIRST occurrence. Only lexicon items can score non-zero, so only they need
  // it; first[m] indexes lexicon_items.
  s.lexicon_values.reset(nl);
  auto first_of = [&](size_t m) -> size_t {
    const void* id = lexicon_ids[m];
    for (size_t q = 0; q < m; ++q) {
      if (lexicon_ids[q] == id && same_text(text, w[lexicon_items[q]], w[lexicon_items[m]])) {
        return q;
      }
    }
    return m;
  };
  // Long texts: a hash of the item text instead of the quadratic scan.
  const bool hashed = nl > 32;
  size_t cap = 0;
  if (hashed) {
    cap = 64;
    while (cap < 2 * nl) cap *= 2;
    s.slots.assign(cap, 0);
  }
  auto first_hashed = [&](size_t m) -> size_t {
    const Token& t = w[s.lexicon_items[m]];
    size_t h = hash_bytes(std::string_view(text + t.begin, t.end - t.begin)) & (cap - 1);
    while (true) {
      const uint32_t slot = s.slots[h];
      if (slot == 0) {
        s.slots[h] = static_cast<uint32_t>(m + 1);
        return m;
      }
      const Token& o = w[s.lexicon_items[slot - 1]];
      if (o.id == t.id && same_text(text, o, t)) return slot - 1;
      h = (h + 1) & (cap - 1);
    }
  };

  // score_valence. Python sums left to right; items scoring 0 do not change a sum, so summing
  // the lexicon items in order gives the same doubles.
  double sum_s = 0;
  double pos_sum = 0;
  double neg_sum = 0;
  size_t non_zero = 0;
  for (size_t m = 0; m < nl; ++m) {
    const size_t j = s.lexicon_items[m];
    const size_t first = hashed ? first_hashed(m) : first_of(m);
    double v =
        first == m ? item_valence(w, n, j, cap_diff, any_idiom_word) : s.lexicon_values[first];
    s.lexicon_values[m] = v;
    // _but_check: the first "but" halves what precedes it and multiplies what follows by 1.5.
    if (but_at < n) {
      if (j < but_at) {
        v *= 0.5;
      } else if (j > but_at) {
        v *= 1.5;
      }
    }
    sum_s += v;
    // Branch-free: adding +0.0 leaves these sums unchanged (they are never -0.0).
    pos_sum += v > 0 ? v + 1 : 0.0;
    neg_sum += v < 0 ? v - 1 : 0.0;
    non_zero += v != 0 ? 1 : 0;
  }
  const size_t neu_count = n - non_zero;

  size_t ep = exclamations;
  if (ep > 4) ep = 4;
  const double ep_amp = static_cast<double>(ep) * 0.292;
  double qm_amp = 0;
  if (questions > 1) qm_amp = questions <= 3 ? static_cast<double>(questions) * 0.18 : 0.96;
  const double amp = ep_amp + qm_amp;
  if (sum_s > 0) {
    sum_s += amp;
  } else if (sum_s < 0) {
    sum_s -= amp;
  }
  const double compound = sum_s / std::sqrt(sum_s * sum_s + 15);

  if (pos_sum > std::fabs(neg_sum)) {
    pos_sum += amp;
  } else if (pos_sum < std::fabs(neg_sum)) {
    neg_sum -= amp;
  }
  const double total = pos_sum + std::fabs(neg_sum) + static_cast<double>(neu_count);
  SentimentScores out;
  out.compound = py_round(compound, 4, 1e4);
  out.pos = py_round(std::fabs(pos_sum / total), 3, 1e3);
  out.neu = py_round(std::fabs(static_cast<double>(neu_count) / total), 3, 1e3);
  out.neg = py_round(std::fabs(neg_sum / total), 3, 1e3);
  return out;
}

}  // namespace

struct VaderScorer::Tables : VaderTables {};

namespace {

// Tokenises `text` into s (emoji replaced first when enabled) and returns the text the items
// index into: `text` itself, or s.emoji_text.
std::string_view prepare(const VaderTables& t, bool emoji, std::string_view text, Scratch& s) {
  tokenize(t, text, s);
  // Every emoji sequence has a non-ASCII code point outside whitespace (keycaps end in U+20E3),
  // so ASCII posts, the common case, skip the emoji scan.
  if (emoji && s.non_ascii) {
    const std::string_view replaced = replace_emoji(t, text, s.emoji_text);
    if (replaced.data() != text.data()) {
      text = replaced;
      tokenize(t, text, s);
    }
  }
  if (!t.phrases.empty()) merge_phrases(t, text, s);
  return text;
}

SentimentScores score_with(const VaderTables& t, bool emoji, std::string_view input, Scratch& s) {
  const std::string_view text =
      prepare(t, emoji, ut::truncate_utf8(input, VaderScorer::kMaxScoredBytes), s);
  return score_items(s.tokens.data.get(), s.tokens.size, text.data(), s.exclamations, s.questions,
                     s);
}

}  // namespace

VaderScorer::VaderScorer(const Lexicon& lexicon, VaderOptions options)
    : lexicon_(lexicon), options_(std::move(options)) {
  auto t = std::make_unique<Tables>();
  lexicon_.for_each([&](std::string_view word, double valence) {
    WordInfo& info = t->words.insert(word);
    info.valence = valence;
    info.flags |= kInLexicon;
  });
  for (const char* w : kNegate) t->words.insert(w).flags |= kNegation;
  for (const char* w : kBoostIncr) {
    WordInfo& info = t->words.insert(w);
    info.flags |= kBooster;
    info.booster = 1;
  }
  for (const char* w : kBoostDecr) {
    WordInfo& info = t->words.insert(w);
    info.flags |= kBooster;
    info.booster = -1;
  }
  t->words.insert("kind").flags |= kKind;
  t->words.insert("of").flags |= kOf;
  t->words.insert("least").flags |= kLeast;
  t->words.insert("at").flags |= kAt;
  t->words.insert("very").flags |= kVery;
  t->words.insert("but").flags |= kBut;
  t->words.insert("never").flags |= kNever;
  t->words.insert("so").flags |= kSoOrThis;
  t->words.insert("this").flags |= kSoOrThis;
  t->words.insert("just").flags |= kJust;
  t->words.insert("enough").flags |= kEnough;
  t->words.insert("sort").flags |= kSort;
  for (size_t k = 0; k < std::size(kIdiomWords); ++k) {
    t->words.insert(kIdiomWords[k]).idiom_word = static_cast<uint8_t>(k + 1);
  }
  if (options_.emoji) load_emoji(*t);
  for (const auto& [text, valence] : options_.phrases) {
    VaderTables::Phrase ph;
    std::string lower;
    ut::append_lower(text, lower);
    size_t i = 0;
    while (i < lower.size()) {
      while (i < lower.size() && lower[i] == ' ') ++i;
      size_t j = i;
      while (j < lower.size() && lower[j] != ' ') ++j;
      if (j > i) ph.words.emplace_back(lower.substr(i, j - i));
      i = j;
    }
    if (ph.words.empty()) continue;
    for (const auto& w : ph.words) ph.text += (ph.text.empty() ? "" : " ") + w;
    ph.valence = valence;
    t->phrases.push_back(std::move(ph));
  }
  // Every phrase word gets a table entry, so an item matches a phrase word when their entries
  // are the same (no string compare per item). Entries are resolved after the last insert: the
  // table may move them while it grows.
  for (const auto& ph : t->phrases) {
    for (const auto& w : ph.words) t->words.insert(w);
  }
  std::unordered_map<std::string, size_t, StringViewHash, std::equal_to<>> list_of;
  for (size_t k = 0; k < t->phrases.size(); ++k) {
    auto& ph = t->phrases[k];
    for (const auto& w : ph.words) ph.word_ids.push_back(t->words.find(w));
    auto [it, added] = list_of.try_emplace(ph.words[0], t->phrase_lists.size());
    if (added) t->phrase_lists.emplace_back();
    t->phrase_lists[it->second].push_back(k);
  }
  for (auto& list : t->phrase_lists) {
    std::stable_sort(list.begin(), list.end(), [&](size_t a, size_t b) {
      return t->phrases[a].words.size() > t->phrases[b].words.size();
    });
  }
  t->phrase_list_of_slot.assign(t->words.capacity(), 0);
  for (const auto& [word, index] : list_of) {
    // The entry exists (inserted above), so this insert adds nothing and moves nothing.
    WordInfo& info = t->words.insert(word);
    info.flags |= kPhraseStart;
    t->phrase_list_of_slot[t->words.slot_of(&info)] = static_cast<uint32_t>(index + 1);
  }
  tables_ = std::move(t);
}

VaderScorer::~VaderScorer() = default;

SentimentScores VaderScorer::score(std::string_view input) const {
  return score_with(*tables_, options_.emoji, input, scratch());
}

void VaderScorer::score_parts(std::string_view input, std::span<const TextSpan> parts,
                              SentimentScores& whole,
                              std::span<SentimentScores> part_scores) const {
  const VaderTables& t = *tables_;
  Scratch& s = scratch();
  const std::string_view text = ut::truncate_utf8(input, kMaxScoredBytes);
  const std::string_view scored = prepare(t, options_.emoji, text, s);
  const Token* const w = s.tokens.data.get();
  const size_t n = s.tokens.size;
  whole = score_items(w, n, scored.data(), s.exclamations, s.questions, s);
  for (size_t k = 0; k < parts.size(); ++k) {
    const size_t end = std::min<size_t>(parts[k].end, input.size());
    const size_t begin = std::min<size_t>(parts[k].begin, end);
    const std::string_view part = input.substr(begin, end - begin);
    // Emoji names moved the offsets: score the part on its own. So with an end inside a code
    // point: its bytes would become characters of their own.
    auto inside_code_point = [&](size_t at) {
      return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
    };
    bool shared = scored.data() == text.data() && end <= text.size() && !inside_code_point(begin) &&
                  !inside_code_point(end);
    // The part's items are the post's items inside it, unless an item (a chunk of 2+
    // characters, or a phrase) crosses one of its ends; a one-character chunk cannot, now that
    // the ends are not inside a code point.
    size_t first = n;
    size_t last = n;
    if (shared) {
      first = 0;
      while (first < n && w[first].chunk_end <= begin) ++first;
      last = first;
      while (last < n && w[last].chunk_end <= end) ++last;
      shared = (first == n || w[first].chunk_begin >= begin) &&
               (last == n || w[last].chunk_begin >= end);
    }
    if (!shared) {
      part_scores[k] = score_with(t, options_.emoji, part, part_scratch());
      continue;
    }
    uint32_t exclamations = 0;
    uint32_t questions = 0;
    count_emphasis(part, exclamations, questions);
    part_scores[k] =
        score_items(w + first, last - first, scored.data(), exclamations, questions, s);
  }
}

}  // namespace stockpulse
