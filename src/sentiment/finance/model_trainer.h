#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "sentiment/finance/labelled_csv.h"
#include "sentiment/finance/learned_model.h"

namespace stockpulse {

// One labelled file given to the trainer.
struct TrainingSet {
  std::string name;
  std::vector<LabelledPost> rows;
};

// Options of train_model(); the defaults are what the shipped model is trained with.
struct TrainingOptions {
  uint32_t bits = 18;          // 2^bits hash buckets
  int epochs = 12;             // passes over the data
  double learning_rate = 0.2;  // AdaGrad step
  double l2 = 1e-4;            // L2 strength on hashed weights (applied to the weights a row uses)
  double dense_l2 = 1e-6;      // L2 strength on the dense (lexicon) weights
  uint64_t seed = 17;          // shuffling order; same seed + same data = same bytes
  // Every file weighs as much in total as every other (a 400-row set written in the target
  // register is not drowned by 9,500 news headlines); then every class weighs alike.
  bool balance_files = true;
  bool balance_classes = true;
  bool emoji = true;  // the finance lexicon's emoji translation, as in scoring
};

// Called after each epoch with the weighted mean log-loss and the training accuracy.
using TrainingProgress = std::function<void(int epoch, double log_loss, double accuracy)>;

// Trains the learned finance model (learned_scorer.h) on the union of `sets` with AdaGrad SGD on
// the weighted multinomial log-loss plus L2. Deterministic: rows are visited in an order drawn
// from a std::mt19937_64 seeded with options.seed (own Fisher-Yates, so the order does not depend
// on the standard library). The returned weights are rounded to what the file stores, so a saved
// and reloaded model scores exactly like the returned one. Throws std::invalid_argument for no
// rows or options out of range.
LearnedModel train_model(std::span<const TrainingSet> sets, const TrainingOptions& options,
                         const TrainingProgress& progress = {});

// Reads every file with read_labelled_csv (any malformed file fails the whole run) and trains on
// them with train_model(). The error text names the file and line.
Result<LearnedModel, std::string> train_model_from_files(std::span<const std::string> paths,
                                                         const TrainingOptions& options,
                                                         const TrainingProgress& progress = {});

}  // namespace stockpulse
