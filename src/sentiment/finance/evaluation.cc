#include "sentiment/finance/evaluation.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace stockpulse {
namespace {

constexpr std::array<SentimentLabel, 3> kLabels = {
    SentimentLabel::kBullish, SentimentLabel::kBearish, SentimentLabel::kNeutral};

size_t index_of(SentimentLabel l) {
  return static_cast<size_t>(l);
}

double ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

int64_t ConfusionMatrix::total() const {
  int64_t n = 0;
  for (const auto& row : counts) {
    for (int64_t c : row) n += c;
  }
  return n;
}

double accuracy(const ConfusionMatrix& m) {
  int64_t correct = 0;
  for (size_t i = 0; i < 3; ++i) correct += m.counts[i][i];
  return ratio(correct, m.total());
}

LabelMetrics label_metrics(const ConfusionMatrix& m, SentimentLabel label) {
  const size_t k = index_of(label);
  int64_t tp = m.counts[k][k];
  int64_t fp = 0;
  int64_t fn = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (i == k) continue;
    fp += m.counts[i][k];
    fn += m.counts[k][i];
  }
  LabelMetrics out;
  out.precision = ratio(tp, tp + fp);
  out.recall = ratio(tp, tp + fn);
  out.f1 = ratio(2 * tp, 2 * tp + fp + fn);
  out.support = tp + fn;
  return out;
}

double macro_f1(const ConfusionMatrix& m) {
  double sum = 0;
  int defined = 0;
  for (SentimentLabel l : kLabels) {
    const size_t k = index_of(l);
    int64_t appears = 0;  // 2TP + FP + FN: zero only if the label is absent on both sides
    for (size_t i = 0; i < 3; ++i) appears += m.counts[k][i] + m.counts[i][k];
    if (appears == 0) continue;
    sum += label_metrics(m, l).f1;
    ++defined;
  }
  return defined == 0 ? 0.0 : sum / defined;
}

std::optional<double> roc_auc(std::span<const double> positive_scores,
                              std::span<const double> negative_scores) {
  const size_t p = positive_scores.size();
  const size_t n = negative_scores.size();
  if (p == 0 || n == 0) return std::nullopt;
  // (score, is_positive), sorted by score; equal scores share the mean of their ranks so that a
  // tie between a positive and a negative counts one half, as in the pairwise definition.
  std::vector<std::pair<double, bool>> all;
  all.reserve(p + n);
  for (double s : positive_scores) all.emplace_back(s, true);
  for (double s : negative_scores) all.emplace_back(s, false);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double positive_rank_sum = 0;
  size_t i = 0;
  while (i < all.size()) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    // Ranks i+1 .. j (1-based) are tied; their mean is (i + 1 + j) / 2.
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (all[k].second) positive_rank_sum += mid_rank;
    }
    i = j;
  }
  const double pd = static_cast<double>(p);
  const double u = positive_rank_sum - pd * (pd + 1.0) / 2.0;
  return u / (pd * static_cast<double>(n));
}

namespace {

Interval percentile_interval(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  return Interval{at(0.025), at(0.975)};
}

// Percentile bootstrap over the rows' (truth, compound) pairs.
void add_bootstrap_intervals(std::span<const LabelledPost> rows, std::span<const double> compound,
                             const BootstrapOptions& options, EvalReport& report) {
  if (options.resamples <= 0 || rows.empty()) return;
  std::mt19937_64 rng(options.seed);
  std::vector<double> accuracies, f1s, aucs;
  std::vector<double> bull, bear;
  const size_t n = rows.size();
  for (int b = 0; b < options.resamples; ++b) {
    ConfusionMatrix m;
    bull.clear();
    bear.clear();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = static_cast<size_t>(rng() % n);
      m.add(rows[i].label, label_of(compound[i]));
      if (rows[i].label == SentimentLabel::kBullish) bull.push_back(compound[i]);
      if (rows[i].label == SentimentLabel::kBearish) bear.push_back(compound[i]);
    }
    accuracies.push_back(accuracy(m));
    f1s.push_back(macro_f1(m));
    if (auto auc = roc_auc(bull, bear)) aucs.push_back(*auc);
  }
  report.accuracy_ci = percentile_interval(accuracies);
  report.macro_f1_ci = percentile_interval(f1s);
  // A resample without one of the classes has no AUC; with most resamples missing one the
  // interval would mislead, so it is only given when nearly every resample had both.
  if (report.auc_bullish_vs_bearish &&
      aucs.size() * 100 >= static_cast<size_t>(options.resamples) * 99) {
    report.auc_ci = percentile_interval(aucs);
  }
}

}  // namespace

EvalReport evaluate(const Scorer& scorer, std::span<const LabelledPost> rows,
                    const BootstrapOptions& bootstrap) {
  EvalReport report;
  report.scorer = std::string(scorer.name());
  std::vector<double> bullish_scores;
  std::vector<double> bearish_scores;
  std::vector<double> compounds;
  compounds.reserve(rows.size());
  for (const LabelledPost& row : rows) {
    const double compound = scorer.score(row.text).compound;
    compounds.push_back(compound);
    report.confusion.add(row.label, label_of(compound));
    if (row.label == SentimentLabel::kBullish) bullish_scores.push_back(compound);
    if (row.label == SentimentLabel::kBearish) bearish_scores.push_back(compound);
  }
  report.accuracy = accuracy(report.confusion);
  report.macro_f1 = macro_f1(report.confusion);
  report.auc_bullish_vs_bearish = roc_auc(bullish_scores, bearish_scores);
  add_bootstrap_intervals(rows, compounds, bootstrap, report);
  for (SentimentLabel l : kLabels)
    report.per_label[index_of(l)] = label_metrics(report.confusion, l);
  return report;
}

std::string format_report(std::span<const EvalReport> reports) {
  std::string out;
  char buf[128];
  auto cell = [&](std::string_view s) {
    std::snprintf(buf, sizeof buf, " %16.*s", static_cast<int>(s.size()), s.data());
    out += buf;
  };
  auto number = [&](double v) {
    std::snprintf(buf, sizeof buf, " %16.4f", v);
    out += buf;
  };
  auto row_title = [&](std::string_view s) {
    std::snprintf(buf, sizeof buf, "%-20.*s", static_cast<int>(s.size()), s.data());
    out += buf;
  };

  row_title("metric");
  for (const EvalReport& r : reports) cell(r.scorer);
  out += '\n';
  row_title("rows");
  for (const EvalReport& r : reports) cell(std::to_string(r.confusion.total()));
  out += '\n';
  row_title("accuracy");
  for (const EvalReport& r : reports) number(r.accuracy);
  out += '\n';
  row_title("macro-F1");
  for (const EvalReport& r : reports) number(r.macro_f1);
  out += '\n';
  row_title("ROC AUC bull/bear");
  for (const EvalReport& r : reports) {
    if (r.auc_bullish_vs_bearish) {
      number(*r.auc_bullish_vs_bearish);
    } else {
      cell("n/a");
    }
  }
  out += '\n';
  auto interval_row = [&](std::string_view title, std::optional<Interval> EvalReport::*field) {
    bool any = false;
    for (const EvalReport& r : reports) any = any || (r.*field).has_value();
    if (!any) return;
    row_title(title);
    for (const EvalReport& r : reports) {
      if (const auto& ci = r.*field) {
        char text[64];
        std::snprintf(text, sizeof text, "%.3f-%.3f", ci->low, ci->high);
        cell(text);
      } else {
        cell("n/a");
      }
    }
    out += '\n';
  };
  interval_row("  95% CI accuracy", &EvalReport::accuracy_ci);
  interval_row("  95% CI macro-F1", &EvalReport::macro_f1_ci);
  interval_row("  95% CI AUC", &EvalReport::auc_ci);
  for (SentimentLabel l : kLabels) {
    row_title(std::string("F1 ") + label_name(l));
    for (const EvalReport& r : reports) number(r.per_label[index_of(l)].f1);
    out += '\n';
  }
  for (const EvalReport& r : reports) {
    out += "\nconfusion (" + r.scorer + "), rows = truth, columns = predicted\n";
    row_title("");
    for (SentimentLabel l : kLabels) cell(label_name(l));
    out += '\n';
    for (SentimentLabel t : kLabels) {
      row_title(label_name(t));
      for (SentimentLabel p : kLabels) {
        cell(std::to_string(r.confusion.counts[index_of(t)][index_of(p)]));
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace stockpulse
