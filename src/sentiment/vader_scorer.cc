#include "sentiment/vader_scorer.h"

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
// _idioms_check looks up two joined tokens in the same dict, so they stay in the table.
constexpr const char* kBoostDecr[] = {
    "almost",   "barely",   "hardly",  "just enough", "kind of",      "kinda",  "kindof",
    "kind-of",  "less",     "little",  "marginally",  "occasionally", "partly", "scarcely",
    "slightly", "somewhat", "sort of", "sorta",       "sortof",       "sort-of"};

struct Idiom {
  std::string_view words[3];
  int length;
  double valence;
};
constexpr Idiom kIdioms[] = {{{"the", "shit", {}}, 2, 3},       {{"the", "bomb", {}}, 2, 3},
                             {{"bad", "ass", {}}, 2, 1.5},      {{"yeah", "right", {}}, 2, -2},
                             {{"cut", "the", "mustard"}, 3, 2}, {{"kiss", "of", "death"}, 3, -1.5},
                             {{"hand", "to", "mouth"}, 3, -2}};

constexpr std::string_view kPuncList[] = {".",   "!",   "?",   ",",    ";",   ":",
                                          "-",   "'",   "\"",  "!!",   "!!!", "??",
                                          "???", "?!?", "!?!", "?!?!", "!?!?"};

// Python's string.punctuation.
constexpr bool is_ascii_punct(unsigned char c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// s is a run of ASCII punctuation; is it one of PUNC_LIST?
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

bool has_ascii_punct(std::string_view s) {
  for (char c : s) {
    if (is_ascii_punct(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// Python's round(x, ndigits) for a float: the exact binary value rounded to ndigits decimals,
// ties to even, read back as the nearest double. The fast path scales and rounds; when the scaled
// value is within 1e-7 of a .5 tie (where the scaling's own rounding error could matter) we ask
// printf, which rounds the exact binary value like Python's dtoa does.
double py_round(double x, int ndigits, double scale) {
  const double y = x * scale;
  const double f = std::floor(y);
  const double frac = y - f;
  double r;
  if (std::fabs(frac - 0.5) > 1e-7) {
    r = (frac < 0.5 ? f : f + 1) / scale;
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", ndigits, x);
    r = std::strtod(buf, nullptr);
  }
  return r == 0 ? std::copysign(0.0, x) : r;
}

// Lets the phrase index be searched with a string_view (no std::string per lookup).
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h ^ (h >> 31);
}

// Everything VADER asks about a lower-cased word, found with ONE hash lookup: its lexicon
// valence, booster value, whether it negates, and whether it is one of the few words the rules
// compare against ("kind", "of", "least", "at", "very", "but", idiom words).
enum WordFlag : uint16_t {
  kInLexicon = 1,
  kBooster = 2,
  kNegation = 4,
  kKind = 8,
  kOf = 16,
  kLeast = 32,
  kAt = 64,
  kVery = 128,
  kBut = 256,
  kIdiomWord = 512,
};

struct WordInfo {
  double valence = 0;
  double booster = 0;
  uint16_t flags = 0;
};

// Open addressing, keys in one arena, hash of the first 16 bytes + length: lookups are a couple of
// multiplies and one short memcmp, with no allocation.
class WordTable {
 public:
  WordInfo& insert(std::string_view key) {
    if (WordInfo* existing = find_mut(key)) return *existing;
    if ((entries_.size() + 1) * 2 > slots_.size())
      rehash(slots_.empty() ? 1024 : slots_.size() * 2);
    entries_.push_back(
        {static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(key.size()), {}});
    arena_.append(key);
    place(static_cast<uint32_t>(entries_.size() - 1), hash(key));
    return entries_.back().info;
  }
  const WordInfo* find(std::string_view key) const {
    return const_cast<WordTable*>(this)->find_mut(key);
  }

 private:
  struct Entry {
    uint32_t offset;
    uint32_t length;
    WordInfo info;
  };
  static uint64_t hash(std::string_view s) {
    uint64_t a = 0;
    uint64_t b = 0;
    const size_t n = s.size();
    std::memcpy(&a, s.data(), n < 8 ? n : 8);
    if (n > 8) std::memcpy(&b, s.data() + 8, n < 16 ? n - 8 : 8);
    // Multiply-xorshift mixing so every input byte reaches the low bits used as the index.
    uint64_t h = (a ^ 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL;
    h ^= (b + n) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ULL;
    return h ^ (h >> 32);
  }
  WordInfo* find_mut(std::string_view key) {
    if (slots_.empty()) return nullptr;
    const uint64_t h = hash(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t slot = slots_[i];
      if (slot == 0) return nullptr;
      Entry& e = entries_[slot - 1];
      if (e.length == key.size() &&
          std::memcmp(arena_.data() + e.offset, key.data(), key.size()) == 0) {
        return &e.info;
      }
    }
  }
  void place(uint32_t index, uint64_t h) {
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = index + 1;
  }
  void rehash(size_t n) {
    slots_.assign(n, 0);
    for (uint32_t k = 0; k < entries_.size(); ++k) {
      place(k, hash(std::string_view(arena_.data() + entries_[k].offset, entries_[k].length)));
    }
  }

  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // entry index + 1, 0 = empty
};

// One item of NLTK's words_and_emoticons, with everything VADER asks about it precomputed.
struct Token {
  std::string_view text;   // as in the text (case kept); a phrase spans its words
  std::string_view lower;  // Python's text.lower()
  const double* lexicon;   // valence if lower is in the lexicon, else nullptr
  double phrase_valence;   // valence of a matched phrase (lexicon points here)
  double booster;          // BOOSTER_DICT value, 0 if not a booster
  uint16_t flags;          // WordFlag of the lower-cased text (0 for phrases)
  bool is_booster;
  bool negated;  // NLTK negated([word]): in NEGATE or contains "n't"
  bool upper;    // Python's text.isupper()
  bool phrase;
  uint64_t head;  // first 8 bytes of text, zero-padded: a cheap pre-check for text equality
};

uint64_t head_of(std::string_view s) {
  uint64_t h = 0;
  std::memcpy(&h, s.data(), s.size() < 8 ? s.size() : 8);
  return h;
}

bool same_text(const Token& a, const Token& b) {
  return a.head == b.head && a.text.size() == b.text.size() &&
         (a.text.size() <= 8 || std::memcmp(a.text.data(), b.text.data(), a.text.size()) == 0);
}

struct RawToken {
  uint32_t begin;
  uint32_t end;
  bool ascii;  // no byte >= 0x80: lower-casing and isupper() take the fast path
};

// Per-thread scratch, reused across posts so the steady state allocates nothing.
struct Scratch {
  std::string emoji_text;
  std::string lower;
  std::vector<RawToken> raw;
  std::vector<uint32_t> lower_offsets;
  std::vector<uint8_t> ascii_upper;
  std::vector<Token> tokens;
  std::vector<uint32_t> first;
  std::vector<double> sentiments;
  std::vector<uint32_t> slots;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
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
    std::string text;
    double valence;
  };
  std::vector<Phrase> phrases;
  // First word of a phrase -> indices into phrases, longest phrase first.
  std::unordered_map<std::string, std::vector<size_t>, StringViewHash, std::equal_to<>>
      phrase_index;
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
std::string_view replace_emoji(const VaderTables& t, std::string_view text, std::string& out) {
  bool any_non_ascii = false;
  for (char c : text) any_non_ascii = any_non_ascii || static_cast<unsigned char>(c) >= 0x80;
  // Every emoji sequence has a non-ASCII code point (keycaps end in U+20E3).
  if (!any_non_ascii) return text;
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

// NLTK SentiText._words_and_emoticons: split on Python whitespace, drop items of one character,
// and strip punctuation from an item when it is exactly <PUNC_LIST entry><word> or
// <word><PUNC_LIST entry> with a word of 2+ characters free of ASCII punctuation (that is what the
// words_punc_dict lookup amounts to). "'cat'" or "cat!!!!" therefore stay as they are.
inline bool is_py_space(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return ut::is_space(cp);
}

void tokenize(std::string_view text, std::vector<RawToken>& out) {
  out.clear();
  const char* base = text.data();
  const char* p = base;
  const char* end = p + text.size();
  while (p < end) {
    // Skip whitespace.
    uint32_t cp;
    int len = static_cast<unsigned char>(*p) < 0x80 ? (cp = static_cast<unsigned char>(*p), 1)
                                                    : ut::decode(p, end, cp);
    if (is_py_space(cp)) {
      p += len;
      continue;
    }
    const char* start = p;
    size_t chars = 0;
    bool ascii = true;
    while (p < end) {
      const auto b = static_cast<unsigned char>(*p);
      if (b < 0x80) {
        if ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) break;
        ++p;
        ++chars;
        continue;
      }
      ascii = false;
      len = ut::decode(p, end, cp);
      if (ut::is_space(cp)) break;
      p += len;
      ++chars;
    }
    if (chars <= 1) continue;
    std::string_view tok(start, static_cast<size_t>(p - start));
    size_t lead = 0;
    while (lead < tok.size() && is_ascii_punct(static_cast<unsigned char>(tok[lead]))) ++lead;
    std::string_view word = tok;
    if (lead > 0) {
      const std::string_view w = tok.substr(lead);
      if (in_punc_list(tok.substr(0, lead)) && !has_ascii_punct(w) && ut::length(w) > 1) word = w;
    } else {
      size_t trail = 0;
      while (trail < tok.size() &&
             is_ascii_punct(static_cast<unsigned char>(tok[tok.size() - 1 - trail]))) {
        ++trail;
      }
      if (trail > 0) {
        const std::string_view w = tok.substr(0, tok.size() - trail);
        if (in_punc_list(tok.substr(tok.size() - trail)) && !has_ascii_punct(w) &&
            ut::length(w) > 1) {
          word = w;
        }
      }
    }
    out.push_back({static_cast<uint32_t>(word.data() - base),
                   static_cast<uint32_t>(word.data() - base + word.size()), ascii});
  }
}

}  // namespace

struct VaderScorer::Tables : VaderTables {};

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
    info.booster = kBIncr;
  }
  for (const char* w : kBoostDecr) {
    WordInfo& info = t->words.insert(w);
    info.flags |= kBooster;
    info.booster = kBDecr;
  }
  t->words.insert("kind").flags |= kKind;
  t->words.insert("of").flags |= kOf;
  t->words.insert("least").flags |= kLeast;
  t->words.insert("at").flags |= kAt;
  t->words.insert("very").flags |= kVery;
  t->words.insert("but").flags |= kBut;
  // Idioms compare case-sensitively; the flag on the lower-case form is only a pre-filter.
  for (const Idiom& idiom : kIdioms) {
    for (int k = 0; k < idiom.length; ++k) t->words.insert(idiom.words[k]).flags |= kIdiomWord;
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
  for (size_t k = 0; k < t->phrases.size(); ++k) {
    t->phrase_index[t->phrases[k].words[0]].push_back(k);
  }
  for (auto& [w, list] : t->phrase_index) {
    std::stable_sort(list.begin(), list.end(), [&](size_t a, size_t b) {
      return t->phrases[a].words.size() > t->phrases[b].words.size();
    });
  }
  tables_ = std::move(t);
}

VaderScorer::~VaderScorer() = default;

SentimentScores VaderScorer::score(std::string_view input) const {
  const Tables& tab = *tables_;
  Scratch& s = scratch();

  std::string_view text = ut::truncate_utf8(input, kMaxScoredBytes);
  if (options_.emoji) text = replace_emoji(tab, text, s.emoji_text);

  tokenize(text, s.raw);

  // Lower-case every token into one buffer (offsets first: the buffer may grow). ASCII tokens,
  // the common case, are lower-cased in place with their isupper() computed on the way.
  s.lower.clear();
  s.lower_offsets.clear();
  s.ascii_upper.clear();
  for (const RawToken& r : s.raw) {
    s.lower_offsets.push_back(static_cast<uint32_t>(s.lower.size()));
    if (r.ascii) {
      const size_t at = s.lower.size();
      const size_t len = r.end - r.begin;
      s.lower.resize(at + len);
      char* out = s.lower.data() + at;
      const char* in = text.data() + r.begin;
      bool has_upper = false;
      bool has_lower = false;
      for (size_t k = 0; k < len; ++k) {
        const char c = in[k];
        const bool up = c >= 'A' && c <= 'Z';
        has_upper |= up;
        has_lower |= c >= 'a' && c <= 'z';
        out[k] = up ? static_cast<char>(c + 32) : c;
      }
      s.ascii_upper.push_back(has_upper && !has_lower);
    } else {
      ut::append_lower(text.substr(r.begin, r.end - r.begin), s.lower);
      s.ascii_upper.push_back(false);
    }
  }
  s.lower_offsets.push_back(static_cast<uint32_t>(s.lower.size()));

  s.tokens.clear();
  const size_t nraw = s.raw.size();
  for (size_t k = 0; k < nraw; ++k) {
    const RawToken& r = s.raw[k];
    const std::string_view lower(s.lower.data() + s.lower_offsets[k],
                                 s.lower_offsets[k + 1] - s.lower_offsets[k]);
    // A configured phrase starting here becomes one item (longest match wins).
    if (!tab.phrases.empty()) {
      auto it = tab.phrase_index.find(lower);
      const VaderTables::Phrase* match = nullptr;
      if (it != tab.phrase_index.end()) {
        for (size_t idx : it->second) {
          const VaderTables::Phrase& ph = tab.phrases[idx];
          if (k + ph.words.size() > nraw) continue;
          bool ok = true;
          for (size_t w = 1; w < ph.words.size() && ok; ++w) {
            const std::string_view lw(s.lower.data() + s.lower_offsets[k + w],
                                      s.lower_offsets[k + w + 1] - s.lower_offsets[k + w]);
            ok = lw == ph.words[w];
          }
          if (ok) {
            match = &ph;
            break;
          }
        }
      }
      if (match != nullptr) {
        const size_t last = k + match->words.size() - 1;
        Token t{};
        t.text = text.substr(r.begin, s.raw[last].end - r.begin);
        t.lower = match->text;
        t.phrase_valence = match->valence;
        t.phrase = true;
        t.upper = ut::is_upper(t.text);
        s.tokens.push_back(t);
        s.tokens.back().lexicon = &s.tokens.back().phrase_valence;
        k = last;
        continue;
      }
    }
    Token t{};
    t.text = text.substr(r.begin, r.end - r.begin);
    t.lower = lower;
    if (const WordInfo* info = tab.words.find(lower)) {
      t.flags = info->flags;
      if (info->flags & kInLexicon) t.lexicon = &info->valence;
      t.is_booster = (info->flags & kBooster) != 0;
      t.booster = info->booster;
    }
    t.negated = (t.flags & kNegation) != 0 || (lower.find('\'') != std::string_view::npos &&
                                               lower.find("n't") != std::string_view::npos);
    t.upper = r.ascii ? s.ascii_upper[k] != 0 : ut::is_upper(t.text);
    s.tokens.push_back(t);
  }
  // Fix the self-pointers of phrase tokens (push_back may have moved them).
  for (Token& t : s.tokens) {
    if (t.phrase) t.lexicon = &t.phrase_valence;
    t.head = head_of(t.text);
  }

  const std::vector<Token>& w = s.tokens;
  const size_t n = w.size();
  if (n == 0) return {};

  // SentiText.allcap_differential.
  size_t allcap = 0;
  for (const Token& t : w) allcap += t.upper ? 1 : 0;
  const bool cap_diff = allcap > 0 && allcap < n;

  // NLTK looks each item up with words_and_emoticons.index(item): every repeat of a token is
  // scored in the context of its FIRST occurrence. first[j] is that index.
  s.first.resize(n);
  if (n <= 24) {
    for (size_t j = 0; j < n; ++j) {
      size_t k = 0;
      while (!same_text(w[k], w[j])) ++k;
      s.first[j] = static_cast<uint32_t>(k);
    }
  } else {
    size_t cap = 64;
    while (cap < 2 * n) cap *= 2;
    s.slots.assign(cap, 0);
    for (size_t j = 0; j < n; ++j) {
      size_t h = hash_bytes(w[j].text) & (cap - 1);
      while (true) {
        const uint32_t slot = s.slots[h];
        if (slot == 0) {
          s.slots[h] = static_cast<uint32_t>(j + 1);
          s.first[j] = static_cast<uint32_t>(j);
          break;
        }
        if (same_text(w[slot - 1], w[j])) {
          s.first[j] = slot - 1;
          break;
        }
        h = (h + 1) & (cap - 1);
      }
    }
  }

  auto in_lex = [&](size_t k) { return w[k].lexicon != nullptr; };

  // SentimentIntensityAnalyzer.scalar_inc_dec.
  auto scalar_inc_dec = [&](const Token& t, double valence) {
    double scalar = 0.0;
    if (t.is_booster) {
      scalar = t.booster;
      if (valence < 0) scalar *= -1;
      if (t.upper && cap_diff) {
        if (valence > 0) {
          scalar += kCIncr;
        } else {
          scalar -= kCIncr;
        }
      }
    }
    return scalar;
  };

  // _never_check: note the case-sensitive comparisons with "never"/"so"/"this", as in NLTK.
  auto never_check = [&](double valence, int start_i, size_t i) {
    auto so_or_this = [&](size_t k) { return w[k].text == "so" || w[k].text == "this"; };
    if (start_i == 0) {
      if (w[i - 1].negated) valence *= kNScalar;
    } else if (start_i == 1) {
      if (w[i - 2].text == "never" && so_or_this(i - 1)) {
        valence *= 1.5;
      } else if (w[i - 2].negated) {
        valence *= kNScalar;
      }
    } else {
      // NLTK's condition is `(never at i-3 and so/this at i-2) or (so/this at i-1)`.
      if ((w[i - 3].text == "never" && so_or_this(i - 2)) || so_or_this(i - 1)) {
        valence *= 1.25;
      } else if (w[i - 3].negated) {
        valence *= kNScalar;
      }
    }
    return valence;
  };

  // Does the token run [from, from+len) spell `idiom` (case-sensitive, like NLTK's joined
  // strings)?
  auto seq_is = [&](size_t from, int len, const Idiom& idiom) {
    if (idiom.length != len) return false;
    for (int k = 0; k < len; ++k) {
      if (!(w[from + k].flags & kIdiomWord) || w[from + k].text != idiom.words[k]) return false;
    }
    return true;
  };
  auto idiom_value = [&](size_t from, int len, double& out) {
    for (const Idiom& idiom : kIdioms) {
      if (seq_is(from, len, idiom)) {
        out = idiom.valence;
        return true;
      }
    }
    return false;
  };
  // Two tokens joined by a space found in BOOSTER_DICT: only "just enough", "kind of", "sort of".
  auto booster_bigram = [&](size_t a) {
    const std::string_view x = w[a].text;
    const std::string_view y = w[a + 1].text;
    return (x == "just" && y == "enough") || (x == "kind" && y == "of") ||
           (x == "sort" && y == "of");
  };

  // _idioms_check (reached only with i > 2).
  auto idioms_check = [&](double valence, size_t i) {
    // Sequences in NLTK's order: onezero, twoonezero, twoone, threetwoone, threetwo.
    double v = 0;
    if (idiom_value(i - 1, 2, v) || idiom_value(i - 2, 3, v) || idiom_value(i - 2, 2, v) ||
        idiom_value(i - 3, 3, v) || idiom_value(i - 3, 2, v)) {
      valence = v;
    }
    if (n - 1 > i && idiom_value(i, 2, v)) valence = v;
    if (n - 1 > i + 1 && idiom_value(i, 3, v)) valence = v;
    if (booster_bigram(i - 3) || booster_bigram(i - 2)) valence = valence + kBDecr;
    return valence;
  };

  // _least_check.
  auto least_check = [&](double valence, size_t i) {
    if (i > 1 && !in_lex(i - 1) && (w[i - 1].flags & kLeast)) {
      if (!(w[i - 2].flags & (kAt | kVery))) valence *= kNScalar;
    } else if (i > 0 && !in_lex(i - 1) && (w[i - 1].flags & kLeast)) {
      valence *= kNScalar;
    }
    return valence;
  };

  // sentiment_valence for the item at index i.
  auto sentiment_valence = [&](size_t i) {
    double valence = 0;
    if (!in_lex(i)) return valence;
    valence = *w[i].lexicon;
    if (w[i].upper && cap_diff) {
      if (valence > 0) {
        valence += kCIncr;
      } else {
        valence -= kCIncr;
      }
    }
    for (int start_i = 0; start_i < 3; ++start_i) {
      const size_t su = static_cast<size_t>(start_i);
      if (i > su && !in_lex(i - (su + 1))) {
        double sc = scalar_inc_dec(w[i - (su + 1)], valence);
        if (start_i == 1 && sc != 0) sc = sc * 0.95;
        if (start_i == 2 && sc != 0) sc = sc * 0.9;
        valence = valence + sc;
        valence = never_check(valence, start_i, i);
        if (start_i == 2) valence = idioms_check(valence, i);
      }
    }
    return least_check(valence, i);
  };

  s.sentiments.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const size_t i = s.first[j];
    if (i != j) {
      // Same item, same index i: NLTK computes the same value again.
      s.sentiments[j] = s.sentiments[i];
      continue;
    }
    if ((i < n - 1 && (w[i].flags & kKind) && (w[i + 1].flags & kOf)) || w[i].is_booster) {
      s.sentiments[j] = 0;
      continue;
    }
    s.sentiments[j] = sentiment_valence(i);
  }

  // _but_check: the first "but" halves what precedes it and multiplies what follows by 1.5.
  for (size_t bi = 0; bi < n; ++bi) {
    if ((w[bi].flags & kBut)) {
      for (size_t k = 0; k < n; ++k) {
        if (k < bi) {
          s.sentiments[k] *= 0.5;
        } else if (k > bi) {
          s.sentiments[k] *= 1.5;
        }
      }
      break;
    }
  }

  // score_valence. Python sums left to right from 0; we do the same so the doubles agree.
  double sum_s = 0;
  for (double v : s.sentiments) sum_s += v;
  size_t ep = 0;
  size_t qm = 0;
  for (char c : text) {
    ep += c == '!';
    qm += c == '?';
  }
  if (ep > 4) ep = 4;
  const double ep_amp = static_cast<double>(ep) * 0.292;
  double qm_amp = 0;
  if (qm > 1) qm_amp = qm <= 3 ? static_cast<double>(qm) * 0.18 : 0.96;
  const double amp = ep_amp + qm_amp;
  if (sum_s > 0) {
    sum_s += amp;
  } else if (sum_s < 0) {
    sum_s -= amp;
  }
  const double compound = sum_s / std::sqrt(sum_s * sum_s + 15);

  double pos_sum = 0;
  double neg_sum = 0;
  size_t neu_count = 0;
  for (double v : s.sentiments) {
    if (v > 0) pos_sum += v + 1;
    if (v < 0) neg_sum += v - 1;
    if (v == 0) ++neu_count;
  }
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

}  // namespace stockpulse
