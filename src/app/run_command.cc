#include <fmt/format.h>

#include <filesystem>

#include "app/commands.h"
#include "common/clock.h"
#include "common/stop_signals.h"
#include "common/time_format.h"
#include "pipeline/embedded_pipeline.h"
#include "sink/clickhouse_client.h"

namespace stockpulse {

std::vector<std::string> split_csv_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

RunCommand::RunCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "run",
      "Run the whole pipeline in this process (the default command).\n"
      "Without --posts/--bars it generates synthetic posts and bars and runs until Ctrl-C or\n"
      "--duration; with them it processes the files: JSON lines of the docs/design.md §3 "
      "contracts,\n"
      "tweet datasets (CSV, Parquet), Twitter / StockTwits / Reddit exports and daily candles\n"
      "(CSV, fanned out to minute bars).");
  cmd_->add_option("-c,--config", config_file_, "TOML configuration file (see example.toml)")
      ->check(CLI::ExistingFile);
  auto add = [&](CLI::Option* o, std::function<void(Config&)> apply) {
    flags_.add(o, std::move(apply));
  };
  Config& f = flags_.values();
  flags_.add_common(*cmd_);
  add(cmd_->add_option("--posts", f.sources.posts_file,
                       "Posts file: JSON lines of the bus contract, a tweet dataset as CSV or "
                       "Parquet (created_at, text, id, user columns), or the records of Twitter "
                       "(API v1.1, v2, archive tweets.js), StockTwits or Reddit; - for stdin"),
      [&f](Config& c) { c.sources.posts_file = f.sources.posts_file; });
  add(cmd_->add_option("--posts-format", f.sources.posts_format,
                       "auto (Parquet, CSV by extension, else by the first records), jsonl, csv, "
                       "parquet, twitter-v1, twitter-v2, tweets-js, stocktwits or reddit [auto]")
          ->check(CLI::IsMember({"auto", "jsonl", "csv", "parquet", "twitter-v1", "twitter-v2",
                                 "tweets-js", "stocktwits", "reddit"})),
      [&f](Config& c) { c.sources.posts_format = f.sources.posts_format; });
  add(cmd_->add_flag("--dedupe,!--no-dedupe", f.sources.dedupe,
                     "Datasets: skip posts whose id was seen and retweets of posts seen, as "
                     "`duplicate` dead letters [on]"),
      [&f](Config& c) { c.sources.dedupe = f.sources.dedupe; });
  add(cmd_->add_option("--bars", f.sources.bars_file,
                       "Bars file: JSON lines of the bus contract, or daily OHLCV candles (CSV) "
                       "fanned out to 390 minute bars per symbol and trading day"),
      [&f](Config& c) { c.sources.bars_file = f.sources.bars_file; });
  add(cmd_->add_option("--bars-format", f.sources.bars_format,
                       "auto (daily-csv for a .csv file, else jsonl), jsonl or daily-csv [auto]")
          ->check(CLI::IsMember({"auto", "jsonl", "daily-csv"})),
      [&f](Config& c) { c.sources.bars_format = f.sources.bars_format; });
  add(cmd_->add_flag(
          "--until-eof", f.sources.until_eof,
          "File mode: stop when every input file is read, emitting all windows as final"),
      [&f](Config& c) { c.sources.until_eof = f.sources.until_eof; });
  add(cmd_->add_flag("--keep-file-order{false}", f.sources.sort_input,
                     "File mode (--until-eof): read the files in their own order instead of "
                     "sorting them by event time first (for inputs known to be sorted; records "
                     "more than the lateness behind the records before them are then late)"),
      [&f](Config& c) { c.sources.sort_input = f.sources.sort_input; });
  add(cmd_->add_flag("--rebase-time", f.sources.rebase_time,
                     "File mode: shift event times so the earliest record maps to now, keeping "
                     "every gap (replay old data as if live)"),
      [&f](Config& c) { c.sources.rebase_time = f.sources.rebase_time; });
  add(cmd_->add_option("--replay-speed", f.sources.replay_speed,
                       "File mode: pace records by their event times, this many times faster than "
                       "they happened (1: real time; 0: as fast as possible) [0]"),
      [&f](Config& c) { c.sources.replay_speed = f.sources.replay_speed; });
  add(cmd_->add_option("--dead-letter", f.run.dead_letter,
                       "Dead-letter JSON lines file, or none [OUTPUT_DIR/dead_letter.jsonl]"),
      [&f](Config& c) { c.run.dead_letter = f.run.dead_letter; });
  add(cmd_->add_option("--checkpoint", f.run.checkpoint,
                       "File mode: checkpoint file, or none [OUTPUT_DIR/checkpoint.bin]"),
      [&f](Config& c) { c.run.checkpoint = f.run.checkpoint; });
  add(cmd_->add_option("--checkpoint-interval", f.run.checkpoint_interval_s,
                       "File mode: seconds between checkpoints [600]"),
      [&f](Config& c) { c.run.checkpoint_interval_s = f.run.checkpoint_interval_s; });
  add(cmd_->add_option("--seed", f.run.seed, "Seed of the synthetic sources [42]"),
      [&f](Config& c) { c.run.seed = f.run.seed; });
  add(cmd_->add_option("--symbols", symbols_csv_,
                       "Comma-separated symbols of the synthetic sources"),
      [this](Config& c) { c.sources.symbols = split_csv_list(symbols_csv_); });
  add(cmd_->add_option("--rate", f.sources.posts_per_second,
                       "Synthetic posts per second of wall time (0: as fast as possible) [300]"),
      [&f](Config& c) { c.sources.posts_per_second = f.sources.posts_per_second; });
  add(cmd_->add_option("--speed", f.sources.speed,
                       "Synthetic event time runs this many times faster than wall time [60]"),
      [&f](Config& c) { c.sources.speed = f.sources.speed; });
  add(cmd_->add_flag("--no-emoji", no_emoji_, "Do not translate emoji to words (exact NLTK VADER)"),
      [](Config& c) { c.sentiment.emoji = false; });
  add(cmd_->add_option("--lexicon", f.sentiment.lexicon,
                       "VADER lexicon file instead of the built-in one"),
      [&f](Config& c) { c.sentiment.lexicon = f.sentiment.lexicon; });
  add(cmd_->add_option("--workers", f.pipeline.workers,
                       "Decode and scoring threads (0: one per core)"),
      [&f](Config& c) { c.pipeline.workers = f.pipeline.workers; });
  add(cmd_->add_option("--batch-size", f.pipeline.batch_size,
                       "Records per batch between stages [2048]"),
      [&f](Config& c) { c.pipeline.batch_size = f.pipeline.batch_size; });
  listen_opt_ =
      cmd_->add_option("--listen", f.serve.listen,
                       "Dashboard and API address [127.0.0.1:8080]; beyond loopback needs "
                       "the STOCKPULSE_TOKEN environment variable");
  add(listen_opt_, [&f](Config& c) {
    c.serve.listen = f.serve.listen;
    c.serve.dashboard = true;
  });
  add(cmd_->add_flag("--no-dashboard", no_dashboard_, "Do not start the dashboard and API server"),
      [](Config& c) { c.serve.dashboard = false; });
  add(cmd_->add_option("--web-root", f.serve.web_root, "Folder of the built front end [web/dist]"),
      [&f](Config& c) { c.serve.web_root = f.serve.web_root; });
  add(cmd_->add_option("--allowed-host", f.serve.allowed_hosts,
                       "Without STOCKPULSE_TOKEN, a Host name answered besides localhost, "
                       "127.x.x.x and [::1] (repeatable; other names get 400: DNS rebinding)"),
      [&f](Config& c) { c.serve.allowed_hosts = f.serve.allowed_hosts; });
}

Config RunCommand::resolve() const {
  Config c = config_file_.empty() ? Config{} : load_config_file(config_file_);
  const bool batch =
      (!c.sources.posts_file.empty() || !c.sources.bars_file.empty() ||
       !flags_.values().sources.posts_file.empty() || !flags_.values().sources.bars_file.empty()) &&
      (c.sources.until_eof || flags_.values().sources.until_eof);
  // A batch job (file mode to end of input) serves no dashboard unless asked with --listen.
  if (batch) c.serve.dashboard = false;
  flags_.apply(c);
  return c;
}

int RunCommand::execute() {
  const Config config = resolve();
  const bool file_mode = !config.sources.posts_file.empty() || !config.sources.bars_file.empty();
  SystemClock clock;
  EmbeddedPipeline pipeline(config, clock);
  if (file_mode) {
    fmt::print(stderr, "stockpulse: processing {}{}{}\n",
               config.sources.posts_file.empty() ? "" : "posts " + config.sources.posts_file,
               !config.sources.posts_file.empty() && !config.sources.bars_file.empty() ? ", " : "",
               config.sources.bars_file.empty() ? "" : "bars " + config.sources.bars_file);
  } else {
    fmt::print(stderr,
               "stockpulse: synthetic posts ({}/s) and minute bars for {} symbols, event time x{}; "
               "{}\n",
               config.sources.posts_per_second, config.sources.symbols.size(), config.sources.speed,
               config.run.duration_s > 0 ? fmt::format("stopping after {} s", config.run.duration_s)
                                         : std::string("Ctrl-C to stop"));
  }
  if (const std::string url = pipeline.dashboard_url(); !url.empty()) {
    fmt::print(stderr, "stockpulse: dashboard at {}\n", url);
  }
  int rc = 0;
  {
    // Ctrl-C drains and stops; a second Ctrl-C while draining leaves at once.
    const StopSignals signals(pipeline);
    rc = pipeline.run();
  }

  const PipelineMetrics& m = pipeline.metrics();
  const std::string counts = fmt::format(
      "{} posts scored, {} bars, {} ticker mentions, {} final windows ({} sentiment, {} market), "
      "{} late, {} dead letters",
      m.posts_scored.load(), m.bars_decoded.load(), m.ticker_mentions.load(),
      m.sentiment_windows_final.load() + m.market_windows_final.load(),
      m.sentiment_windows_final.load(), m.market_windows_final.load(), m.late(),
      m.dead_letters.load());
  if (const std::string failure = pipeline.sink_failure(); !failure.empty()) {
    // Said once, with what is safe and how to go on; never "done".
    const std::string checkpoint = pipeline.checkpoint_path();
    const uint64_t checkpoints = m.checkpoints.load();
    fmt::print(stderr, "stockpulse: FAILED: {}\n", failure);
    fmt::print(stderr,
               "  stored:  the {} serving-store rows and the lake files written before the "
               "failure (outputs below); nothing after it. Processed: {}\n",
               m.rows_written.load(), counts);
    if (!checkpoint.empty() && checkpoints > 0) {
      fmt::print(stderr,
                 "  resume:  fix the cause (e.g. free disk space) and run the same command again: "
                 "it continues from the last checkpoint ({}), rewriting the rows after it "
                 "(upserts)\n",
                 checkpoint);
    } else if (file_mode) {
      fmt::print(stderr,
                 "  resume:  no checkpoint was written; fix the cause (e.g. free disk space) and "
                 "run the same command again: it starts over and rewrites the same rows "
                 "(upserts)\n");
    } else {
      fmt::print(stderr,
                 "  resume:  fix the cause (e.g. free disk space) and run again; rows already "
                 "written stay\n");
    }
  } else if (rc != 0) {
    fmt::print(stderr, "stockpulse: stopped after an error (see above). {}.\n", counts);
  } else {
    fmt::print(stderr, "stockpulse: done. {}.\n", counts);
  }
  if (m.dead_letters.load() > 0) {
    std::string by_reason;
    for (size_t i = 0; i < m.dead_by_reason.size(); ++i) {
      if (m.dead_by_reason[i].load() == 0) continue;
      by_reason += fmt::format(" {}={}", reason_name(static_cast<DeadLetterReason>(i)),
                               m.dead_by_reason[i].load());
    }
    fmt::print(stderr, "  dead letters by reason:{}\n", by_reason);
  }
  fmt::print(stderr, "  serving store: {}\n", mask_url_password(config.serving_url()));
  fmt::print(stderr, "  lake:          {}{}\n",
             config.lake_root().empty() ? std::string("disabled") : config.lake_root(),
             config.lake_bucket_url().empty() ? "" : " -> " + config.lake_bucket_url());
  fmt::print(stderr, "  dead letters:  {}\n", config.dead_letter_path());
  return rc;
}

}  // namespace stockpulse
