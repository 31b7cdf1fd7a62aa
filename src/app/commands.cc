#include "app/commands.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <tuple>

#include "common/option_range.h"
#include "common/time_format.h"
#include "decode/json_encoder.h"
#include "pipeline/dead_letter_writer.h"
#include "pipeline/sentiment_stack.h"
#include "sentiment/finance/evaluation.h"
#include "sentiment/finance/labelled_csv.h"
#include "sentiment/finance/model_trainer.h"
#include "source/line_reader.h"
#include "source/market_hours.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {

// ---- generate ---------------------------------------------------------------------------------

GenerateCommand::GenerateCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "generate",
      "Write synthetic posts and bars, e.g. to feed `stockpulse run --posts ... --bars ...\n"
      "--until-eof` or a benchmark. Same options and seed, same bytes.\n"
      "Posts are JSON lines (the bus contract), or a tweet data set's CSV "
      "(id,created_at,text,user;\n"
      "RFC 4180 quoting, so multi-line texts stay one record) when --posts-out ends in .csv.\n"
      "Bars are minute bars as JSON lines, or daily candles as CSV (Date,Symbol,Open,High,Low,\n"
      "Close,Volume: `run` fans them out to minute bars of the trading day).\n"
      "--shape picks a preset; any flag given explicitly overrides it:\n"
      "  dense          one stream at --posts-per-second (50), the default twelve tickers,\n"
      "                 minute bars for every minute\n"
      "  sparse-years   --span-days 730 --posts-per-day 40, daily candles\n"
      "  bursty         --posts-per-second 5 --burst-factor 50 (bursts of ~5 min, every ~2 h)\n"
      "  many-cashtags  --cashtags 50000 --zipf 1.1 (a heavy tail of distinct cashtags)\n"
      "  shuffled       --shuffle 0.2 --shuffle-window 10000 (posts out of time order)\n"
      "  retweets       --retweets 0.3 (\"RT @user: <text>\" copies with new ids, chains)");
  posts_opt_ = cmd_->add_option("-n,--posts", posts_, "Number of posts [100000; see --span-days]")
                   ->check(CLI::Range(int64_t{0}, int64_t{1} << 34));
  cmd_->add_option("--posts-out", posts_out_,
                   "Posts file; .csv writes a data-set CSV [posts.jsonl]");
  cmd_->add_option("--bars-out", bars_out_,
                   "Bars file [bars.jsonl, or bars.csv for daily candles]");
  cmd_->add_option("--seed", seed_, "Seed [42]");
  cmd_->add_option("--symbols", symbols_csv_,
                   "Comma-separated main symbols, the most talked about and the only ones with "
                   "bars [the default 12]");
  cmd_->add_option("--posts-per-second", posts_per_second_, "Posts per second of event time [50]")
      ->check(CLI::PositiveNumber);
  cmd_->add_option("--start", start_,
                   "Event time of the first post (ISO-8601) [2024-05-01T13:30:00Z]");
  cmd_->add_option("--shape", shape_,
                   "Preset: dense, sparse-years, bursty, many-cashtags, "
                   "shuffled, retweets [dense]")
      ->check(CLI::IsMember(
          {"dense", "sparse-years", "bursty", "many-cashtags", "shuffled", "retweets"}));
  cmd_->add_option("--posts-per-day", posts_per_day_,
                   "Posts per day of event time (instead of --posts-per-second)")
      ->check(CLI::PositiveNumber);
  cmd_->add_option("--span-days", span_days_,
                   "Days of event time to cover; sets the number of posts (rate x span) unless "
                   "--posts is given")
      ->check(CLI::Range(0.0, 36500.0));
  cmd_->add_option("--cashtags", cashtags_,
                   "Distinct extra cashtags (3-5 letters) after the main symbols, Zipf-popular "
                   "[0]")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}));
  cmd_->add_option("--zipf", zipf_, "Zipf exponent of symbol popularity, by rank [0.8]")
      ->check(CLI::Range(0.0, 5.0));
  cmd_->add_option("--burst-factor", burst_factor_,
                   "Rate multiplier during bursts; 1 = no bursts [1]")
      ->check(CLI::Range(1.0, 10000.0));
  cmd_->add_option("--retweets", retweets_, "Share of posts that are retweets [0]")
      ->check(CLI::Range(0.0, 1.0));
  cmd_->add_option("--multiline", multiline_, "Share of posts with multi-line text [0]")
      ->check(CLI::Range(0.0, 1.0));
  cmd_->add_option("--shuffle", shuffle_,
                   "Share of posts moved out of time order, within windows of --shuffle-window "
                   "posts [0]")
      ->check(CLI::Range(0.0, 1.0));
  cmd_->add_option("--shuffle-window", shuffle_window_, "Posts per shuffle window [10000]")
      ->check(CLI::Range(int64_t{2}, int64_t{10000000}));
  cmd_->add_option("--posts-format", posts_format_, "jsonl or csv [from --posts-out]")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd_->add_option("--bar-layout", bar_layout_,
                   "minute (every minute the posts cover), market-hours (minute bars of US "
                   "trading sessions only), daily (candles CSV) or none [minute; daily when the "
                   "posts span more than 7 days]")
      ->check(CLI::IsMember({"minute", "market-hours", "daily", "none"}));
}

namespace {

// One post as a row of a tweet data set's CSV: id,created_at,text,user, every field quoted
// (RFC 4180: a quote is doubled; newlines stay inside the quotes).
void append_post_csv(const Post& p, std::string& out) {
  auto quoted = [&](std::string_view v) {
    out.push_back('"');
    for (char c : v) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  };
  quoted(p.id);
  out.push_back(',');
  quoted(format_iso8601(p.created_at));
  out.push_back(',');
  quoted(p.text);
  out.push_back(',');
  quoted(p.user);
  out.push_back('\n');
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

int GenerateCommand::execute() {
  const auto start = parse_iso8601(start_);
  if (!start)
    throw std::runtime_error(fmt::format("--start: '{}' is not an ISO-8601 time", start_));
  std::vector<std::string> main_symbols = split_csv_list(symbols_csv_);
  if (main_symbols.empty()) main_symbols = Config{}.sources.symbols;

  // The preset first; flags given explicitly win.
  auto given = [&](const char* name) { return cmd_->count(name) > 0; };
  auto preset = [&](const char* name, auto& field, auto value) {
    if (!given(name)) field = value;
  };
  if (shape_ == "sparse-years") {
    preset("--span-days", span_days_, 730.0);
    preset("--posts-per-day", posts_per_day_, 40.0);
  } else if (shape_ == "bursty") {
    preset("--posts-per-second", posts_per_second_, 5.0);
    preset("--burst-factor", burst_factor_, 50.0);
  } else if (shape_ == "many-cashtags") {
    preset("--cashtags", cashtags_, int64_t{50000});
    preset("--zipf", zipf_, 1.1);
  } else if (shape_ == "shuffled") {
    preset("--shuffle", shuffle_, 0.2);
  } else if (shape_ == "retweets") {
    preset("--retweets", retweets_, 0.3);
  }
  // Finite and in range before anything divides by them (issue #15).
  for (const auto& [name, value, lo, hi] :
       {std::tuple<const char*, double, double, double>{"--posts-per-second", posts_per_second_,
                                                        0.001, 1e7},
        {"--posts-per-day", posts_per_day_ > 0 ? posts_per_day_ : 1.0, 0.001, 1e9},
        {"--span-days", span_days_ > 0 ? span_days_ : 1.0, 0.001, 36500}}) {
    if (auto problem = check_option_range(name, value, lo, hi); !problem.empty()) {
      throw std::runtime_error(problem);
    }
  }
  const double rate = posts_per_day_ > 0 ? posts_per_day_ / 86400.0 : posts_per_second_;
  if (span_days_ > 0 && !given("--posts")) {
    posts_ = static_cast<int64_t>(std::llround(span_days_ * 86400.0 * rate));
  }
  const int64_t span_ms = static_cast<int64_t>(static_cast<double>(posts_) / rate * 1000.0);
  if (bar_layout_.empty()) bar_layout_ = span_ms > 7 * 86400000LL ? "daily" : "minute";
  if (bar_layout_ == "daily" && !given("--bars-out")) bars_out_ = "bars.csv";
  const bool csv = posts_format_.empty() ? ends_with(posts_out_, ".csv") : posts_format_ == "csv";

  std::vector<std::string> symbols = main_symbols;
  if (cashtags_ > 0) {
    for (std::string& s : synthetic_cashtags(static_cast<size_t>(cashtags_), seed_, main_symbols)) {
      symbols.push_back(std::move(s));
    }
  }

  std::FILE* posts_file = std::fopen(posts_out_.c_str(), "w");
  if (!posts_file) throw std::runtime_error(fmt::format("cannot create '{}'", posts_out_));
  std::FILE* bars_file = nullptr;
  if (bar_layout_ != "none") {
    bars_file = std::fopen(bars_out_.c_str(), "w");
    if (!bars_file) throw std::runtime_error(fmt::format("cannot create '{}'", bars_out_));
  }

  SyntheticPostOptions po;
  po.seed = seed_;
  po.symbols = symbols;
  po.start = *start;
  po.posts_per_second = rate;
  po.zipf_exponent = zipf_;
  po.burst_factor = burst_factor_;
  po.retweet_share = retweets_;
  po.multiline_share = multiline_;
  SyntheticPostGenerator posts(po);
  SyntheticBarOptions bo;
  bo.seed = seed_ ^ 0x9e3779b97f4a7c15ULL;
  bo.symbols = main_symbols;
  bo.start = EventTime(start->value() - start->value() % kMillisPerMinute);
  SyntheticBarGenerator bars(bo);

  std::string buf;
  std::vector<Bar> minute;
  int64_t bars_written = 0;
  int64_t next_minute = bo.start.value();
  const bool market_hours = bar_layout_ == "market-hours";
  // The session [open, close) of the day of t, or an empty one on weekends.
  auto session_of = [](int64_t t) -> std::pair<int64_t, int64_t> {
    const int64_t day = t >= 0 ? t / 86400000 : (t - 86399999) / 86400000;
    const int wd = weekday_of(day);
    if (wd == 0 || wd == 6) return {0, 0};
    const CivilTime c = civil_from_millis(day * kMillisPerDay);
    const int64_t open = us_market_open_utc(c.year, c.month, c.day).value();
    return {open, open + kMinutesPerSession * kMillisPerMinute};
  };
  auto write_bars_until = [&](int64_t t) {
    while (next_minute <= t) {
      if (market_hours) {
        const auto [session_open, session_close] = session_of(next_minute);
        if (next_minute < session_open || next_minute >= session_close) {
          // Closed: on to this day's open, or the next day's.
          const int64_t day_start = next_minute - ((next_minute % 86400000) + 86400000) % 86400000;
          next_minute = next_minute < session_open ? session_open : day_start + 86400000;
          bars.skip_to(EventTime(next_minute));
          continue;
        }
      }
      minute.clear();
      bars.next_minute(minute);
      buf.clear();
      for (const Bar& b : minute) {
        append_bar_json(b, buf);
        buf.push_back('\n');
      }
      std::fwrite(buf.data(), 1, buf.size(), bars_file);
      bars_written += static_cast<int64_t>(minute.size());
      next_minute += kMillisPerMinute;
    }
  };
  const bool minute_bars = bar_layout_ == "minute" || market_hours;

  std::string out;
  out.reserve(4 << 20);
  if (csv) out += "id,created_at,text,user\n";
  auto encode = [&](const Post& p, std::string& to) {
    if (csv) {
      append_post_csv(p, to);
    } else {
      append_post_json(p, to);
      to.push_back('\n');
    }
  };
  auto flush_out = [&](bool force) {
    if (force || out.size() > (4 << 20) - 4096) {
      std::fwrite(out.data(), 1, out.size(), posts_file);
      out.clear();
    }
  };
  // Shuffling works on windows of encoded posts.
  DeterministicRng shuffle_rng(seed_ ^ 0x5AFFULL);
  std::vector<std::string> window;
  auto flush_window = [&]() {
    displace_fraction(window, shuffle_, shuffle_rng);
    for (const std::string& line : window) {
      out += line;
      flush_out(false);
    }
    window.clear();
  };
  Post post;
  int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
  for (int64_t i = 0; i < posts_; ++i) {
    posts.next(post);
    first_ms = std::min(first_ms, post.created_at.value());
    last_ms = std::max(last_ms, post.created_at.value());
    if (shuffle_ > 0) {
      window.emplace_back();
      encode(post, window.back());
      if (static_cast<int64_t>(window.size()) >= shuffle_window_) flush_window();
    } else {
      encode(post, out);
      flush_out(false);
    }
    if (minute_bars && post.created_at.value() >= next_minute) {
      write_bars_until(post.created_at.value());
    }
    if (posts_ >= 1000000 && (i + 1) % 1000000 == 0) {
      fmt::print(stderr, "generate: {} posts\n", i + 1);
    }
  }
  if (!window.empty()) flush_window();
  flush_out(true);
  std::fclose(posts_file);
  if (bar_layout_ == "daily" && posts_ > 0) {
    const int64_t first_day = first_ms / 86400000, last_day = last_ms / 86400000;
    buf = "Date,Symbol,Open,High,Low,Close,Volume\n";
    for (const DailyCandle& c : synthetic_daily_candles(main_symbols, first_day, last_day, seed_)) {
      const CivilTime date = civil_from_millis(c.day * kMillisPerDay);
      buf += fmt::format("{:04d}-{:02d}-{:02d},{},{:.2f},{:.2f},{:.2f},{:.2f},{:.0f}\n", date.year,
                         date.month, date.day, c.symbol, c.open, c.high, c.low, c.close, c.volume);
      ++bars_written;
    }
    std::fwrite(buf.data(), 1, buf.size(), bars_file);
  }
  if (bars_file) std::fclose(bars_file);
  fmt::print(stderr, "generate: {} posts ({} symbols) to {}, {} {} to {}\n", posts_, symbols.size(),
             posts_out_, bars_written, bar_layout_ == "daily" ? "daily candles" : "bars",
             bar_layout_ == "none" ? "-" : bars_out_);
  return 0;
}

// ---- score ------------------------------------------------------------------------------------

ScoreCommand::ScoreCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "score",
      "Score sentiment: `stockpulse score \"text\"` prints the scores and tickers;\n"
      "`stockpulse score --jsonl` reads {\"id\":...,\"text\":...} lines on stdin and writes one "
      "JSON\n"
      "line per input, in order, with id, compound, pos, neu, neg, label and per-ticker scores.");
  cmd_->add_option("text", text_, "Text to score");
  cmd_->add_flag("--jsonl", jsonl_, "Read JSON lines from stdin");
  cmd_->add_option("--scorer", scorer_, "vader, finance (learned) or finance-lexicon [vader]")
      ->check(CLI::IsMember({"vader", "finance", "finance-lexicon"}));
  cmd_->add_option("--model", model_, "Model file of --scorer finance [built-in]")
      ->check(CLI::ExistingFile);
  cmd_->add_flag("--no-emoji", no_emoji_, "Do not translate emoji to words (exact NLTK VADER)");
  cmd_->add_option("--lexicon", lexicon_, "VADER lexicon file instead of the built-in one");
  cmd_->add_option("--watch", watch_csv_, "Bare symbols to recognise without $ (comma-separated)");
  cmd_->add_option("--max-record-bytes", max_record_bytes_,
                   "--jsonl: longer lines are reported and skipped, read in bounded memory, as "
                   "sources.max_record_bytes does for `run` [1048576]")
      ->check(CLI::Range(int64_t{1024}, int64_t{64} << 20));
}

namespace {

void append_scores_json(const SentimentScores& s, std::string& out) {
  out += fmt::format("\"compound\":{:.4f},\"pos\":{:.3f},\"neu\":{:.3f},\"neg\":{:.3f}", s.compound,
                     s.pos, s.neu, s.neg);
}

}  // namespace

int ScoreCommand::execute() {
  Config::Sentiment sc;
  sc.scorer = scorer_;
  sc.emoji = !no_emoji_;
  sc.lexicon = lexicon_;
  sc.model = model_;
  sc.watch_list = split_csv_list(watch_csv_);
  const SentimentStack stack(sc, sc.watch_list);
  SentimentScores overall;
  std::vector<TickerSentiment> tickers;

  if (!jsonl_) {
    if (text_.empty() && !cmd_->count("text")) {
      throw std::runtime_error("give a text to score, or --jsonl to read JSON lines from stdin");
    }
    stack.analyzer().analyze(text_, overall, tickers);
    fmt::print("compound {:.4f}  pos {:.3f}  neu {:.3f}  neg {:.3f}  label {}  (scorer {})\n",
               overall.compound, overall.pos, overall.neu, overall.neg,
               label_name(label_of(overall.compound)), stack.scorer().name());
    for (const auto& t : tickers) {
      fmt::print("  ${:<8} compound {:.4f}  label {}\n", t.symbol, t.scores.compound,
                 label_name(label_of(t.scores.compound)));
    }
    return 0;
  }

  simdjson::dom::parser parser;
  std::string out;
  int64_t bad = 0;
  // The reader of `run`'s files: a line over the limit is skipped to its newline, never held.
  LineReader reader(LineReaderOptions{.max_line_bytes = static_cast<size_t>(max_record_bytes_)});
  if (auto error = reader.open("-")) throw std::runtime_error("stdin: " + *error);
  Line record;
  while (true) {
    const ReadStatus status = reader.next(record);
    if (status == ReadStatus::kEof) break;
    if (status == ReadStatus::kError) throw std::runtime_error("stdin: " + reader.error());
    // Lines are counted as `run` counts records: empty lines do not count.
    const int64_t line_no = record.offset.value() + 1;
    out.clear();
    if (status == ReadStatus::kTooLong) {
      ++bad;
      out += fmt::format(
          "{{\"line\":{},\"error\":\"line of {} bytes is longer than --max-record-bytes ({})\"}}\n",
          line_no, record.full_size, max_record_bytes_);
      std::fwrite(out.data(), 1, out.size(), stdout);
      continue;
    }
    const std::string_view line = record.text;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    simdjson::dom::element doc;
    std::string_view text, id;
    std::string id_buf;
    if (parser.parse(line.data(), line.size(), false).get(doc) != simdjson::SUCCESS ||
        !doc.is_object() || doc["text"].get_string().get(text) != simdjson::SUCCESS) {
      ++bad;
      out += fmt::format("{{\"line\":{},\"error\":\"expected an object with a string 'text'\"}}\n",
                         line_no);
      std::fwrite(out.data(), 1, out.size(), stdout);
      continue;
    }
    simdjson::dom::element id_el;
    if (doc["id"].get(id_el) == simdjson::SUCCESS) {
      if (id_el.is_string()) {
        id = id_el.get_string().value();
      } else {
        id_buf = simdjson::to_string(id_el);
        id = id_buf;
      }
    }
    stack.analyzer().analyze(text, overall, tickers);
    out += "{\"id\":";
    append_json_string(id, out);
    out += ',';
    append_scores_json(overall, out);
    out += fmt::format(",\"label\":\"{}\",\"tickers\":[", label_name(label_of(overall.compound)));
    for (size_t i = 0; i < tickers.size(); ++i) {
      if (i) out += ',';
      out += "{\"symbol\":";
      append_json_string(tickers[i].symbol, out);
      out += ',';
      append_scores_json(tickers[i].scores, out);
      out += fmt::format(",\"label\":\"{}\"}}", label_name(label_of(tickers[i].scores.compound)));
    }
    out += "]}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  if (bad > 0) {
    fmt::print(stderr,
               "score: {} line(s) were not {{\"text\": ...}} objects or were too long (see the "
               "\"error\" lines)\n",
               bad);
  }
  return bad > 0 ? 1 : 0;
}

// ---- eval -------------------------------------------------------------------------------------

namespace {

// The repository's labelled sets (data/eval/README.md), relative to the repository root.
const std::vector<std::string>& default_eval_sets() {
  static const std::vector<std::string> sets = {
      "data/eval/stocktwits_style_holdout.csv", "data/eval/finance_posts_holdout.csv",
      "data/eval/finance_posts.csv", "data/eval/twitter_financial_news_valid.csv"};
  return sets;
}

}  // namespace

EvalCommand::EvalCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "eval",
      "Evaluate every scorer (vader, finance-lexicon, finance) on labelled CSVs (id,text,label or\n"
      "text,label; label bullish/bearish/neutral or 1/0/2): accuracy, macro-F1 and bullish-vs-\n"
      "bearish ROC AUC with 95% bootstrap intervals, side by side. Default: data/eval/ sets.");
  cmd_->add_option("--labels", labels_, "Labelled CSV file (repeatable) [data/eval/*.csv]")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--model", model_, "Model file of the finance scorer [built-in]")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--bootstrap", bootstrap_,
                   "Bootstrap resamples for the intervals (0: off) [1000]")
      ->check(CLI::Range(0, 100000));
  cmd_->add_flag("--no-emoji", no_emoji_, "Do not translate emoji to words");
}

int EvalCommand::execute() {
  std::vector<std::string> files = labels_;
  if (files.empty()) {
    for (const std::string& f : default_eval_sets()) {
      if (!std::filesystem::exists(f)) {
        throw std::runtime_error(f + " not found: run from the repository root or give --labels");
      }
      files.push_back(f);
    }
  }
  std::vector<std::unique_ptr<Scorer>> scorers;
  for (const char* name : {"vader", "finance-lexicon", "finance"}) {
    scorers.push_back(
        make_scorer(name, !no_emoji_, "", name == std::string("finance") ? model_ : ""));
  }
  const BootstrapOptions bootstrap{.resamples = bootstrap_};
  for (const std::string& file : files) {
    auto rows = read_labelled_csv(file);
    if (!rows) throw std::runtime_error(rows.error());
    std::vector<EvalReport> reports;
    for (const auto& scorer : scorers)
      reports.push_back(evaluate(*scorer, rows.value(), bootstrap));
    fmt::print("== {} ({} labelled posts)\n{}\n", file, rows.value().size(),
               format_report(reports));
  }
  return 0;
}

// ---- train ------------------------------------------------------------------------------------

TrainCommand::TrainCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "train",
      "Train the learned finance scorer (--scorer finance) on labelled CSVs (id,text,label or\n"
      "text,label; label bullish/bearish/neutral or 1/0/2) and write a model file for --model.\n"
      "Deterministic: the same files, options and seed give the same bytes.");
  cmd_->add_option("--labels", labels_, "Labelled CSV file (repeatable)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_->add_option("--out", out_, "Model file to write")->required();
  cmd_->add_option("--bits", bits_, "log2 of the hash buckets [18]")->check(CLI::Range(8u, 22u));
  cmd_->add_option("--epochs", epochs_, "Passes over the data [12]")->check(CLI::Range(1, 1000));
  cmd_->add_option("--learning-rate", learning_rate_, "AdaGrad step [0.2]")
      ->check(CLI::Range(1e-6, 10.0));
  cmd_->add_option("--l2", l2_, "L2 strength of the hashed weights [1e-4]")
      ->check(CLI::Range(0.0, 1.0));
  cmd_->add_option("--seed", seed_, "Seed of the row order [17]");
  cmd_->add_flag("-q,--quiet", quiet_, "No progress lines");
}

int TrainCommand::execute() {
  TrainingOptions options;
  options.bits = bits_;
  options.epochs = epochs_;
  options.learning_rate = learning_rate_;
  options.l2 = l2_;
  options.seed = seed_;
  const bool quiet = quiet_;
  auto model =
      train_model_from_files(labels_, options, [quiet](int epoch, double loss, double acc) {
        if (!quiet)
          fmt::print(stderr, "train: epoch {:>3}  log-loss {:.4f}  accuracy {:.4f}\n", epoch, loss,
                     acc);
      });
  if (!model) throw std::runtime_error(model.error());
  if (auto error = model.value().save_file(out_)) throw std::runtime_error(*error);
  fmt::print(stderr, "train: wrote {} ({} buckets, {} bytes)\n", out_, size_t{1} << bits_,
             model.value().serialize().size());
  return 0;
}

}  // namespace stockpulse
