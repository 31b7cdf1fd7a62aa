// libFuzzer target: tokenizer + VADER scorer (NLTK mode and default emoji+phrases mode), ticker
// extraction and per-ticker clause scoring on arbitrary bytes. Checks the invariants that hold for
// any input: compound in [-1, 1], pos/neu/neg in [0, 1] summing to ~1 (or all 0), at most 16
// tickers, results independent of the thread's scratch state (scoring twice gives the same), and
// (differential) score_parts() equal to score() on each substring for spans cut anywhere.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
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

bool same(const SentimentScores& a, const SentimentScores& b) {
  return a.compound == b.compound && a.pos == b.pos && a.neu == b.neu && a.neg == b.neg;
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
  if (!same(a, b)) std::abort();
  check(full.score(text));
  // Spans cut at input-dependent places: after the first ',' / '.', inside the text, whole text.
  const uint32_t n = static_cast<uint32_t>(size);
  const uint32_t comma = static_cast<uint32_t>(std::min(text.find(','), text.size()));
  const uint32_t dot = static_cast<uint32_t>(std::min(text.find('.'), text.size()));
  const TextSpan spans[] = {{0, std::min(comma + 1, n)},
                            {std::min(comma + 1, n), n},
                            {n / 3, 2 * n / 3},
                            {std::min(dot, n), n},
                            {0, n}};
  for (const VaderScorer* scorer : {&nltk, &full}) {
    SentimentScores whole;
    SentimentScores parts[std::size(spans)];
    scorer->score_parts(text, spans, whole, parts);
    if (!same(whole, scorer->score(text))) std::abort();
    for (size_t k = 0; k < std::size(spans); ++k) {
      const SentimentScores expected =
          scorer->score(text.substr(spans[k].begin, spans[k].end - spans[k].begin));
      if (!same(parts[k], expected)) std::abort();
    }
  }
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
