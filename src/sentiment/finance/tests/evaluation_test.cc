#include "sentiment/finance/evaluation.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace stockpulse {
namespace {

constexpr auto kBull = SentimentLabel::kBullish;
constexpr auto kBear = SentimentLabel::kBearish;
constexpr auto kNeu = SentimentLabel::kNeutral;

// 10 rows:
//   truth bullish (4): predicted bullish 3, neutral 1
//   truth bearish (3): predicted bearish 2, bullish 1
//   truth neutral (3): predicted neutral 1, bearish 1, bullish 1
ConfusionMatrix sample_matrix() {
  ConfusionMatrix m;
  for (int i = 0; i < 3; ++i) m.add(kBull, kBull);
  m.add(kBull, kNeu);
  for (int i = 0; i < 2; ++i) m.add(kBear, kBear);
  m.add(kBear, kBull);
  m.add(kNeu, kNeu);
  m.add(kNeu, kBear);
  m.add(kNeu, kBull);
  return m;
}

TEST(EvaluationMetrics, AccuracyByHand) {
  // Correct: 3 + 2 + 1 = 6 of 10.
  EXPECT_DOUBLE_EQ(accuracy(sample_matrix()), 0.6);
}

TEST(EvaluationMetrics, PerLabelByHand) {
  const ConfusionMatrix m = sample_matrix();
  // bullish: TP 3, FP 2 (one bearish, one neutral predicted bullish), FN 1.
  // precision 3/5, recall 3/4, F1 = 6 / (6 + 2 + 1) = 2/3.
  LabelMetrics bull = label_metrics(m, kBull);
  EXPECT_DOUBLE_EQ(bull.precision, 0.6);
  EXPECT_DOUBLE_EQ(bull.recall, 0.75);
  EXPECT_NEAR(bull.f1, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(bull.support, 4);
  // bearish: TP 2, FP 1, FN 1 -> F1 = 4 / 6.
  EXPECT_NEAR(label_metrics(m, kBear).f1, 2.0 / 3.0, 1e-12);
  // neutral: TP 1, FP 1, FN 2 -> F1 = 2 / 5.
  LabelMetrics neu = label_metrics(m, kNeu);
  EXPECT_DOUBLE_EQ(neu.f1, 0.4);
  EXPECT_DOUBLE_EQ(neu.precision, 0.5);
  EXPECT_NEAR(neu.recall, 1.0 / 3.0, 1e-12);
}

TEST(EvaluationMetrics, MacroF1ByHand) {
  // (2/3 + 2/3 + 2/5) / 3 = (26/15) / 3 = 26/45.
  EXPECT_NEAR(macro_f1(sample_matrix()), 26.0 / 45.0, 1e-12);
}

TEST(EvaluationMetrics, EmptyMatrixIsZeroNotNaN) {
  ConfusionMatrix m;
  EXPECT_EQ(accuracy(m), 0.0);
  EXPECT_EQ(macro_f1(m), 0.0);
  EXPECT_EQ(label_metrics(m, kBull).f1, 0.0);
}

TEST(EvaluationMetrics, LabelAbsentOnBothSidesIsLeftOutOfMacroF1) {
  // Only bullish/bearish rows, all right: neutral has no F1, the mean of the other two is 1.
  ConfusionMatrix m;
  m.add(kBull, kBull);
  m.add(kBear, kBear);
  EXPECT_DOUBLE_EQ(macro_f1(m), 1.0);
}

TEST(EvaluationMetrics, LabelNeverPredictedCountsAsZero) {
  // truth: bull, bull, neutral; predicted: bull, bull, bull.
  // bullish: TP 2, FP 1, FN 0 -> F1 = 4/5. neutral: TP 0, FN 1 -> F1 = 0. Mean = 0.4.
  ConfusionMatrix m;
  m.add(kBull, kBull);
  m.add(kBull, kBull);
  m.add(kNeu, kBull);
  EXPECT_NEAR(macro_f1(m), 0.4, 1e-12);
}

TEST(RocAuc, TiesCountOneHalf) {
  // Positive/negative pairs (6):
  //   0.9 > 0.5, 0.9 > 0.1                      -> 2
  //   0.5 = 0.5 (0.5 each), 0.5 > 0.1 (twice)   -> 0.5 + 0.5 + 1 + 1 = 3
  // AUC = 5 / 6.
  std::vector<double> pos = {0.9, 0.5, 0.5};
  std::vector<double> neg = {0.5, 0.1};
  auto auc = roc_auc(pos, neg);
  ASSERT_TRUE(auc.has_value());
  EXPECT_NEAR(*auc, 5.0 / 6.0, 1e-12);
}

TEST(RocAuc, ExtremesAndAllTied) {
  std::vector<double> hi = {0.8, 0.9};
  std::vector<double> lo = {-0.3, 0.1, 0.2};
  EXPECT_DOUBLE_EQ(*roc_auc(hi, lo), 1.0);
  EXPECT_DOUBLE_EQ(*roc_auc(lo, hi), 0.0);
  std::vector<double> same = {0.0, 0.0, 0.0};
  // Every pair is a tie: each counts one half.
  EXPECT_DOUBLE_EQ(*roc_auc(same, std::vector<double>{0.0, 0.0}), 0.5);
}

TEST(RocAuc, UndefinedWithoutBothClasses) {
  std::vector<double> some = {0.1};
  EXPECT_FALSE(roc_auc(some, {}).has_value());
  EXPECT_FALSE(roc_auc({}, some).has_value());
}

TEST(RocAuc, MatchesPairwiseDefinitionOnTieHeavyData) {
  // The rank formula against the O(P*N) definition, on scores drawn from a few values so that
  // ties within and across classes are common.
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> value(-3, 3);
  for (int round = 0; round < 20; ++round) {
    std::vector<double> pos(1 + round * 3), neg(2 + round * 2);
    for (double& v : pos) v = value(rng) * 0.25 + 0.1;
    for (double& v : neg) v = value(rng) * 0.25;
    double wins = 0;
    for (double p : pos) {
      for (double n : neg) wins += p > n ? 1.0 : (p == n ? 0.5 : 0.0);
    }
    const double expected = wins / static_cast<double>(pos.size() * neg.size());
    EXPECT_NEAR(*roc_auc(pos, neg), expected, 1e-12) << "round " << round;
  }
}

// A scorer that returns a fixed compound per text, to test evaluate() without VADER.
class TableScorer final : public Scorer {
 public:
  explicit TableScorer(std::map<std::string, double> table) : table_(std::move(table)) {}
  std::string_view name() const override { return "table"; }
  SentimentScores score(std::string_view text) const override {
    SentimentScores s;
    s.compound = table_.at(std::string(text));
    return s;
  }

 private:
  std::map<std::string, double> table_;
};

TEST(Evaluate, UsesThresholdsAndExcludesNeutralFromAuc) {
  TableScorer scorer({{"a", 0.05}, {"b", 0.0499}, {"c", -0.05}, {"d", 0.7}, {"e", -0.9}});
  std::vector<LabelledPost> rows = {
      {"1", "a", kBull},  // 0.05 -> bullish (>= threshold), correct
      {"2", "b", kBull},  // 0.0499 -> neutral, wrong
      {"3", "c", kBear},  // -0.05 -> bearish (<= threshold), correct
      {"4", "d", kNeu},   // 0.7 -> bullish, wrong; neutral rows do not enter the AUC
      {"5", "e", kBear},  // -0.9 -> bearish, correct
  };
  EvalReport r = evaluate(scorer, rows);
  EXPECT_EQ(r.scorer, "table");
  EXPECT_EQ(r.confusion.total(), 5);
  EXPECT_EQ(r.confusion.counts[static_cast<size_t>(kBull)][static_cast<size_t>(kNeu)], 1);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.6);
  // AUC over bullish {0.05, 0.0499} vs bearish {-0.05, -0.9}: all 4 pairs ordered -> 1.
  // Had row 4 (0.7, neutral) been counted as a negative it would outscore both bullish rows.
  ASSERT_TRUE(r.auc_bullish_vs_bearish.has_value());
  EXPECT_DOUBLE_EQ(*r.auc_bullish_vs_bearish, 1.0);
  // bullish: TP 1, FP 1 (row 4), FN 1 -> 2/4. bearish: TP 2 -> 1. neutral: TP 0, FP 1, FN 1 -> 0.
  EXPECT_NEAR(r.macro_f1, (0.5 + 1.0 + 0.0) / 3.0, 1e-12);
}

TEST(Evaluate, FormatReportShowsScorersSideBySide) {
  TableScorer scorer({{"x", 0.5}, {"y", -0.5}});
  std::vector<LabelledPost> rows = {{"1", "x", kBull}, {"2", "y", kBull}};
  std::vector<EvalReport> reports = {evaluate(scorer, rows), evaluate(scorer, rows)};
  reports[1].scorer = "other";
  std::string text = format_report(reports);
  EXPECT_NE(text.find("table"), std::string::npos);
  EXPECT_NE(text.find("other"), std::string::npos);
  EXPECT_NE(text.find("accuracy"), std::string::npos);
  EXPECT_NE(text.find("0.5000"), std::string::npos);  // accuracy 1 of 2
  EXPECT_NE(text.find("macro-F1"), std::string::npos);
  EXPECT_NE(text.find("n/a"), std::string::npos);  // no bearish rows: AUC undefined
}

TEST(Evaluate, BootstrapIntervalsAreReproducibleAndCoverTheEstimate) {
  // 40 rows: bullish posts score 0.5 or, for one in four, -0.5; bearish ones the mirror image.
  std::map<std::string, double> table;
  std::vector<LabelledPost> rows;
  for (int i = 0; i < 40; ++i) {
    const bool bull = i % 2 == 0;
    const bool wrong = (i / 2) % 4 == 0;
    const std::string text = "t" + std::to_string(i);
    table[text] = (bull != wrong) ? 0.5 : -0.5;
    rows.push_back({std::to_string(i), text, bull ? kBull : kBear});
  }
  TableScorer scorer(table);
  const EvalReport a = evaluate(scorer, rows);
  const EvalReport b = evaluate(scorer, rows);
  ASSERT_TRUE(a.auc_ci && a.accuracy_ci && a.macro_f1_ci);
  EXPECT_EQ(a.auc_ci->low, b.auc_ci->low);  // fixed seed
  EXPECT_EQ(a.auc_ci->high, b.auc_ci->high);
  EXPECT_DOUBLE_EQ(a.accuracy, 0.75);
  EXPECT_LE(a.accuracy_ci->low, a.accuracy);
  EXPECT_GE(a.accuracy_ci->high, a.accuracy);
  EXPECT_LT(a.accuracy_ci->low, 0.70);  // 40 rows: the interval is wide
  EXPECT_GT(a.accuracy_ci->high, 0.80);
  EXPECT_LE(a.auc_ci->low, *a.auc_bullish_vs_bearish);
  EXPECT_GE(a.auc_ci->high, *a.auc_bullish_vs_bearish);
  const EvalReport none = evaluate(scorer, rows, BootstrapOptions{.resamples = 0});
  EXPECT_FALSE(none.auc_ci.has_value());
  EXPECT_NE(format_report(std::vector<EvalReport>{a}).find("95% CI AUC"), std::string::npos);
}

}  // namespace
}  // namespace stockpulse
