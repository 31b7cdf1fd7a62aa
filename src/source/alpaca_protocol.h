#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/events.h"

namespace stockpulse {

// A control message of Alpaca's market-data v2 stream: {"T":"success","msg":"authenticated"},
// {"T":"error","code":402,"msg":"auth failed"}, {"T":"subscription","bars":[...]}.
struct AlpacaControl {
  std::string type;  // "success", "error", "subscription"
  int code = 0;      // for errors
  std::string msg;
  std::vector<std::string> bars;  // for subscriptions
};

struct AlpacaFrame {
  std::vector<Bar> bars;
  std::vector<AlpacaControl> controls;
  int malformed = 0;  // entries (or the whole frame) that could not be read
};

// Parses one text frame (a JSON array of messages, or a single object) into bars ("T":"b" with
// S, o, h, l, c, v, t, and optional n, vw) and control messages. Other message types (trades,
// quotes, statuses) are ignored. Free function, no state.
AlpacaFrame parse_alpaca_frame(std::string_view json);

// {"action":"auth","key":...,"secret":...}
std::string alpaca_auth_message(std::string_view key, std::string_view secret);
// {"action":"subscribe","bars":[...]}
std::string alpaca_subscribe_message(const std::vector<std::string>& symbols);

}  // namespace stockpulse
