#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/alert_config.h"
#include "notify/webhook_config.h"

namespace stockpulse {

// Everything `stockpulse run` can be told, with its default. The TOML file (`--config`) uses the
// same section and key names; example.toml at the repository root documents each one. Command-line
// flags override the file. Secrets are never read from here: only from environment variables.
struct Config {
  struct Run {
    int64_t duration_s = 0;  // 0: until Ctrl-C (synthetic) or end of input (file mode)
    uint64_t seed = 42;
    std::string output_dir = "stockpulse-data";
    std::string serving;      // "" -> sqlite:<output_dir>/serving.db; "none" disables
    std::string lake;         // "" -> <output_dir>/lake; s3://BUCKET/PREFIX; "none" disables
    std::string dead_letter;  // "" -> <output_dir>/dead_letter.jsonl
    int64_t trigger_interval_ms = 1000;
    bool progress = true;
    // File mode: state and input positions saved atomically this often (and when stopped before
    // the end); a later run with the same inputs continues from there. "" ->
    // <output_dir>/checkpoint.bin; "none" disables. Lake files are closed at each checkpoint.
    std::string checkpoint;
    int64_t checkpoint_interval_s = 600;
  } run;

  struct Sources {
    std::string posts_file;  // "" -> synthetic posts
    std::string bars_file;   // "" -> synthetic bars
    // "jsonl": the bus contract (docs/design.md §3) through the decoder; "csv", "parquet": a tweet
    // dataset (created_at, text, optional id and user columns) read by PostReplay; the social
    // formats "twitter-v1", "twitter-v2", "tweets-js", "stocktwits", "reddit": the APIs' own
    // records, read by PostReplay; "auto": Parquet and CSV by extension, else by the content
    // (the first records' keys; detect_post_file_format).
    std::string posts_format = "auto";
    // Datasets (every posts format but "jsonl"): a post whose id was seen, a retweet of a post
    // seen (by the original's id, or "RT @user: text" by user and text) and an original seen as
    // a retweet before are skipped, as `duplicate` dead letters, so one post counts once in the
    // windows. The memory of what was seen holds dedupe_max_entries fingerprints (up to three
    // per post, 24-40 bytes each; the oldest forgotten first).
    bool dedupe = true;
    int64_t dedupe_max_entries = int64_t{1} << 21;
    // "jsonl": bars of the bus contract; "daily-csv": daily OHLCV candles fanned out to 390
    // minute bars per symbol and trading day; "auto": daily-csv for a .csv file, else jsonl.
    std::string bars_format = "auto";
    bool until_eof = false;  // file mode: stop when every input file is read
    // File mode with until_eof: sort each JSON-lines or dataset input by event time first
    // (external sort in sort_memory_mb, spilled under output_dir), so file order does not matter.
    bool sort_input = true;
    int64_t sort_memory_mb = 64;
    // File mode: shift every event time so the earliest record of the files maps to the start of
    // the run, keeping all gaps (replaying old data as if live).
    bool rebase_time = false;
    // File mode: pace records by their event times, this many times faster than they happened
    // (1: real time, 60: an hour a minute); 0 = as fast as the pipeline takes them.
    double replay_speed = 0;
    std::vector<std::string> symbols = {"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL",
                                        "META", "AMD",  "INTC", "NFLX", "SPY",  "BRK.B"};
    double posts_per_second = 300;  // synthetic, in wall-clock time; 0 = as fast as possible
    double speed = 60;  // synthetic event time runs this many times faster than wall time
    // The ranges validate() enforces on the floating-point options above (0 is also allowed for
    // posts_per_second and replay_speed): a week of event time per wall minute at most.
    static constexpr double kMinSpeed = 0.001;
    static constexpr double kMaxSpeed = 10000;
    static constexpr double kMinPostsPerSecond = 0.01;
    static constexpr double kMaxPostsPerSecond = 10'000'000;
    int64_t max_record_bytes = 1 << 20;
    int64_t max_text_bytes = 64 << 10;
  } sources;

  struct Sentiment {
    std::string scorer = "vader";  // "vader" | "finance" (learned) | "finance-lexicon"
    bool emoji = true;
    std::string model;                    // "finance" model file; "" -> the built-in model
    std::string lexicon;                  // "" -> the compiled-in VADER lexicon
    std::vector<std::string> watch_list;  // bare symbols to recognise; empty -> sources.symbols
    std::vector<std::string> stop_list;   // extra words never taken as bare symbols
  } sentiment;

  struct Window {
    int64_t size_s = 300;
    int64_t slide_s = 60;
    int64_t allowed_lateness_s = 600;
    int64_t idle_timeout_s = 30;
    // Symbols per window engine. 10,000 keeps the worst case inside the 512 MB budget of issue
    // #14: every key busy at once holds ~22 KB of window and analytics state (220 MB) next to
    // the ~270 MB the rest of a run takes (src/window/README.md, "Keys and memory").
    int64_t max_keys = 10000;
  } window;

  struct Pipeline {
    int64_t queue_capacity = 32;  // batches per queue
    int64_t batch_size = 2048;    // records per batch
    int64_t workers = 0;          // decode + score threads; 0 -> one per core, at least 1
  } pipeline;

  struct Lake {
    int64_t roll_mb = 128;
    int64_t roll_age_s = 600;
    // Memory the lake's stagings may hold together, and how many (table, hour, partition)
    // stagings may be open at once; beyond either, the least recently appended is written out.
    int64_t memory_mb = 64;
    int64_t max_open_partitions = 64;
  } lake;

  struct Serve {
    // The dashboard and query API of `stockpulse run`. File mode with until_eof is a batch job
    // and starts no server unless `listen` is given on the command line.
    bool dashboard = true;
    std::string listen = "127.0.0.1:8080";  // beyond loopback needs STOCKPULSE_TOKEN
    std::string web_root;                   // "" -> the built front end (web/dist)
    // Without a token, Host names answered besides localhost, 127.x.x.x and [::1].
    std::vector<std::string> allowed_hosts;
    // Connection limits (src/serve/README.md, "Limits"): when a cap is reached, idle and
    // partly read connections are evicted for newcomers, unauthorized ones first.
    int64_t max_connections = 256;
    int64_t max_connections_per_client = 64;  // per source address
    int64_t header_timeout_ms = 10000;        // a request's headers must arrive within this
    int64_t idle_timeout_ms = 30000;          // keep-alive wait for the next request
    int64_t write_timeout_ms = 15000;         // every response / event-stream write
    int64_t max_live_subscribers = 64;        // /api/stream clients
    int64_t max_live_subscribers_per_client = 16;
    // The dashboard's watch-list: its badges, and the first choices of /api/symbols?sort=activity.
    // Empty: sentiment.watch_list; both empty: the `badges` most active symbols.
    std::vector<std::string> watch_list;
    int64_t badges = 16;
  } serve;

  // `[alerts]`: what is worth an alert (AlertDetector's policy) and where alerts are delivered
  // (`[[alerts.webhooks]]`, src/notify).
  struct Alerts {
    AlertConfig policy;
    NotifyOptions notify;
    std::vector<WebhookConfig> webhooks;
  } alerts;

  // Paths with defaults resolved against output_dir.
  std::string serving_url() const;
  // The local lake folder, "" when disabled; with an S3 lake, the local staging folder.
  std::string lake_root() const;
  // "s3://BUCKET/PREFIX" when the lake goes to S3, else "".
  std::string lake_bucket_url() const;
  std::string dead_letter_path() const;
  std::string checkpoint_path() const;  // "" when disabled or not in file mode
  std::string alert_dead_letter_path() const;
  std::string alert_delivery_log_path() const;
  // Whether bars_file holds daily candles (bars_format, "auto" resolved by extension).
  bool daily_bars() const;

  // Human-readable problems with the values (empty when valid).
  std::vector<std::string> validate() const;
};

// Reads a TOML file over the defaults. Unknown sections or keys are errors, so a typo never passes
// silently. Throws std::runtime_error with file, key and reason.
Config load_config_file(const std::string& path, Config base = {});

}  // namespace stockpulse
