#include "app/commands.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "app/dead_letter_writer.h"
#include "app/sentiment_stack.h"
#include "common/option_range.h"
#include "common/time_format.h"
#include "decode/json_encoder.h"
#include "sentiment/finance/evaluation.h"
#include "sentiment/finance/labelled_csv.h"
#include "source/line_reader.h"
#include "source/synthetic_bars.h"
#include "source/synthetic_posts.h"

namespace stockpulse {

// ---- generate ---------------------------------------------------------------------------------

GenerateCommand::GenerateCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "generate",
      "Write synthetic posts and minute bars as JSON lines (the bus contracts), e.g. to feed\n"
      "`stockpulse run --posts ... --bars ... --until-eof` or a benchmark. Same seed, same bytes.");
  cmd_->add_option("-n,--posts", posts_, "Number of posts [100000]")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 34));
  cmd_->add_option("--posts-out", posts_out_, "Posts file [posts.jsonl]");
  cmd_->add_option("--bars-out", bars_out_,
                   "Bars file, one bar per symbol per minute covered by the posts [bars.jsonl]");
  cmd_->add_option("--seed", seed_, "Seed [42]");
  cmd_->add_option("--symbols", symbols_csv_, "Comma-separated symbols [the default 12]");
  cmd_->add_option("--posts-per-second", posts_per_second_, "Posts per second of event time [50]")
      ->check(CLI::PositiveNumber);
  cmd_->add_option("--start", start_,
                   "Event time of the first post (ISO-8601) [2024-05-01T13:30:00Z]");
}

int GenerateCommand::execute() {
  const auto start = parse_iso8601(start_);
  if (!start)
    throw std::runtime_error(fmt::format("--start: '{}' is not an ISO-8601 time", start_));
  std::vector<std::string> symbols = split_csv_list(symbols_csv_);
  if (symbols.empty()) symbols = Config{}.sources.symbols;

  std::FILE* posts_file = std::fopen(posts_out_.c_str(), "w");
  if (!posts_file) throw std::runtime_error(fmt::format("cannot create '{}'", posts_out_));
  std::FILE* bars_file = std::fopen(bars_out_.c_str(), "w");
  if (!bars_file) throw std::runtime_error(fmt::format("cannot create '{}'", bars_out_));

  SyntheticPostOptions po;
  po.seed = seed_;
  po.symbols = symbols;
  po.start = *start;
  if (auto problem = check_option_range("--posts-per-second", posts_per_second_, 0.001, 1e7);
      !problem.empty()) {
    throw std::runtime_error(problem);
  }
  po.posts_per_second = posts_per_second_;
  SyntheticPostGenerator posts(po);
  SyntheticBarOptions bo;
  bo.seed = seed_ ^ 0x9e3779b97f4a7c15ULL;
  bo.symbols = symbols;
  bo.start = EventTime(start->value() - start->value() % kMillisPerMinute);
  SyntheticBarGenerator bars(bo);

  std::string buf;
  std::vector<Bar> minute;
  Post post;
  int64_t bars_written = 0;
  int64_t next_minute = bo.start.value();
  auto write_bars_until = [&](int64_t t) {
    while (next_minute <= t) {
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
  buf.reserve(1 << 20);
  std::string out;
  out.reserve(4 << 20);
  for (int64_t i = 0; i < posts_; ++i) {
    posts.next(post);
    append_post_json(post, out);
    out.push_back('\n');
    if (out.size() > (4 << 20) - 4096) {
      std::fwrite(out.data(), 1, out.size(), posts_file);
      out.clear();
    }
    if (post.created_at.value() >= next_minute) write_bars_until(post.created_at.value());
    if (posts_ >= 1000000 && (i + 1) % 1000000 == 0) {
      fmt::print(stderr, "generate: {} posts\n", i + 1);
    }
  }
  std::fwrite(out.data(), 1, out.size(), posts_file);
  std::fclose(posts_file);
  std::fclose(bars_file);
  fmt::print(stderr, "generate: {} posts to {}, {} bars to {}\n", posts_, posts_out_, bars_written,
             bars_out_);
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
  cmd_->add_option("--scorer", scorer_, "vader or finance [vader]")
      ->check(CLI::IsMember({"vader", "finance"}));
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

EvalCommand::EvalCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "eval",
      "Evaluate every scorer on a labelled CSV (columns id,text,label with label bullish, bearish\n"
      "or neutral): accuracy, macro-F1 and bullish-vs-bearish ROC AUC, side by side.");
  cmd_->add_option("--labels", labels_, "Labelled CSV file")->required()->check(CLI::ExistingFile);
  cmd_->add_flag("--no-emoji", no_emoji_, "Do not translate emoji to words");
}

int EvalCommand::execute() {
  auto rows = read_labelled_csv(labels_);
  if (!rows) throw std::runtime_error(rows.error());
  std::vector<EvalReport> reports;
  for (const char* name : {"vader", "finance"}) {
    const auto scorer = make_scorer(name, !no_emoji_, "");
    reports.push_back(evaluate(*scorer, rows.value()));
  }
  fmt::print("{} labelled posts from {}\n{}", rows.value().size(), labels_, format_report(reports));
  return 0;
}

}  // namespace stockpulse
