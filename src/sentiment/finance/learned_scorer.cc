#include "sentiment/finance/learned_scorer.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace stockpulse {

FinanceFeaturizer::FinanceFeaturizer(uint32_t bits, bool emoji) : hasher_(bits), lexicon_(emoji) {}

float FinanceFeaturizer::hashed_value(size_t count) {
  return count == 0 ? 0.0f : 1.0f / std::sqrt(static_cast<float>(count));
}

size_t FinanceFeaturizer::extract(std::string_view text, std::span<uint32_t> out,
                                  std::array<float, kDenseFeatures>& dense) const {
  return extract(text, lexicon_.score(text), out, dense);
}

size_t FinanceFeaturizer::extract(std::string_view text, const SentimentScores& lex,
                                  std::span<uint32_t> out,
                                  std::array<float, kDenseFeatures>& dense) const {
  dense = {static_cast<float>(lex.compound), static_cast<float>(lex.pos),
           static_cast<float>(lex.neg)};
  return hasher_.extract(text, out);
}

LearnedFinanceScorer::LearnedFinanceScorer(LearnedModel model, bool emoji)
    : model_(std::move(model)), featurizer_(model_.bits, emoji) {}

std::array<double, kModelClasses> LearnedFinanceScorer::probabilities(std::string_view text) const {
  return probabilities(text, featurizer_.lexicon().score(text));
}

std::array<double, kModelClasses> LearnedFinanceScorer::probabilities(
    std::string_view text, const SentimentScores& lexicon_scores) const {
  std::array<uint32_t, FeatureHasher::kMaxFeatures> features;
  std::array<float, kDenseFeatures> dense{};
  const size_t n = featurizer_.extract(text, lexicon_scores, features, dense);
  const float value = FinanceFeaturizer::hashed_value(n);
  std::array<float, kModelClasses> sums{};
  const float* w = model_.hashed.data();
  for (size_t i = 0; i < n; ++i) {
    const float* row = w + static_cast<size_t>(features[i]) * kModelClasses;
    for (size_t c = 0; c < kModelClasses; ++c) sums[c] += row[c];
  }
  std::array<double, kModelClasses> logits{};
  for (size_t c = 0; c < kModelClasses; ++c) {
    double z = model_.bias[c] + static_cast<double>(sums[c]) * value;
    for (size_t d = 0; d < kDenseFeatures; ++d) z += model_.dense[d * kModelClasses + c] * dense[d];
    logits[c] = z;
  }
  const double top = std::max({logits[0], logits[1], logits[2]});
  double total = 0;
  std::array<double, kModelClasses> p{};
  for (size_t c = 0; c < kModelClasses; ++c) {
    p[c] = std::exp(logits[c] - top);
    total += p[c];
  }
  for (double& x : p) x /= total;
  return p;
}

SentimentScores scores_from_probabilities(const std::array<double, kModelClasses>& p) {
  const double bear = p[static_cast<size_t>(ModelClass::kBearish)];
  const double neu = p[static_cast<size_t>(ModelClass::kNeutral)];
  const double bull = p[static_cast<size_t>(ModelClass::kBullish)];
  const double d = bull - bear;
  SentimentScores s;
  s.pos = bull;
  s.neu = neu;
  s.neg = bear;
  if (neu >= bull && neu >= bear) {
    s.compound = 0.049 * d;
  } else {
    s.compound = (d >= 0 ? 1.0 : -1.0) * (0.05 + 0.95 * std::fabs(d));
  }
  return s;
}

SentimentScores LearnedFinanceScorer::score(std::string_view text) const {
  return scores_from_probabilities(probabilities(text));
}

void LearnedFinanceScorer::score_parts(std::string_view text, std::span<const TextSpan> parts,
                                       SentimentScores& whole,
                                       std::span<SentimentScores> part_scores) const {
  // part_scores first receives the lexicon's scores of each part, then the model's.
  SentimentScores lexicon_whole;
  featurizer_.lexicon().score_parts(text, parts, lexicon_whole, part_scores);
  whole = scores_from_probabilities(probabilities(text, lexicon_whole));
  for (size_t k = 0; k < parts.size(); ++k) {
    const size_t end = parts[k].end < text.size() ? parts[k].end : text.size();
    const size_t begin = parts[k].begin < end ? parts[k].begin : end;
    part_scores[k] =
        scores_from_probabilities(probabilities(text.substr(begin, end - begin), part_scores[k]));
  }
}

}  // namespace stockpulse
