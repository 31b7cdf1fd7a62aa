#include "bus/kafka/kafka_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <optional>
#include <string_view>

namespace stockpulse {

namespace {

bool is_credential(std::string_view name) {
  return name == "sasl.username" || name == "sasl.password" || name == "sasl.oauthbearer.config";
}

bool has_property(const KafkaProperties& props, std::string_view name) {
  for (const auto& [k, v] : props) {
    if (k == name) return true;
  }
  return false;
}

// Sets one property. librdkafka's error text may quote the value, so for credentials we return
// only the property name.
std::optional<std::string> set(rd_kafka_conf_t* conf, const std::string& name,
                               const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    if (is_credential(name)) return fmt::format("cannot set {}", name);
    return fmt::format("cannot set {}: {}", name, errstr);
  }
  return std::nullopt;
}

}  // namespace

Result<RdKafkaConfPtr, std::string> make_kafka_conf(const KafkaConnection& connection,
                                                    const KafkaProperties& defaults) {
  if (connection.brokers.empty()) return Err(std::string("no Kafka brokers given"));
  for (const auto& [k, v] : connection.properties) {
    if (is_credential(k)) {
      return Err(fmt::format("{} cannot be given as a property; set {} and {} instead", k,
                             kSaslUsernameEnv, kSaslPasswordEnv));
    }
  }
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  if (auto e = set(conf.get(), "bootstrap.servers", connection.brokers)) return Err(*e);
  for (const auto& [k, v] : defaults) {
    if (auto e = set(conf.get(), k, v)) return Err(*e);
  }
  for (const auto& [k, v] : connection.properties) {
    if (auto e = set(conf.get(), k, v)) return Err(*e);
  }

  const char* user = std::getenv(kSaslUsernameEnv);
  const char* password = std::getenv(kSaslPasswordEnv);
  const bool has_user = user != nullptr && *user != '\0';
  const bool has_password = password != nullptr && *password != '\0';
  if (has_user != has_password) {
    return Err(fmt::format("set both {} and {}, or neither", kSaslUsernameEnv, kSaslPasswordEnv));
  }
  if (has_user) {
    // Credentials over plaintext would expose them on the wire: TLS unless the user opts out.
    if (!has_property(connection.properties, "security.protocol")) {
      if (auto e = set(conf.get(), "security.protocol", "SASL_SSL")) return Err(*e);
    }
    if (!has_property(connection.properties, "sasl.mechanisms") &&
        !has_property(connection.properties, "sasl.mechanism")) {
      if (auto e = set(conf.get(), "sasl.mechanisms", "PLAIN")) return Err(*e);
    }
    if (auto e = set(conf.get(), "sasl.username", user)) return Err(*e);
    if (auto e = set(conf.get(), "sasl.password", password)) return Err(*e);
  }
  return conf;
}

}  // namespace stockpulse
