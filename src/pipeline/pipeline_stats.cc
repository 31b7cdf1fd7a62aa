#include "pipeline/pipeline_stats.h"

#include <fmt/format.h>

namespace stockpulse {

std::optional<StatsRates> StatsTicker::tick(Clock::time_point now) {
  if (now - last_ < interval_) return std::nullopt;
  const double secs = std::chrono::duration<double>(now - last_).count();
  const uint64_t posts = metrics_.posts_scored.load(std::memory_order_relaxed);
  const uint64_t bars = metrics_.bars_decoded.load(std::memory_order_relaxed);
  StatsRates r;
  r.posts_per_s = static_cast<double>(posts - last_posts_) / secs;
  r.bars_per_s = static_cast<double>(bars - last_bars_) / secs;
  last_posts_ = posts;
  last_bars_ = bars;
  last_ = now;
  return r;
}

std::string stats_json(const PipelineMetrics& metrics, const StatsRates& rates, int64_t wall_now_ms,
                       std::optional<size_t> queue_depth) {
  const int64_t lag = metrics.watermark_lag_ms(wall_now_ms);
  std::string out = fmt::format(
      "{{\"posts_per_second\":{:.1f},\"posts_total\":{},\"bars_total\":{},\"late_total\":{},"
      "\"dead_letters_total\":{},\"watermark_lag_ms\":{}",
      rates.posts_per_s, metrics.posts_scored.load(), metrics.bars_decoded.load(), metrics.late(),
      metrics.dead_letters.load(), lag == INT64_MIN ? std::string("null") : std::to_string(lag));
  if (queue_depth) out += fmt::format(",\"queue_depth\":{}", *queue_depth);
  out += '}';
  return out;
}

}  // namespace stockpulse
