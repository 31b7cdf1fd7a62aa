#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stockpulse {

// Where `stockpulse produce` writes, parsed from --to:
//   kafka://HOST:PORT[,HOST:PORT...][/TOPIC]   Kafka brokers and an optional topic
//   stdout                                     JSON lines on standard output
//   file:PATH                                  JSON lines in a file (created or truncated)
struct ProduceTarget {
  enum class Kind : uint8_t { kKafka, kStdout, kFile };
  Kind kind = Kind::kStdout;
  std::string brokers;  // kKafka
  std::string topic;    // kKafka; empty when the URL names none
  std::string path;     // kFile

  // The target as the user would write it (brokers included, nothing secret in it).
  std::string describe() const;
};

Result<ProduceTarget, std::string> parse_produce_target(std::string_view spec);

}  // namespace stockpulse
