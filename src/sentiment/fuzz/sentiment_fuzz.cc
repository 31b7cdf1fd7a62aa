// libFuzzer target: tokenizer + VADER scorer (NLTK mode and default emoji+phrases mode), ticker
// extraction and per-ticker clause scoring on arbitrary bytes. Checks the invariants that hold for
// any input: compound in [-1, 1], pos/neu/neg in [0, 1] summing to ~1 (or all 0), at most 16
// tickers, results independent of the thread's scratch state (scoring twice gives the same).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "sentiment/post_analyzer.h"
#include "sentiment/vader_scorer.h"

namespace {

using namespace stockpulse;

void check(const SentimentScores& s) {
  if (!(s.compound >= -1 && s.compound <= 1)) std::abort();
  for (double v : {s.pos, s.neu, s.neg}) {
    if (!(v >= 0 && v <= 1)) std::abort();
  }
  const double sum = s.pos + s.neu + s.neg;
  if (sum != 0 && std::fabs(sum - 1) > 0.003) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const VaderScorer nltk(Lexicon::builtin(), VaderOptions{.emoji = false, .phrases = {}});
  static const VaderScorer full(
      Lexicon::builtin(),
      VaderOptions{.emoji = true, .phrases = {{"buy the dip", 2.0}, {"dead cat bounce", -2.0}}});
  static const TickerExtractor tickers({"AAPL", "ON", "BRK.B"},
                                       TickerExtractor::default_stop_list());
  static const PostAnalyzer analyzer(full, tickers);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const SentimentScores a = nltk.score(text);
  check(a);
  const SentimentScores b = nltk.score(text);
  if (a.compound != b.compound || a.pos != b.pos || a.neu != b.neu || a.neg != b.neg) std::abort();
  check(full.score(text));
  SentimentScores overall;
  std::vector<TickerSentiment> out;
  analyzer.analyze(text, overall, out);
  check(overall);
  if (out.size() > TickerExtractor::kMaxTickers) std::abort();
  for (const auto& t : out) {
    check(t.scores);
    if (t.symbol.empty() || t.symbol.size() > 8) std::abort();
  }
  return 0;
}
