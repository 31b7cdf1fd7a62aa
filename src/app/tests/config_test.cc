#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "app/config_flags.h"

namespace stockpulse {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

// example.toml is the documentation of every option; it must load and say exactly the defaults.
TEST(Config, ExampleFileDocumentsTheDefaults) {
  const Config loaded = load_config_file(std::string(STOCKPULSE_SOURCE_DIR) + "/example.toml");
  const Config d;
  EXPECT_EQ(loaded.run.duration_s, d.run.duration_s);
  EXPECT_EQ(loaded.run.seed, d.run.seed);
  EXPECT_EQ(loaded.run.output_dir, d.run.output_dir);
  EXPECT_EQ(loaded.run.serving, d.run.serving);
  EXPECT_EQ(loaded.run.lake, d.run.lake);
  EXPECT_EQ(loaded.run.dead_letter, d.run.dead_letter);
  EXPECT_EQ(loaded.run.trigger_interval_ms, d.run.trigger_interval_ms);
  EXPECT_EQ(loaded.run.progress, d.run.progress);
  EXPECT_EQ(loaded.run.checkpoint, d.run.checkpoint);
  EXPECT_EQ(loaded.run.checkpoint_interval_s, d.run.checkpoint_interval_s);
  EXPECT_EQ(loaded.sources.posts_file, d.sources.posts_file);
  EXPECT_EQ(loaded.sources.bars_file, d.sources.bars_file);
  EXPECT_EQ(loaded.sources.posts_format, d.sources.posts_format);
  EXPECT_EQ(loaded.sources.dedupe, d.sources.dedupe);
  EXPECT_EQ(loaded.sources.dedupe_max_entries, d.sources.dedupe_max_entries);
  EXPECT_EQ(loaded.sources.bars_format, d.sources.bars_format);
  EXPECT_EQ(loaded.sources.until_eof, d.sources.until_eof);
  EXPECT_EQ(loaded.sources.rebase_time, d.sources.rebase_time);
  EXPECT_EQ(loaded.sources.replay_speed, d.sources.replay_speed);
  EXPECT_EQ(loaded.sources.symbols, d.sources.symbols);
  EXPECT_EQ(loaded.sources.posts_per_second, d.sources.posts_per_second);
  EXPECT_EQ(loaded.sources.speed, d.sources.speed);
  EXPECT_EQ(loaded.sources.max_record_bytes, d.sources.max_record_bytes);
  EXPECT_EQ(loaded.sources.max_text_bytes, d.sources.max_text_bytes);
  EXPECT_EQ(loaded.sentiment.scorer, d.sentiment.scorer);
  EXPECT_EQ(loaded.sentiment.emoji, d.sentiment.emoji);
  EXPECT_EQ(loaded.sentiment.lexicon, d.sentiment.lexicon);
  EXPECT_EQ(loaded.sentiment.watch_list, d.sentiment.watch_list);
  EXPECT_EQ(loaded.sentiment.stop_list, d.sentiment.stop_list);
  EXPECT_EQ(loaded.window.size_s, d.window.size_s);
  EXPECT_EQ(loaded.window.slide_s, d.window.slide_s);
  EXPECT_EQ(loaded.window.allowed_lateness_s, d.window.allowed_lateness_s);
  EXPECT_EQ(loaded.window.idle_timeout_s, d.window.idle_timeout_s);
  EXPECT_EQ(loaded.window.max_keys, d.window.max_keys);
  EXPECT_EQ(loaded.pipeline.queue_capacity, d.pipeline.queue_capacity);
  EXPECT_EQ(loaded.pipeline.batch_size, d.pipeline.batch_size);
  EXPECT_EQ(loaded.pipeline.workers, d.pipeline.workers);
  EXPECT_EQ(loaded.lake.roll_mb, d.lake.roll_mb);
  EXPECT_EQ(loaded.lake.roll_age_s, d.lake.roll_age_s);
  EXPECT_EQ(loaded.lake.memory_mb, d.lake.memory_mb);
  EXPECT_EQ(loaded.lake.max_open_partitions, d.lake.max_open_partitions);
  EXPECT_EQ(loaded.serve.dashboard, d.serve.dashboard);
  EXPECT_EQ(loaded.serve.listen, d.serve.listen);
  EXPECT_EQ(loaded.serve.allowed_hosts, d.serve.allowed_hosts);
  EXPECT_EQ(loaded.serve.watch_list, d.serve.watch_list);
  EXPECT_EQ(loaded.serve.badges, d.serve.badges);
  EXPECT_EQ(loaded.serve.max_connections, d.serve.max_connections);
  EXPECT_EQ(loaded.serve.max_connections_per_client, d.serve.max_connections_per_client);
  EXPECT_EQ(loaded.serve.header_timeout_ms, d.serve.header_timeout_ms);
  EXPECT_EQ(loaded.serve.idle_timeout_ms, d.serve.idle_timeout_ms);
  EXPECT_EQ(loaded.serve.write_timeout_ms, d.serve.write_timeout_ms);
  const AlertConfig& la = loaded.alerts.policy;
  const AlertConfig& da = d.alerts.policy;
  EXPECT_EQ(la.spike_z, da.spike_z);
  EXPECT_EQ(la.min_baseline, da.min_baseline);
  EXPECT_EQ(la.baseline_windows, da.baseline_windows);
  EXPECT_EQ(la.trend_dwell_windows, da.trend_dwell_windows);
  EXPECT_EQ(la.trend_margin, da.trend_margin);
  EXPECT_EQ(la.band_dwell_readings, da.band_dwell_readings);
  EXPECT_EQ(la.band_margin, da.band_margin);
  EXPECT_EQ(la.cooldown_s, da.cooldown_s);
  EXPECT_EQ(la.spike_z_warning, da.spike_z_warning);
  EXPECT_EQ(la.spike_z_critical, da.spike_z_critical);
  EXPECT_EQ(la.trend_strength_warning, da.trend_strength_warning);
  EXPECT_EQ(la.trend_strength_critical, da.trend_strength_critical);
  EXPECT_EQ(loaded.alerts.notify.queue_capacity, d.alerts.notify.queue_capacity);
  EXPECT_EQ(loaded.alerts.notify.dead_letter, d.alerts.notify.dead_letter);
  EXPECT_EQ(loaded.alerts.notify.delivery_log, d.alerts.notify.delivery_log);
  EXPECT_EQ(loaded.alerts.notify.delivery_log_max_keys, d.alerts.notify.delivery_log_max_keys);
  EXPECT_EQ(loaded.alerts.notify.drain_timeout_s, d.alerts.notify.drain_timeout_s);
  EXPECT_TRUE(loaded.alerts.webhooks.empty());
  EXPECT_EQ(loaded.serve.max_live_subscribers, d.serve.max_live_subscribers);
  EXPECT_EQ(loaded.serve.max_live_subscribers_per_client, d.serve.max_live_subscribers_per_client);
  EXPECT_EQ(loaded.serve.web_root, d.serve.web_root);
  EXPECT_TRUE(loaded.validate().empty());
}

TEST(Config, FileValuesOverrideDefaults) {
  const auto path = write_temp(
      "sp_cfg_ok.toml", "[window]\nsize_s = 600\nslide_s = 120\n[sources]\nsymbols = [\"X\"]\n");
  const Config c = load_config_file(path);
  EXPECT_EQ(c.window.size_s, 600);
  EXPECT_EQ(c.window.slide_s, 120);
  EXPECT_EQ(c.sources.symbols, std::vector<std::string>{"X"});
  EXPECT_EQ(c.window.allowed_lateness_s, 600);  // untouched default
}

TEST(Config, UnknownKeysAndSectionsAreErrors) {
  EXPECT_THROW(load_config_file(write_temp("sp_cfg_k.toml", "[window]\nsize = 5\n")),
               std::runtime_error);
  EXPECT_THROW(load_config_file(write_temp("sp_cfg_s.toml", "[windows]\nsize_s = 5\n")),
               std::runtime_error);
  try {
    load_config_file(write_temp("sp_cfg_t.toml", "[window]\nsize_s = \"five\"\n"));
    FAIL() << "a string for an integer must be rejected";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("window.size_s"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_config_file(write_temp("sp_cfg_p.toml", "[window\n")), std::runtime_error);
  // A bad value and an unknown key in one table: the first error is reported, not two at once
  // (the unknown-key check in a destructor used to throw during unwinding: std::terminate).
  try {
    load_config_file(write_temp("sp_cfg_b.toml", "[window]\nsize_s = \"five\"\nsize = 5\n"));
    FAIL() << "a bad value must be rejected";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("window.size_s"), std::string::npos) << e.what();
  }
}

TEST(Config, ValidateNamesEveryProblem) {
  Config c;
  c.window.size_s = 90;
  c.window.slide_s = 60;
  c.sentiment.scorer = "bert";
  c.pipeline.batch_size = 0;
  const auto problems = c.validate();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("sentiment.scorer"), std::string::npos);
  EXPECT_NE(problems[1].find("window.size_s"), std::string::npos);
  EXPECT_NE(problems[2].find("batch_size"), std::string::npos);
}

// Issue #17: the learned scorer's model file belongs to scorer "finance" only.
TEST(Config, ModelFileOnlyWithTheLearnedScorer) {
  Config c;
  c.sentiment.scorer = "finance-lexicon";
  EXPECT_TRUE(c.validate().empty());
  c.sentiment.model = "model.bin";
  const auto problems = c.validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("sentiment.model"), std::string::npos);
  c.sentiment.scorer = "finance";
  EXPECT_TRUE(c.validate().empty());
}

// Issue #15: --speed nan aborted the run, --speed 1e15 ignored --duration and SIGTERM.
TEST(Config, FloatOptionsMustBeFiniteAndInRange) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto problems_with = [](auto set) {
    Config c;
    set(c);
    std::string all;
    for (const auto& p : c.validate()) all += p + "\n";
    return all;
  };
  for (double v : {nan, inf, -inf, 1e15, 1e308, 0.0, -1.0, 10000.5}) {
    EXPECT_NE(problems_with([v](Config& c) { c.sources.speed = v; }).find("sources.speed"),
              std::string::npos)
        << v;
  }
  for (double v : {nan, inf, -1.0, 1e7, 0.0001}) {
    EXPECT_NE(
        problems_with([v](Config& c) { c.sources.replay_speed = v; }).find("sources.replay_speed"),
        std::string::npos)
        << v;
  }
  for (double v : {nan, inf, -inf, -1.0, 1e300, 0.001}) {
    EXPECT_NE(problems_with([v](Config& c) {
                c.sources.posts_per_second = v;
              }).find("sources.posts_per_second"),
              std::string::npos)
        << v;
  }
  for (double v : {0.001, 60.0, 10000.0}) {
    EXPECT_EQ(problems_with([v](Config& c) { c.sources.speed = v; }), "") << v;
  }
  EXPECT_EQ(problems_with([](Config& c) { c.sources.replay_speed = 0; }), "");
  EXPECT_EQ(problems_with([](Config& c) { c.sources.posts_per_second = 0; }), "");
  // TOML's nan and inf load, then fail validation like a flag would.
  const Config loaded = load_config_file(
      write_temp("sp_cfg_nan.toml", "[sources]\nspeed = nan\nreplay_speed = inf\n"));
  const auto problems = loaded.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("finite number"), std::string::npos) << problems[0];
}

TEST(Config, WindowsAreAtMost365Days) {
  Config c;
  c.window.size_s = 365 * 86400;
  c.window.slide_s = 86400;
  EXPECT_TRUE(c.validate().empty());
  c.window.size_s = 366 * 86400;
  const auto problems = c.validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("window.size_s must be at most"), std::string::npos) << problems[0];
}

TEST(Config, LakeMemoryKeysAreReadAndChecked) {
  const Config c = load_config_file(
      write_temp("sp_cfg_lake.toml", "[lake]\nmemory_mb = 16\nmax_open_partitions = 8\n"));
  EXPECT_EQ(c.lake.memory_mb, 16);
  EXPECT_EQ(c.lake.max_open_partitions, 8);
  EXPECT_TRUE(c.validate().empty());
  Config bad;
  bad.lake.memory_mb = 0;
  bad.lake.max_open_partitions = 0;
  const auto problems = bad.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("lake.memory_mb"), std::string::npos);
  EXPECT_NE(problems[1].find("lake.max_open_partitions"), std::string::npos);
}

TEST(Config, AlertPolicyAndWebhooksAreReadAndChecked) {
  const Config c = load_config_file(write_temp("sp_cfg_alerts.toml", R"(
[alerts]
cooldown_s = 600
trend_dwell_windows = 3
band_margin = 2.5

[[alerts.webhooks]]
name = "desk"
kind = "discord"
url_env = "DESK_HOOK"
min_severity = "critical"
symbols = ["NVDA"]
max_per_minute = 5.0

[[alerts.webhooks]]
url_env = "OTHER_HOOK"
)"));
  EXPECT_EQ(c.alerts.policy.cooldown_s, 600);
  EXPECT_EQ(c.alerts.policy.trend_dwell_windows, 3);
  EXPECT_EQ(c.alerts.policy.band_margin, 2.5);
  ASSERT_EQ(c.alerts.webhooks.size(), 2u);
  EXPECT_EQ(c.alerts.webhooks[0].name, "desk");
  EXPECT_EQ(c.alerts.webhooks[0].kind, WebhookKind::kDiscord);
  EXPECT_EQ(c.alerts.webhooks[0].url_env, "DESK_HOOK");
  EXPECT_EQ(c.alerts.webhooks[0].min_severity, AlertSeverity::kCritical);
  EXPECT_EQ(c.alerts.webhooks[0].symbols, std::vector<std::string>{"NVDA"});
  EXPECT_EQ(c.alerts.webhooks[0].max_per_minute, 5.0);
  EXPECT_EQ(c.alerts.webhooks[1].name, "webhook-1");
  EXPECT_EQ(c.alerts.webhooks[1].kind, WebhookKind::kJson);
  EXPECT_EQ(c.alerts.webhooks[1].min_severity, AlertSeverity::kWarning);
  EXPECT_TRUE(c.validate().empty());

  // A URL where the variable's name belongs is refused, without repeating it.
  try {
    (void)load_config_file(
        write_temp("sp_cfg_alerts_url.toml",
                   "[[alerts.webhooks]]\nurl_env = \"https://hooks.example/T0/SECRET\"\n"));
    FAIL() << "a URL in the file must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("url_env"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      (void)load_config_file(write_temp(
          "sp_cfg_alerts_kind.toml", "[[alerts.webhooks]]\nurl_env = \"X\"\nkind = \"teams\"\n")),
      std::runtime_error);
  EXPECT_THROW(
      (void)load_config_file(write_temp("sp_cfg_alerts_key.toml",
                                        "[[alerts.webhooks]]\nurl_env = \"X\"\nurl = \"X\"\n")),
      std::runtime_error);

  Config bad;
  bad.alerts.policy.cooldown_s = -1;
  bad.alerts.policy.trend_dwell_windows = 0;
  bad.alerts.webhooks.resize(2);  // no url_env, and the same (empty) name twice
  const auto problems = bad.validate();
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_NE(problems[0].find("alerts.trend_dwell_windows"), std::string::npos);
  EXPECT_NE(problems[1].find("alerts.cooldown_s"), std::string::npos);
  EXPECT_NE(problems[2].find("url_env"), std::string::npos);
  EXPECT_NE(problems[3].find("url_env"), std::string::npos);
  EXPECT_NE(problems[4].find("unique"), std::string::npos);
}

TEST(Config, DefaultOutputsFollowOutputDir) {
  Config c;
  c.run.output_dir = "/tmp/x";
  EXPECT_EQ(c.serving_url(), "sqlite:/tmp/x/serving.db");
  EXPECT_EQ(c.lake_root(), "/tmp/x/lake");
  c.run.lake = "none";
  EXPECT_EQ(c.lake_root(), "");
}

TEST(Config, InputFormatsAreCheckedAndBarsFormatFollowsTheExtension) {
  Config c;
  c.sources.posts_format = "xml";
  c.sources.bars_format = "csv";
  auto problems = c.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("sources.posts_format"), std::string::npos);
  EXPECT_NE(problems[1].find("sources.bars_format"), std::string::npos);

  c = Config{};
  c.sources.posts_file = "-";
  c.sources.posts_format = "parquet";
  c.sources.bars_file = "-";
  c.sources.bars_format = "daily-csv";
  EXPECT_EQ(c.validate().size(), 2u) << "neither can come from stdin";

  c = Config{};
  EXPECT_FALSE(c.daily_bars()) << "no bars file";
  c.sources.bars_file = "prices.csv";
  EXPECT_TRUE(c.daily_bars());
  c.sources.bars_file = "bars.jsonl";
  EXPECT_FALSE(c.daily_bars());
  c.sources.bars_format = "daily-csv";
  EXPECT_TRUE(c.daily_bars());
  c.sources.bars_file = "prices.csv";
  c.sources.bars_format = "jsonl";
  EXPECT_FALSE(c.daily_bars());
}

// The dashboard's watch-list: symbols only (upper-cased when served), bounded; badges 1..200.
TEST(Config, ServeWatchListAndBadgesAreChecked) {
  Config c;
  c.serve.watch_list = {"AAPL", "brk.b"};
  EXPECT_TRUE(c.validate().empty());
  EXPECT_EQ(dashboard_options(c, c.serve.listen).http.symbols_view.watch_list,
            (std::vector<std::string>{"AAPL", "BRK.B"}));
  c.serve.watch_list = {"AAPL", "$TSLA"};
  c.serve.badges = 0;
  const auto problems = c.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("serve.watch-list: '$TSLA'"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("serve.badges"), std::string::npos) << problems[1];
  c.serve.watch_list.assign(1001, "A");
  c.serve.badges = 16;
  ASSERT_EQ(c.validate().size(), 1u);
}

}  // namespace
}  // namespace stockpulse
