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

  // Shapes of real data sets (issue #14). The defaults give the dense stream above.
  //
  // Popularity of symbols in the order given: the i-th symbol (from 1) is picked in proportion to
  // i^-zipf_exponent. About 1 gives the heavy tail of cashtag counts in tweet data sets.
  double zipf_exponent = 0.8;
  // Bursts: the rate is multiplied by burst_factor during bursts (exponential lengths, mean 5
  // minutes of event time, one every 2 hours on average), and 70% of a burst's posts are about
  // one ticker (the news). 1 = no bursts.
  double burst_factor = 1;
  // Share of posts that are retweets: "RT @user: <text>" of one of the last 512 posts (recent
  // ones more likely, retweets included, so chains form), with a new id, time and user, about the
  // same tickers.
  double retweet_share = 0;
  // Share of posts whose text spans several lines (a blank line and a closing remark).
  double multiline_share = 0;
};

// `count` distinct cashtag symbols of 3 to 5 letters, none of them in `taken`, deterministic by
// seed: the long tail of a data set's cashtags.
std::vector<std::string> synthetic_cashtags(size_t count, uint64_t seed,
                                            const std::vector<std::string>& taken);

// Moves a share `fraction` of the elements of `items` away from their places: that many places
// are drawn at random and their elements permuted among them (a derangement, so each one moves).
// Deterministic by rng. Used to shuffle a window of posts, as data sets merged from several
// crawls are out of time order.
template <class T>
void displace_fraction(std::vector<T>& items, double fraction, DeterministicRng& rng) {
  std::vector<size_t> picked;
  for (size_t i = 0; i < items.size(); ++i) {
    if (rng.chance(fraction)) picked.push_back(i);
  }
  if (picked.size() < 2) return;
  // Sattolo's algorithm: a uniformly random cyclic permutation, which moves every element.
  std::vector<size_t> to(picked.size());
  for (size_t i = 0; i < to.size(); ++i) to[i] = i;
  for (size_t i = to.size() - 1; i > 0; --i) {
    const size_t j = rng.below(static_cast<uint32_t>(i));
    std::swap(to[i], to[j]);
  }
  std::vector<T> moved(picked.size());
  for (size_t i = 0; i < picked.size(); ++i) moved[to[i]] = std::move(items[picked[i]]);
  for (size_t i = 0; i < picked.size(); ++i) items[picked[i]] = std::move(moved[i]);
}

// Posts that read like financial social media: cashtags, slang, emoji, negations, ALL CAPS,
// "!!!", one to three tickers per post, from about ninety templates and a finance vocabulary;
// optionally with bursts, retweets and multi-line texts (see SyntheticPostOptions).
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
  // Current mood of symbols()[index], in [-1, 1]. With many symbols (> 64) or a slow stream (<
  // 0.5 posts/s) moods are advanced lazily, each when its symbol is next picked (an exact
  // solution of the same process over the gap), so this is the mood as of that symbol's last
  // post.
  double mood(size_t index) const { return moods_[index]; }
  // Current mood of a symbol, or nullopt if it is not generated.
  std::optional<double> mood(std::string_view symbol) const;
  // Indexes into symbols() of the tickers the last post is about, the one it is mainly about
  // first; and the tone (+1 bullish, -1 bearish, 0 neutral) the post took toward each.
  const std::vector<size_t>& last_tickers() const { return last_tickers_; }
  const std::vector<int>& last_tones() const { return last_tones_; }
  // Posts generated so far.
  uint64_t count() const { return count_; }
  // Whether the last post is a retweet, and whether a burst is on.
  bool last_is_retweet() const { return last_is_retweet_; }
  bool in_burst() const { return in_burst_; }

 private:
  struct Tables;
  struct Original {
    std::string text;
    std::string user;
    std::vector<size_t> tickers;
    std::vector<int> tones;
  };
  void advance_moods(double until_ms);
  void catch_up_mood(size_t ticker);
  void step_mood(double& m);
  void advance_clock();
  size_t pick_ticker();
  void compose(Post& out);
  void retweet(Post& out);
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
  // Lazy moods: event time (relative) each mood was last advanced to.
  bool lazy_moods_ = false;
  std::vector<double> mood_time_ms_;
  // Bursts.
  bool in_burst_ = false;
  double phase_end_ms_ = 0;
  size_t burst_ticker_ = 0;
  // Retweets: the last posts, a ring.
  bool last_is_retweet_ = false;
  std::vector<Original> originals_;
  size_t originals_next_ = 0;
};

}  // namespace stockpulse
