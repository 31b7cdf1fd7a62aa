#include "app/process_command.h"

#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "common/clock.h"
#include "common/option_range.h"
#include "common/stop_signals.h"
#include "pipeline/pipeline_metrics_source.h"
#include "serve/dashboard_service.h"

namespace stockpulse {

ProcessCommand::ProcessCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "process",
      "Run as one member of a processing group on Kafka: consume `tweets` and `stock-prices`,\n"
      "window them per symbol (state per partition, snapshotted to Kafka) and write the serving\n"
      "store, the lake and the result topics. Start N of them with one --group to share the work;\n"
      "a member that dies is replaced without losing or doubling a row.\n"
      "Kafka credentials come only from KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD.");
  cmd_->add_option("--kafka", options_.connection.brokers, "Kafka brokers HOST:PORT[,HOST:PORT]")
      ->required();
  cmd_->add_option("--group", options_.group,
                   "Consumer group id; members with the same id share the partitions "
                   "[stockpulse]");
  cmd_->add_option("-c,--config", config_file_, "TOML configuration file (see example.toml)")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--posts-topic", options_.posts_topic, "Topic of posts [tweets]");
  cmd_->add_option("--bars-topic", options_.bars_topic, "Topic of bars [stock-prices]");
  cmd_->add_option("--keyed-topic", options_.keyed_topic,
                   "Internal topic of records re-keyed by window key [stockpulse-keyed]");
  cmd_->add_option("--state-topic", options_.state_topic,
                   "Internal topic of window-state snapshots [stockpulse-state]");
  cmd_->add_option("--sentiment-topic", options_.sentiment_topic,
                   "Result topic of final sentiment windows [stockpulse-sentiment-windows]");
  cmd_->add_option("--trends-topic", options_.trends_topic,
                   "Result topic of final market windows [stockpulse-market-trends]");
  cmd_->add_option("--alerts-topic", options_.alerts_topic,
                   "Result topic of alerts [stockpulse-alerts]");
  cmd_->add_option("--dead-letter-topic", options_.dead_letter_topic,
                   "Topic of rejected records [stockpulse-dead-letters]");
  cmd_->add_option("--kafka-property", kafka_properties_,
                   "librdkafka property KEY=VALUE (repeatable)");
  cmd_->add_option("--checkpoint-interval", checkpoint_s_,
                   "Seconds between state snapshots and offset commits [5]")
      ->check(CLI::Range(0.1, 3600.0));
  cmd_->add_option("--exit-when-idle", exit_when_idle_s_,
                   "Stop after this many seconds without input, emitting every open window "
                   "as final (batch runs); 0 = run until stopped [0]")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--listen", listen_,
                   "Serve /metrics (Prometheus), /healthz, the API and the dashboard of this "
                   "member on HOST:PORT, reading the serving store (off by default; beyond "
                   "loopback it needs STOCKPULSE_TOKEN)");
  flags_.add_common(*cmd_);
}

int ProcessCommand::execute() {
  Config c = config_file_.empty() ? Config{} : load_config_file(config_file_);
  flags_.apply(c);
  ProcessOptions o = options_;
  for (const auto& s : kafka_properties_) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::runtime_error(fmt::format("--kafka-property '{}': expected KEY=VALUE", s));
    }
    o.connection.properties.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  if (auto problem = check_option_range("--checkpoint-interval", checkpoint_s_, 0.1, 3600);
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  if (auto problem = check_option_range("--exit-when-idle", exit_when_idle_s_, 0.1, 1e7, true);
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  o.checkpoint_interval = std::chrono::milliseconds(static_cast<int64_t>(checkpoint_s_ * 1000));
  o.exit_when_idle = std::chrono::milliseconds(static_cast<int64_t>(exit_when_idle_s_ * 1000));
  SystemClock clock;
  KafkaProcessor processor(c, o, clock);
  fmt::print(stderr, "stockpulse: processing {} and {} from {} as a member of group '{}'\n",
             o.posts_topic, o.bars_topic, o.connection.brokers, o.group);
  // Declared before the dashboard, so the server stops before the metrics it reads go away.
  std::unique_ptr<PipelineMetricsSource> metrics;
  std::unique_ptr<DashboardService> dashboard;
  if (!listen_.empty()) {
    if (c.serving_url() == "none") {
      throw std::runtime_error("--listen serves the serving store: it needs --serving");
    }
    // No queues between stages here: each stage reads from Kafka, whose lag is the backlog.
    metrics = std::make_unique<PipelineMetricsSource>(processor.metrics(), nullptr);
    DashboardOptions d = dashboard_options(c, listen_);
    // Windows reach the dashboard through the store, as with `stockpulse serve`.
    d.poll_store = true;
    dashboard = start_dashboard(d, c.serving_url(), metrics.get());
    fmt::print(stderr, "stockpulse: metrics and dashboard at {}\n", dashboard->url());
    // The pipeline-health panel: this member's rates and counters.
    processor.set_stats_listener(
        [hub = &dashboard->hub()](const std::string& json) { hub->publish("stats", json); });
  }
  // A second signal while draining leaves at once (the committed state stays consistent).
  const StopSignals signals(processor);
  return processor.run();
}

}  // namespace stockpulse
