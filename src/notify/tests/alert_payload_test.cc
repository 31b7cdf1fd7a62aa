#include "notify/alert_payload.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>

namespace stockpulse {
namespace {

AlertRow alert() {
  AlertRow a;
  a.symbol = "BRK.B";
  a.ts = EventTime(1714572300000);  // 2024-05-01T14:05:00.000Z
  a.kind = "trend_signal_change";
  a.message = "trend signal \"BULLISH\" -> BEARISH\n(test)";
  a.value = 0;
  a.severity = AlertSeverity::kCritical;
  return a;
}

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& json) {
  auto doc = p.parse(json);
  EXPECT_FALSE(doc.error()) << json;
  return doc.value();
}

TEST(AlertPayload, IdempotencyKeyIsStableAndDistinguishesAlerts) {
  const AlertRow a = alert();
  const std::string key = alert_idempotency_key(a);
  EXPECT_EQ(key.size(), 3u + 16u);
  EXPECT_EQ(key.rfind("sp-", 0), 0u);
  AlertRow copy = a;
  copy.message = "other text";  // the key is (symbol, kind, ts): the message does not count
  copy.severity = AlertSeverity::kInfo;
  EXPECT_EQ(alert_idempotency_key(copy), key);
  AlertRow later = a;
  later.ts = EventTime(a.ts.value() + 60000);
  AlertRow other_kind = a;
  other_kind.kind = "sentiment_spike";
  AlertRow other_symbol = a;
  other_symbol.symbol = "BRK.A";
  EXPECT_NE(alert_idempotency_key(later), key);
  EXPECT_NE(alert_idempotency_key(other_kind), key);
  EXPECT_NE(alert_idempotency_key(other_symbol), key);
}

TEST(AlertPayload, GenericJsonCarriesTheAlertAndItsKey) {
  simdjson::dom::parser p;
  const AlertRow a = alert();
  const std::string body = webhook_payload(WebhookKind::kJson, a, "sp-k");
  auto doc = parse(p, body);
  EXPECT_EQ(std::string_view(doc["idempotency_key"]), "sp-k");
  EXPECT_EQ(std::string_view(doc["symbol"]), "BRK.B");
  EXPECT_EQ(std::string_view(doc["ts"]), "2024-05-01T14:05:00.000Z");
  EXPECT_EQ(std::string_view(doc["kind"]), "trend_signal_change");
  EXPECT_EQ(std::string_view(doc["severity"]), "critical");
  EXPECT_EQ(std::string_view(doc["message"]), a.message);
  EXPECT_EQ(double(doc["value"]), 0.0);
  AlertRow nan = a;
  nan.value = std::numeric_limits<double>::quiet_NaN();
  auto doc2 = parse(p, webhook_payload(WebhookKind::kJson, nan, "k"));
  EXPECT_TRUE(doc2["value"].is_null());
}

TEST(AlertPayload, SlackAndDiscordShapes) {
  simdjson::dom::parser p;
  const AlertRow a = alert();
  {
    auto doc = parse(p, webhook_payload(WebhookKind::kSlack, a, "sp-abc"));
    const std::string_view text = doc["text"];
    EXPECT_NE(text.find("[CRITICAL] BRK.B trend_signal_change"), std::string_view::npos) << text;
    simdjson::dom::array blocks = doc["blocks"];
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(std::string_view(blocks.at(0)["type"]), "section");
    EXPECT_EQ(std::string_view(blocks.at(0)["text"]["type"]), "mrkdwn");
    const std::string_view context = blocks.at(1)["elements"].at(0)["text"];
    EXPECT_NE(context.find("sp-abc"), std::string_view::npos) << context;
  }
  {
    auto doc = parse(p, webhook_payload(WebhookKind::kDiscord, a, "sp-abc"));
    EXPECT_NE(std::string_view(doc["content"]).find("BRK.B"), std::string_view::npos);
    simdjson::dom::array embeds = doc["embeds"];
    ASSERT_EQ(embeds.size(), 1u);
    auto e = embeds.at(0);
    EXPECT_EQ(std::string_view(e["description"]), a.message);
    EXPECT_EQ(std::string_view(e["timestamp"]), "2024-05-01T14:05:00.000Z");
    EXPECT_EQ(int64_t(e["color"]), 0xe74c3c);
    EXPECT_NE(std::string_view(e["footer"]["text"]).find("sp-abc"), std::string_view::npos);
  }
}

}  // namespace
}  // namespace stockpulse
