// Parity with NLTK on 100,000 generated texts that exercise every VADER rule. Required: at least
// 99.9% equal to 4 decimals; every mismatch is printed with its text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentiment/corpus_generator.h"
#include "sentiment/tests/nltk_oracle.h"
#include "sentiment/vader_scorer.h"

namespace stockpulse {
namespace {

TEST(VaderCorpusParity, GeneratedCorpusMatchesNltk) {
  constexpr size_t kTexts = 100000;
  CorpusGenerator gen(20240501);
  std::vector<std::string> texts;
  texts.reserve(kTexts);
  for (size_t i = 0; i < kTexts; ++i) texts.push_back(gen.rule_text());
  auto oracle = testing::run_nltk_oracle(texts, 2);
  ASSERT_TRUE(oracle.error.empty()) << oracle.error;
  VaderScorer scorer(Lexicon::builtin(), VaderOptions{.emoji = false, .phrases = {}});
  size_t mismatches = 0;
  for (size_t i = 0; i < kTexts; ++i) {
    const SentimentScores ours = scorer.score(texts[i]);
    if (!testing::same_to_4_decimals(ours, oracle.scores[i])) {
      ++mismatches;
      std::printf("MISMATCH #%zu text %s\n  ours: %s\n  nltk: %s\n", i,
                  testing::json_string(texts[i]).c_str(), testing::describe(ours).c_str(),
                  testing::describe(oracle.scores[i]).c_str());
    }
  }
  const double rate = 1.0 - static_cast<double>(mismatches) / kTexts;
  std::printf("generated corpus: %zu/%zu equal to NLTK (%.4f%%)\n", kTexts - mismatches, kTexts,
              100 * rate);
  EXPECT_GE(rate, 0.999);
}

}  // namespace
}  // namespace stockpulse
