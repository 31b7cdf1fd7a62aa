#include "source/alpaca_protocol.h"

#include <simdjson.h>

#include "common/time_format.h"
#include "decode/json_encoder.h"

namespace stockpulse {

namespace {

bool read_bar(simdjson::dom::object o, Bar& b) {
  std::string_view symbol, ts;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  auto number = [&](const char* key, double& out) {
    simdjson::dom::element e;
    if (o[key].get(e)) return false;
    if (e.is_double()) return !e.get_double().get(out);
    if (e.is_int64()) {
      out = static_cast<double>(int64_t(e));
      return true;
    }
    if (e.is_uint64()) {
      out = static_cast<double>(uint64_t(e));
      return true;
    }
    return false;
  };
  if (o["S"].get_string().get(symbol) || o["t"].get_string().get(ts)) return false;
  if (!number("o", open) || !number("h", high) || !number("l", low) || !number("c", close) ||
      !number("v", volume))
    return false;
  const auto t = parse_iso8601(ts);
  if (!t || symbol.empty()) return false;
  b = Bar{};
  b.symbol.assign(symbol);
  b.ts = *t;
  b.open = open;
  b.high = high;
  b.low = low;
  b.close = close;
  b.volume = volume;
  double vw = 0, n = 0;
  if (number("vw", vw)) b.vwap = vw;
  if (number("n", n)) b.trade_count = static_cast<int64_t>(n);
  return true;
}

void read_message(simdjson::dom::element e, AlpacaFrame& out) {
  simdjson::dom::object o;
  std::string_view type;
  if (e.get_object().get(o) || o["T"].get_string().get(type)) {
    ++out.malformed;
    return;
  }
  if (type == "b" || type == "u" || type == "d") {  // bars, updated bars, daily bars
    if (type != "b") return;
    Bar b;
    if (read_bar(o, b))
      out.bars.push_back(std::move(b));
    else
      ++out.malformed;
    return;
  }
  if (type == "success" || type == "error" || type == "subscription") {
    AlpacaControl c;
    c.type.assign(type);
    std::string_view msg;
    if (!o["msg"].get_string().get(msg)) c.msg.assign(msg);
    int64_t code = 0;
    if (!o["code"].get_int64().get(code)) c.code = static_cast<int>(code);
    simdjson::dom::array bars;
    if (!o["bars"].get_array().get(bars))
      for (auto s : bars) {
        std::string_view sym;
        if (!s.get_string().get(sym)) c.bars.emplace_back(sym);
      }
    out.controls.push_back(std::move(c));
  }
  // Trades, quotes, statuses, ...: not asked for, ignored.
}

}  // namespace

AlpacaFrame parse_alpaca_frame(std::string_view json) {
  AlpacaFrame out;
  // A parser per call: frames are small and rare (a few per minute per symbol).
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) {
    out.malformed = 1;
    return out;
  }
  simdjson::dom::array arr;
  if (!root.get_array().get(arr)) {
    for (auto e : arr) read_message(e, out);
  } else {
    read_message(root, out);
  }
  return out;
}

std::string alpaca_auth_message(std::string_view key, std::string_view secret) {
  std::string out = "{\"action\":\"auth\",\"key\":";
  append_json_string(key, out);
  out += ",\"secret\":";
  append_json_string(secret, out);
  out += "}";
  return out;
}

std::string alpaca_subscribe_message(const std::vector<std::string>& symbols) {
  std::string out = "{\"action\":\"subscribe\",\"bars\":[";
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (i) out += ',';
    append_json_string(symbols[i], out);
  }
  out += "]}";
  return out;
}

}  // namespace stockpulse
