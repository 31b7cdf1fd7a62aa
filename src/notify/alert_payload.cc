#include "notify/alert_payload.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

#include "common/time_format.h"
#include "decode/json_encoder.h"

namespace stockpulse {
namespace {

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

void append_number(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// "[WARNING] AAPL trend_signal_change: trend signal ..."
std::string summary(const AlertRow& a) {
  return fmt::format("[{}] {} {}: {}", upper(alert_severity_name(a.severity)), a.symbol, a.kind,
                     a.message);
}

// Discord embed colours (RGB as an integer) by severity.
int severity_color(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::kInfo:
      return 0x3498db;
    case AlertSeverity::kWarning:
      return 0xf1c40f;
    case AlertSeverity::kCritical:
      return 0xe74c3c;
  }
  return 0x3498db;
}

}  // namespace

std::string alert_idempotency_key(const AlertRow& alert) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv1a(h, alert.symbol);
  h = fnv1a(h, std::string_view("\0", 1));
  h = fnv1a(h, alert.kind);
  h = fnv1a(h, std::string_view("\0", 1));
  h = fnv1a(h, std::to_string(alert.ts.value()));
  return fmt::format("sp-{:016x}", h);
}

std::string webhook_payload(WebhookKind kind, const AlertRow& a, std::string_view key) {
  const std::string ts = format_iso8601(a.ts);
  const char* severity = alert_severity_name(a.severity);
  std::string out;
  switch (kind) {
    case WebhookKind::kSlack: {
      out += "{\"text\":";
      append_json_string(summary(a), out);
      out += ",\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":";
      append_json_string(
          fmt::format("*{}* `{}` {}\n{}", upper(severity), a.symbol, a.kind, a.message), out);
      out += "}},{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",\"text\":";
      std::string value;
      append_number(a.value, value);
      append_json_string(fmt::format("{} | value {} | idempotency key {}", ts, value, key), out);
      out += "}]}]}";
      break;
    }
    case WebhookKind::kDiscord: {
      out += "{\"content\":";
      append_json_string(summary(a), out);
      out += ",\"embeds\":[{\"title\":";
      append_json_string(fmt::format("{} {} ({})", a.symbol, a.kind, severity), out);
      out += ",\"description\":";
      append_json_string(a.message, out);
      out += ",\"timestamp\":";
      append_json_string(ts, out);
      fmt::format_to(std::back_inserter(out), ",\"color\":{}", severity_color(a.severity));
      out += ",\"fields\":[{\"name\":\"severity\",\"value\":";
      append_json_string(severity, out);
      out += ",\"inline\":true},{\"name\":\"value\",\"value\":";
      std::string value;
      append_number(a.value, value);
      append_json_string(value, out);
      out += ",\"inline\":true}],\"footer\":{\"text\":";
      append_json_string(fmt::format("idempotency key {}", key), out);
      out += "}}]}";
      break;
    }
    case WebhookKind::kJson: {
      out += "{\"idempotency_key\":";
      append_json_string(key, out);
      out += ",\"symbol\":";
      append_json_string(a.symbol, out);
      out += ",\"ts\":";
      append_json_string(ts, out);
      out += ",\"kind\":";
      append_json_string(a.kind, out);
      out += ",\"severity\":";
      append_json_string(severity, out);
      out += ",\"message\":";
      append_json_string(a.message, out);
      out += ",\"value\":";
      append_number(a.value, out);
      out += '}';
      break;
    }
  }
  return out;
}

}  // namespace stockpulse
