// `stockpulse train`, `--model` and `eval` end to end on the real binary: a model trained from a
// CSV is loaded by `score` and `eval`, a damaged model file is refused with the reason, and
// `eval` reports every scorer with its confidence intervals.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

void write_training_csv(const std::filesystem::path& path) {
  std::ofstream f(path);
  f << "text,label\n";
  for (int i = 0; i < 20; ++i) {
    f << "\"$X ripping higher, buying more " << i << "\",1\n";
    f << "\"$X dumping, selling everything " << i << "\",0\n";
    f << "\"$X reports on day " << i << "\",2\n";
  }
}

TEST(FinanceModelCli, TrainThenScoreAndEvalWithTheModel) {
  const auto dir = scratch("finance_model_cli");
  write_training_csv(dir / "train.csv");
  const std::string model = (dir / "model.bin").string();
  const auto t = run(binary() + " train --labels " + (dir / "train.csv").string() +
                     " --bits 12 --epochs 5 --out " + model);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("epoch   5"), std::string::npos) << t.output;  // progress lines
  EXPECT_NE(t.output.find("wrote " + model), std::string::npos) << t.output;

  const auto s =
      run(binary() + " score --scorer finance --model " + model + " '$Y ripping, buying'");
  ASSERT_EQ(s.exit_code, 0) << s.output;
  EXPECT_NE(s.output.find("label bullish"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("(scorer finance)"), std::string::npos) << s.output;

  const auto e = run(binary() + " eval --bootstrap 200 --model " + model + " --labels " +
                     (dir / "train.csv").string());
  ASSERT_EQ(e.exit_code, 0) << e.output;
  for (const char* part : {"vader", "finance-lexicon", "finance", "95% CI AUC", "60 labelled"}) {
    EXPECT_NE(e.output.find(part), std::string::npos) << part << "\n" << e.output;
  }

  // A truncated model and a foreign file are refused with the reason, before any scoring.
  const std::string bytes = slurp(model);
  std::ofstream(dir / "truncated.bin", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const auto bad = run(binary() + " score --scorer finance --model " +
                       (dir / "truncated.bin").string() + " 'hello'");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("truncated"), std::string::npos) << bad.output;
  const auto foreign = run(binary() + " score --scorer finance --model " +
                           (dir / "train.csv").string() + " 'hello'");
  EXPECT_NE(foreign.exit_code, 0);
  EXPECT_NE(foreign.output.find("bad magic"), std::string::npos) << foreign.output;
  // A model only makes sense for the learned scorer.
  const auto wrong = run(binary() + " score --scorer vader --model " + model + " 'hello'");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("--model"), std::string::npos) << wrong.output;
}

TEST(FinanceModelCli, TrainRejectsBadLabelsWithTheLine) {
  const auto dir = scratch("finance_model_cli_bad");
  std::ofstream(dir / "bad.csv") << "text,label\nfine,1\nbroken,maybe\n";
  const auto t = run(binary() + " train --labels " + (dir / "bad.csv").string() + " --out " +
                     (dir / "m.bin").string());
  EXPECT_NE(t.exit_code, 0);
  EXPECT_NE(t.output.find("bad.csv:3"), std::string::npos) << t.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.bin"));
}

}  // namespace
}  // namespace stockpulse::e2e
