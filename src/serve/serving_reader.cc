#include "serve/serving_reader.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "analytics/fear_greed_index.h"
#include "analytics/indicator_state.h"
#include "common/time_format.h"
#include "serve/row_json.h"

namespace stockpulse {
namespace {

// Text bounds that sort before and after every ISO-8601 time the store holds (they start with a
// digit), so an absent from/to needs no second statement.
constexpr const char* kMinTime = "";
constexpr const char* kMaxTime = "~";

// Resets a statement when a query ends, however it ends: a statement left mid-step keeps its read
// transaction open, which would pin the WAL and stop the writer's checkpoints.
class ResetGuard {
 public:
  explicit ResetGuard(sqlite3_stmt* s) : s_(s) {}
  ~ResetGuard() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  sqlite3_stmt* s_;
};

void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string time_text(const std::optional<EventTime>& t, const char* otherwise) {
  return t ? format_iso8601(*t) : std::string(otherwise);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// One result row as a JSON object keyed by column name. `histogram` holds JSON array text written
// by the sink and is passed through; `is_final` becomes a boolean, as in the live events.
void append_row(sqlite3_stmt* s, std::string& out) {
  out += '{';
  const int n = sqlite3_column_count(s);
  for (int i = 0; i < n; ++i) {
    if (i) out += ',';
    const std::string_view name = sqlite3_column_name(s, i);
    append_api_json_string(name, out);
    out += ':';
    switch (sqlite3_column_type(s, i)) {
      case SQLITE_NULL:
        out += "null";
        break;
      case SQLITE_INTEGER:
        if (name == "is_final") {
          out += sqlite3_column_int64(s, i) ? "true" : "false";
        } else {
          append_api_json_number(static_cast<int64_t>(sqlite3_column_int64(s, i)), out);
        }
        break;
      case SQLITE_FLOAT:
        append_api_json_number(sqlite3_column_double(s, i), out);
        break;
      default: {
        const std::string text = column_text(s, i);
        if (name == "histogram" && !text.empty() && text.front() == '[' && text.back() == ']') {
          out += text;
        } else {
          append_api_json_string(text, out);
        }
      }
    }
  }
  out += '}';
}

void append_reading(const FearGreedReading& r, const std::string* symbol, std::string& out) {
  out += '{';
  if (symbol) {
    out += "\"symbol\":";
    append_api_json_string(*symbol, out);
    out += ',';
  }
  out += "\"minute\":\"";
  out += format_iso8601(r.minute);
  out += "\",\"score\":";
  append_api_json_number(r.score, out);
  out += ",\"band\":\"";
  out += fear_greed_band_name(r.band);
  out += "\",\"sentiment\":";
  append_api_json_number(r.sentiment, out);
  out += ",\"bullish\":";
  append_api_json_number(r.bullish, out);
  out += ",\"momentum\":";
  append_api_json_number(r.momentum, out);
  out += ",\"volatility\":";
  append_api_json_number(r.volatility, out);
  out += ",\"volume\":";
  append_api_json_number(r.volume, out);
  out += '}';
}

}  // namespace

void ServingReader::StatementDeleter::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

ServingReader::ServingReader(const std::string& path) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("serving store '{}': cannot open: {}", path, msg));
  }
  // A writer's commit holds the WAL index lock for microseconds; wait rather than fail the request.
  sqlite3_busy_timeout(db_, 2000);
  try {
    symbols_ = prepare(R"sql(
WITH RECURSIVE
  t(s) AS (SELECT MIN(symbol) FROM stock_trends
           UNION ALL SELECT (SELECT MIN(symbol) FROM stock_trends WHERE symbol > t.s)
           FROM t WHERE t.s IS NOT NULL),
  w(s) AS (SELECT MIN(symbol) FROM topic_sentiment_avg
           UNION ALL SELECT (SELECT MIN(symbol) FROM topic_sentiment_avg WHERE symbol > w.s)
           FROM w WHERE w.s IS NOT NULL),
  b(s) AS (SELECT MIN(symbol) FROM market_data
           UNION ALL SELECT (SELECT MIN(symbol) FROM market_data WHERE symbol > b.s)
           FROM b WHERE b.s IS NOT NULL)
SELECT s FROM t WHERE s IS NOT NULL UNION SELECT s FROM w WHERE s IS NOT NULL
UNION SELECT s FROM b WHERE s IS NOT NULL ORDER BY 1)sql");
    latest_trend_ = prepare(
        "SELECT * FROM stock_trends WHERE symbol = ?1 "
        "ORDER BY window_start DESC, window_end DESC LIMIT 1");
    latest_sentiment_ = prepare(
        "SELECT * FROM topic_sentiment_avg WHERE symbol = ?1 "
        "ORDER BY window_start DESC, window_end DESC LIMIT 1");
    latest_bar_ = prepare("SELECT * FROM market_data WHERE symbol = ?1 ORDER BY ts DESC LIMIT 1");
    sentiment_by_symbol_ = prepare(
        "SELECT * FROM topic_sentiment_avg WHERE symbol = ?1 AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_start DESC, window_end DESC LIMIT ?4");
    sentiment_all_ = prepare(
        "SELECT * FROM topic_sentiment_avg WHERE ?1 IS NULL AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_end DESC, symbol LIMIT ?4");
    trends_by_symbol_ = prepare(
        "SELECT * FROM stock_trends WHERE symbol = ?1 AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_start DESC, window_end DESC LIMIT ?4");
    trends_all_ = prepare(
        "SELECT * FROM stock_trends WHERE ?1 IS NULL AND window_start >= ?2 AND "
        "window_start < ?3 ORDER BY window_end DESC, symbol LIMIT ?4");
    candles_ = prepare(
        "SELECT * FROM market_data WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 "
        "ORDER BY ts DESC LIMIT ?4");
    closes_ = prepare(
        "SELECT ts, close FROM market_data WHERE symbol = ?1 AND ts < ?2 "
        "ORDER BY ts DESC LIMIT ?3");
    fg_latest_start_ = prepare(
        "SELECT (SELECT MAX(window_start) FROM stock_trends WHERE symbol = ?1 AND "
        "window_start < ?2), (SELECT MAX(window_start) FROM topic_sentiment_avg WHERE "
        "symbol = ?1 AND window_start < ?2)");
    fg_trends_ = prepare(
        "SELECT window_end, open, close, volatility, avg_volume FROM stock_trends "
        "WHERE symbol = ?1 AND window_start >= ?2 AND window_start <= ?3 "
        "ORDER BY window_start, window_end");
    fg_sentiment_ = prepare(
        "SELECT window_end, tweet_count, sentiment_score_avg, bullish_share "
        "FROM topic_sentiment_avg WHERE symbol = ?1 AND window_start >= ?2 AND "
        "window_start <= ?3 ORDER BY window_start, window_end");
    alerts_by_symbol_ = prepare(
        "SELECT * FROM alerts WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 "
        "ORDER BY ts DESC, kind DESC LIMIT ?4");
    alerts_all_ = prepare(
        "SELECT * FROM alerts WHERE ?1 IS NULL AND ts >= ?2 AND ts < ?3 "
        "ORDER BY ts DESC, symbol DESC, kind DESC LIMIT ?4");
    alerts_after_ =
        prepare("SELECT * FROM alerts WHERE ts > ?1 ORDER BY ts, symbol, kind LIMIT ?2");
    schema_version_ = prepare("SELECT MAX(version) FROM schema_version");
    data_version_ = prepare("PRAGMA data_version");
    max_trend_end_ = prepare("SELECT MAX(window_end) FROM stock_trends");
    max_sentiment_end_ = prepare("SELECT MAX(window_end) FROM topic_sentiment_avg");
    trends_since_ = prepare("SELECT * FROM stock_trends WHERE window_end >= ?1");
    sentiment_since_ = prepare("SELECT * FROM topic_sentiment_avg WHERE window_end >= ?1");
    // Schema v3 tables: optional, so a store written by an older pipeline still serves.
    stored_indicators_any_ = prepare_optional("SELECT 1 FROM indicators WHERE symbol = ?1 LIMIT 1");
    stored_indicators_ = prepare_optional(
        "SELECT ts, close, rsi_14, ema_20, sma_50 FROM indicators WHERE symbol = ?1 AND "
        "ts >= ?2 AND ts < ?3 ORDER BY ts DESC LIMIT ?4");
    stored_fg_any_ = prepare_optional("SELECT 1 FROM fear_greed LIMIT 1");
    stored_fg_latest_ = prepare_optional(
        "SELECT symbol, ts AS minute, score, band, sentiment, bullish, momentum, volatility, "
        "volume "
        "FROM fear_greed WHERE symbol = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT 1");
    stored_fg_history_ = prepare_optional(
        "SELECT ts AS minute, score, band, sentiment, bullish, momentum, volatility, volume "
        "FROM fear_greed WHERE symbol = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts DESC LIMIT ?4");
  } catch (const std::runtime_error& e) {
    close();
    throw std::runtime_error(
        fmt::format("serving store '{}': {} (is it a stockpulse serving "
                    "store? `stockpulse run --serving sqlite:PATH` makes one)",
                    path, e.what()));
  }
}

ServingReader::~ServingReader() {
  close();
}

void ServingReader::close() {
  for (Statement* s : {&symbols_,
                       &latest_trend_,
                       &latest_sentiment_,
                       &latest_bar_,
                       &sentiment_by_symbol_,
                       &sentiment_all_,
                       &trends_by_symbol_,
                       &trends_all_,
                       &candles_,
                       &closes_,
                       &fg_trends_,
                       &fg_sentiment_,
                       &fg_latest_start_,
                       &alerts_by_symbol_,
                       &alerts_all_,
                       &alerts_after_,
                       &schema_version_,
                       &data_version_,
                       &max_trend_end_,
                       &max_sentiment_end_,
                       &trends_since_,
                       &sentiment_since_,
                       &stored_indicators_any_,
                       &stored_indicators_,
                       &stored_fg_any_,
                       &stored_fg_latest_,
                       &stored_fg_history_}) {
    s->reset();
  }
  if (db_) sqlite3_close(db_);
  db_ = nullptr;
}

ServingReader::Statement ServingReader::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  return Statement(s);
}

ServingReader::Statement ServingReader::prepare_optional(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return nullptr;
  }
  return Statement(s);
}

Result<bool, ReadError> ServingReader::has_rows(sqlite3_stmt* any, const std::string* symbol) {
  if (!any) return false;
  ResetGuard guard(any);
  if (symbol) bind_text(any, 1, *symbol);
  const int rc = sqlite3_step(any);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Err(error(rc));
}

ReadError ServingReader::error(int rc) const {
  const int primary = rc & 0xFF;
  const ReadErrorCode code = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
                                 ? ReadErrorCode::kUnavailable
                                 : ReadErrorCode::kInternal;
  return ReadError{code, fmt::format("serving store: {}", sqlite3_errmsg(db_))};
}

Result<bool, ReadError> ServingReader::latest_row(sqlite3_stmt* stmt, const std::string& symbol,
                                                  std::string& out) {
  ResetGuard guard(stmt);
  bind_text(stmt, 1, symbol);
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    append_row(stmt, out);
    return true;
  }
  if (rc != SQLITE_DONE) return Err(error(rc));
  out += "null";
  return false;
}

ServingReader::Json ServingReader::symbols() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  {
    ResetGuard guard(symbols_.get());
    int rc;
    while ((rc = sqlite3_step(symbols_.get())) == SQLITE_ROW) {
      names.push_back(column_text(symbols_.get(), 0));
    }
    if (rc != SQLITE_DONE) return Err(error(rc));
  }
  std::string out = "{\"symbols\":[";
  bool first = true;
  for (const std::string& name : names) {
    if (name == "*" || name.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"symbol\":";
    append_api_json_string(name, out);
    out += ",\"trend\":";
    if (auto r = latest_row(latest_trend_.get(), name, out); !r) return Err(r.error());
    out += ",\"sentiment\":";
    if (auto r = latest_row(latest_sentiment_.get(), name, out); !r) return Err(r.error());
    out += ",\"last_bar\":";
    if (auto r = latest_row(latest_bar_.get(), name, out); !r) return Err(r.error());
    out += '}';
  }
  out += "],\"market\":";
  if (auto r = latest_row(latest_sentiment_.get(), "*", out); !r) return Err(r.error());
  out += '}';
  return out;
}

// Runs a "latest `limit` rows, newest first" statement with the (?1 symbol, ?2 from, ?3 to,
// ?4 limit) parameters and writes the rows oldest first. One extra row is fetched so "truncated"
// is exact.
ServingReader::Json ServingReader::window_rows(sqlite3_stmt* by_symbol, sqlite3_stmt* all,
                                               const ApiQuery& q) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* s = q.symbol ? by_symbol : all;
  ResetGuard guard(s);
  if (q.symbol) bind_text(s, 1, *q.symbol);
  bind_text(s, 2, time_text(q.from, kMinTime));
  bind_text(s, 3, time_text(q.to, kMaxTime));
  sqlite3_bind_int(s, 4, q.limit + 1);
  std::vector<std::string> rows;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    rows.emplace_back();
    append_row(s, rows.back());
  }
  if (rc != SQLITE_DONE) return Err(error(rc));
  const bool truncated = rows.size() > static_cast<size_t>(q.limit);
  if (truncated) rows.pop_back();
  std::string out = "{\"rows\":[";
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it != rows.rbegin()) out += ',';
    out += *it;
  }
  out += fmt::format("],\"limit\":{},\"limit_capped\":{},\"truncated\":{}}}", q.limit,
                     q.limit_capped, truncated);
  return out;
}

ServingReader::Json ServingReader::sentiment(const ApiQuery& q) {
  return window_rows(sentiment_by_symbol_.get(), sentiment_all_.get(), q);
}

ServingReader::Json ServingReader::trends(const ApiQuery& q) {
  return window_rows(trends_by_symbol_.get(), trends_all_.get(), q);
}

ServingReader::Json ServingReader::alerts(const ApiQuery& q) {
  return window_rows(alerts_by_symbol_.get(), alerts_all_.get(), q);
}

ServingReader::Json ServingReader::candles(const ApiQuery& q) {
  if (!q.symbol) return Err(ReadError{ReadErrorCode::kBadRequest, "'symbol' is required"});
  auto rows = window_rows(candles_.get(), candles_.get(), q);
  if (!rows) return rows;
  // Prefix the symbol: {"symbol":"AAPL","rows":[...],...}
  std::string out = "{\"symbol\":";
  append_api_json_string(*q.symbol, out);
  out += ',';
  out.append(rows.value(), 1);
  return out;
}

ServingReader::Json ServingReader::stored_indicators(const ApiQuery& q) {
  auto rows = window_rows(stored_indicators_.get(), stored_indicators_.get(), q);
  if (!rows) return rows;
  std::string out = "{\"symbol\":";
  append_api_json_string(*q.symbol, out);
  out += ",\"source\":\"stored\",";
  out.append(rows.value(), 1);
  return out;
}

ServingReader::Json ServingReader::indicators(const ApiQuery& q) {
  if (!q.symbol) return Err(ReadError{ReadErrorCode::kBadRequest, "'symbol' is required"});
  {
    std::unique_lock lock(mutex_);
    auto stored = has_rows(stored_indicators_any_.get(), &*q.symbol);
    if (!stored) return Err(stored.error());
    lock.unlock();
    if (stored.value()) return stored_indicators(q);
  }
  std::vector<std::pair<std::string, double>> closes;  // newest first as read
  {
    std::lock_guard lock(mutex_);
    ResetGuard guard(closes_.get());
    bind_text(closes_.get(), 1, *q.symbol);
    bind_text(closes_.get(), 2, time_text(q.to, kMaxTime));
    sqlite3_bind_int(closes_.get(), 3, q.limit + 1 + kIndicatorWarmup);
    int rc;
    while ((rc = sqlite3_step(closes_.get())) == SQLITE_ROW) {
      closes.emplace_back(column_text(closes_.get(), 0), sqlite3_column_double(closes_.get(), 1));
    }
    if (rc != SQLITE_DONE) return Err(error(rc));
  }
  std::reverse(closes.begin(), closes.end());
  // Each stored bar counts as one minute: the sources emit minute bars (DESIGN.md §1).
  IndicatorState state;
  std::vector<std::string> rows;
  const std::string from = time_text(q.from, kMinTime);
  size_t fed = 0;
  for (const auto& [ts, close] : closes) {
    const auto t = parse_iso8601(ts);
    if (!t) continue;
    auto v = state.update(*t, close);
    ++fed;
    if (!v || ts < from) continue;
    std::string row = "{\"ts\":";
    append_api_json_string(ts, row);
    row += ",\"close\":";
    append_api_json_number(close, row);
    row += ",\"rsi_14\":";
    append_api_json_number(v.value().rsi_14, row);
    row += ",\"ema_20\":";
    append_api_json_number(v.value().ema_20, row);
    row += ",\"sma_50\":";
    append_api_json_number(v.value().sma_50, row);
    row += '}';
    rows.push_back(std::move(row));
  }
  const bool truncated = rows.size() > static_cast<size_t>(q.limit);
  const size_t first = truncated ? rows.size() - q.limit : 0;
  std::string out = "{\"symbol\":";
  append_api_json_string(*q.symbol, out);
  out += fmt::format(",\"source\":\"computed\",\"warmup_bars\":{},\"rows\":[", fed - rows.size());
  for (size_t i = first; i < rows.size(); ++i) {
    if (i > first) out += ',';
    out += rows[i];
  }
  out += fmt::format("],\"limit\":{},\"limit_capped\":{},\"truncated\":{}}}", q.limit,
                     q.limit_capped, truncated);
  return out;
}

ServingReader::Json ServingReader::fear_greed(const ApiQuery& q) {
  std::vector<std::string> names;
  if (q.symbol) {
    names.push_back(*q.symbol);
  } else {
    std::lock_guard lock(mutex_);
    ResetGuard guard(symbols_.get());
    int rc;
    while ((rc = sqlite3_step(symbols_.get())) == SQLITE_ROW) {
      std::string name = column_text(symbols_.get(), 0);
      if (name != "*" && !name.empty()) names.push_back(std::move(name));
    }
    if (rc != SQLITE_DONE) return Err(error(rc));
  }

  {
    std::unique_lock lock(mutex_);
    auto stored = has_rows(stored_fg_any_.get(), nullptr);
    if (!stored) return Err(stored.error());
    lock.unlock();
    if (stored.value()) return stored_fear_greed(q, names);
  }

  struct MinuteInput {
    std::string symbol;
    FearGreedInputs in;
  };
  std::vector<MinuteInput> inputs;
  const std::string to = time_text(q.to, kMaxTime);
  {
    std::lock_guard lock(mutex_);
    for (const std::string& name : names) {
      std::optional<int64_t> latest;
      {
        sqlite3_stmt* s = fg_latest_start_.get();
        ResetGuard guard(s);
        bind_text(s, 1, name);
        bind_text(s, 2, to);
        const int rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) return Err(error(rc));
        for (int c = 0; c < 2; ++c) {
          if (sqlite3_column_type(s, c) == SQLITE_NULL) continue;
          if (auto t = parse_iso8601(column_text(s, c))) {
            latest = std::max(latest.value_or(INT64_MIN), t->value());
          }
        }
      }
      if (!latest) continue;
      const std::string lo =
          format_iso8601(EventTime(*latest - kFearGreedHistoryMinutes * kMillisPerMinute));
      const std::string hi = format_iso8601(EventTime(*latest));
      std::map<int64_t, FearGreedInputs> by_minute;
      {
        sqlite3_stmt* s = fg_trends_.get();
        ResetGuard guard(s);
        bind_text(s, 1, name);
        bind_text(s, 2, lo);
        bind_text(s, 3, hi);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
          const auto end = parse_iso8601(column_text(s, 0));
          if (!end) continue;
          FearGreedInputs& in = by_minute[end->value()];
          in.minute = *end;
          in.close = sqlite3_column_double(s, 2);
          in.price_change = sqlite3_column_double(s, 2) - sqlite3_column_double(s, 1);
          in.volatility = sqlite3_column_double(s, 3);
          in.volume = sqlite3_column_double(s, 4);
        }
        if (rc != SQLITE_DONE) return Err(error(rc));
      }
      {
        sqlite3_stmt* s = fg_sentiment_.get();
        ResetGuard guard(s);
        bind_text(s, 1, name);
        bind_text(s, 2, lo);
        bind_text(s, 3, hi);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
          const auto end = parse_iso8601(column_text(s, 0));
          if (!end) continue;
          FearGreedInputs& in = by_minute[end->value()];
          in.minute = *end;
          if (sqlite3_column_int64(s, 1) > 0) {
            in.avg_compound = sqlite3_column_double(s, 2);
            in.bullish_share = sqlite3_column_double(s, 3);
          }
        }
        if (rc != SQLITE_DONE) return Err(error(rc));
      }
      for (auto& [minute, in] : by_minute) inputs.push_back(MinuteInput{name, in});
    }
  }
  // Replay every symbol minute by minute, so the market reading at each minute sees each symbol's
  // state as of that minute.
  std::stable_sort(inputs.begin(), inputs.end(), [](const MinuteInput& a, const MinuteInput& b) {
    return a.in.minute < b.in.minute;
  });
  FearGreedIndex index;
  std::map<std::string, FearGreedReading> latest;
  std::string history;
  size_t history_count = 0;
  for (size_t i = 0; i < inputs.size();) {
    const EventTime minute = inputs[i].in.minute;
    for (; i < inputs.size() && inputs[i].in.minute == minute; ++i) {
      auto r = index.update(inputs[i].symbol, inputs[i].in);
      if (!r) continue;
      latest[inputs[i].symbol] = *r;
      if (q.symbol) {
        if (history_count++) history += ',';
        append_reading(*r, nullptr, history);
      }
    }
    if (!q.symbol) {
      if (auto m = index.market(minute)) {
        if (history_count++) history += ',';
        append_reading(*m, nullptr, history);
      }
    }
  }
  std::string out = "{\"source\":\"computed\",\"formula\":";
  append_api_json_string(
      "weighted mean of five 0-100 components: sentiment 0.25, bullish share 0.15, momentum 0.25, "
      "volatility 0.20, volume 0.15 (missing ones left out); market = mean of the symbols' latest "
      "scores; see src/analytics/README.md",
      out);
  out += ",\"market\":";
  std::optional<FearGreedReading> market;
  if (!inputs.empty()) market = index.market(inputs.back().in.minute);
  if (market && !q.symbol) {
    append_reading(*market, nullptr, out);
  } else {
    out += "null";
  }
  out += ",\"symbols\":[";
  bool first = true;
  for (const auto& [name, r] : latest) {
    if (!first) out += ',';
    first = false;
    append_reading(r, &name, out);
  }
  out += "],\"history\":[";
  out += history;
  out += "]}";
  return out;
}

ServingReader::Json ServingReader::stored_fear_greed(const ApiQuery& q,
                                                     const std::vector<std::string>& names) {
  std::string out = "{\"source\":\"stored\",\"market\":";
  const std::string to = time_text(q.to, kMaxTime);
  std::lock_guard lock(mutex_);
  auto latest = [&](const std::string& symbol, std::string& into) -> Result<bool, ReadError> {
    sqlite3_stmt* s = stored_fg_latest_.get();
    ResetGuard guard(s);
    bind_text(s, 1, symbol);
    bind_text(s, 2, to);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      append_row(s, into);
      return true;
    }
    if (rc != SQLITE_DONE) return Err(error(rc));
    return false;
  };
  if (q.symbol) {
    out += "null";
  } else {
    auto r = latest("*", out);
    if (!r) return Err(r.error());
    if (!r.value()) out += "null";
  }
  out += ",\"symbols\":[";
  bool first = true;
  for (const std::string& name : names) {
    std::string row;
    auto r = latest(name, row);
    if (!r) return Err(r.error());
    if (!r.value()) continue;
    if (!first) out += ',';
    first = false;
    out += row;
  }
  out += "],\"history\":[";
  {
    sqlite3_stmt* s = stored_fg_history_.get();
    ResetGuard guard(s);
    bind_text(s, 1, q.symbol ? *q.symbol : std::string("*"));
    bind_text(s, 2, time_text(q.from, kMinTime));
    bind_text(s, 3, to);
    sqlite3_bind_int(s, 4, q.limit);
    std::vector<std::string> rows;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      rows.emplace_back();
      append_row(s, rows.back());
    }
    if (rc != SQLITE_DONE) return Err(error(rc));
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it != rows.rbegin()) out += ',';
      out += *it;
    }
  }
  out += "]}";
  return out;
}

Result<int64_t, ReadError> ServingReader::schema_version() {
  std::lock_guard lock(mutex_);
  ResetGuard guard(schema_version_.get());
  const int rc = sqlite3_step(schema_version_.get());
  if (rc != SQLITE_ROW) return Err(error(rc));
  return static_cast<int64_t>(sqlite3_column_int64(schema_version_.get(), 0));
}

Result<int64_t, ReadError> ServingReader::data_version() {
  std::lock_guard lock(mutex_);
  ResetGuard guard(data_version_.get());
  const int rc = sqlite3_step(data_version_.get());
  if (rc != SQLITE_ROW) return Err(error(rc));
  return static_cast<int64_t>(sqlite3_column_int64(data_version_.get(), 0));
}

Result<std::vector<LatestRow>, ReadError> ServingReader::latest_windows(bool trends,
                                                                        int64_t lookback_ms) {
  std::lock_guard lock(mutex_);
  std::string max_end;
  {
    sqlite3_stmt* s = trends ? max_trend_end_.get() : max_sentiment_end_.get();
    ResetGuard guard(s);
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return Err(error(rc));
    if (sqlite3_column_type(s, 0) == SQLITE_NULL) return std::vector<LatestRow>{};
    max_end = column_text(s, 0);
  }
  const auto end = parse_iso8601(max_end);
  if (!end) return std::vector<LatestRow>{};
  sqlite3_stmt* s = trends ? trends_since_.get() : sentiment_since_.get();
  ResetGuard guard(s);
  bind_text(s, 1, format_iso8601(EventTime(end->value() - lookback_ms)));
  std::vector<LatestRow> rows;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    LatestRow row;
    row.key = fmt::format("{}|{}|{}|{}", trends ? 't' : 's', column_text(s, 0), column_text(s, 1),
                          column_text(s, 2));
    append_row(s, row.json);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return Err(error(rc));
  return rows;
}

Result<std::vector<LatestRow>, ReadError> ServingReader::alerts_after(const std::string& after_ts,
                                                                      int limit) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* s = alerts_after_.get();
  ResetGuard guard(s);
  bind_text(s, 1, after_ts);
  sqlite3_bind_int(s, 2, limit);
  std::vector<LatestRow> rows;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    LatestRow row;
    row.key = column_text(s, 1);  // ts: the poller resumes after the newest one it saw
    append_row(s, row.json);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return Err(error(rc));
  return rows;
}

}  // namespace stockpulse
