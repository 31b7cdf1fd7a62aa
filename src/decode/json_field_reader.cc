#include "decode/json_field_reader.h"

#include <cstring>

#include <charconv>
#include <cmath>

#include "common/time_format.h"
#include "decode/padded_json.h"
#include "decode/utf8.h"

namespace stockpulse::decode_internal {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING,
              "kJsonPadding must cover simdjson's padding requirement");

namespace {

constexpr const char* kSupportedRange = "1970-01-01 .. 9998-12-31";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_double(std::string_view s, double& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// A JSON "\uD8xx" not followed by "\uDCxx" (or a lone low surrogate) cannot become UTF-8: simdjson
// reports it as STRING_ERROR, the same code as a bad escape. Telling the two apart matters
// because Python's json.dumps writes lone surrogates for broken emoji, a text problem, not a
// JSON one.
bool has_surrogate_escape(std::string_view raw) {
  for (size_t i = 0; i + 5 < raw.size(); ++i) {
    if (raw[i] == '\\') {
      if (raw[i + 1] == 'u' && (raw[i + 2] == 'd' || raw[i + 2] == 'D')) {
        const char c = raw[i + 3];
        if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) return true;
      }
      ++i;  // skip the escaped character so "\\ud800" (an escaped backslash) does not match
    }
  }
  return false;
}

}  // namespace

const char* type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "array";
    case od::json_type::object:
      return "object";
    case od::json_type::number:
      return "number";
    case od::json_type::string:
      return "string";
    case od::json_type::boolean:
      return "boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

bool object_ends_input(od::object& obj, std::string_view input, DecodeError& err) {
  std::string_view raw;
  if (auto code = obj.raw_json().get(raw)) {
    err = document_error(code, input);
    return false;
  }
  // raw ends where the next structural token starts, or at the input's end when there is none.
  const size_t end = static_cast<size_t>(raw.data() + raw.size() - input.data());
  if (end < input.size()) {
    err = {DeadLetterReason::kMalformedJson,
           "trailing content after the JSON object at offset " + std::to_string(end)};
    return false;
  }
  return true;
}

std::string excerpt(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  // Back up over continuation bytes so the excerpt stays valid UTF-8.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

std::string_view padded_copy(std::string_view json, size_t max_bytes, std::string& scratch) {
  if (json.size() > max_bytes) return json;
  if (scratch.size() < json.size() + kJsonPadding) scratch.resize(json.size() + kJsonPadding);
  std::memcpy(scratch.data(), json.data(), json.size());
  return std::string_view(scratch.data(), json.size());
}

bool open_record(od::parser& parser, std::string_view in, size_t max_bytes, od::document& doc,
                 od::object& obj, DecodeError& error) {
  if (in.size() > max_bytes) {
    error = {DeadLetterReason::kTooLarge, "record is " + std::to_string(in.size()) +
                                              " bytes, over the limit of " +
                                              std::to_string(max_bytes)};
    return false;
  }
  if (auto code = parser.iterate(in.data(), in.size(), in.size() + kJsonPadding).get(doc)) {
    error = document_error(code, in);
    return false;
  }
  if (auto code = doc.get_object().get(obj)) {
    error = document_error(code, in);
    return false;
  }
  return true;
}

DecodeError document_error(simdjson::error_code code, std::string_view input) {
  switch (code) {
    case simdjson::UTF8_ERROR: {
      const size_t at = utf8_first_invalid(input);
      return {DeadLetterReason::kInvalidUtf8,
              "record is not valid UTF-8 (first bad byte at offset " + std::to_string(at) + ")"};
    }
    case simdjson::CAPACITY:
      return {DeadLetterReason::kTooLarge, "record is too large for the JSON parser"};
    case simdjson::EMPTY:
      return {DeadLetterReason::kMalformedJson, "record is empty"};
    case simdjson::INCORRECT_TYPE:
      return {DeadLetterReason::kMalformedJson, "record is not a JSON object"};
    default:
      return {DeadLetterReason::kMalformedJson,
              std::string("not valid JSON: ") + simdjson::error_message(code)};
  }
}

DecodeError field_error(simdjson::error_code code, std::string_view field, od::value& value) {
  const std::string name = "field '" + std::string(field) + "'";
  switch (code) {
    case simdjson::INCORRECT_TYPE:
      return {DeadLetterReason::kWrongType, name + " has the wrong type"};
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return {DeadLetterReason::kInvalidNumber, name + " is not a representable number"};
    case simdjson::STRING_ERROR: {
      std::string_view raw = value.raw_json_token();
      if (has_surrogate_escape(raw)) {
        return {DeadLetterReason::kInvalidUtf8,
                name + " has a \\u escape with a lone surrogate (not encodable as UTF-8)"};
      }
      return {DeadLetterReason::kMalformedJson, name + " has an invalid escape sequence"};
    }
    case simdjson::UTF8_ERROR:
      return {DeadLetterReason::kInvalidUtf8, name + " is not valid UTF-8"};
    default:
      return {DeadLetterReason::kMalformedJson,
              name + ": not valid JSON: " + simdjson::error_message(code)};
  }
}

DecodeError wrong_type(std::string_view field, const char* expected, od::json_type got) {
  return {DeadLetterReason::kWrongType,
          "field '" + std::string(field) + "' must be " + expected + ", got " + type_name(got)};
}

bool read_string(od::value& v, od::json_type t, std::string_view field, std::string_view& out,
                 DecodeError& err) {
  if (t != od::json_type::string) {
    err = wrong_type(field, "a string", t);
    return false;
  }
  if (auto code = v.get_string().get(out)) {
    err = field_error(code, field, v);
    return false;
  }
  return true;
}

bool read_number(od::value& v, od::json_type t, std::string_view field, double& out,
                 DecodeError& err) {
  if (t == od::json_type::number) {
    if (auto code = v.get_double().get(out)) {
      err = field_error(code, field, v);
      return false;
    }
    return true;
  }
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto code = v.get_string().get(s)) {
      err = field_error(code, field, v);
      return false;
    }
    if (!parse_double(s, out)) {
      err = {DeadLetterReason::kWrongType, "field '" + std::string(field) +
                                               "' is a string that is not a number: \"" +
                                               excerpt(s) + "\""};
      return false;
    }
    return true;
  }
  err = wrong_type(field, "a number or a numeric string", t);
  return false;
}

bool epoch_to_event_time(double v, EventTime& out) {
  if (!std::isfinite(v) || v < 0) return false;
  double ms;
  if (v < 1e11) {
    ms = v * 1e3;
  } else if (v < 1e14) {
    ms = v;
  } else if (v < 1e17) {
    ms = v / 1e3;
  } else {
    ms = v / 1e6;
  }
  // The small nudge keeps 1714573805.123 s (stored as ...122.9999 ms) on the millisecond it names.
  ms = std::floor(ms + 1e-3);
  if (!(ms < static_cast<double>(kEndEventMillis))) return false;
  out = EventTime(static_cast<int64_t>(ms));
  return true;
}

bool read_time(od::value& v, od::json_type t, std::string_view field, EventTime& out,
               DecodeError& err) {
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto code = v.get_string().get(s)) {
      err = field_error(code, field, v);
      return false;
    }
    if (auto parsed = parse_iso8601_millis(trim(s))) {
      // An offset can move a well-formed time out of the supported range.
      if (!is_supported_event_time(*parsed)) {
        err = {DeadLetterReason::kBadTimestamp, "field '" + std::string(field) +
                                                    "' is outside the supported time range " +
                                                    kSupportedRange + ": \"" + excerpt(s) + "\""};
        return false;
      }
      out = EventTime(*parsed);
      return true;
    }
    double num;
    if (parse_double(s, num) && epoch_to_event_time(num, out)) return true;
    err = {DeadLetterReason::kBadTimestamp,
           "field '" + std::string(field) + "' is not a timestamp: \"" + excerpt(s) + "\""};
    return false;
  }
  if (t == od::json_type::number) {
    double num;
    if (v.get_double().get(num)) {
      err = {DeadLetterReason::kBadTimestamp,
             "field '" + std::string(field) + "' is not a representable number"};
      return false;
    }
    if (epoch_to_event_time(num, out)) return true;
    err = {DeadLetterReason::kBadTimestamp, "field '" + std::string(field) +
                                                "' is not an epoch time in the supported range " +
                                                kSupportedRange + ": " + std::to_string(num)};
    return false;
  }
  err = wrong_type(field, "an ISO-8601 string or an epoch number", t);
  return false;
}

}  // namespace stockpulse::decode_internal
