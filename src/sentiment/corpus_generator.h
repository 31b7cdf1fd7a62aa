#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stockpulse {

// Deterministic generator of synthetic social posts for the NLTK parity test, the benchmark and
// bench/sentiment_vs_nltk.sh. Two flavours:
//   - rule_text(): short texts built to hit every VADER rule (lexicon words, boosters and
//     dampeners, negations incl. n't, "never so/this", "but", "least", "kind of", idioms, caps,
//     punctuation runs, emoticons, repeated words, Unicode words, odd whitespace).
//   - finance_post(): ~100-character finance posts with cashtags, as the benchmark wants.
// The sequence depends only on the seed (own splitmix64, no std:: distributions), so every
// platform and run generates the same corpus.
//
// Not thread-safe: one generator per thread.
class CorpusGenerator {
 public:
  explicit CorpusGenerator(uint64_t seed);

  std::string rule_text();
  std::string finance_post();

 private:
  uint64_t next();
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }
  std::string word();

  uint64_t state_;
  std::vector<std::string> lexicon_words_;
};

}  // namespace stockpulse
