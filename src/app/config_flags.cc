#include "app/config_flags.h"

#include <cstdlib>

namespace stockpulse {

void ConfigFlags::add(CLI::Option* option, std::function<void(Config&)> apply) {
  overrides_.emplace_back(option, std::move(apply));
}

void ConfigFlags::add_common(CLI::App& cmd) {
  Config& f = values_;
  add(cmd.add_option(
          "--serving", f.run.serving,
          "Serving store: sqlite:PATH, clickhouse://HOST:PORT/DB (user and password from "
          "CLICKHOUSE_USER / CLICKHOUSE_PASSWORD) or none [sqlite:OUTPUT_DIR/serving.db]"),
      [&f](Config& c) { c.run.serving = f.run.serving; });
  add(cmd.add_option("--lake", f.run.lake,
                     "Parquet lake: a folder, s3://BUCKET/PREFIX (staged in OUTPUT_DIR/lake, "
                     "keys from AWS_* variables), or none [OUTPUT_DIR/lake]"),
      [&f](Config& c) { c.run.lake = f.run.lake; });
  add(cmd.add_option("-o,--output-dir", f.run.output_dir,
                     "Folder for default outputs [stockpulse-data]"),
      [&f](Config& c) { c.run.output_dir = f.run.output_dir; });
  add(cmd.add_option("--trigger-ms", f.run.trigger_interval_ms,
                     "How often changed windows are emitted (update mode) [1000]"),
      [&f](Config& c) { c.run.trigger_interval_ms = f.run.trigger_interval_ms; });
  add(cmd.add_option("-d,--duration", f.run.duration_s, "Stop after this many seconds (0: never)"),
      [&f](Config& c) { c.run.duration_s = f.run.duration_s; });
  add(cmd.add_option("--scorer", f.sentiment.scorer,
                     "Sentiment scorer: vader, finance (learned) or finance-lexicon [vader]"),
      [&f](Config& c) { c.sentiment.scorer = f.sentiment.scorer; });
  add(cmd.add_option("--model", f.sentiment.model,
                     "Model file of --scorer finance (from `stockpulse train`) [built-in]"),
      [&f](Config& c) { c.sentiment.model = f.sentiment.model; });
  add(cmd.add_option("--window", f.window.size_s, "Window size in seconds [300]"),
      [&f](Config& c) { c.window.size_s = f.window.size_s; });
  add(cmd.add_option("--slide", f.window.slide_s,
                     "Window slide in seconds (= size: tumbling) [60]"),
      [&f](Config& c) { c.window.slide_s = f.window.slide_s; });
  add(cmd.add_option("--lateness", f.window.allowed_lateness_s,
                     "Allowed lateness in seconds [600]"),
      [&f](Config& c) { c.window.allowed_lateness_s = f.window.allowed_lateness_s; });
  add(cmd.add_flag("-q,--quiet", quiet_, "No progress line"),
      [](Config& c) { c.run.progress = false; });
}

void ConfigFlags::apply(Config& c) const {
  for (const auto& [option, fn] : overrides_) {
    if (option->count() > 0) fn(c);
  }
}

DashboardOptions dashboard_options(const Config& c, const std::string& listen) {
  DashboardOptions d;
  d.http.listen = listen;
  d.http.web_root = c.serve.web_root;
  if (const char* token = std::getenv("STOCKPULSE_TOKEN")) d.http.token = token;
  d.http.allowed_hosts = c.serve.allowed_hosts;
  // Validated by Config::validate(); an invalid list here is dropped rather than served.
  auto watch = normalize_watch_list(c.serve.watch_list.empty() ? c.sentiment.watch_list
                                                               : c.serve.watch_list);
  if (watch) d.http.symbols_view.watch_list = std::move(watch).value();
  d.http.symbols_view.badges = static_cast<int>(c.serve.badges);
  d.http.max_connections = static_cast<size_t>(c.serve.max_connections);
  d.http.max_connections_per_client = static_cast<size_t>(c.serve.max_connections_per_client);
  d.http.header_timeout = std::chrono::milliseconds(c.serve.header_timeout_ms);
  d.http.idle_timeout = std::chrono::milliseconds(c.serve.idle_timeout_ms);
  d.http.write_timeout = std::chrono::milliseconds(c.serve.write_timeout_ms);
  d.hub.max_subscribers = static_cast<size_t>(c.serve.max_live_subscribers);
  d.hub.max_subscribers_per_client = static_cast<size_t>(c.serve.max_live_subscribers_per_client);
  return d;
}

}  // namespace stockpulse
