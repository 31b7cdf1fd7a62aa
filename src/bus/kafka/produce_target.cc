#include "bus/kafka/produce_target.h"

#include <fmt/format.h>

namespace stockpulse {

std::string ProduceTarget::describe() const {
  switch (kind) {
    case Kind::kKafka:
      return topic.empty() ? fmt::format("kafka://{}", brokers)
                           : fmt::format("kafka://{}/{}", brokers, topic);
    case Kind::kStdout:
      return "stdout";
    case Kind::kFile:
      return fmt::format("file:{}", path);
  }
  return "?";
}

Result<ProduceTarget, std::string> parse_produce_target(std::string_view spec) {
  ProduceTarget t;
  if (spec == "stdout" || spec == "-") {
    t.kind = ProduceTarget::Kind::kStdout;
    return t;
  }
  constexpr std::string_view kFile = "file:";
  if (spec.starts_with(kFile)) {
    t.kind = ProduceTarget::Kind::kFile;
    t.path = std::string(spec.substr(kFile.size()));
    if (t.path.empty()) return Err(std::string("file: needs a path, e.g. file:out.jsonl"));
    return t;
  }
  constexpr std::string_view kKafka = "kafka://";
  if (spec.starts_with(kKafka)) {
    t.kind = ProduceTarget::Kind::kKafka;
    std::string_view rest = spec.substr(kKafka.size());
    const size_t slash = rest.find('/');
    t.brokers = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) t.topic = std::string(rest.substr(slash + 1));
    if (t.brokers.empty()) {
      return Err(fmt::format("'{}': no brokers (kafka://HOST:PORT/TOPIC)", spec));
    }
    if (t.brokers.find('@') != std::string::npos) {
      // Credentials in URLs end up in shell history and process lists.
      return Err(std::string(
          "credentials do not go in the URL: set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"));
    }
    if (t.topic.find('/') != std::string::npos) {
      return Err(fmt::format("'{}': a topic name cannot contain '/'", spec));
    }
    return t;
  }
  return Err(fmt::format("--to '{}': expected kafka://HOST:PORT/TOPIC, stdout or file:PATH", spec));
}

}  // namespace stockpulse
