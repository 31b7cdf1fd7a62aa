#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/rows.h"
#include "notify/delivery_log.h"
#include "notify/webhook_config.h"
#include "serve/metrics_source.h"

namespace stockpulse {

// Counters of one webhook (exported on /metrics with the label webhook="<name>").
struct WebhookCounters {
  std::atomic<uint64_t> delivered{0};  // a 2xx answer
  std::atomic<uint64_t> retried{0};    // attempts after the first
  std::atomic<uint64_t> failed{0};     // dead letters after the attempts, a 4xx, or shutdown
  std::atomic<uint64_t> dropped{0};    // dead letters because the queue was full
  std::atomic<uint64_t> skipped{0};    // delivered before (delivery log): not sent again
};

// Why an alert became a dead letter instead of reaching its webhook.
enum class DeliveryFailure : uint8_t {
  kQueueFull,         // the webhook's queue held queue_capacity alerts already
  kRejected,          // a 4xx other than 408 / 429: sending it again cannot help
  kRetriesExhausted,  // max_attempts attempts, each a 5xx, 408, 429 or transport error
  kShutdown,          // still queued or waiting to retry when close()'s drain time ran out
};
const char* delivery_failure_name(DeliveryFailure f);  // "queue_full", "rejected", ...

// Delivers alerts to the webhooks of `[[alerts.webhooks]]`, off the pipeline's hot path: each
// webhook has a bounded queue and a thread of its own that POSTs one alert at a time (Slack,
// Discord or generic JSON payload, alert_payload.h) with the header `Idempotency-Key`, waits for
// the webhook's rate limit (a token bucket of max_per_minute), and retries 5xx, 408, 429 and
// transport errors (refused, timeout) with exponential back-off and jitter, honouring a 429's
// Retry-After (seconds) up to backoff_max_ms. A 2xx is delivered and recorded in the delivery
// log, so a restart does not deliver it again; an alert that cannot be delivered is a dead
// letter (one JSON line: webhook, reason, detail, attempts, idempotency key and the alert),
// counted by reason. The URLs come from the environment variables the configuration names and
// are never written anywhere: transport errors are reported with the URL replaced by the
// webhook's name.
//
// Lifecycle: construct (throws std::runtime_error with the fix when a variable is unset or not
// an http(s) URL, or a file cannot be opened), publish() any number of times, close() (or the
// destructor) to drain the queues for up to drain_timeout and stop the threads.
// Thread-safety: publish(), counters and write_prometheus() may be called from any thread.
class AlertNotifier final : public MetricsSource {
 public:
  struct Options {
    NotifyOptions notify;
    std::string dead_letter_path;
    std::string delivery_log_path;
    std::chrono::milliseconds drain_timeout{10000};
    // Where the URLs come from; tests may inject their own. Default: std::getenv.
    const char* (*getenv)(const char*) = nullptr;
  };
  AlertNotifier(std::vector<WebhookConfig> webhooks, Options options);
  ~AlertNotifier() override;
  AlertNotifier(const AlertNotifier&) = delete;
  AlertNotifier& operator=(const AlertNotifier&) = delete;

  // Queues each alert for every webhook whose severity and symbol filters it passes. Never
  // blocks on the network: a full queue makes the alert a `queue_full` dead letter.
  void publish(std::span<const AlertRow> alerts);
  // Waits until every queue is empty and no delivery is in flight, or drain_timeout passed (then
  // what is left becomes `shutdown` dead letters), and stops the threads. Idempotent.
  void close();

  size_t webhook_count() const { return workers_.size(); }
  const WebhookCounters& counters(size_t webhook) const;
  // Dead letters written since construction.
  uint64_t dead_letters() const { return dead_letters_.load(); }

  void write_prometheus(std::string& out) const override;

 private:
  class Worker;
  friend class Worker;
  void dead_letter(const WebhookConfig& w, const AlertRow& alert, const std::string& key,
                   DeliveryFailure reason, const std::string& detail, int attempts);

  Options options_;
  std::unique_ptr<DeliveryLog> log_;
  std::mutex dead_mu_;
  std::FILE* dead_file_ = nullptr;
  std::atomic<uint64_t> dead_letters_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  bool closed_ = false;
};

}  // namespace stockpulse
