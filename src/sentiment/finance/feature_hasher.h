#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace stockpulse {

// Turns a post into hashed sparse features for the learned finance scorer (LearnedFinanceScorer):
// bucket indices in [0, 2^bits), written into a caller's buffer, so nothing is allocated per post.
//
// Tokens (ASCII lower-cased, runs of 3+ equal letters squashed to 2, apostrophes dropped):
// words; every cashtag as one token "$cashtag" (the symbol itself is left out so the model learns
// what is said, not which ticker the training rows happened to name); "$<digits>" as a price;
// numbers as number / percent, with their sign when written ("+5%", "-3.2%"); URLs; @mentions;
// "!" and "?" runs; each emoji or symbol code point (U+2000 and above, skin tones and joiners
// dropped). A negator (not, no, never, dont, cant, ...) marks the next kNegationScope words as
// negated (a different feature) until a clause break (. , ; : and the like).
// Features: each token (negated or not) and each pair of adjacent tokens within a clause.
//
// Texts longer than kMaxHashedBytes are featurised on their first kMaxHashedBytes bytes, and at
// most out.size() features are written, so work per post is bounded.
//
// Stateless after construction; extract() is const and safe to call from many threads.
class FeatureHasher {
 public:
  static constexpr size_t kMaxHashedBytes = 4096;
  static constexpr int kNegationScope = 3;
  // Buffer size that holds every feature of a kMaxHashedBytes text is larger; callers use this
  // many and the rest of a very long text is dropped.
  static constexpr size_t kMaxFeatures = 1024;
  // Version of the feature definition, stored in model files: a model trained on other features
  // would silently score garbage, so loading refuses a different version.
  static constexpr uint32_t kFeatureVersion = 1;

  explicit FeatureHasher(uint32_t bits);

  uint32_t bits() const { return bits_; }
  size_t buckets() const { return size_t{1} << bits_; }

  // Writes the features of `text` into out (at most out.size()) and returns how many.
  size_t extract(std::string_view text, std::span<uint32_t> out) const;

 private:
  uint32_t bits_;
};

}  // namespace stockpulse
