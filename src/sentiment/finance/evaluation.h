#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/events.h"
#include "sentiment/finance/labelled_csv.h"
#include "sentiment/scorer.h"

namespace stockpulse {

// Counts of (true label, predicted label) pairs, indexed by SentimentLabel's underlying value.
// A plain value type; not synchronised.
struct ConfusionMatrix {
  std::array<std::array<int64_t, 3>, 3> counts{};  // counts[truth][predicted]

  void add(SentimentLabel truth, SentimentLabel predicted) {
    ++counts[static_cast<size_t>(truth)][static_cast<size_t>(predicted)];
  }
  int64_t total() const;
};

// Precision, recall and F1 of one label, one-vs-rest. Each is 0 when its denominator is 0.
struct LabelMetrics {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;  // rows whose true label is this one
};

// Fraction of rows predicted correctly; 0 for an empty matrix.
double accuracy(const ConfusionMatrix& m);
// One-vs-rest metrics of `label`.
LabelMetrics label_metrics(const ConfusionMatrix& m, SentimentLabel label);
// Unweighted mean of the three labels' F1 (F1 = 2TP / (2TP + FP + FN)). A label that appears
// neither in the truth nor in the predictions has no defined F1 and is left out of the mean, so a
// test set without neutral rows is not punished for it; 0 for an empty matrix.
double macro_f1(const ConfusionMatrix& m);
// ROC AUC of a score separating positives from negatives: the probability that a random positive
// scores higher than a random negative, ties counting one half (Mann-Whitney U / (P * N), computed
// from mid-ranks in O(n log n)). nullopt when either side is empty.
std::optional<double> roc_auc(std::span<const double> positive_scores,
                              std::span<const double> negative_scores);

// A 95% confidence interval (percentile bootstrap).
struct Interval {
  double low = 0;
  double high = 0;
};

// Bootstrap settings of evaluate(): resamples of the rows (with replacement, same size), drawn
// from a std::mt19937_64 with a fixed seed, so a report is reproducible run to run.
struct BootstrapOptions {
  int resamples = 1000;  // 0 turns the intervals off
  uint64_t seed = 20261207;
};

// The result of running one scorer over a labelled set.
struct EvalReport {
  std::string scorer;  // Scorer::name()
  ConfusionMatrix confusion;
  double accuracy = 0;
  double macro_f1 = 0;
  // Bullish-vs-bearish AUC with compound as the score, neutral rows excluded.
  std::optional<double> auc_bullish_vs_bearish;
  std::array<LabelMetrics, 3> per_label{};  // indexed by SentimentLabel
  // 95% bootstrap intervals of the three headline numbers (empty when resamples == 0; the AUC
  // one also when a class is missing).
  std::optional<Interval> accuracy_ci;
  std::optional<Interval> macro_f1_ci;
  std::optional<Interval> auc_ci;
};

// Scores every row with `scorer`, labels it with label_of(compound) (>= 0.05 bullish,
// <= -0.05 bearish, else neutral) and computes the metrics above. Pure function of its inputs;
// thread-safe as long as the scorer is (Scorer::score is const and thread-safe by contract).
// Adds 95% percentile-bootstrap intervals (BootstrapOptions) for accuracy, macro-F1 and AUC.
EvalReport evaluate(const Scorer& scorer, std::span<const LabelledPost> rows,
                    const BootstrapOptions& bootstrap = {});

// A plain-text table with one column per report, the scorers side by side, followed by each
// scorer's confusion matrix.
std::string format_report(std::span<const EvalReport> reports);

}  // namespace stockpulse
