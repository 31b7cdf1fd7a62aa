// The learned finance scorer: its output contract, determinism of training, the provenance of the
// built-in model, no allocation per post, and the shipped model's figures on held-out sets
// (computed here, at test time, from the files in data/eval/).
#include "sentiment/finance/learned_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sentiment/finance/default_model.h"
#include "sentiment/finance/evaluation.h"
#include "sentiment/finance/model_trainer.h"
#include "sentiment/tests/allocation_counter.h"

namespace stockpulse {
namespace {

const std::string kSource = STOCKPULSE_SOURCE_DIR;
// Floors of the shipped model's figures (see ShippedModel* below).
constexpr double kFloorStockTwitsAuc = 0.955;     // measured 0.982 (95% CI 0.960-0.997)
constexpr double kFloorNewsAuc = 0.94;            // measured 0.954 (0.941-0.967)
constexpr double kFloorNewsMacroF1 = 0.77;        // measured 0.792 (0.772-0.812)
constexpr double kFloorLexiconHoldoutAuc = 0.97;  // measured 0.992 (0.976-1.000)

std::vector<LabelledPost> tiny_rows() {
  return {
      {"1", "$X ripping higher, calls printing", SentimentLabel::kBullish},
      {"2", "$X to the moon, buying more", SentimentLabel::kBullish},
      {"3", "$X breakout, long here", SentimentLabel::kBullish},
      {"4", "$X dumping hard, puts printing", SentimentLabel::kBearish},
      {"5", "$X going to zero, selling everything", SentimentLabel::kBearish},
      {"6", "$X breakdown, short here", SentimentLabel::kBearish},
      {"7", "$X reports on Tuesday", SentimentLabel::kNeutral},
      {"8", "$X annual meeting next week", SentimentLabel::kNeutral},
  };
}

TrainingOptions small_options() {
  TrainingOptions o;
  o.bits = 12;
  o.epochs = 20;
  return o;
}

const Scorer& shipped_scorer() {
  static const auto scorer = make_learned_finance_scorer(true, "");
  return *scorer;
}

TEST(LearnedFinanceScorer, ProbabilitiesMapToTheScorerContract) {
  for (const std::array<double, 3>& p : std::vector<std::array<double, 3>>{{0.1, 0.2, 0.7},
                                                                           {0.7, 0.2, 0.1},
                                                                           {0.2, 0.6, 0.2},
                                                                           {0.3, 0.4, 0.3},
                                                                           {0.45, 0.1, 0.45},
                                                                           {1, 0, 0},
                                                                           {0, 0, 1},
                                                                           {0.34, 0.33, 0.33},
                                                                           {0.0, 0.5, 0.5}}) {
    const SentimentScores s = scores_from_probabilities(p);
    EXPECT_GE(s.compound, -1.0);
    EXPECT_LE(s.compound, 1.0);
    EXPECT_NEAR(s.pos + s.neu + s.neg, 1.0, 1e-12);
    size_t best = 0;
    for (size_t c = 1; c < 3; ++c) best = p[c] > p[best] ? c : best;
    const SentimentLabel expected = best == 0   ? SentimentLabel::kBearish
                                    : best == 1 ? SentimentLabel::kNeutral
                                                : SentimentLabel::kBullish;
    if (p[0] != p[2] || best == 1) {
      EXPECT_EQ(label_of(s.compound), expected) << p[0] << " " << p[1] << " " << p[2];
    }
  }
  // The order of P(bull) - P(bear) is kept within a class region.
  EXPECT_LT(scores_from_probabilities({0.3, 0.1, 0.6}).compound,
            scores_from_probabilities({0.2, 0.1, 0.7}).compound);
  EXPECT_LT(scores_from_probabilities({0.3, 0.5, 0.2}).compound,
            scores_from_probabilities({0.2, 0.5, 0.3}).compound);
}

TEST(LearnedFinanceScorer, TrainingIsDeterministicAndLearns) {
  const std::vector<TrainingSet> sets = {{"tiny", tiny_rows()}};
  int epochs_seen = 0;
  const LearnedModel a = train_model(sets, small_options(), [&](int, double loss, double) {
    ++epochs_seen;
    EXPECT_TRUE(std::isfinite(loss));
  });
  EXPECT_EQ(epochs_seen, 20);
  const LearnedModel b = train_model(sets, small_options());
  EXPECT_EQ(a.serialize(), b.serialize());
  TrainingOptions other = small_options();
  other.seed = 18;
  EXPECT_NE(train_model(sets, other).serialize(), a.serialize());

  const LearnedFinanceScorer scorer(a, true);
  EXPECT_EQ(scorer.name(), "finance");
  for (const LabelledPost& row : tiny_rows()) {
    EXPECT_EQ(label_of(scorer.score(row.text).compound), row.label) << row.text;
  }
  // A reloaded model scores exactly like the trained one.
  auto reloaded = LearnedModel::parse(a.serialize());
  ASSERT_TRUE(reloaded.ok());
  const LearnedFinanceScorer again(std::move(reloaded).value(), true);
  EXPECT_EQ(again.score("$Y ripping, buying").compound,
            scorer.score("$Y ripping, buying").compound);

  EXPECT_THROW(train_model(std::vector<TrainingSet>{}, small_options()), std::invalid_argument);
}

TEST(LearnedFinanceScorer, ScorePartsEqualsScoringEachPart) {
  const Scorer& scorer = shipped_scorer();
  const std::string text = "long $NVDA, short $INTC. $AMD is fine I guess \xF0\x9F\x9A\x80";
  const std::vector<TextSpan> parts = {{0, 10}, {12, 23}, {25, 50}, {40, 1000}, {30, 20}};
  SentimentScores whole;
  std::vector<SentimentScores> got(parts.size());
  scorer.score_parts(text, parts, whole, got);
  EXPECT_EQ(whole.compound, scorer.score(text).compound);
  for (size_t k = 0; k < parts.size(); ++k) {
    const size_t end = std::min<size_t>(parts[k].end, text.size());
    const size_t begin = std::min<size_t>(parts[k].begin, end);
    const SentimentScores alone = scorer.score(text.substr(begin, end - begin));
    EXPECT_EQ(got[k].compound, alone.compound) << k;
    EXPECT_EQ(got[k].pos, alone.pos) << k;
  }
}

TEST(LearnedFinanceScorer, AnyTextGivesADefinedResult) {
  const Scorer& scorer = shipped_scorer();
  std::string huge(200000, 'x');
  for (size_t i = 0; i < huge.size(); i += 7) huge[i] = ' ';
  for (std::string_view text :
       {std::string_view(""), std::string_view("\xff\xfe\xc3"), std::string_view(huge),
        std::string_view("!!!???"), std::string_view("\0\0\0", 3)}) {
    const SentimentScores s = scorer.score(text);
    EXPECT_TRUE(std::isfinite(s.compound));
    EXPECT_GE(s.compound, -1.0);
    EXPECT_LE(s.compound, 1.0);
    EXPECT_NEAR(s.pos + s.neu + s.neg, 1.0, 1e-9);
  }
}

TEST(LearnedFinanceScorer, ScoringAllocatesNothing) {
  const Scorer& scorer = shipped_scorer();
  const std::vector<std::string> posts = {
      "$ACME beat estimates and raised guidance, loading calls \xF0\x9F\x9A\x80",
      "Shorting $WIDG here, guidance cut again and the chart broke support",
      "not selling, diamond hands!!! +12% today", std::string(5000, 'a')};
  for (const auto& p : posts) (void)scorer.score(p);  // warm thread_local buffers
  double sink = 0;
  testing::start_counting_allocations();
  for (int i = 0; i < 1000; ++i) sink += scorer.score(posts[i % posts.size()]).compound;
  const size_t allocations = testing::stop_counting_allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_TRUE(std::isfinite(sink));
}

TEST(LearnedFinanceScorer, BadModelFilesFailWithTheReason) {
  const std::string path = ::testing::TempDir() + "/foreign_model.bin";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << "id,text,label\n1,hello,bullish\n";
  }
  try {
    (void)make_learned_finance_scorer(true, path);
    FAIL() << "a CSV loaded as a model";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bad magic"), std::string::npos);
  }
  EXPECT_THROW((void)make_learned_finance_scorer(true, path + ".missing"), std::runtime_error);
}

// The built-in model is exactly what the documented training command produces from the files in
// data/train/ (data/train/README.md): provenance, checked on every build.
TEST(LearnedFinanceScorer, BuiltInModelIsTheDocumentedTrainingRun) {
  const std::vector<std::string> files = {kSource + "/data/train/stocktwits_style_train.csv",
                                          kSource + "/data/train/twitter_financial_news_train.csv"};
  auto model = train_model_from_files(files, TrainingOptions{});
  ASSERT_TRUE(model.ok()) << model.error();
  const std::string bytes = model.value().serialize();
  EXPECT_TRUE(bytes == embedded_finance_model()) << "rebuild: the embedded model is stale";
}

EvalReport evaluate_file(const Scorer& scorer, const std::string& file) {
  auto rows = read_labelled_csv(kSource + "/data/eval/" + file);
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error());
  if (!rows.ok()) return {};
  return evaluate(scorer, rows.value());
}

std::vector<EvalReport> evaluate_all(const std::string& file) {
  static const VaderScorer vader(Lexicon::builtin(), VaderOptions{});
  static const FinanceScorer lexicon(true);
  std::vector<EvalReport> reports = {evaluate_file(vader, file), evaluate_file(lexicon, file),
                                     evaluate_file(shipped_scorer(), file)};
  std::cout << "== " << file << " ==\n" << format_report(reports) << std::endl;
  return reports;
}

// The shipped model's figures, recomputed on every run. Floors sit below the measured values
// (README.md of this folder) by a margin of about the 95% interval's half-width, so a real
// regression fails while a rounding change does not.
TEST(LearnedFinanceScorer, ShippedModelOnTheStockTwitsStyleHeldOutSet) {
  const auto r = evaluate_all("stocktwits_style_holdout.csv");
  ASSERT_EQ(r.size(), 3u);
  ASSERT_TRUE(r[2].auc_bullish_vs_bearish.has_value());
  EXPECT_GE(*r[2].auc_bullish_vs_bearish, kFloorStockTwitsAuc);
  EXPECT_GT(*r[2].auc_bullish_vs_bearish, *r[0].auc_bullish_vs_bearish);  // beats VADER
  EXPECT_GT(*r[2].auc_bullish_vs_bearish, *r[1].auc_bullish_vs_bearish);  // and the lexicon
}

TEST(LearnedFinanceScorer, ShippedModelOnTheNewsValidationSplit) {
  const auto r = evaluate_all("twitter_financial_news_valid.csv");
  ASSERT_EQ(r.size(), 3u);
  ASSERT_TRUE(r[2].auc_bullish_vs_bearish.has_value());
  EXPECT_GE(*r[2].auc_bullish_vs_bearish, kFloorNewsAuc);
  EXPECT_GE(r[2].macro_f1, kFloorNewsMacroF1);
  EXPECT_GT(*r[2].auc_bullish_vs_bearish, *r[1].auc_bullish_vs_bearish);  // beats the lexicon
}

TEST(LearnedFinanceScorer, ShippedModelOnTheLexiconHeldOutSet) {
  const auto r = evaluate_all("finance_posts_holdout.csv");
  ASSERT_EQ(r.size(), 3u);
  ASSERT_TRUE(r[2].auc_bullish_vs_bearish.has_value());
  EXPECT_GE(*r[2].auc_bullish_vs_bearish, kFloorLexiconHoldoutAuc);
}

}  // namespace
}  // namespace stockpulse
