#include "pipeline/pipeline_metrics_source.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>

namespace stockpulse {

void PipelineMetricsSource::write_prometheus(std::string& out) const {
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  counter("stockpulse_posts_read_total", "Posts read from sources.", m_.posts_read.load());
  counter("stockpulse_bars_read_total", "Bars read from sources.", m_.bars_read.load());
  counter("stockpulse_posts_scored_total", "Posts decoded and scored.", m_.posts_scored.load());
  counter("stockpulse_bars_decoded_total", "Bars decoded.", m_.bars_decoded.load());
  counter("stockpulse_ticker_mentions_total", "Ticker mentions attributed.",
          m_.ticker_mentions.load());
  counter("stockpulse_window_updates_total", "Window rows emitted in update mode.",
          m_.window_updates.load());
  out +=
      "# HELP stockpulse_windows_final_total Windows emitted as final.\n"
      "# TYPE stockpulse_windows_final_total counter\n";
  out += fmt::format("stockpulse_windows_final_total{{kind=\"sentiment\"}} {}\n",
                     m_.sentiment_windows_final.load());
  out += fmt::format("stockpulse_windows_final_total{{kind=\"market\"}} {}\n",
                     m_.market_windows_final.load());
  counter("stockpulse_rows_written_total", "Rows written to the serving store.",
          m_.rows_written.load());
  counter("stockpulse_alerts_total", "Alerts emitted.", m_.alerts.load());
  out +=
      "# HELP stockpulse_dead_letters_total Records sent to the dead-letter stream.\n"
      "# TYPE stockpulse_dead_letters_total counter\n";
  for (size_t i = 0; i < m_.dead_by_reason.size(); ++i) {
    out += fmt::format("stockpulse_dead_letters_total{{reason=\"{}\"}} {}\n",
                       reason_name(static_cast<DeadLetterReason>(i)), m_.dead_by_reason[i].load());
  }
  if (depths_) {
    const auto d = depths_();
    out +=
        "# HELP stockpulse_queue_depth Batches waiting between stages.\n"
        "# TYPE stockpulse_queue_depth gauge\n";
    out += fmt::format("stockpulse_queue_depth{{queue=\"raw\"}} {}\n", d[0]);
    out += fmt::format("stockpulse_queue_depth{{queue=\"enriched\"}} {}\n", d[1]);
    out += fmt::format("stockpulse_queue_depth{{queue=\"sink\"}} {}\n", d[2]);
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (const int64_t lag = m_.watermark_lag_ms(now_ms); lag != INT64_MIN) {
    out +=
        "# HELP stockpulse_watermark_lag_seconds The sources' clock (the wall clock, or the "
        "event clock of paced synthetic sources or a paced replay) minus the posts watermark.\n"
        "# TYPE stockpulse_watermark_lag_seconds gauge\n";
    out +=
        fmt::format("stockpulse_watermark_lag_seconds {:.3f}\n", static_cast<double>(lag) / 1000.0);
  }
  out +=
      "# HELP stockpulse_sink_write_seconds Time to write one batch to the serving store.\n"
      "# TYPE stockpulse_sink_write_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kSinkLatencyBuckets.size(); ++i) {
    cumulative += m_.sink_latency_buckets[i].load(std::memory_order_relaxed);
    out += fmt::format("stockpulse_sink_write_seconds_bucket{{le=\"{}\"}} {}\n",
                       kSinkLatencyBuckets[i], cumulative);
  }
  const uint64_t count = m_.sink_writes.load(std::memory_order_relaxed);
  out += fmt::format("stockpulse_sink_write_seconds_bucket{{le=\"+Inf\"}} {}\n", count);
  out +=
      fmt::format("stockpulse_sink_write_seconds_sum {:.6f}\n",
                  static_cast<double>(m_.sink_write_micros.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("stockpulse_sink_write_seconds_count {}\n", count);
  out += fmt::format(
      "# HELP stockpulse_sink_errors_total Failed writes to the serving store or the lake.\n"
      "# TYPE stockpulse_sink_errors_total counter\n"
      "stockpulse_sink_errors_total{{sink=\"serving\"}} {}\n"
      "stockpulse_sink_errors_total{{sink=\"lake\"}} {}\n",
      m_.serving_errors.load(std::memory_order_relaxed),
      m_.lake_errors.load(std::memory_order_relaxed));
  out += fmt::format(
      "# HELP stockpulse_lake_memory_bytes Memory the Parquet lake's staged rows hold (bounded by "
      "lake.memory_mb).\n"
      "# TYPE stockpulse_lake_memory_bytes gauge\n"
      "stockpulse_lake_memory_bytes {}\n",
      m_.lake_memory_bytes.load(std::memory_order_relaxed));
  if (extra_) extra_->write_prometheus(out);
}

}  // namespace stockpulse
