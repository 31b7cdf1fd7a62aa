#include "sentiment/finance/default_model.h"

#include <stdexcept>
#include <utility>

#include "sentiment/finance/learned_scorer.h"

// Pulled in by the assembler, as embedded_data.cc does for the VADER lexicon; CMake passes the
// path of the model trained at build time as SP_FINANCE_MODEL_PATH.
__asm__(
    ".section .rodata\n"
    ".balign 16\n"
    ".global sp_finance_model_begin\n"
    "sp_finance_model_begin:\n"
    ".incbin \"" SP_FINANCE_MODEL_PATH
    "\"\n"
    ".global sp_finance_model_end\n"
    "sp_finance_model_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char sp_finance_model_begin[];
extern "C" const char sp_finance_model_end[];

namespace stockpulse {

std::string_view embedded_finance_model() {
  return {sp_finance_model_begin,
          static_cast<size_t>(sp_finance_model_end - sp_finance_model_begin)};
}

std::unique_ptr<Scorer> make_learned_finance_scorer(bool emoji, const std::string& model_path) {
  if (model_path.empty()) {
    auto model = LearnedModel::parse(embedded_finance_model());
    // The build wrote and checked these bytes; failing here is a broken build, not bad input.
    if (!model) {
      throw std::runtime_error(std::string("embedded finance model: ") +
                               model_error_name(model.error()));
    }
    return std::make_unique<LearnedFinanceScorer>(std::move(model).value(), emoji);
  }
  auto model = LearnedModel::load_file(model_path);
  if (!model) throw std::runtime_error(model.error());
  return std::make_unique<LearnedFinanceScorer>(std::move(model).value(), emoji);
}

}  // namespace stockpulse
