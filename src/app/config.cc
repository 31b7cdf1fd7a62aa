#include "app/config.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <exception>
#include <set>
#include <stdexcept>

#include "common/option_range.h"
#include "common/time_format.h"
#include "serve/symbols_query.h"
#include "source/post_replay.h"

namespace stockpulse {

std::string Config::serving_url() const {
  if (!run.serving.empty()) return run.serving;
  return "sqlite:" + run.output_dir + "/serving.db";
}

std::string Config::lake_root() const {
  if (run.lake == "none") return "";
  // An S3 lake is staged locally first: the folder is what restarts and retries rely on.
  if (!run.lake.empty() && !run.lake.starts_with("s3://")) return run.lake;
  return run.output_dir + "/lake";
}

std::string Config::lake_bucket_url() const {
  return run.lake.starts_with("s3://") ? run.lake : "";
}

std::string Config::dead_letter_path() const {
  if (!run.dead_letter.empty()) return run.dead_letter;
  return run.output_dir + "/dead_letter.jsonl";
}

std::string Config::checkpoint_path() const {
  if (run.checkpoint == "none") return "";
  if (sources.posts_file.empty() && sources.bars_file.empty()) return "";
  if (sources.posts_file == "-" || sources.bars_file == "-") return "";  // stdin cannot be re-read
  if (!run.checkpoint.empty()) return run.checkpoint;
  return run.output_dir + "/checkpoint.bin";
}

std::string Config::alert_dead_letter_path() const {
  if (!alerts.notify.dead_letter.empty()) return alerts.notify.dead_letter;
  return run.output_dir + "/alert_dead_letter.jsonl";
}

std::string Config::alert_delivery_log_path() const {
  if (!alerts.notify.delivery_log.empty()) return alerts.notify.delivery_log;
  return run.output_dir + "/alert_deliveries.log";
}

bool Config::daily_bars() const {
  if (sources.bars_file.empty()) return false;
  if (sources.bars_format != "auto") return sources.bars_format == "daily-csv";
  return sources.bars_file.ends_with(".csv") || sources.bars_file.ends_with(".CSV");
}

std::vector<std::string> Config::validate() const {
  std::vector<std::string> problems;
  if (run.duration_s < 0) problems.push_back("run.duration_s must be >= 0");
  if (run.trigger_interval_ms < 10) problems.push_back("run.trigger_interval_ms must be >= 10");
  if (run.checkpoint_interval_s < 1) problems.push_back("run.checkpoint_interval_s must be >= 1");
  if (sources.symbols.empty()) problems.push_back("sources.symbols must name at least one symbol");
  if (sources.symbols.size() > 10000) problems.push_back("sources.symbols: at most 10000 symbols");
  // Every floating-point option: finite and in range (flags land here too, so a bad --speed is
  // reported the same way as a bad TOML value).
  for (const std::string& problem :
       {check_option_range("sources.posts_per_second (--rate)", sources.posts_per_second,
                           Sources::kMinPostsPerSecond, Sources::kMaxPostsPerSecond,
                           /*zero_allowed=*/true),
        check_option_range("sources.speed (--speed)", sources.speed, Sources::kMinSpeed,
                           Sources::kMaxSpeed),
        check_option_range("sources.replay_speed (--replay-speed)", sources.replay_speed,
                           Sources::kMinSpeed, Sources::kMaxSpeed, /*zero_allowed=*/true)}) {
    if (!problem.empty()) problems.push_back(problem);
  }
  if (!parse_post_file_format(sources.posts_format))
    problems.push_back("sources.posts_format must be one of " + post_file_format_names());
  if (sources.dedupe_max_entries < 1 || sources.dedupe_max_entries > (int64_t{1} << 28))
    problems.push_back("sources.dedupe_max_entries must be in [1, 268435456]");
  if (!std::set<std::string>{"auto", "jsonl", "daily-csv"}.contains(sources.bars_format))
    problems.push_back("sources.bars_format must be \"auto\", \"jsonl\" or \"daily-csv\"");
  if (sources.posts_file == "-" && sources.posts_format == "parquet")
    problems.push_back("sources.posts_file: a Parquet file cannot be read from stdin");
  if (sources.bars_file == "-" && sources.bars_format == "daily-csv")
    problems.push_back("sources.bars_file: daily candles cannot be read from stdin");
  if (sources.sort_memory_mb < 1 || sources.sort_memory_mb > 65536)
    problems.push_back("sources.sort_memory_mb must be in [1, 65536]");
  if (sources.max_record_bytes < 1024 || sources.max_record_bytes > (64 << 20))
    problems.push_back("sources.max_record_bytes must be in [1024, 67108864]");
  if (sources.max_text_bytes < 1 || sources.max_text_bytes > sources.max_record_bytes)
    problems.push_back("sources.max_text_bytes must be in [1, max_record_bytes]");
  if (sentiment.scorer != "vader" && sentiment.scorer != "finance" &&
      sentiment.scorer != "finance-lexicon")
    problems.push_back("sentiment.scorer must be \"vader\", \"finance\" or \"finance-lexicon\"");
  if (!sentiment.model.empty() && sentiment.scorer != "finance")
    problems.push_back("sentiment.model is the learned model of sentiment.scorer = \"finance\"");
  if (window.slide_s <= 0 || window.size_s <= 0 || window.size_s % window.slide_s != 0)
    problems.push_back("window.size_s must be a positive multiple of window.slide_s");
  // Accepted event times end a year before 10000 so that no window ends past 9999 (time_format.h).
  if (window.size_s > kMaxWindowMillis / kMillisPerSecond)
    problems.push_back(fmt::format("window.size_s must be at most {} (365 days)",
                                   kMaxWindowMillis / kMillisPerSecond));
  if (window.size_s / std::max<int64_t>(window.slide_s, 1) > 1440)
    problems.push_back("window.size_s / window.slide_s must be at most 1440 panes");
  if (window.allowed_lateness_s < 0) problems.push_back("window.allowed_lateness_s must be >= 0");
  if (window.idle_timeout_s <= 0) problems.push_back("window.idle_timeout_s must be > 0");
  if (window.max_keys < 1) problems.push_back("window.max_keys must be >= 1");
  if (pipeline.queue_capacity < 1 || pipeline.queue_capacity > 4096)
    problems.push_back("pipeline.queue_capacity must be in [1, 4096]");
  if (pipeline.batch_size < 1 || pipeline.batch_size > 65536)
    problems.push_back("pipeline.batch_size must be in [1, 65536]");
  if (pipeline.workers < 0 || pipeline.workers > 64)
    problems.push_back("pipeline.workers must be in [0, 64]");
  if (lake.roll_mb < 1) problems.push_back("lake.roll_mb must be >= 1");
  if (lake.roll_age_s < 1) problems.push_back("lake.roll_age_s must be >= 1");
  if (lake.memory_mb < 1 || lake.memory_mb > (1 << 20))
    problems.push_back("lake.memory_mb must be in [1, 1048576]");
  if (lake.max_open_partitions < 1 || lake.max_open_partitions > 1000000)
    problems.push_back("lake.max_open_partitions must be in [1, 1000000]");
  if (serve.listen.find(':') == std::string::npos)
    problems.push_back("serve.listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  if (serve.max_connections < 1 || serve.max_connections > 100000)
    problems.push_back("serve.max_connections must be in [1, 100000]");
  if (serve.max_connections_per_client < 1 ||
      serve.max_connections_per_client > serve.max_connections)
    problems.push_back("serve.max_connections_per_client must be in [1, max_connections]");
  for (const auto& [name, ms] : {std::pair{"serve.header_timeout_ms", serve.header_timeout_ms},
                                 {"serve.idle_timeout_ms", serve.idle_timeout_ms},
                                 {"serve.write_timeout_ms", serve.write_timeout_ms}}) {
    if (ms < 100 || ms > 3600000)
      problems.push_back(fmt::format("{} must be in [100, 3600000]", name));
  }
  if (auto w = normalize_watch_list(serve.watch_list); !w) problems.push_back("serve." + w.error());
  if (serve.badges < 1 || serve.badges > SymbolsView::kMaxBadges)
    problems.push_back("serve.badges must be in [1, 200]");
  if (serve.max_live_subscribers < 1 || serve.max_live_subscribers > 10000)
    problems.push_back("serve.max_live_subscribers must be in [1, 10000]");
  if (serve.max_live_subscribers_per_client < 1 ||
      serve.max_live_subscribers_per_client > serve.max_live_subscribers)
    problems.push_back(
        "serve.max_live_subscribers_per_client must be in [1, max_live_subscribers]");
  const AlertConfig& a = alerts.policy;
  if (!(a.spike_z > 0 && a.spike_z <= 100))
    problems.push_back("alerts.spike_z must be in (0, 100]");
  if (a.baseline_windows < 2 || a.baseline_windows > 10000)
    problems.push_back("alerts.baseline_windows must be in [2, 10000]");
  if (a.min_baseline < 2 || a.min_baseline > a.baseline_windows)
    problems.push_back("alerts.min_baseline must be in [2, baseline_windows]");
  if (a.trend_dwell_windows < 1 || a.trend_dwell_windows > 1440)
    problems.push_back("alerts.trend_dwell_windows must be in [1, 1440]");
  if (!(a.trend_margin >= 0 && a.trend_margin <= 0.4))
    problems.push_back("alerts.trend_margin must be in [0, 0.4]");
  if (a.band_dwell_readings < 1 || a.band_dwell_readings > 1440)
    problems.push_back("alerts.band_dwell_readings must be in [1, 1440]");
  if (!(a.band_margin >= 0 && a.band_margin <= 20))
    problems.push_back("alerts.band_margin must be in [0, 20]");
  if (a.cooldown_s < 0 || a.cooldown_s > 7 * 86400)
    problems.push_back("alerts.cooldown_s must be in [0, 604800]");
  if (!(a.spike_z_warning >= a.spike_z && a.spike_z_critical >= a.spike_z_warning &&
        a.spike_z_critical <= 1000))
    problems.push_back("alerts: spike_z <= spike_z_warning <= spike_z_critical <= 1000 must hold");
  if (!(a.trend_strength_warning >= 0 && a.trend_strength_critical >= a.trend_strength_warning &&
        a.trend_strength_critical <= 1))
    problems.push_back(
        "alerts: 0 <= trend_strength_warning <= trend_strength_critical <= 1 must hold");
  if (alerts.notify.queue_capacity < 1 || alerts.notify.queue_capacity > 1000000)
    problems.push_back("alerts.queue_capacity must be in [1, 1000000]");
  if (alerts.notify.delivery_log_max_keys < 1 || alerts.notify.delivery_log_max_keys > 10000000)
    problems.push_back("alerts.delivery_log_max_keys must be in [1, 10000000]");
  if (alerts.notify.drain_timeout_s < 0 || alerts.notify.drain_timeout_s > 86400)
    problems.push_back("alerts.drain_timeout_s must be in [0, 86400]");
  if (alerts.webhooks.size() > 32) problems.push_back("alerts.webhooks: at most 32 webhooks");
  std::set<std::string> names;
  for (size_t i = 0; i < alerts.webhooks.size(); ++i) {
    const WebhookConfig& w = alerts.webhooks[i];
    const std::string at = fmt::format("alerts.webhooks[{}]", i);
    if (w.url_env.empty())
      problems.push_back(at + ".url_env must name the environment variable holding the URL");
    if (!names.insert(w.name).second)
      problems.push_back(at + ".name must be unique (\"" + w.name + "\")");
    if (w.symbols.size() > 10000) problems.push_back(at + ".symbols: at most 10000");
    if (!(w.max_per_minute >= 0.01 && w.max_per_minute <= 60000))
      problems.push_back(at + ".max_per_minute must be in [0.01, 60000]");
    if (w.timeout_ms < 100 || w.timeout_ms > 600000)
      problems.push_back(at + ".timeout_ms must be in [100, 600000]");
    if (w.max_attempts < 1 || w.max_attempts > 100)
      problems.push_back(at + ".max_attempts must be in [1, 100]");
    if (w.backoff_initial_ms < 1 || w.backoff_initial_ms > w.backoff_max_ms ||
        w.backoff_max_ms > 3600000)
      problems.push_back(at + ": 1 <= backoff_initial_ms <= backoff_max_ms <= 3600000 must hold");
  }
  return problems;
}

namespace {

// Reads one table's keys into fields, complaining about keys nobody reads.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string name, const std::string& file)
      : table_(t), name_(std::move(name)), file_(file) {}
  ~TableReader() noexcept(false) {
    // Another error of this table is already on its way out: throwing a second one during
    // unwinding would terminate the program (found by sp_config_fuzz: a bad value plus an unknown
    // key in one table aborted `run --config`).
    if (std::uncaught_exceptions() > 0) return;
    for (const auto& [key, _] : table_) {
      if (!seen_.count(std::string(key.str()))) {
        throw std::runtime_error(
            fmt::format("{}: unknown key '{}.{}' (see example.toml)", file_, name_, key.str()));
      }
    }
  }

  // A key read elsewhere (a nested table or array of tables).
  void skip(const char* key) { seen_.insert(key); }

  template <class T>
  void read(const char* key, T& out) {
    seen_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      const toml::array* arr = node->as_array();
      if (!arr) fail(key, "expected an array of strings");
      out.clear();
      for (const auto& el : *arr) {
        auto s = el.value<std::string>();
        if (!s) fail(key, "expected an array of strings");
        out.push_back(*s);
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      auto v = node->value<bool>();
      if (!v) fail(key, "expected true or false");
      out = *v;
    } else if constexpr (std::is_same_v<T, std::string>) {
      auto v = node->value<std::string>();
      if (!v) fail(key, "expected a string");
      out = *v;
    } else if constexpr (std::is_floating_point_v<T>) {
      auto v = node->value<double>();
      if (!v) fail(key, "expected a number");
      out = *v;
    } else {
      if (!node->is_integer()) fail(key, "expected an integer");
      out = static_cast<T>(*node->value<int64_t>());
    }
  }

 private:
  [[noreturn]] void fail(const char* key, const char* what) {
    throw std::runtime_error(fmt::format("{}: {}.{}: {}", file_, name_, key, what));
  }
  const toml::table& table_;
  std::string name_;
  const std::string& file_;
  std::set<std::string> seen_;
};

}  // namespace

Config load_config_file(const std::string& path, Config c) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw std::runtime_error(
        fmt::format("{}:{}:{}: {}", path, where.line, where.column, std::string(e.description())));
  }
  static const std::set<std::string> kSections = {"run",      "sources", "sentiment", "window",
                                                  "pipeline", "lake",    "serve",     "alerts"};
  for (const auto& [key, node] : root) {
    if (!kSections.count(std::string(key.str())) || !node.is_table()) {
      throw std::runtime_error(
          fmt::format("{}: unknown section '{}' (see example.toml)", path, key.str()));
    }
  }
  auto table = [&](const char* name) -> const toml::table& {
    static const toml::table kEmpty;
    const toml::node* n = root.get(name);
    return n ? *n->as_table() : kEmpty;
  };
  {
    TableReader r(table("run"), "run", path);
    r.read("duration_s", c.run.duration_s);
    r.read("seed", c.run.seed);
    r.read("output_dir", c.run.output_dir);
    r.read("serving", c.run.serving);
    r.read("lake", c.run.lake);
    r.read("dead_letter", c.run.dead_letter);
    r.read("trigger_interval_ms", c.run.trigger_interval_ms);
    r.read("progress", c.run.progress);
    r.read("checkpoint", c.run.checkpoint);
    r.read("checkpoint_interval_s", c.run.checkpoint_interval_s);
  }
  {
    TableReader r(table("sources"), "sources", path);
    r.read("posts_file", c.sources.posts_file);
    r.read("bars_file", c.sources.bars_file);
    r.read("posts_format", c.sources.posts_format);
    r.read("dedupe", c.sources.dedupe);
    r.read("dedupe_max_entries", c.sources.dedupe_max_entries);
    r.read("bars_format", c.sources.bars_format);
    r.read("until_eof", c.sources.until_eof);
    r.read("sort_input", c.sources.sort_input);
    r.read("sort_memory_mb", c.sources.sort_memory_mb);
    r.read("rebase_time", c.sources.rebase_time);
    r.read("replay_speed", c.sources.replay_speed);
    r.read("symbols", c.sources.symbols);
    r.read("posts_per_second", c.sources.posts_per_second);
    r.read("speed", c.sources.speed);
    r.read("max_record_bytes", c.sources.max_record_bytes);
    r.read("max_text_bytes", c.sources.max_text_bytes);
  }
  {
    TableReader r(table("sentiment"), "sentiment", path);
    r.read("scorer", c.sentiment.scorer);
    r.read("emoji", c.sentiment.emoji);
    r.read("lexicon", c.sentiment.lexicon);
    r.read("model", c.sentiment.model);
    r.read("watch_list", c.sentiment.watch_list);
    r.read("stop_list", c.sentiment.stop_list);
  }
  {
    TableReader r(table("window"), "window", path);
    r.read("size_s", c.window.size_s);
    r.read("slide_s", c.window.slide_s);
    r.read("allowed_lateness_s", c.window.allowed_lateness_s);
    r.read("idle_timeout_s", c.window.idle_timeout_s);
    r.read("max_keys", c.window.max_keys);
  }
  {
    TableReader r(table("pipeline"), "pipeline", path);
    r.read("queue_capacity", c.pipeline.queue_capacity);
    r.read("batch_size", c.pipeline.batch_size);
    r.read("workers", c.pipeline.workers);
  }
  {
    TableReader r(table("lake"), "lake", path);
    r.read("roll_mb", c.lake.roll_mb);
    r.read("roll_age_s", c.lake.roll_age_s);
    r.read("memory_mb", c.lake.memory_mb);
    r.read("max_open_partitions", c.lake.max_open_partitions);
  }
  {
    TableReader r(table("serve"), "serve", path);
    r.read("dashboard", c.serve.dashboard);
    r.read("listen", c.serve.listen);
    r.read("web_root", c.serve.web_root);
    r.read("allowed_hosts", c.serve.allowed_hosts);
    r.read("watch_list", c.serve.watch_list);
    r.read("badges", c.serve.badges);
    r.read("max_connections", c.serve.max_connections);
    r.read("max_connections_per_client", c.serve.max_connections_per_client);
    r.read("header_timeout_ms", c.serve.header_timeout_ms);
    r.read("idle_timeout_ms", c.serve.idle_timeout_ms);
    r.read("write_timeout_ms", c.serve.write_timeout_ms);
    r.read("max_live_subscribers", c.serve.max_live_subscribers);
    r.read("max_live_subscribers_per_client", c.serve.max_live_subscribers_per_client);
  }
  {
    const toml::table& t = table("alerts");
    TableReader r(t, "alerts", path);
    AlertConfig& a = c.alerts.policy;
    r.read("spike_z", a.spike_z);
    r.read("min_baseline", a.min_baseline);
    r.read("baseline_windows", a.baseline_windows);
    r.read("trend_dwell_windows", a.trend_dwell_windows);
    r.read("trend_margin", a.trend_margin);
    r.read("band_dwell_readings", a.band_dwell_readings);
    r.read("band_margin", a.band_margin);
    r.read("cooldown_s", a.cooldown_s);
    r.read("spike_z_warning", a.spike_z_warning);
    r.read("spike_z_critical", a.spike_z_critical);
    r.read("trend_strength_warning", a.trend_strength_warning);
    r.read("trend_strength_critical", a.trend_strength_critical);
    r.read("queue_capacity", c.alerts.notify.queue_capacity);
    r.read("dead_letter", c.alerts.notify.dead_letter);
    r.read("delivery_log", c.alerts.notify.delivery_log);
    r.read("delivery_log_max_keys", c.alerts.notify.delivery_log_max_keys);
    r.read("drain_timeout_s", c.alerts.notify.drain_timeout_s);
    r.skip("webhooks");
    if (const toml::node* hooks = t.get("webhooks")) {
      const toml::array* arr = hooks->as_array();
      if (!arr) {
        throw std::runtime_error(
            fmt::format("{}: alerts.webhooks: expected [[alerts.webhooks]] tables", path));
      }
      c.alerts.webhooks.clear();
      for (size_t i = 0; i < arr->size(); ++i) {
        const toml::table* ht = arr->get(i)->as_table();
        if (!ht) {
          throw std::runtime_error(
              fmt::format("{}: alerts.webhooks: expected [[alerts.webhooks]] tables", path));
        }
        WebhookConfig w;
        w.name = fmt::format("webhook-{}", i);
        std::string kind = webhook_kind_name(w.kind);
        std::string severity = alert_severity_name(w.min_severity);
        const std::string section = fmt::format("alerts.webhooks[{}]", i);
        {
          TableReader hr(*ht, section, path);
          hr.read("name", w.name);
          hr.read("kind", kind);
          hr.read("url_env", w.url_env);
          hr.read("min_severity", severity);
          hr.read("symbols", w.symbols);
          hr.read("max_per_minute", w.max_per_minute);
          hr.read("timeout_ms", w.timeout_ms);
          hr.read("max_attempts", w.max_attempts);
          hr.read("backoff_initial_ms", w.backoff_initial_ms);
          hr.read("backoff_max_ms", w.backoff_max_ms);
        }
        // A URL in the file would be a secret in the repository: only the variable's name.
        if (w.url_env.find("://") != std::string::npos) {
          throw std::runtime_error(fmt::format(
              "{}: {}.url_env must be the NAME of an environment variable holding the URL, "
              "never the URL itself (webhook URLs are secrets)",
              path, section));
        }
        const auto k = parse_webhook_kind(kind);
        if (!k) {
          throw std::runtime_error(
              fmt::format("{}: {}.kind must be \"slack\", \"discord\" or \"json\"", path, section));
        }
        w.kind = *k;
        const auto sev = parse_alert_severity(severity);
        if (!sev) {
          throw std::runtime_error(fmt::format(
              "{}: {}.min_severity must be \"info\", \"warning\" or \"critical\"", path, section));
        }
        w.min_severity = *sev;
        c.alerts.webhooks.push_back(std::move(w));
      }
    }
  }
  return c;
}

}  // namespace stockpulse
