#include "backtest/backtest_source.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <charconv>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "common/time_format.h"
#include "sink/clickhouse_client.h"
#include "sink/duckdb_session.h"

namespace stockpulse {

namespace {

using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;
// Runs one SELECT and hands each row to on_row; an error message otherwise.
using QueryFn = std::function<std::optional<std::string>(const std::string&,
                                                         const std::function<void(const Row&)>&)>;

// How one store spells a table and a time column as epoch milliseconds.
struct Dialect {
  std::function<std::string(const std::string& table)> from;
  std::function<std::string(const std::string& column)> millis;
  std::string final_filter;  // "is_final = 1" or "" (the lake holds final windows only)
  std::function<bool(const std::string& table)> has_table;
};

std::optional<int64_t> parse_millis(const Cell& c) {
  if (!c) return std::nullopt;
  if (c->find('-') != std::string::npos && c->size() > 4) {
    const auto t = parse_iso8601(*c);
    if (!t) return std::nullopt;
    return t->value();
  }
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
  if (ec != std::errc() || p != c->data() + c->size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const Cell& c) {
  if (!c || c->empty() || *c == "NULL" || *c == "\\N") return std::nullopt;
  try {
    size_t used = 0;
    const double v = std::stod(*c, &used);
    if (used != c->size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int trend_value(const Cell& c) {
  if (!c) return 0;
  if (*c == "BULLISH") return 1;
  if (*c == "BEARISH") return -1;
  return 0;
}

Result<BacktestRows, std::string> read_with(const QueryFn& query, const Dialect& d,
                                            const std::string& name, size_t max_rows) {
  BacktestRows rows;
  std::string bad;  // the first row that could not be read
  bool over = false;
  auto count = [&]() {
    if (rows.size() >= max_rows) over = true;
    return !over;
  };
  // Each query asks for at most one row more than the bound, so an oversized store is refused
  // without its rows ever being held (a ClickHouse answer arrives whole).
  const std::string limit = fmt::format(" LIMIT {}", max_rows + 1);
  auto where = [&](const std::string& extra) {
    std::string w = d.final_filter;
    if (!extra.empty()) w += (w.empty() ? "" : " AND ") + extra;
    return (w.empty() ? std::string() : " WHERE " + w) + limit;
  };

  auto err = query(
      fmt::format("SELECT symbol, {}, tweet_count, sentiment_score_avg, "
                  "bullish_share FROM {}{}",
                  d.millis("window_end"), d.from("topic_sentiment_avg"), where("symbol <> '*'")),
      [&](const Row& r) {
        if (!count()) return;
        const auto t = parse_millis(r[1]);
        const auto n = parse_double(r[2]);
        const auto avg = parse_double(r[3]);
        const auto bull = parse_double(r[4]);
        if (!r[0] || !t || !n || !avg || !bull) {
          if (bad.empty()) bad = "topic_sentiment_avg";
          return;
        }
        rows.sentiment.push_back({*r[0], *t, int64_t(*n), *avg, *bull});
      });
  if (err) return Err(fmt::format("{}: reading topic_sentiment_avg: {}", name, *err));
  err = query(fmt::format("SELECT symbol, {}, close, trend_signal FROM {}{}",
                          d.millis("window_end"), d.from("stock_trends"), where("")),
              [&](const Row& r) {
                if (!count()) return;
                const auto t = parse_millis(r[1]);
                const auto close = parse_double(r[2]);
                if (!r[0] || !t || !close) {
                  if (bad.empty()) bad = "stock_trends";
                  return;
                }
                rows.market.push_back({*r[0], *t, *close, trend_value(r[3])});
              });
  if (err) return Err(fmt::format("{}: reading stock_trends: {}", name, *err));
  for (const auto& [table, column, target] :
       {std::tuple{"indicators", "rsi_14", &rows.rsi},
        std::tuple{"fear_greed", "score", &rows.fear_greed}}) {
    if (!d.has_table(table)) continue;
    auto* out = target;
    err =
        query(fmt::format("SELECT symbol, {}, {} FROM {} WHERE symbol <> '*' AND {} IS NOT NULL{}",
                          d.millis("ts"), column, d.from(table), column, limit),
              [&](const Row& r) {
                if (!count()) return;
                const auto t = parse_millis(r[1]);
                const auto v = parse_double(r[2]);
                if (!r[0] || !t || !v) return;  // NaN / NULL readings carry no signal
                out->push_back({*r[0], *t, *v});
              });
    if (err) return Err(fmt::format("{}: reading {}: {}", name, table, *err));
  }
  if (over) {
    return Err(fmt::format("{}: more than {} rows (raise --max-rows, or narrow the input)", name,
                           max_rows));
  }
  if (!bad.empty()) return Err(fmt::format("{}: a row of {} could not be read", name, bad));
  if (rows.sentiment.empty() && rows.market.empty()) {
    return Err(fmt::format("{}: empty store: no final sentiment or market windows", name));
  }
  return rows;
}

Result<BacktestRows, std::string> read_sqlite(const std::string& path, size_t max_rows) {
  if (!std::filesystem::exists(path)) {
    return Err(fmt::format("sqlite:{}: no such file", path));
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Err(fmt::format("sqlite:{}: {}", path, msg));
  }
  sqlite3_busy_timeout(db, 5000);
  QueryFn query = [db](
                      const std::string& sql,
                      const std::function<void(const Row&)>& on_row) -> std::optional<std::string> {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      return std::string(sqlite3_errmsg(db));
    }
    const int cols = sqlite3_column_count(st);
    Row row(static_cast<size_t>(cols));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < cols; ++i) {
        // SQLite's own text of a REAL keeps 15 digits, which turns values an ulp apart into
        // ties (and 1/3 into less than 1/3): REALs are formatted to round-trip exactly.
        if (sqlite3_column_type(st, i) == SQLITE_FLOAT) {
          row[size_t(i)] = fmt::format("{}", sqlite3_column_double(st, i));
          continue;
        }
        const auto* text = sqlite3_column_text(st, i);
        row[size_t(i)] = text ? Cell(reinterpret_cast<const char*>(text)) : std::nullopt;
      }
      on_row(row);
    }
    std::optional<std::string> error;
    if (rc != SQLITE_DONE) error = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    return error;
  };
  Dialect d;
  d.from = [](const std::string& t) { return t; };
  d.millis = [](const std::string& c) { return c; };  // ISO text, parsed here
  d.final_filter = "is_final = 1";
  d.has_table = [db](const std::string& t) {
    sqlite3_stmt* st = nullptr;
    bool found = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1,
                           &st, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, t.c_str(), -1, SQLITE_TRANSIENT);
      found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
  };
  auto result = read_with(query, d, "sqlite:" + path, max_rows);
  sqlite3_close(db);
  if (!result.ok() &&
      std::string_view(result.error()).find("no such table") != std::string_view::npos) {
    return Err(fmt::format("sqlite:{}: not a serving store ({})", path, result.error()));
  }
  return result;
}

Result<BacktestRows, std::string> read_clickhouse(const std::string& url, size_t max_rows) {
  ClickHouseClient client(ClickHouseOptions::from_url(url));
  const std::string name = mask_url_password(url);
  QueryFn query = [&](const std::string& sql,
                      const std::function<void(const Row&)>& on_row) -> std::optional<std::string> {
    auto r = client.select(sql);
    if (!r.ok()) return r.error().message;
    for (const auto& row : r.value().rows) on_row(row);
    return std::nullopt;
  };
  Dialect d;
  d.from = [](const std::string& t) { return fmt::format("`{}` FINAL", t); };
  d.millis = [](const std::string& c) {
    return fmt::format("toInt64(toUnixTimestamp(`{0}`)) * 1000 + `{0}_ms`", c);
  };
  d.final_filter = "is_final = 1";
  d.has_table = [&](const std::string& t) {
    auto r = client.select(fmt::format("EXISTS TABLE `{}`", t));
    return r.ok() && !r.value().rows.empty() && r.value().rows[0][0] == "1";
  };
  return read_with(query, d, name, max_rows);
}

Result<BacktestRows, std::string> read_lake(const std::string& dir, size_t max_rows) {
  namespace fs = std::filesystem;
  const std::string name = "lake:" + dir;
  if (!fs::is_directory(dir)) return Err(fmt::format("{}: no such folder", name));
  DuckDbSession session("backtest");
  QueryFn query = [&](const std::string& sql,
                      const std::function<void(const Row&)>& on_row) -> std::optional<std::string> {
    auto r = session.rows(sql);
    if (!r.ok()) return r.error();
    Row row;
    for (const auto& text_row : r.value()) {
      row.assign(text_row.begin(), text_row.end());
      for (auto& c : row) {
        if (c && *c == "NULL") c.reset();
      }
      on_row(row);
    }
    return std::nullopt;
  };
  Dialect d;
  d.from = [&](const std::string& t) {
    return fmt::format("read_parquet({}, hive_partitioning = false)",
                       sql_quote((fs::path(dir) / t / "**" / "*.parquet").string()));
  };
  d.millis = [](const std::string& c) { return fmt::format("epoch_ms({})", c); };
  d.final_filter = "";
  d.has_table = [](const std::string&) { return false; };
  for (const char* t : {"topic_sentiment_avg", "stock_trends"}) {
    if (!fs::is_directory(fs::path(dir) / t)) {
      return Err(
          fmt::format("{}: no {} folder: not a stockpulse lake (the folder holding "
                      "tweets/, market_data/, topic_sentiment_avg/ ...)",
                      name, t));
    }
  }
  return read_with(query, d, name, max_rows);
}

}  // namespace

Result<BacktestRows, std::string> read_backtest_rows(const std::string& source, size_t max_rows) {
  if (source.starts_with("clickhouse://")) return read_clickhouse(source, max_rows);
  if (source.starts_with("lake:")) return read_lake(source.substr(5), max_rows);
  if (source.starts_with("sqlite://")) return read_sqlite(source.substr(9), max_rows);
  if (source.starts_with("sqlite:")) return read_sqlite(source.substr(7), max_rows);
  return read_sqlite(source, max_rows);
}

}  // namespace stockpulse
