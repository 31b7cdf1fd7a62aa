// VaderScorer::score_parts scores clauses from the post's own items; these tests hold it to the
// definition: exactly (bit for bit) the numbers of score() on each substring.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentiment/corpus_generator.h"
#include "sentiment/post_analyzer.h"
#include "sentiment/tests/allocation_counter.h"
#include "sentiment/vader_scorer.h"

namespace stockpulse {
namespace {

bool same(const SentimentScores& a, const SentimentScores& b) {
  return a.compound == b.compound && a.pos == b.pos && a.neu == b.neu && a.neg == b.neg;
}

std::string show(const SentimentScores& s) {
  return std::to_string(s.compound) + " " + std::to_string(s.pos) + " " + std::to_string(s.neu) +
         " " + std::to_string(s.neg);
}

VaderOptions with_phrases(bool emoji) {
  return VaderOptions{.emoji = emoji,
                      .phrases = {{"buy the dip", 2.0},
                                  {"to the moon", 2.5},
                                  {"kind of good", -1.0},
                                  {"the bomb", 1.0},
                                  {"short squeeze", 1.5}}};
}

// Posts joining generated texts with the clause rule's separators, so clauses, "but", repeated
// words across clauses, phrases across commas, Unicode and emoji all occur.
std::vector<std::string> texts(size_t n) {
  CorpusGenerator gen(99);
  const char* joins[] = {", ", " but ", ". ", ",", "! ", " while ", "; ", "?!", ",$AMD ", " "};
  std::vector<std::string> out;
  for (size_t k = 0; k < n; ++k) {
    std::string t = (k % 2 == 0) ? gen.finance_post() : gen.rule_text();
    t += joins[k % std::size(joins)];
    t += (k % 3 == 0) ? gen.rule_text() : gen.finance_post();
    if (k % 7 == 0) t += " buy, the dip \xF0\x9F\x9A\x80 to the moon";
    out.push_back(std::move(t));
  }
  return out;
}

// Spans at every kind of position: word and clause boundaries, inside words, inside UTF-8
// sequences, empty, the whole text.
std::vector<TextSpan> spans_of(const std::string& t, size_t seed) {
  std::vector<TextSpan> spans;
  const auto size = static_cast<uint32_t>(t.size());
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int k = 0; k < 6; ++k) {
    uint32_t a = size == 0 ? 0 : static_cast<uint32_t>(next() % (size + 1));
    uint32_t b = size == 0 ? 0 : static_cast<uint32_t>(next() % (size + 1));
    if (a > b) std::swap(a, b);
    spans.push_back({a, b});
  }
  // Clause-like spans: from after a separator to the next one.
  uint32_t start = 0;
  for (uint32_t i = 0; i < size; ++i) {
    const char c = t[i];
    if (c == ',' || c == '.' || c == '!' || c == '?' || c == ';') {
      spans.push_back({start, i + 1});
      start = i + 1;
    }
  }
  spans.push_back({start, size});
  spans.push_back({0, size});
  spans.push_back({size, size});
  spans.push_back({0, size + 10});  // clamped
  return spans;
}

void expect_parts_match_substrings(const VaderScorer& s, size_t n) {
  size_t checked = 0;
  std::vector<SentimentScores> parts;
  for (const std::string& t : texts(n)) {
    const std::vector<TextSpan> spans = spans_of(t, checked);
    parts.assign(spans.size(), {});
    SentimentScores whole;
    s.score_parts(t, spans, whole, parts);
    ASSERT_TRUE(same(whole, s.score(t))) << t;
    for (size_t k = 0; k < spans.size(); ++k) {
      const size_t end = std::min<size_t>(spans[k].end, t.size());
      const std::string sub = t.substr(spans[k].begin, end - spans[k].begin);
      const SentimentScores expected = s.score(sub);
      ASSERT_TRUE(same(parts[k], expected)) << "text [" << t << "] part [" << sub
                                            << "]: " << show(parts[k]) << " vs " << show(expected);
      ++checked;
    }
  }
  EXPECT_GT(checked, n * 8);
}

TEST(ScoreParts, EqualsScoringEachSubstringNltkMode) {
  expect_parts_match_substrings(VaderScorer(Lexicon::builtin(), {.emoji = false, .phrases = {}}),
                                3000);
}

TEST(ScoreParts, EqualsScoringEachSubstringWithEmojiAndPhrases) {
  expect_parts_match_substrings(VaderScorer(Lexicon::builtin(), with_phrases(true)), 3000);
  expect_parts_match_substrings(VaderScorer(Lexicon::builtin(), with_phrases(false)), 3000);
}

// A Scorer that only forwards score(): PostAnalyzer then takes the interface's default
// score_parts (one score() per clause), the reference for the shared-items path.
class ScoreOnly final : public Scorer {
 public:
  explicit ScoreOnly(const Scorer& inner) : inner_(inner) {}
  std::string_view name() const override { return "score-only"; }
  SentimentScores score(std::string_view text) const override { return inner_.score(text); }

 private:
  const Scorer& inner_;
};

TEST(ScoreParts, PostAnalyzerGivesTheSameResultsAsScoringEachClause) {
  VaderScorer fast(Lexicon::builtin(), with_phrases(true));
  ScoreOnly reference(fast);
  TickerExtractor tickers({"AAPL", "TSLA"}, TickerExtractor::default_stop_list());
  PostAnalyzer a(fast, tickers);
  PostAnalyzer b(reference, tickers);
  SentimentScores oa;
  SentimentScores ob;
  std::vector<TickerSentiment> ta;
  std::vector<TickerSentiment> tb;
  size_t with_clauses = 0;
  for (const std::string& t : texts(4000)) {
    a.analyze(t, oa, ta);
    b.analyze(t, ob, tb);
    ASSERT_TRUE(same(oa, ob)) << t;
    ASSERT_EQ(ta.size(), tb.size()) << t;
    for (size_t k = 0; k < ta.size(); ++k) {
      EXPECT_EQ(ta[k].symbol, tb[k].symbol);
      ASSERT_TRUE(same(ta[k].scores, tb[k].scores)) << t << " ticker " << ta[k].symbol;
      with_clauses += same(ta[k].scores, oa) ? 0 : 1;
    }
  }
  // The corpus must exercise clause scores that differ from the whole post.
  EXPECT_GT(with_clauses, 500u);
}

TEST(ScoreParts, PostAnalyzerAllocatesNothingPerPostInSteadyState) {
  VaderScorer s(Lexicon::builtin(), with_phrases(true));
  TickerExtractor tickers({"AAPL", "TSLA"}, TickerExtractor::default_stop_list());
  PostAnalyzer a(s, tickers);
  const std::vector<std::string> posts = texts(300);
  SentimentScores overall;
  std::vector<TickerSentiment> out;
  for (const auto& p : posts) a.analyze(p, overall, out);  // warm up scratch buffers
  // The caller's vector keeps its strings' capacity only for the same post; score each post
  // into its own warmed-up vector as the pipeline's reused batches do.
  std::vector<std::vector<TickerSentiment>> per_post(posts.size());
  for (size_t k = 0; k < posts.size(); ++k) a.analyze(posts[k], overall, per_post[k]);
  testing::start_counting_allocations();
  for (size_t k = 0; k < posts.size(); ++k) a.analyze(posts[k], overall, per_post[k]);
  EXPECT_EQ(testing::stop_counting_allocations(), 0u);
}

}  // namespace
}  // namespace stockpulse
