#include "sentiment/finance/model_trainer.h"

#include <array>
#include <cmath>
#include <random>
#include <stdexcept>

#include "sentiment/finance/learned_scorer.h"

namespace stockpulse {
namespace {

size_t class_of(SentimentLabel label) {
  switch (label) {
    case SentimentLabel::kBearish:
      return static_cast<size_t>(ModelClass::kBearish);
    case SentimentLabel::kNeutral:
      return static_cast<size_t>(ModelClass::kNeutral);
    case SentimentLabel::kBullish:
      return static_cast<size_t>(ModelClass::kBullish);
  }
  return static_cast<size_t>(ModelClass::kNeutral);
}

// Every row featurised once, flat.
struct Featurised {
  std::vector<uint32_t> indices;
  std::vector<size_t> begin;  // row r's indices are [begin[r], begin[r + 1])
  std::vector<std::array<float, kDenseFeatures>> dense;
  std::vector<uint8_t> label;
  std::vector<double> weight;
};

}  // namespace

LearnedModel train_model(std::span<const TrainingSet> sets, const TrainingOptions& options,
                         const TrainingProgress& progress) {
  if (options.bits < 8 || options.bits > 22) throw std::invalid_argument("bits must be in 8..22");
  if (options.epochs < 1 || options.epochs > 1000)
    throw std::invalid_argument("epochs must be in 1..1000");
  if (!(options.learning_rate > 0) || !(options.l2 >= 0) || !(options.dense_l2 >= 0))
    throw std::invalid_argument("learning rate must be > 0 and L2 >= 0");

  const FinanceFeaturizer featurizer(options.bits, options.emoji);
  Featurised data;
  data.begin.push_back(0);
  std::array<uint32_t, FeatureHasher::kMaxFeatures> buf;
  std::vector<double> file_weight;
  size_t total_rows = 0;
  size_t non_empty_sets = 0;
  for (const TrainingSet& set : sets) {
    total_rows += set.rows.size();
    if (!set.rows.empty()) ++non_empty_sets;
  }
  if (total_rows == 0) throw std::invalid_argument("no training rows");
  for (const TrainingSet& set : sets) {
    const double fw = options.balance_files && !set.rows.empty()
                          ? static_cast<double>(total_rows) / (static_cast<double>(non_empty_sets) *
                                                               static_cast<double>(set.rows.size()))
                          : 1.0;
    for (const LabelledPost& row : set.rows) {
      std::array<float, kDenseFeatures> dense{};
      const size_t n = featurizer.extract(row.text, buf, dense);
      data.indices.insert(data.indices.end(), buf.begin(), buf.begin() + static_cast<long>(n));
      data.begin.push_back(data.indices.size());
      data.dense.push_back(dense);
      data.label.push_back(static_cast<uint8_t>(class_of(row.label)));
      data.weight.push_back(fw);
    }
  }
  const size_t rows = data.label.size();
  if (options.balance_classes) {
    std::array<double, kModelClasses> class_total{};
    double total = 0;
    for (size_t r = 0; r < rows; ++r) {
      class_total[data.label[r]] += data.weight[r];
      total += data.weight[r];
    }
    size_t present = 0;
    for (double t : class_total) present += t > 0 ? 1 : 0;
    for (size_t r = 0; r < rows; ++r) {
      data.weight[r] *= total / (static_cast<double>(present) * class_total[data.label[r]]);
    }
  }

  LearnedModel model;
  model.bits = options.bits;
  model.hashed.assign((size_t{1} << options.bits) * kModelClasses, 0.0f);
  // AdaGrad accumulators of squared gradients, one per weight.
  std::vector<float> g2_hashed(model.hashed.size(), 0.0f);
  std::array<double, kDenseFeatures * kModelClasses> g2_dense{};
  std::array<double, kModelClasses> g2_bias{};
  constexpr double kEps = 1e-8;
  const double lr = options.learning_rate;

  std::vector<size_t> order(rows);
  for (size_t r = 0; r < rows; ++r) order[r] = r;
  std::mt19937_64 rng(options.seed);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    for (size_t i = rows - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    double loss = 0;
    double weight_sum = 0;
    double correct = 0;
    for (size_t r : order) {
      const size_t b = data.begin[r];
      const size_t e = data.begin[r + 1];
      const float value = FinanceFeaturizer::hashed_value(e - b);
      const auto& dense = data.dense[r];
      std::array<double, kModelClasses> z{};
      for (size_t c = 0; c < kModelClasses; ++c) {
        double s = 0;
        for (size_t k = b; k < e; ++k) s += model.hashed[data.indices[k] * kModelClasses + c];
        z[c] = model.bias[c] + s * value;
        for (size_t d = 0; d < kDenseFeatures; ++d)
          z[c] += model.dense[d * kModelClasses + c] * dense[d];
      }
      const double top = std::max({z[0], z[1], z[2]});
      double total = 0;
      for (double& x : z) {
        x = std::exp(x - top);
        total += x;
      }
      for (double& x : z) x /= total;
      const size_t y = data.label[r];
      const double w = data.weight[r];
      loss += -w * std::log(std::max(z[y], 1e-12));
      weight_sum += w;
      size_t best = 0;
      for (size_t c = 1; c < kModelClasses; ++c) best = z[c] > z[best] ? c : best;
      correct += best == y ? 1.0 : 0.0;

      for (size_t c = 0; c < kModelClasses; ++c) {
        const double g = w * (z[c] - (c == y ? 1.0 : 0.0));
        for (size_t k = b; k < e; ++k) {
          const size_t at = data.indices[k] * kModelClasses + c;
          const double grad = g * value + options.l2 * model.hashed[at];
          g2_hashed[at] += static_cast<float>(grad * grad);
          model.hashed[at] -= static_cast<float>(lr * grad / (std::sqrt(g2_hashed[at]) + kEps));
        }
        for (size_t d = 0; d < kDenseFeatures; ++d) {
          const size_t at = d * kModelClasses + c;
          const double grad = g * dense[d] + options.dense_l2 * model.dense[at];
          g2_dense[at] += grad * grad;
          model.dense[at] -= static_cast<float>(lr * grad / (std::sqrt(g2_dense[at]) + kEps));
        }
        g2_bias[c] += g * g;
        model.bias[c] -= static_cast<float>(lr * g / (std::sqrt(g2_bias[c]) + kEps));
      }
    }
    if (progress) progress(epoch, loss / weight_sum, correct / static_cast<double>(rows));
  }
  model.round_to_stored_precision();
  return model;
}

Result<LearnedModel, std::string> train_model_from_files(std::span<const std::string> paths,
                                                         const TrainingOptions& options,
                                                         const TrainingProgress& progress) {
  std::vector<TrainingSet> sets;
  for (const std::string& path : paths) {
    auto rows = read_labelled_csv(path);
    if (!rows) return Err(rows.error());
    sets.push_back(TrainingSet{path, std::move(rows).value()});
  }
  try {
    return train_model(sets, options, progress);
  } catch (const std::invalid_argument& e) {
    return Err(std::string(e.what()));
  }
}

}  // namespace stockpulse
