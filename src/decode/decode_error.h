#pragma once

#include <string>

#include "common/dead_letter.h"

namespace stockpulse {

// Why a record did not decode: the dead-letter reason and a human-readable detail that names the
// field and the problem, e.g. "field 'close' is NaN".
struct DecodeError {
  DeadLetterReason reason;
  std::string detail;
};

}  // namespace stockpulse
