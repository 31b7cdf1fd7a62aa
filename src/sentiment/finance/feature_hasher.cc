#include "sentiment/finance/feature_hasher.h"

#include <array>
#include <stdexcept>

namespace stockpulse {
namespace {

constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr uint64_t kNegatedSalt = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kBigramSalt = 0xc2b2ae3d27d4eb4fULL;

constexpr uint64_t fnv(std::string_view s, uint64_t h = kFnvBasis) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

// splitmix64's finaliser: spreads FNV's weak low bits before the top bits pick a bucket.
constexpr uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Special tokens start with a byte no normalised word contains, so they never collide with one.
constexpr uint64_t kCashtag = fnv("\x01$cashtag");
constexpr uint64_t kPrice = fnv("\x01$price");
constexpr uint64_t kUrl = fnv("\x01url");
constexpr uint64_t kUser = fnv("\x01@user");
constexpr uint64_t kExclaim = fnv("\x01!");
constexpr uint64_t kQuestion = fnv("\x01?");
// Numbers: [percent][sign], sign 0 none, 1 '+', 2 '-'.
constexpr std::array<std::array<uint64_t, 3>, 2> kNumber = {{
    {fnv("\x01num"), fnv("\x01num+"), fnv("\x01num-")},
    {fnv("\x01pct"), fnv("\x01pct+"), fnv("\x01pct-")},
}};

// Words after which the next few words are read as negated (apostrophes are dropped first).
constexpr std::array<uint64_t, 24> kNegators = {
    fnv("not"),    fnv("no"),       fnv("never"),   fnv("dont"),    fnv("cant"),   fnv("wont"),
    fnv("isnt"),   fnv("arent"),    fnv("wasnt"),   fnv("werent"),  fnv("didnt"),  fnv("doesnt"),
    fnv("aint"),   fnv("nothing"),  fnv("nobody"),  fnv("neither"), fnv("nor"),    fnv("without"),
    fnv("hardly"), fnv("shouldnt"), fnv("couldnt"), fnv("wouldnt"), fnv("havent"), fnv("hasnt"),
};

bool is_negator(uint64_t h) {
  for (uint64_t n : kNegators) {
    if (n == h) return true;
  }
  return false;
}

bool is_ascii_alpha(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Decodes one UTF-8 code point at s[i]; sets len (>= 1). Invalid bytes decode as U+FFFD, length 1.
uint32_t decode(std::string_view s, size_t i, size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  len = 1;
  if (b0 < 0x80) return b0;
  size_t n = 0;
  uint32_t cp = 0;
  if ((b0 & 0xe0) == 0xc0) {
    n = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0xfffd;
  }
  if (i + n > s.size()) return 0xfffd;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0xfffd;
    cp = (cp << 6) | (b & 0x3f);
  }
  len = n;
  return cp;
}

// Code points that carry no meaning of their own: variation selectors, joiners, skin tones.
bool is_ignorable(uint32_t cp) {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0x200d || cp == 0x200c ||
         (cp >= 0x1f3fb && cp <= 0x1f3ff);
}

// Emoji, arrows, dingbats and other symbols are tokens of their own; letters of other scripts
// below U+2000 are parts of words.
bool is_symbol(uint32_t cp) {
  return cp >= 0x2000 && cp != 0xfffd;
}

// Emits features into a bounded buffer and keeps the bigram and negation state of the clause.
class Emitter {
 public:
  Emitter(std::span<uint32_t> out, uint32_t bits) : out_(out), shift_(64 - bits) {}

  size_t count() const { return n_; }
  bool full() const { return n_ >= out_.size(); }

  void token(uint64_t h, bool is_word) {
    const bool negated = is_word && negation_left_ > 0;
    if (negated) --negation_left_;
    const uint64_t unigram = mix(negated ? h ^ kNegatedSalt : h);
    put(unigram);
    if (has_prev_) put(mix(prev_ * 31 + (unigram ^ kBigramSalt)));
    prev_ = unigram;
    has_prev_ = true;
    if (is_word && is_negator(h)) negation_left_ = FeatureHasher::kNegationScope;
  }

  // A clause break ends the bigram chain and any negation scope.
  void clause_break() {
    has_prev_ = false;
    negation_left_ = 0;
  }

 private:
  void put(uint64_t h) {
    if (n_ < out_.size()) out_[n_++] = static_cast<uint32_t>(h >> shift_);
  }

  std::span<uint32_t> out_;
  uint32_t shift_;
  size_t n_ = 0;
  uint64_t prev_ = 0;
  bool has_prev_ = false;
  int negation_left_ = 0;
};

}  // namespace

FeatureHasher::FeatureHasher(uint32_t bits) : bits_(bits) {
  if (bits < 8 || bits > 24) throw std::invalid_argument("FeatureHasher: bits must be in 8..24");
}

size_t FeatureHasher::extract(std::string_view text, std::span<uint32_t> out) const {
  if (text.size() > kMaxHashedBytes) text = text.substr(0, kMaxHashedBytes);
  Emitter emit(out, bits_);
  const size_t n = text.size();
  size_t i = 0;
  auto at = [&](size_t k) -> unsigned char {
    return k < n ? static_cast<unsigned char>(text[k]) : 0;
  };
  while (i < n && !emit.full()) {
    const unsigned char c = at(i);
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '$' && is_ascii_alpha(at(i + 1))) {
      i += 1;
      while (i < n && (is_ascii_alpha(at(i)) || at(i) == '.' || at(i) == '_')) ++i;
      emit.token(kCashtag, false);
      continue;
    }
    if (c == '$' && is_digit(at(i + 1))) {
      i += 1;
      while (i < n && (is_digit(at(i)) || at(i) == '.' || at(i) == ',')) ++i;
      while (i < n && is_ascii_alpha(at(i))) ++i;  // $5B, $20k
      emit.token(kPrice, false);
      continue;
    }
    if (c == '@' && (is_ascii_alpha(at(i + 1)) || is_digit(at(i + 1)) || at(i + 1) == '_')) {
      i += 1;
      while (i < n && (is_ascii_alpha(at(i)) || is_digit(at(i)) || at(i) == '_')) ++i;
      emit.token(kUser, false);
      continue;
    }
    if ((c == 'h' || c == 'H') &&
        (text.substr(i, 7) == "http://" || text.substr(i, 8) == "https://")) {
      while (i < n && !is_space(at(i))) ++i;
      emit.token(kUrl, false);
      continue;
    }
    const bool signed_number = (c == '+' || c == '-') && is_digit(at(i + 1));
    if (is_digit(c) || signed_number) {
      const int sign = signed_number ? (c == '+' ? 1 : 2) : 0;
      if (signed_number) ++i;
      while (i < n && (is_digit(at(i)) || ((at(i) == '.' || at(i) == ',') && is_digit(at(i + 1)))))
        ++i;
      const bool percent = at(i) == '%';
      if (percent) ++i;
      // Suffixes such as 10x, 3rd, 50k stay part of the number.
      while (i < n && is_ascii_alpha(at(i))) ++i;
      emit.token(kNumber[percent ? 1 : 0][sign], false);
      continue;
    }
    if (c == '!' || c == '?') {
      const unsigned char run = c;
      while (i < n && (at(i) == '!' || at(i) == '?')) ++i;
      emit.token(run == '!' ? kExclaim : kQuestion, false);
      continue;
    }
    if (is_ascii_alpha(c) || is_digit(c) || c >= 0x80) {
      size_t len = 0;
      const uint32_t cp = decode(text, i, len);
      if (c >= 0x80 && (is_symbol(cp) || cp == 0xfffd)) {
        i += len;
        if (!is_ignorable(cp) && cp != 0xfffd) emit.token(mix(cp + 0x1000000ULL), false);
        continue;
      }
      // A word: letters, digits, apostrophes and non-symbol code points, normalised on the fly.
      uint64_t h = kFnvBasis;
      unsigned char last = 0;
      int run = 0;
      while (i < n) {
        const unsigned char b = at(i);
        if (b == '\'') {
          ++i;
          continue;
        }
        if (b >= 0x80) {
          const uint32_t wcp = decode(text, i, len);
          if (is_symbol(wcp) || wcp == 0xfffd) break;
          for (size_t k = 0; k < len; ++k) {
            h ^= static_cast<unsigned char>(text[i + k]);
            h *= kFnvPrime;
          }
          i += len;
          last = 0;
          run = 0;
          continue;
        }
        if (!is_ascii_alpha(b) && !is_digit(b)) break;
        const unsigned char lower = is_ascii_alpha(b) ? (b | 0x20) : b;
        run = lower == last ? run + 1 : 1;
        last = lower;
        ++i;
        if (run > 2) continue;  // "goooood" -> "good", "!!!" handled above
        h ^= lower;
        h *= kFnvPrime;
      }
      emit.token(h, true);
      continue;
    }
    // Other ASCII punctuation: . , ; : ( ) " etc. end a clause; '#', '-', '/', '&' are dropped.
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '(' || c == ')' || c == '"' ||
        c == '|') {
      emit.clause_break();
    }
    ++i;
  }
  return emit.count();
}

}  // namespace stockpulse
