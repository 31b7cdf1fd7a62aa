#include "serve/serving_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "analytics/fear_greed_index.h"
#include "analytics/indicator_state.h"
#include "common/time_format.h"
#include "serve/clickhouse_serving_reader.h"
#include "serve/row_json.h"
#include "serve/sqlite_serving_reader.h"

namespace stockpulse {
namespace {

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

std::string limit_tail(const ApiQuery& q, bool truncated) {
  return fmt::format("],\"limit\":{},\"limit_capped\":{},\"truncated\":{}}}", q.limit,
                     q.limit_capped, truncated);
}

}  // namespace

std::unique_ptr<ServingReader> open_serving_reader(const std::string& url) {
  if (url.starts_with("clickhouse://")) return std::make_unique<ClickHouseServingReader>(url);
  std::string path = url;
  if (url.starts_with("sqlite://")) {
    path = url.substr(9);
  } else if (url.starts_with("sqlite:")) {
    path = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    throw std::runtime_error(fmt::format(
        "serving store '{}': not understood (sqlite:PATH or clickhouse://HOST:PORT/DB)", url));
  }
  if (path.empty()) throw std::runtime_error(fmt::format("serving store '{}': empty path", url));
  return std::make_unique<SqliteServingReader>(path);
}

ServingReader::Json ServingReader::symbols(const SymbolsQuery& q, const SymbolsView& view) {
  const std::vector<std::string>& watch_list = view.watch_list;
  auto names = symbol_names();
  if (!names) return Err(names.error());
  struct Entry {
    std::string symbol;
    int64_t mentions = 0;
    bool has_prices = false;
    bool watched = false;
  };
  std::vector<Entry> entries;
  for (std::string& name : names.value()) {
    if (name != "*" && !name.empty() && name.starts_with(q.prefix)) {
      entries.push_back(Entry{std::move(name)});
    }
  }
  // Activity counts the posts of the last kActivityLookbackMs of the store's data (not of the
  // wall clock), so a replayed or finished dataset still ranks by its own recent days.
  auto newest = latest_window_start("*", std::nullopt);
  if (!newest) return Err(newest.error());
  std::optional<EventTime> since;
  if (newest.value()) since = EventTime(newest.value()->value() - kActivityLookbackMs);
  auto mentions = symbol_mentions(since);
  if (!mentions) return Err(mentions.error());
  auto priced = priced_symbols();
  if (!priced) return Err(priced.error());
  // entries, mentions and priced are all in ascending byte order: merge, no lookups.
  {
    auto m = mentions.value().begin();
    auto p = priced.value().begin();
    for (Entry& e : entries) {
      while (m != mentions.value().end() && m->first < e.symbol) ++m;
      if (m != mentions.value().end() && m->first == e.symbol) e.mentions = m->second;
      while (p != priced.value().end() && *p < e.symbol) ++p;
      e.has_prices = p != priced.value().end() && *p == e.symbol;
      e.watched = std::find(watch_list.begin(), watch_list.end(), e.symbol) != watch_list.end();
    }
  }
  if (q.sort == SymbolSort::kActivity) {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.watched != b.watched) return a.watched;
      if (a.mentions != b.mentions) return a.mentions > b.mentions;
      return a.has_prices && !b.has_prices;  // stable: equal ones stay in symbol order
    });
  }
  const size_t total = entries.size();
  const size_t first = std::min(total, static_cast<size_t>(q.offset));
  const size_t last = std::min(total, first + static_cast<size_t>(q.limit));
  std::vector<std::string> page;
  for (size_t i = first; i < last; ++i) page.push_back(entries[i].symbol);

  auto trends = latest_rows(RowSet::kMarketWindows, page, std::nullopt);
  if (!trends) return Err(trends.error());
  auto sentiment = latest_rows(RowSet::kSentimentWindows, page, std::nullopt);
  if (!sentiment) return Err(sentiment.error());
  auto bars = latest_rows(RowSet::kBars, page, std::nullopt);
  if (!bars) return Err(bars.error());
  auto market = latest_rows(RowSet::kSentimentWindows, {"*"}, std::nullopt);
  if (!market) return Err(market.error());

  auto row_or_null = [](const std::optional<std::string>& row, std::string& out) {
    out += row ? *row : std::string("null");
  };
  std::string out = "{\"symbols\":[";
  for (size_t i = 0; i < page.size(); ++i) {
    const Entry& e = entries[first + i];
    if (i) out += ',';
    out += "{\"symbol\":";
    append_api_json_string(page[i], out);
    out += ",\"trend\":";
    row_or_null(trends.value()[i], out);
    out += ",\"sentiment\":";
    row_or_null(sentiment.value()[i], out);
    out += ",\"last_bar\":";
    row_or_null(bars.value()[i], out);
    out += fmt::format(",\"mentions\":{},\"has_prices\":{},\"watched\":{}}}", e.mentions,
                       e.has_prices, e.watched);
  }
  out += "],\"market\":";
  row_or_null(market.value()[0], out);
  out += fmt::format(",\"total\":{},\"offset\":{},\"limit\":{},\"sort\":\"{}\",\"watch_list\":[",
                     total, q.offset, q.limit,
                     q.sort == SymbolSort::kActivity ? "activity" : "symbol");
  for (size_t i = 0; i < watch_list.size(); ++i) {
    if (i) out += ',';
    append_api_json_string(watch_list[i], out);
  }
  out += fmt::format("],\"badges\":{}}}", view.badges);
  return out;
}

// The "latest `limit` rows" documents: one extra row is fetched so "truncated" is exact, and the
// rows, read newest first, are written oldest first.
ServingReader::Json ServingReader::window_rows(RowSet set, const ApiQuery& q) {
  auto rows = newest_rows(set, q.symbol, q.from, q.to, q.limit + 1);
  if (!rows) return Err(rows.error());
  std::vector<std::string>& r = rows.value();
  const bool truncated = r.size() > static_cast<size_t>(q.limit);
  if (truncated) r.pop_back();
  std::string out = "{\"rows\":[";
  for (auto it = r.rbegin(); it != r.rend(); ++it) {
    if (it != r.rbegin()) out += ',';
    out += *it;
  }
  out += limit_tail(q, truncated);
  return out;
}

ServingReader::Json ServingReader::sentiment(const ApiQuery& q) {
  return window_rows(RowSet::kSentimentWindows, q);
}

ServingReader::Json ServingReader::trends(const ApiQuery& q) {
  return window_rows(RowSet::kMarketWindows, q);
}

ServingReader::Json ServingReader::alerts(const ApiQuery& q) {
  return window_rows(RowSet::kAlerts, q);
}

ServingReader::Json ServingReader::candles(const ApiQuery& q) {
  if (!q.symbol) return Err(ReadError{ReadErrorCode::kBadRequest, "'symbol' is required"});
  auto rows = window_rows(RowSet::kBars, q);
  if (!rows) return rows;
  // Prefix the symbol: {"symbol":"AAPL","rows":[...],...}
  std::string out = "{\"symbol\":";
  append_api_json_string(*q.symbol, out);
  out += ',';
  out.append(rows.value(), 1);
  return out;
}

ServingReader::Json ServingReader::indicators(const ApiQuery& q) {
  if (!q.symbol) return Err(ReadError{ReadErrorCode::kBadRequest, "'symbol' is required"});
  auto stored = has_rows(RowSet::kIndicators, &*q.symbol);
  if (!stored) return Err(stored.error());
  if (stored.value()) {
    auto rows = window_rows(RowSet::kIndicators, q);
    if (!rows) return rows;
    std::string out = "{\"symbol\":";
    append_api_json_string(*q.symbol, out);
    out += ",\"source\":\"stored\",";
    out.append(rows.value(), 1);
    return out;
  }
  auto read = closes(*q.symbol, q.to, q.limit + 1 + kIndicatorWarmup);
  if (!read) return Err(read.error());
  std::vector<std::pair<std::string, double>>& closes = read.value();  // newest first as read
  std::reverse(closes.begin(), closes.end());
  // Each stored bar counts as one minute: the sources emit minute bars (docs/design.md §3).
  IndicatorState state;
  std::vector<std::string> rows;
  const std::string from = q.from ? format_iso8601(*q.from) : std::string();
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
  out += limit_tail(q, truncated);
  return out;
}

ServingReader::Json ServingReader::fear_greed(const ApiQuery& q) {
  std::vector<std::string> names;
  if (q.symbol) {
    names.push_back(*q.symbol);
  } else {
    auto all = symbol_names();
    if (!all) return Err(all.error());
    for (std::string& name : all.value()) {
      if (name != "*" && !name.empty()) names.push_back(std::move(name));
    }
  }
  auto stored = has_rows(RowSet::kFearGreed, nullptr);
  if (!stored) return Err(stored.error());
  if (stored.value()) return stored_fear_greed(q, names);

  struct MinuteInput {
    std::string symbol;
    FearGreedInputs in;
  };
  std::vector<MinuteInput> inputs;
  for (const std::string& name : names) {
    auto latest = latest_window_start(name, q.to);
    if (!latest) return Err(latest.error());
    if (!latest.value()) continue;
    const EventTime hi = *latest.value();
    const EventTime lo(hi.value() - kFearGreedHistoryMinutes * kMillisPerMinute);
    std::map<int64_t, FearGreedInputs> by_minute;
    auto market = market_window_inputs(name, lo, hi);
    if (!market) return Err(market.error());
    for (const MarketWindowInput& w : market.value()) {
      FearGreedInputs& in = by_minute[w.window_end.value()];
      in.minute = w.window_end;
      in.close = w.close;
      in.price_change = w.close - w.open;
      in.volatility = w.volatility;
      in.volume = w.avg_volume;
    }
    auto sentiment = sentiment_window_inputs(name, lo, hi);
    if (!sentiment) return Err(sentiment.error());
    for (const SentimentWindowInput& w : sentiment.value()) {
      FearGreedInputs& in = by_minute[w.window_end.value()];
      in.minute = w.window_end;
      if (w.tweet_count > 0) {
        in.avg_compound = w.sentiment_score_avg;
        in.bullish_share = w.bullish_share;
      }
    }
    for (auto& [minute, in] : by_minute) inputs.push_back(MinuteInput{name, in});
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
  std::vector<std::string> wanted;
  if (!q.symbol) wanted.push_back("*");
  wanted.insert(wanted.end(), names.begin(), names.end());
  auto latest = latest_rows(RowSet::kFearGreed, wanted, q.to);
  if (!latest) return Err(latest.error());
  const std::vector<std::optional<std::string>>& rows = latest.value();
  size_t i = 0;
  std::string out = "{\"source\":\"stored\",\"market\":";
  if (q.symbol) {
    out += "null";
  } else {
    out += rows[i] ? *rows[i] : std::string("null");
    ++i;
  }
  out += ",\"symbols\":[";
  bool first = true;
  for (; i < rows.size(); ++i) {
    if (!rows[i]) continue;
    if (!first) out += ',';
    first = false;
    out += *rows[i];
  }
  out += "],\"history\":[";
  auto history = newest_rows(RowSet::kFearGreedHistory, q.symbol ? *q.symbol : std::string("*"),
                             q.from, q.to, q.limit);
  if (!history) return Err(history.error());
  const std::vector<std::string>& h = history.value();
  for (auto it = h.rbegin(); it != h.rend(); ++it) {
    if (it != h.rbegin()) out += ',';
    out += *it;
  }
  out += "]}";
  return out;
}

}  // namespace stockpulse
