#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/rows.h"

namespace stockpulse {

// The payload a webhook receives: Slack's incoming-webhook message ({"text", "blocks"}),
// Discord's ({"content", "embeds"}), or the alert as a generic JSON object.
enum class WebhookKind : uint8_t { kSlack, kDiscord, kJson };

inline const char* webhook_kind_name(WebhookKind k) {
  switch (k) {
    case WebhookKind::kSlack:
      return "slack";
    case WebhookKind::kDiscord:
      return "discord";
    case WebhookKind::kJson:
      return "json";
  }
  return "json";
}

inline std::optional<WebhookKind> parse_webhook_kind(std::string_view s) {
  if (s == "slack") return WebhookKind::kSlack;
  if (s == "discord") return WebhookKind::kDiscord;
  if (s == "json") return WebhookKind::kJson;
  return std::nullopt;
}

// One `[[alerts.webhooks]]` entry. The URL itself is a secret (a Slack or Discord webhook URL
// carries its token in the path): the configuration names the environment variable that holds
// it, and nothing logs it.
struct WebhookConfig {
  std::string name;  // in logs, metrics and dead letters; "" -> "webhook-<index>"
  WebhookKind kind = WebhookKind::kJson;
  std::string url_env;  // environment variable holding the http:// or https:// URL (required)
  AlertSeverity min_severity = AlertSeverity::kWarning;
  std::vector<std::string> symbols;  // only these symbols; empty: every symbol
  double max_per_minute = 20;        // rate limit (token bucket, burst of the same size)
  int64_t timeout_ms = 5000;         // one request, connect included
  int64_t max_attempts = 6;          // then the alert is a dead letter
  int64_t backoff_initial_ms = 500;  // doubled per attempt, with jitter, up to backoff_max_ms
  int64_t backoff_max_ms = 60000;    // also the longest Retry-After honoured
};

// The delivery side of `[alerts]`.
struct NotifyOptions {
  int64_t queue_capacity = 1024;  // alerts waiting per webhook; beyond: dead letter `queue_full`
  std::string dead_letter;        // "" -> <output_dir>/alert_dead_letter.jsonl
  std::string delivery_log;       // "" -> <output_dir>/alert_deliveries.log
  int64_t delivery_log_max_keys = 100000;  // keys of delivered alerts remembered on restart
  // At the end of a run, how long the queues may take to drain (rate limits and retries
  // included); what is left then is a `shutdown` dead letter, delivered by a re-run.
  int64_t drain_timeout_s = 10;
};

}  // namespace stockpulse
