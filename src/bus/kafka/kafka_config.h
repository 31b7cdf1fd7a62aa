#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace stockpulse {

// The success value of Kafka operations that return nothing but may fail:
// Result<KafkaOk, std::string>.
struct KafkaOk {};

struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
// An owned librdkafka configuration (until rd_kafka_new takes it over).
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;

// librdkafka properties as (name, value) pairs, applied in order.
using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// Where a client connects and anything it wants to set beyond our defaults.
struct KafkaConnection {
  // "host:port[,host:port...]", e.g. the bootstraps of a MockKafkaCluster.
  std::string brokers;
  // Extra librdkafka properties, applied after the client's defaults so they win. Credentials
  // (sasl.username, sasl.password) are refused here: they come only from the environment.
  KafkaProperties properties;
};

// Environment variables that carry SASL credentials. Never logged, never put in error messages.
inline constexpr const char* kSaslUsernameEnv = "KAFKA_SASL_USERNAME";
inline constexpr const char* kSaslPasswordEnv = "KAFKA_SASL_PASSWORD";

// Builds a librdkafka configuration: bootstrap.servers from `connection.brokers`, then
// `defaults` (the client's own settings), then `connection.properties`, then SASL credentials if
// KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD are set. With credentials, security.protocol defaults
// to SASL_SSL and sasl.mechanisms to PLAIN unless the properties say otherwise. Errors name the
// property but never echo a credential.
Result<RdKafkaConfPtr, std::string> make_kafka_conf(const KafkaConnection& connection,
                                                    const KafkaProperties& defaults);

}  // namespace stockpulse
