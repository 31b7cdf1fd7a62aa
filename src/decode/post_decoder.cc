#include "decode/post_decoder.h"

#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include "decode/json_field_reader.h"

namespace stockpulse {

namespace od = simdjson::ondemand;
using namespace decode_internal;

namespace {

constexpr size_t kMaxSymbols = 64;
constexpr size_t kMaxSymbolBytes = 32;

// "symbols": an array of strings, each a ticker the source tagged the post with. Empty strings
// are skipped; more than kMaxSymbols, or one longer than kMaxSymbolBytes, is a wrong value.
bool read_symbols(od::value& value, od::json_type type, std::vector<std::string>& out,
                  DecodeError& error) {
  if (type != od::json_type::array) {
    error = wrong_type("symbols", "an array of strings", type);
    return false;
  }
  od::array arr;
  if (auto code = value.get_array().get(arr)) {
    error = field_error(code, "symbols", value);
    return false;
  }
  for (auto item : arr) {
    od::value v;
    if (item.get(v)) {
      error = {DeadLetterReason::kMalformedJson, "field 'symbols' is not a valid array"};
      return false;
    }
    od::json_type t;
    if (v.type().get(t) || t != od::json_type::string) {
      error = {DeadLetterReason::kWrongType, "field 'symbols' must hold strings only"};
      return false;
    }
    std::string_view s;
    if (!read_string(v, t, "symbols", s, error)) return false;
    if (s.empty()) continue;
    if (s.size() > kMaxSymbolBytes || out.size() >= kMaxSymbols) {
      error = {DeadLetterReason::kTooLarge,
               "field 'symbols' holds more than " + std::to_string(kMaxSymbols) +
                   " symbols or one over " + std::to_string(kMaxSymbolBytes) + " bytes"};
      return false;
    }
    out.emplace_back(s);
  }
  return true;
}

bool parse_label(std::string_view s, std::optional<SentimentLabel>& out) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "bullish") {
    out = SentimentLabel::kBullish;
  } else if (lower == "bearish") {
    out = SentimentLabel::kBearish;
  } else if (lower == "neutral") {
    out = SentimentLabel::kNeutral;
  } else {
    return false;
  }
  return true;
}

}  // namespace

struct PostDecoder::Impl {
  od::parser parser;
  // Padded copy of inputs that came without padding; grows to the largest record seen.
  std::string scratch;
};

PostDecoder::PostDecoder(PostDecoderOptions options)
    : options_(options), impl_(std::make_unique<Impl>()) {}

PostDecoder::~PostDecoder() = default;

Result<Post, DecodeError> PostDecoder::decode(PaddedJson json, SourcePosition pos) {
  Post post;
  DecodeError error;
  if (!decode_into(json, pos, post, error)) return Err{std::move(error)};
  return post;
}

Result<Post, DecodeError> PostDecoder::decode(std::string_view json, SourcePosition pos) {
  return decode(PaddedJson{padded_copy(json, options_.max_record_bytes, impl_->scratch)}, pos);
}

bool PostDecoder::decode_into(PaddedJson json, SourcePosition pos, Post& out, DecodeError& error) {
  const std::string_view in = json.text;
  od::document doc;
  od::object obj;
  if (!open_record(impl_->parser, in, options_.max_record_bytes, doc, obj, error)) return false;

  bool have_id = false, have_time = false, have_text = false;
  out.user.clear();
  out.source.clear();
  out.symbols.clear();
  out.label.reset();
  // One pass over the fields in document order: On-Demand skips the values of fields we do not
  // read, and a duplicated key simply overwrites (last one wins).
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
    od::value value = field.value();
    od::json_type type;
    if (auto code = value.type().get(type)) {
      error = document_error(code, in);
      return false;
    }
    // null counts as absent everywhere: producers write it for "unknown".
    if (type == od::json_type::null) continue;

    if (key == "text") {
      std::string_view s;
      if (!read_string(value, type, key, s, error)) return false;
      if (s.size() > options_.max_text_bytes) {
        error = {DeadLetterReason::kTooLarge, "field 'text' is " + std::to_string(s.size()) +
                                                  " bytes, over the limit of " +
                                                  std::to_string(options_.max_text_bytes)};
        return false;
      }
      out.text.assign(s);
      have_text = true;
    } else if (key == "created_at") {
      if (!read_time(value, type, key, out.created_at, error)) return false;
      have_time = true;
    } else if (key == "id") {
      if (type == od::json_type::number) {
        // Tweet ids are often numbers; keep their decimal digits exactly.
        uint64_t n;
        if (value.get_uint64().get(n)) {
          error = wrong_type(key, "a string or a non-negative integer", type);
          error.detail += " that is not a non-negative integer";
          return false;
        }
        out.id = std::to_string(n);
      } else {
        std::string_view s;
        if (!read_string(value, type, key, s, error)) return false;
        out.id.assign(s);
      }
      have_id = true;
    } else if (key == "user") {
      if (type == od::json_type::number) {
        std::string_view raw = value.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' ||
                                raw.back() == '\r')) {
          raw.remove_suffix(1);
        }
        out.user.assign(raw);
      } else {
        std::string_view s;
        if (!read_string(value, type, key, s, error)) return false;
        out.user.assign(s);
      }
    } else if (key == "source") {
      std::string_view s;
      if (!read_string(value, type, key, s, error)) return false;
      out.source.assign(s);
    } else if (key == "symbols") {
      if (!read_symbols(value, type, out.symbols, error)) return false;
    } else if (key == "label") {
      std::string_view s;
      if (!read_string(value, type, key, s, error)) return false;
      if (!parse_label(s, out.label)) {
        error = {DeadLetterReason::kWrongType,
                 "field 'label' must be \"bullish\", \"neutral\" or \"bearish\", got '" +
                     excerpt(s) + "'"};
        return false;
      }
    }
  }
  if (!object_ends_input(obj, in, error)) return false;
  if (!have_text) {
    error = {DeadLetterReason::kMissingField, "field 'text' is missing"};
    return false;
  }
  if (!have_time) {
    error = {DeadLetterReason::kMissingField, "field 'created_at' is missing"};
    return false;
  }
  if (!have_id) {
    if (options_.require_id) {
      error = {DeadLetterReason::kMissingField, "field 'id' is missing"};
      return false;
    }
    out.id =
        "pos-" + std::to_string(pos.partition.value()) + "-" + std::to_string(pos.offset.value());
  }
  out.position = pos;
  return true;
}

}  // namespace stockpulse
