#include "sentiment/corpus_generator.h"

#include <string_view>

#include "sentiment/embedded_data.h"

namespace stockpulse {

namespace {

constexpr const char* kNeutral[] = {
    "the",   "stock", "market", "price", "today", "we",    "it",   "is",    "was",    "this",
    "that",  "my",    "I",      "a",     "to",    "of",    "and",  "for",   "on",     "shares",
    "at",    "very",  "so",     "at",    "of",    "kind",  "sort", "just",  "enough", "never",
    "least", "but",   "BUT",    "But",   "Kind",  "NEVER", "yeah", "right", "cut",    "mustard",
    "kiss",  "death", "hand",   "mouth", "bad",   "ass",   "bomb", "shit",  "The"};
constexpr const char* kBoosters[] = {"absolutely", "very",    "really", "extremely", "so",
                                     "totally",    "more",    "most",   "quite",     "VERY",
                                     "REALLY",     "barely",  "hardly", "kinda",     "slightly",
                                     "somewhat",   "sort-of", "little", "less",      "almost",
                                     "fucking",    "uber",    "hella",  "Really",    "SO"};
constexpr const char* kNegations[] = {
    "not",      "never",  "isn't",     "don't", "without", "nor",      "nothing", "aint",
    "wasnt",    "won't",  "cannot",    "NOT",   "Never",   "seldom",   "despite", "uh-uh",
    "couldn't", "didn't", "shouldn't", "ain't", "nope",    "wouldn't", "havent",  "DON'T"};
constexpr const char* kMulti[] = {
    "the shit",      "the bomb",      "bad ass",      "yeah right",   "cut the mustard",
    "kiss of death", "hand to mouth", "kind of",      "sort of",      "just enough",
    "at least",      "very least",    "least",        "never so",     "never this",
    "not so",        "but",           "kind of good", "the shit!",    "not the bomb",
    "at least not",  "so very",       "isn't really", "never so good"};
constexpr const char* kEmoticons[] = {":)", ":(", ":-)", ":D",  ":P",  "<3",  ":/",  ";)", ":-(",
                                      "=)", "XD", "xD",  ":-D", "</3", ":'(", "^_^", "o.O"};
constexpr const char* kPunctAfter[] = {".",    "!",   "?",    ",",  ";",   ":",   "-",   "'",
                                       "\"",   "!!",  "!!!",  "??", "???", "?!?", "!?!", "?!?!",
                                       "!?!?", "...", "!!!!", "?!", ")",   "!,",  "'s",  "%"};
constexpr const char* kPunctBefore[] = {"'", "\"", "-", ".", ":", "(",
                                        "!", "?",  "#", "$", "@", "''"};
constexpr const char* kUnicode[] = {
    "café",    "naïve", "ÉNORME", "über",  "日本", "Straße", "ΣΟΦΙΑ", "😀", "🚀", "👍🏽", "€100",
    "Ünïcödé", "ǅemal", "ﬁne",    "GOOD™", "İyi",  "KELVIN", "é",     "—", "…", "½"};
constexpr const char* kSpaces[] = {" ",  " ",  " ",      " ",      " ",      " ",      "  ",
                                   "\t", "\n", "\u00a0", "\u3000", "\u2003", " \r\n ", "\u200b"};
constexpr const char* kTickers[] = {"$AAPL", "$TSLA",  "$NVDA", "$AMD",  "$SPY",  "$MSFT",
                                    "$GME",  "$BRK.B", "$INTC", "$AMZN", "$META", "$QQQ"};
constexpr const char* kFinanceWords[] = {
    "earnings", "beat",     "miss",      "guidance", "calls",   "puts",       "long",     "short",
    "rally",    "dump",     "moon",      "crash",    "support", "resistance", "breakout", "loss",
    "profit",   "upgrade",  "downgrade", "strong",   "weak",    "buy",        "sell",     "hold",
    "great",    "terrible", "love",      "hate",     "amazing", "worst",      "best",     "risk",
    "gains",    "bullish",  "bearish",   "today",    "week",    "quarter",    "revenue",  "growth",
    "fear",     "panic",    "happy",     "sad"};

template <size_t N>
const char* pick(const char* const (&arr)[N], size_t r) {
  return arr[r % N];
}

std::string upper_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return s;
}

}  // namespace

CorpusGenerator::CorpusGenerator(uint64_t seed) : state_(seed) {
  // Every lexicon entry is a candidate word, emoticons included.
  std::string_view data = embedded_vader_lexicon();
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    const std::string_view line = data.substr(0, nl);
    data = nl == std::string_view::npos ? std::string_view{} : data.substr(nl + 1);
    const size_t tab = line.find('\t');
    if (tab != std::string_view::npos && tab > 0) lexicon_words_.emplace_back(line.substr(0, tab));
  }
}

uint64_t CorpusGenerator::next() {
  // splitmix64.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string CorpusGenerator::word() {
  const size_t kind = below(100);
  std::string w;
  if (kind < 34) {
    w = lexicon_words_[below(lexicon_words_.size())];
  } else if (kind < 55) {
    w = pick(kNeutral, next());
  } else if (kind < 65) {
    w = pick(kBoosters, next());
  } else if (kind < 74) {
    w = pick(kNegations, next());
  } else if (kind < 83) {
    w = pick(kMulti, next());
  } else if (kind < 89) {
    w = pick(kEmoticons, next());
  } else if (kind < 94) {
    w = pick(kUnicode, next());
  } else if (kind < 97) {
    w = pick(kTickers, next());
  } else {
    w = pick(kPunctAfter, next());  // a bare punctuation item
  }
  if (chance(12)) w = upper_ascii(w);
  if (chance(4) && !w.empty())
    w[0] = static_cast<char>(w[0] >= 'a' && w[0] <= 'z' ? w[0] - 32 : w[0]);
  if (chance(18)) w += pick(kPunctAfter, next());
  if (chance(6)) w = pick(kPunctBefore, next()) + w;
  return w;
}

std::string CorpusGenerator::rule_text() {
  const size_t shape = below(100);
  std::string out;
  if (shape < 2) return out;  // empty text
  const size_t n = 1 + below(shape < 80 ? 12 : 30);
  std::vector<std::string> items;
  for (size_t i = 0; i < n; ++i) {
    // Repeats exercise NLTK's words_and_emoticons.index(): a repeated token is scored in the
    // context of its first occurrence.
    if (!items.empty() && chance(8)) {
      items.push_back(items[below(items.size())]);
    } else {
      items.push_back(word());
    }
  }
  const bool all_caps = chance(4);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += chance(90) ? " " : pick(kSpaces, next());
    out += all_caps ? upper_ascii(items[i]) : items[i];
  }
  if (chance(10)) out += pick(kPunctAfter, next());
  if (chance(3)) out = "  " + out + " \n";
  return out;
}

std::string CorpusGenerator::finance_post() {
  std::string out;
  // About 100 characters: tickers, finance words, a few lexicon words, some punctuation.
  while (out.size() < 90) {
    if (!out.empty()) out += ' ';
    const size_t k = below(100);
    if (k < 12) {
      out += pick(kTickers, next());
    } else if (k < 55) {
      out += pick(kFinanceWords, next());
    } else if (k < 70) {
      out += lexicon_words_[below(lexicon_words_.size())];
    } else if (k < 80) {
      out += pick(kNeutral, next());
    } else if (k < 88) {
      out += pick(kBoosters, next());
    } else if (k < 94) {
      out += pick(kNegations, next());
    } else {
      out += pick(kEmoticons, next());
    }
    if (chance(10)) out += pick(kPunctAfter, next());
  }
  return out;
}

}  // namespace stockpulse
