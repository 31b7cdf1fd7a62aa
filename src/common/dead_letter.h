#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/named_type.h"

namespace stockpulse {

// Why a record left the main stream. Switch over it without `default` so a new reason cannot be
// forgotten by a consumer.
enum class DeadLetterReason : uint8_t {
  kMalformedJson,  // not JSON, truncated, or not an object
  kWrongType,      // a field has the wrong JSON type
  kMissingField,   // a required field is absent
  kBadTimestamp,   // the time field does not parse
  kInvalidNumber,  // NaN, infinite, negative volume, high < low, ...
  kInvalidUtf8,    // text is not valid UTF-8
  kTooLarge,       // record or text over its size limit
  kLate,           // event time behind the watermark
  kKeyLimit,       // the window engine's key cap was reached
  kDuplicate,      // a post already seen (same id), or a retweet of one (sources.dedupe)
};

// Number of DeadLetterReason values, for arrays indexed by reason.
constexpr size_t kDeadLetterReasonCount = 10;

inline const char* reason_name(DeadLetterReason r) {
  switch (r) {
    case DeadLetterReason::kMalformedJson:
      return "malformed_json";
    case DeadLetterReason::kWrongType:
      return "wrong_type";
    case DeadLetterReason::kMissingField:
      return "missing_field";
    case DeadLetterReason::kBadTimestamp:
      return "bad_timestamp";
    case DeadLetterReason::kInvalidNumber:
      return "invalid_number";
    case DeadLetterReason::kInvalidUtf8:
      return "invalid_utf8";
    case DeadLetterReason::kTooLarge:
      return "too_large";
    case DeadLetterReason::kLate:
      return "late";
    case DeadLetterReason::kKeyLimit:
      return "key_limit";
    case DeadLetterReason::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

// A record that could not go on, with where it came from and why. `payload` holds at most
// kMaxDeadLetterPayload bytes of the original record; `payload_size` is its full size.
struct DeadLetter {
  std::string stream;  // "tweets" or "stock-prices"
  PartitionId partition;
  Offset offset;
  DeadLetterReason reason;
  std::string detail;  // human-readable, e.g. "field 'close' is NaN"
  std::string payload;
  uint64_t payload_size = 0;
};

constexpr size_t kMaxDeadLetterPayload = 4096;

}  // namespace stockpulse
