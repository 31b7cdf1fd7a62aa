#pragma once

#include <string>
#include <string_view>

#include "common/rows.h"
#include "notify/webhook_config.h"

namespace stockpulse {

// The idempotency key of an alert: 16 hex digits of FNV-1a 64 over (symbol, kind, ts in ms),
// prefixed "sp-". The same alert always has the same key, whoever raises it and however often
// (a retry, a re-run after a restart), so a receiver that has seen a key can drop the copy, and
// the delivery log recognises alerts delivered before a restart. Sent as the `Idempotency-Key`
// header and inside every payload.
std::string alert_idempotency_key(const AlertRow& alert);

// The request body for one alert:
// - slack: {"text": summary, "blocks": [section with the message, context with time, value and
//   key]} (Slack incoming webhooks; `text` is the notification fallback);
// - discord: {"content": summary, "embeds": [{title, description, timestamp, color by severity,
//   fields, footer with the key}]} (Discord webhooks);
// - json: {"idempotency_key", "symbol", "ts", "kind", "severity", "message", "value"}, value null
//   when not finite.
std::string webhook_payload(WebhookKind kind, const AlertRow& alert, std::string_view key);

}  // namespace stockpulse
