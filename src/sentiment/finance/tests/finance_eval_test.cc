// The headline result of the finance flavour: on the labelled finance posts, it must beat plain
// VADER on accuracy and macro-F1. Both reports are printed so the numbers are visible in CI logs.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "sentiment/finance/evaluation.h"
#include "sentiment/finance/finance_scorer.h"

namespace stockpulse {
namespace {

std::vector<EvalReport> evaluate_both(const std::string& file) {
  auto rows = read_labelled_csv(std::string(STOCKPULSE_SOURCE_DIR) + "/data/eval/" + file);
  if (!rows.ok()) {
    ADD_FAILURE() << rows.error();
    return {};
  }
  VaderScorer vader(Lexicon::builtin(), VaderOptions{});
  FinanceScorer finance(true);
  std::vector<EvalReport> reports = {evaluate(vader, rows.value()),
                                     evaluate(finance, rows.value())};
  std::cout << "== " << file << " ==\n" << format_report(reports) << std::endl;
  return reports;
}

void expect_finance_beats_vader(const std::vector<EvalReport>& reports) {
  ASSERT_EQ(reports.size(), 2u);
  const EvalReport& vader = reports[0];
  const EvalReport& finance = reports[1];
  EXPECT_GT(finance.accuracy, vader.accuracy);
  EXPECT_GT(finance.macro_f1, vader.macro_f1);
}

TEST(FinanceEvaluation, BeatsPlainVaderOnTheEvaluationSet) {
  expect_finance_beats_vader(evaluate_both("finance_posts.csv"));
}

// Written after the lexicon was frozen, with different phrasing: an overfitting check.
TEST(FinanceEvaluation, BeatsPlainVaderOnTheHeldOutSet) {
  expect_finance_beats_vader(evaluate_both("finance_posts_holdout.csv"));
}

}  // namespace
}  // namespace stockpulse
