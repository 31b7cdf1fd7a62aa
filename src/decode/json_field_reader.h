#pragma once

// Internal to src/decode: helpers shared by PostDecoder and BarDecoder. Includes simdjson.h, so
// only the decoders' .cc files include it.

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/named_type.h"
#include "decode/decode_error.h"

namespace stockpulse::decode_internal {

namespace od = simdjson::ondemand;

// Copies `json` into `scratch` with kJsonPadding spare bytes after it, so the decoders can parse
// text that came without padding. A record over max_bytes is left as it is: it is rejected by
// open_record without being copied.
std::string_view padded_copy(std::string_view json, size_t max_bytes, std::string& scratch);

// The start of every decode: the size limit, the document, and its top-level object. On failure
// `error` says why (too large, malformed, not an object) and false is returned.
bool open_record(od::parser& parser, std::string_view in, size_t max_bytes, od::document& doc,
                 od::object& obj, DecodeError& error);

// Turns a simdjson error met at document level (iterate, get_object, the field loop) into a
// DecodeError. `input` is the whole record, used to locate bad UTF-8 for the detail.
DecodeError document_error(simdjson::error_code code, std::string_view input);

// Turns a simdjson error met while reading field `field` into a DecodeError.
DecodeError field_error(simdjson::error_code code, std::string_view field, od::value& value);

// "field 'x' must be a string, got number"
DecodeError wrong_type(std::string_view field, const char* expected, od::json_type got);

const char* type_name(od::json_type t);

// Reads a JSON string into out (a view into the parser's string buffer, valid until the next
// document). Returns false and fills err otherwise.
bool read_string(od::value& v, od::json_type t, std::string_view field, std::string_view& out,
                 DecodeError& err);

// Reads a number given as a JSON number or as a JSON string holding one ("123.4", " 1e3 ").
// Does not judge the value: NaN and infinities ("nan", "inf" in strings) are returned as such so
// that the caller can reject them with a reason that names the field.
bool read_number(od::value& v, od::json_type t, std::string_view field, double& out,
                 DecodeError& err);

// Reads a timestamp: an ISO-8601 string (parse_iso8601), or epoch time as a JSON number or a
// numeric string, whose unit is decided by magnitude (see epoch_to_event_time).
bool read_time(od::value& v, od::json_type t, std::string_view field, EventTime& out,
               DecodeError& err);

// Epoch number to milliseconds, unit by magnitude: below 1e11 seconds (1e11 s is the year 5138,
// and 1e11 ms only 1973-03-03, so no real time in either unit is ambiguous), below 1e14
// milliseconds, below 1e17 microseconds, else nanoseconds. Fractions are floored to the
// millisecond. Rejects negatives, non-finite values and anything after 9999-12-31.
bool epoch_to_event_time(double v, EventTime& out);

// Called after the field loop: true when the object just read is the whole input. simdjson 3.0's
// On-Demand API checks that a root object ends with '}' but accepts `{...}{...}` (two records
// glued together), which would silently drop the second one; this rejects it as kMalformedJson.
bool object_ends_input(od::object& obj, std::string_view input, DecodeError& err);

// At most `max` bytes of s, cut at a character boundary, for quoting values in details.
std::string excerpt(std::string_view s, size_t max = 40);

}  // namespace stockpulse::decode_internal
