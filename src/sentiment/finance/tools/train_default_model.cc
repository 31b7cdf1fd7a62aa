// Trains the default model of `--scorer finance` at build time:
//   sp_finance_train_default OUT.bin FILE.csv [FILE.csv ...]
// with TrainingOptions' defaults, exactly what `stockpulse train --labels FILE ... --out OUT`
// does. A separate tool because the stockpulse binary embeds this tool's output.
#include <cstdio>
#include <string>
#include <vector>

#include "sentiment/finance/model_trainer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.bin FILE.csv [FILE.csv ...]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const std::vector<std::string> files(argv + 2, argv + argc);
  auto model = stockpulse::train_model_from_files(files, stockpulse::TrainingOptions{});
  if (!model) {
    std::fprintf(stderr, "sp_finance_train_default: %s\n", model.error().c_str());
    return 1;
  }
  if (auto error = model.value().save_file(out)) {
    std::fprintf(stderr, "sp_finance_train_default: %s\n", error->c_str());
    return 1;
  }
  return 0;
}
