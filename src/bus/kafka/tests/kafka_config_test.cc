#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "bus/kafka/kafka_config.h"

namespace stockpulse {
namespace {

std::string get(rd_kafka_conf_t* conf, const char* name) {
  char buf[512];
  size_t size = sizeof buf;
  if (rd_kafka_conf_get(conf, name, buf, &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return buf;
}

class KafkaConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    ::unsetenv(kSaslUsernameEnv);
    ::unsetenv(kSaslPasswordEnv);
  }
};

TEST_F(KafkaConfigTest, BrokersDefaultsThenPropertiesWin) {
  KafkaConnection c{"127.0.0.1:9092", {{"linger.ms", "50"}}};
  auto conf = make_kafka_conf(c, {{"linger.ms", "5"}, {"acks", "all"}});
  ASSERT_TRUE(conf.ok()) << conf.error();
  EXPECT_EQ(get(conf.value().get(), "bootstrap.servers"), "127.0.0.1:9092");
  EXPECT_EQ(get(conf.value().get(), "linger.ms"), "50");
  EXPECT_EQ(get(conf.value().get(), "acks"), "-1");  // librdkafka spells "all" as -1
  EXPECT_EQ(get(conf.value().get(), "security.protocol"), "plaintext");
}

TEST_F(KafkaConfigTest, RejectsMissingBrokersAndBadProperties) {
  EXPECT_FALSE(make_kafka_conf(KafkaConnection{}, {}).ok());
  auto bad = make_kafka_conf(KafkaConnection{"h:1", {{"no.such.property", "1"}}}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("no.such.property"), std::string::npos);
}

TEST_F(KafkaConfigTest, CredentialsAreRefusedAsProperties) {
  auto r = make_kafka_conf(KafkaConnection{"h:1", {{"sasl.password", "hunter2"}}}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().find("hunter2"), std::string::npos);
  EXPECT_NE(r.error().find(kSaslPasswordEnv), std::string::npos);
}

TEST_F(KafkaConfigTest, CredentialsComeFromTheEnvironment) {
  ::setenv(kSaslUsernameEnv, "alice", 1);
  ::setenv(kSaslPasswordEnv, "s3cr3t-value", 1);
  auto conf = make_kafka_conf(KafkaConnection{"h:1", {}}, {});
  ASSERT_TRUE(conf.ok()) << conf.error();
  EXPECT_EQ(get(conf.value().get(), "sasl.username"), "alice");
  EXPECT_EQ(get(conf.value().get(), "security.protocol"), "sasl_ssl");
  EXPECT_EQ(get(conf.value().get(), "sasl.mechanisms"), "PLAIN");

  // The user may choose the protocol and mechanism, but not pass credentials another way.
  auto plain = make_kafka_conf(
      KafkaConnection{
          "h:1", {{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanisms", "SCRAM-SHA-256"}}},
      {});
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_EQ(get(plain.value().get(), "security.protocol"), "sasl_plaintext");
  EXPECT_EQ(get(plain.value().get(), "sasl.mechanisms"), "SCRAM-SHA-256");
}

TEST_F(KafkaConfigTest, HalfTheCredentialsIsAnErrorThatDoesNotEchoThem) {
  ::setenv(kSaslPasswordEnv, "only-the-password", 1);
  auto r = make_kafka_conf(KafkaConnection{"h:1", {}}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().find("only-the-password"), std::string::npos);
  EXPECT_NE(r.error().find(kSaslUsernameEnv), std::string::npos);
}

}  // namespace
}  // namespace stockpulse
