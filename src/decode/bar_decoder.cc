#include "decode/bar_decoder.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "decode/json_field_reader.h"

namespace stockpulse {

namespace od = simdjson::ondemand;
using namespace decode_internal;

namespace {

enum class Slot : uint8_t {
  kSymbol,
  kTime,
  kOpen,
  kHigh,
  kLow,
  kClose,
  kVolume,
  kVwap,
  kTradeCount,
  kCount
};

// Accepted names. When a record carries several names of one slot, the lower rank wins whatever
// the order: the contract's own name (0), then reference-system names (1), then Alpaca's one- and
// two-letter bar message keys (2). Everything else, including system B's derived fields
// (price_change, pct_change, direction, ingested_at), is skipped unread.
struct KeyInfo {
  std::string_view name;
  Slot slot;
  int8_t rank;
};

constexpr std::array kKeys = {
    KeyInfo{"symbol", Slot::kSymbol, 0},
    KeyInfo{"timestamp", Slot::kTime, 0},
    KeyInfo{"open", Slot::kOpen, 0},
    KeyInfo{"high", Slot::kHigh, 0},
    KeyInfo{"low", Slot::kLow, 0},
    KeyInfo{"close", Slot::kClose, 0},
    KeyInfo{"volume", Slot::kVolume, 0},
    KeyInfo{"vwap", Slot::kVwap, 0},
    KeyInfo{"trade_count", Slot::kTradeCount, 0},
    KeyInfo{"trade_timestamp", Slot::kTime, 1},
    KeyInfo{"open_price", Slot::kOpen, 1},
    KeyInfo{"high_price", Slot::kHigh, 1},
    KeyInfo{"low_price", Slot::kLow, 1},
    KeyInfo{"close_price", Slot::kClose, 1},
    KeyInfo{"S", Slot::kSymbol, 2},
    KeyInfo{"t", Slot::kTime, 2},
    KeyInfo{"o", Slot::kOpen, 2},
    KeyInfo{"h", Slot::kHigh, 2},
    KeyInfo{"l", Slot::kLow, 2},
    KeyInfo{"c", Slot::kClose, 2},
    KeyInfo{"v", Slot::kVolume, 2},
    KeyInfo{"vw", Slot::kVwap, 2},
    KeyInfo{"n", Slot::kTradeCount, 2},
};

const KeyInfo* find_key(std::string_view key) {
  for (const KeyInfo& k : kKeys) {
    if (k.name.size() == key.size() && k.name == key) return &k;
  }
  return nullptr;
}

std::string format_number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Prices must be finite and positive: a zero open would make the percent change infinite.
bool check_price(double v, std::string_view field, DecodeError& err) {
  const char* why = nullptr;
  if (std::isnan(v)) {
    why = "is NaN";
  } else if (std::isinf(v)) {
    why = "is infinite";
  } else if (v < 0) {
    why = "is negative";
  } else if (v == 0) {
    why = "is zero (prices must be positive)";
  }
  if (why == nullptr) return true;
  err = {DeadLetterReason::kInvalidNumber, "field '" + std::string(field) + "' " + why};
  return false;
}

bool check_non_negative(double v, std::string_view field, DecodeError& err) {
  const char* why = nullptr;
  if (std::isnan(v)) {
    why = "is NaN";
  } else if (std::isinf(v)) {
    why = "is infinite";
  } else if (v < 0) {
    why = "is negative";
  }
  if (why == nullptr) return true;
  err = {DeadLetterReason::kInvalidNumber, "field '" + std::string(field) + "' " + why};
  return false;
}

}  // namespace

bool normalize_symbol(std::string& symbol) {
  if (symbol.empty() || symbol.size() > 10) return false;
  for (char& c : symbol) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct BarDecoder::Impl {
  od::parser parser;
  std::string scratch;
};

BarDecoder::BarDecoder(BarDecoderOptions options)
    : options_(options), impl_(std::make_unique<Impl>()) {}

BarDecoder::~BarDecoder() = default;

Result<Bar, DecodeError> BarDecoder::decode(PaddedJson json, SourcePosition pos) {
  Bar bar;
  DecodeError error;
  if (!decode_into(json, pos, bar, error)) return Err{std::move(error)};
  return bar;
}

Result<Bar, DecodeError> BarDecoder::decode(std::string_view json, SourcePosition pos) {
  return decode(PaddedJson{padded_copy(json, options_.max_record_bytes, impl_->scratch)}, pos);
}

bool BarDecoder::decode_into(PaddedJson json, SourcePosition pos, Bar& out, DecodeError& error) {
  const std::string_view in = json.text;
  od::document doc;
  od::object obj;
  if (!open_record(impl_->parser, in, options_.max_record_bytes, doc, obj, error)) return false;

  constexpr size_t kSlots = static_cast<size_t>(Slot::kCount);
  std::array<int8_t, kSlots> rank;
  rank.fill(-1);
  std::array<double, kSlots> number{};
  // The key each slot was read from (a view into the parser's buffers, valid for this document),
  // so details name the field as the producer spelled it.
  std::array<std::string_view, kSlots> name{};

  for (auto field_result : obj) {
    od::field field;
    if (auto code = std::move(field_result).get(field)) {
      error = document_error(code, in);
      return false;
    }
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) {
      error = document_error(code, in);
      return false;
    }
    const KeyInfo* info = find_key(key);
    if (info == nullptr) continue;
    const auto slot = static_cast<size_t>(info->slot);
    if (rank[slot] >= 0 && rank[slot] < info->rank) continue;  // a better name already seen

    od::value value = field.value();
    od::json_type type;
    if (auto code = value.type().get(type)) {
      error = document_error(code, in);
      return false;
    }
    if (type == od::json_type::null) continue;  // null counts as absent

    switch (info->slot) {
      case Slot::kSymbol: {
        std::string_view s;
        if (!read_string(value, type, key, s, error)) return false;
        out.symbol.assign(s);
        break;
      }
      case Slot::kTime:
        if (!read_time(value, type, key, out.ts, error)) return false;
        break;
      case Slot::kOpen:
      case Slot::kHigh:
      case Slot::kLow:
      case Slot::kClose:
      case Slot::kVolume:
      case Slot::kVwap:
      case Slot::kTradeCount:
        if (!read_number(value, type, key, number[slot], error)) return false;
        break;
      case Slot::kCount:
        break;
    }
    rank[slot] = info->rank;
    name[slot] = key;
  }
  if (!object_ends_input(obj, in, error)) return false;

  auto has = [&](Slot s) { return rank[static_cast<size_t>(s)] >= 0; };
  auto num = [&](Slot s) { return number[static_cast<size_t>(s)]; };
  auto field_name = [&](Slot s) { return name[static_cast<size_t>(s)]; };

  if (!has(Slot::kSymbol)) {
    error = {DeadLetterReason::kMissingField, "field 'symbol' is missing"};
    return false;
  }
  if (!normalize_symbol(out.symbol)) {
    error = {
        DeadLetterReason::kWrongType,
        "field 'symbol' is not a ticker (1-10 of A-Z 0-9 . -): \"" + excerpt(out.symbol) + "\""};
    return false;
  }
  if (!has(Slot::kTime)) {
    error = {DeadLetterReason::kMissingField, "field 'timestamp' is missing"};
    return false;
  }
  if (!has(Slot::kClose)) {
    error = {DeadLetterReason::kMissingField, "field 'close' is missing"};
    return false;
  }
  for (Slot s : {Slot::kOpen, Slot::kHigh, Slot::kLow, Slot::kClose}) {
    if (has(s) && !check_price(num(s), field_name(s), error)) return false;
  }
  out.close = num(Slot::kClose);
  // Missing open is the close; missing high/low are the extremes of open and close, which is
  // "the close" when open is missing too and never makes a consistent bar inconsistent.
  out.open = has(Slot::kOpen) ? num(Slot::kOpen) : out.close;
  out.high = has(Slot::kHigh) ? num(Slot::kHigh) : std::max(out.open, out.close);
  out.low = has(Slot::kLow) ? num(Slot::kLow) : std::min(out.open, out.close);
  if (out.high < out.low) {
    error = {DeadLetterReason::kInvalidNumber,
             "high " + format_number(out.high) + " is below low " + format_number(out.low)};
    return false;
  }
  out.volume = 0;
  if (has(Slot::kVolume)) {
    if (!check_non_negative(num(Slot::kVolume), field_name(Slot::kVolume), error)) return false;
    out.volume = num(Slot::kVolume);
  }
  out.vwap = std::numeric_limits<double>::quiet_NaN();
  if (has(Slot::kVwap)) {
    const double vwap = num(Slot::kVwap);
    if (!check_non_negative(vwap, field_name(Slot::kVwap), error)) return false;
    // Some producers write 0 for "no trades, no VWAP".
    if (vwap > 0) out.vwap = vwap;
  }
  out.trade_count = -1;
  if (has(Slot::kTradeCount)) {
    const double n = num(Slot::kTradeCount);
    if (!check_non_negative(n, field_name(Slot::kTradeCount), error)) return false;
    if (n != std::floor(n) || n > 9.0e18) {
      error = {DeadLetterReason::kInvalidNumber,
               "field '" + std::string(field_name(Slot::kTradeCount)) + "' is not a whole number"};
      return false;
    }
    out.trade_count = static_cast<int64_t>(n);
  }
  out.position = pos;
  return true;
}

}  // namespace stockpulse
