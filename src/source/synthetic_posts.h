#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/events.h"
#include "source/deterministic_rng.h"

namespace stockpulse {

// Twelve well-known tickers (incl. BRK.B, whose cashtag has a dot): the default universe of both
// synthetic generators, so posts and bars talk about the same symbols.
std::vector<std::string> default_synthetic_symbols();

struct SyntheticPostOptions {
  uint64_t seed = 1;
  std::vector<std::string> symbols = default_synthetic_symbols();
  EventTime start{1714572000000};  // 2024-05-01T14:00:00Z
  // Mean rate in event time; gaps are exponential (a Poisson stream), so timestamps jitter.
  double posts_per_second = 50;
};

// Posts that read like financial social media: cashtags, slang, emoji, negations, ALL CAPS,
// "!!!", one to three tickers per post, from about ninety templates and a finance vocabulary.
// Each ticker has a mood in [-1, 1] that drifts in event time (a mean-reverting random walk with
// occasional news shocks) and biases whether a post about it is bullish, bearish or neutral, so
// windows and the dashboard show trends that move. Deterministic: the same options give the same
// posts, byte for byte.
//
// Lifecycle: construct, call next() as often as wanted. Thread-safety: none.
class SyntheticPostGenerator {
 public:
  explicit SyntheticPostGenerator(SyntheticPostOptions options);
  ~SyntheticPostGenerator();
  SyntheticPostGenerator(SyntheticPostGenerator&&) noexcept;
  SyntheticPostGenerator& operator=(SyntheticPostGenerator&&) noexcept;

  // Fills `out` with the next post: id "syn-<seed>-<n>" (n from 0), created_at non-decreasing,
  // text, user, source "synthetic". Reuses out's string capacity.
  void next(Post& out);

  const std::vector<std::string>& symbols() const { return options_.symbols; }
  // Current mood of symbols()[index], in [-1, 1].
  double mood(size_t index) const { return moods_[index]; }
  // Current mood of a symbol, or nullopt if it is not generated.
  std::optional<double> mood(std::string_view symbol) const;
  // Indexes into symbols() of the tickers the last post is about, the one it is mainly about
  // first; and the tone (+1 bullish, -1 bearish, 0 neutral) the post took toward each.
  const std::vector<size_t>& last_tickers() const { return last_tickers_; }
  const std::vector<int>& last_tones() const { return last_tones_; }
  // Posts generated so far.
  uint64_t count() const { return count_; }

 private:
  struct Tables;
  void advance_moods(double until_ms);
  size_t pick_ticker();
  int tone_for(size_t ticker);
  void render(size_t template_index, std::string& text);

  SyntheticPostOptions options_;
  DeterministicRng rng_;
  std::unique_ptr<Tables> tables_;
  std::vector<double> moods_;
  std::vector<double> popularity_cdf_;
  double clock_ms_ = 0;       // event time of the last post, relative to options_.start
  double mood_clock_ms_ = 0;  // moods are stepped once per second of event time up to here
  uint64_t count_ = 0;
  std::string id_prefix_;
  std::vector<size_t> last_tickers_;
  std::vector<int> last_tones_;
};

}  // namespace stockpulse
