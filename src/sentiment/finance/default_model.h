#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sentiment/finance/learned_model.h"
#include "sentiment/scorer.h"

namespace stockpulse {

// The default model of `--scorer finance`: trained at build time from data/train/ by
// sp_finance_train_default (same code and options as `stockpulse train`, see data/train/README.md)
// and compiled into the library (`.incbin`). The view is valid for the whole program.
std::string_view embedded_finance_model();

// The learned finance scorer with the model at `model_path`, or the embedded default model when
// the path is empty. Throws std::runtime_error naming the file and the reason when the model cannot
// be used (missing, truncated, foreign, corrupted, other feature version).
std::unique_ptr<Scorer> make_learned_finance_scorer(bool emoji, const std::string& model_path);

}  // namespace stockpulse
