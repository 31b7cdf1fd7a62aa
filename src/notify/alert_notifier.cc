#include "notify/alert_notifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "decode/json_encoder.h"
#include "notify/alert_payload.h"
#include "sink/http_client.h"

namespace stockpulse {

const char* delivery_failure_name(DeliveryFailure f) {
  switch (f) {
    case DeliveryFailure::kQueueFull:
      return "queue_full";
    case DeliveryFailure::kRejected:
      return "rejected";
    case DeliveryFailure::kRetriesExhausted:
      return "retries_exhausted";
    case DeliveryFailure::kShutdown:
      return "shutdown";
  }
  return "rejected";
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Retry-After in seconds (an integer or decimal); an HTTP date is not read (nullopt: back-off).
std::optional<milliseconds> retry_after(const HttpResponse& r) {
  const std::string v = r.header("retry-after");
  if (v.empty() || v.size() > 16) return std::nullopt;
  char* end = nullptr;
  const double s = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !std::isfinite(s) || s < 0) return std::nullopt;
  return milliseconds(static_cast<int64_t>(s * 1000));
}

// What to do after one attempt.
enum class Outcome { kDelivered, kRetry, kReject };

Outcome classify(long status) {
  if (status >= 200 && status < 300) return Outcome::kDelivered;
  if (status == 408 || status == 429 || status >= 500) return Outcome::kRetry;
  return Outcome::kReject;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  if (from.empty()) return s;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

}  // namespace

// One webhook: its queue, its thread, its rate limit.
class AlertNotifier::Worker {
 public:
  Worker(AlertNotifier& owner, WebhookConfig config, std::string url)
      : owner_(owner),
        config_(std::move(config)),
        url_(std::move(url)),
        symbols_(config_.symbols.begin(), config_.symbols.end()),
        tokens_(std::max(config_.max_per_minute, 1.0)),
        refilled_(Clock::now()),
        rng_(std::random_device{}()) {
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
  }

  ~Worker() { stop(); }

  bool wants(const AlertRow& a) const {
    return a.severity >= config_.min_severity && (symbols_.empty() || symbols_.contains(a.symbol));
  }

  void push(const AlertRow& a) {
    std::string key = alert_idempotency_key(a);
    if (owner_.log_->delivered(config_.name, key)) {
      counters_.skipped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (!closing_ && queue_.size() < static_cast<size_t>(owner_.options_.notify.queue_capacity)) {
        queue_.push_back(Item{a, std::move(key)});
        cv_.notify_all();
        return;
      }
    }
    counters_.dropped.fetch_add(1, std::memory_order_relaxed);
    owner_.dead_letter(
        config_, a, key, DeliveryFailure::kQueueFull,
        fmt::format("{} alerts queued already", owner_.options_.notify.queue_capacity), 0);
  }

  // Drain until empty and idle, or until `deadline`; then stop the thread.
  void drain(Clock::time_point deadline) {
    {
      std::unique_lock lock(mu_);
      closing_ = true;
      deadline_ = deadline;
      cv_.notify_all();
      cv_.wait_until(lock, deadline, [&] { return queue_.empty() && !busy_; });
    }
    stop();
  }

  const WebhookCounters& counters() const { return counters_; }
  const WebhookConfig& config() const { return config_; }

 private:
  struct Item {
    AlertRow alert;
    std::string key;
  };

  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    }
    thread_.join();
    // Whatever is still queued will not be sent by this run.
    std::deque<Item> left;
    {
      std::lock_guard lock(mu_);
      left.swap(queue_);
    }
    for (const Item& item : left) fail(item, DeliveryFailure::kShutdown, "not sent before exit", 0);
  }

  // Sleeps until `until`; false when the thread must stop (stop requested, or past the drain
  // deadline while closing).
  bool sleep_until(std::stop_token& st, Clock::time_point until) {
    std::unique_lock lock(mu_);
    while (!st.stop_requested()) {
      // close() may set a deadline while we sleep: it notifies, and the end is recomputed.
      const auto end = closing_ ? std::min(until, deadline_) : until;
      if (Clock::now() >= end) break;
      cv_.wait_until(lock, end);
    }
    return !st.stop_requested() && !past_deadline();
  }

  bool past_deadline() const { return closing_ && Clock::now() >= deadline_; }

  // Token bucket: max_per_minute tokens a minute, as many at most.
  bool take_token(std::stop_token& st) {
    const double capacity = std::max(config_.max_per_minute, 1.0);
    const double per_ms = config_.max_per_minute / 60000.0;
    for (;;) {
      const auto now = Clock::now();
      const double elapsed = std::chrono::duration<double, std::milli>(now - refilled_).count();
      tokens_ = std::min(capacity, tokens_ + elapsed * per_ms);
      refilled_ = now;
      if (tokens_ >= 1) {
        tokens_ -= 1;
        return true;
      }
      const auto wait = milliseconds(static_cast<int64_t>(std::ceil((1 - tokens_) / per_ms)));
      if (!sleep_until(st, now + wait)) return false;
    }
  }

  milliseconds backoff(int attempt) {
    // Exponential, capped, with "equal jitter": half fixed, half random, so retries of many
    // alerts spread out but never come sooner than half the step.
    const double step = std::min<double>(
        static_cast<double>(config_.backoff_max_ms),
        static_cast<double>(config_.backoff_initial_ms) * std::pow(2.0, attempt - 1));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return milliseconds(static_cast<int64_t>(step * jitter(rng_)));
  }

  void fail(const Item& item, DeliveryFailure reason, const std::string& detail, int attempts) {
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
    owner_.dead_letter(config_, item.alert, item.key, reason, detail, attempts);
  }

  // The URL is a secret: it never leaves this object, not even inside an error text.
  std::string redact(const std::string& text) const {
    return replace_all(text, url_, fmt::format("<url of webhook {}>", config_.name));
  }

  void deliver(const Item& item, std::stop_token& st) {
    // Queued twice (published again before the first copy was delivered): send it once.
    if (owner_.log_->delivered(config_.name, item.key)) {
      counters_.skipped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const std::string body = webhook_payload(config_.kind, item.alert, item.key);
    HttpRequest req;
    req.method = "POST";
    req.url = url_;
    req.body = body;
    req.headers = {"Content-Type: application/json", "Idempotency-Key: " + item.key,
                   "User-Agent: stockpulse-alerts",
                   // No "Expect: 100-continue" round trip before the body.
                   "Expect:"};
    req.connect_timeout_ms = config_.timeout_ms;
    req.timeout_ms = config_.timeout_ms;
    std::string last_error;
    for (int attempt = 1; attempt <= config_.max_attempts; ++attempt) {
      if (!take_token(st)) {
        fail(item, DeliveryFailure::kShutdown, "stopped while waiting for the rate limit",
             attempt - 1);
        return;
      }
      if (attempt > 1) counters_.retried.fetch_add(1, std::memory_order_relaxed);
      auto r = client_.send(req);
      std::optional<milliseconds> wait;
      if (!r.ok()) {
        last_error = redact(r.error());
      } else {
        switch (classify(r.value().status)) {
          case Outcome::kDelivered:
            owner_.log_->record(config_.name, item.key);
            counters_.delivered.fetch_add(1, std::memory_order_relaxed);
            return;
          case Outcome::kReject:
            fail(item, DeliveryFailure::kRejected, fmt::format("HTTP {}", r.value().status),
                 attempt);
            return;
          case Outcome::kRetry:
            last_error = fmt::format("HTTP {}", r.value().status);
            if (r.value().status == 429) wait = retry_after(r.value());
            break;
        }
      }
      if (attempt == config_.max_attempts) break;
      const milliseconds delay =
          wait ? std::min(*wait, milliseconds(config_.backoff_max_ms)) : backoff(attempt);
      if (!sleep_until(st, Clock::now() + delay)) {
        fail(item, DeliveryFailure::kShutdown,
             fmt::format("stopped while waiting to retry (last: {})", last_error), attempt);
        return;
      }
    }
    fail(item, DeliveryFailure::kRetriesExhausted,
         fmt::format("{} attempts, last: {}", config_.max_attempts, last_error),
         static_cast<int>(config_.max_attempts));
  }

  void run(std::stop_token st) {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return st.stop_requested() || !queue_.empty(); });
        if (st.stop_requested()) return;
        if (past_deadline()) return;  // stop() dead-letters what is left
        item = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
      deliver(item, st);
      {
        std::lock_guard lock(mu_);
        busy_ = false;
        cv_.notify_all();
      }
    }
  }

  AlertNotifier& owner_;
  const WebhookConfig config_;
  const std::string url_;
  const std::unordered_set<std::string> symbols_;
  WebhookCounters counters_;
  HttpClient client_;  // used by the worker thread only
  double tokens_;
  Clock::time_point refilled_;
  std::mt19937_64 rng_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool busy_ = false;
  bool closing_ = false;
  Clock::time_point deadline_{};
  std::jthread thread_;  // last: started after every member above exists
};

AlertNotifier::AlertNotifier(std::vector<WebhookConfig> webhooks, Options options)
    : options_(std::move(options)) {
  const char* (*getenv)(const char*) =
      options_.getenv ? options_.getenv
                      : +[](const char* n) -> const char* { return std::getenv(n); };
  std::vector<std::string> urls;
  for (const WebhookConfig& w : webhooks) {
    const char* url = getenv(w.url_env.c_str());
    if (!url || !*url) {
      throw std::runtime_error(fmt::format(
          "alerts: webhook '{}': the environment variable {} is not set; it must hold the "
          "webhook's URL (http:// or https://)",
          w.name, w.url_env));
    }
    const std::string_view u(url);
    if (!u.starts_with("http://") && !u.starts_with("https://")) {
      // Not even a part of the value is shown: it is meant to be a secret.
      throw std::runtime_error(fmt::format(
          "alerts: webhook '{}': {} does not hold an http:// or https:// URL", w.name, w.url_env));
    }
    urls.emplace_back(url);
  }
  log_ = std::make_unique<DeliveryLog>(options_.delivery_log_path,
                                       static_cast<size_t>(options_.notify.delivery_log_max_keys));
  const auto parent = std::filesystem::path(options_.dead_letter_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  dead_file_ = std::fopen(options_.dead_letter_path.c_str(), "a");
  if (!dead_file_) {
    throw std::runtime_error(fmt::format("alerts: cannot open the alert dead-letter file '{}'",
                                         options_.dead_letter_path));
  }
  for (size_t i = 0; i < webhooks.size(); ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, std::move(webhooks[i]), std::move(urls[i])));
  }
}

AlertNotifier::~AlertNotifier() {
  close();
  if (dead_file_) std::fclose(dead_file_);
}

void AlertNotifier::publish(std::span<const AlertRow> alerts) {
  for (const AlertRow& a : alerts) {
    for (auto& w : workers_) {
      if (w->wants(a)) w->push(a);
    }
  }
}

void AlertNotifier::close() {
  if (closed_) return;
  closed_ = true;
  const auto deadline = Clock::now() + options_.drain_timeout;
  for (auto& w : workers_) w->drain(deadline);
}

const WebhookCounters& AlertNotifier::counters(size_t webhook) const {
  return workers_.at(webhook)->counters();
}

void AlertNotifier::dead_letter(const WebhookConfig& w, const AlertRow& alert,
                                const std::string& key, DeliveryFailure reason,
                                const std::string& detail, int attempts) {
  std::string line = "{\"webhook\":";
  append_json_string(w.name, line);
  line += ",\"reason\":";
  append_json_string(delivery_failure_name(reason), line);
  line += ",\"detail\":";
  append_json_string(detail, line);
  fmt::format_to(std::back_inserter(line), ",\"attempts\":{},\"idempotency_key\":", attempts);
  append_json_string(key, line);
  line += ",\"alert\":";
  line += webhook_payload(WebhookKind::kJson, alert, key);
  line += "}\n";
  std::lock_guard lock(dead_mu_);
  std::fputs(line.c_str(), dead_file_);
  std::fflush(dead_file_);
  dead_letters_.fetch_add(1, std::memory_order_relaxed);
}

void AlertNotifier::write_prometheus(std::string& out) const {
  struct Family {
    const char* name;
    const char* help;
    std::atomic<uint64_t> WebhookCounters::*field;
  };
  static constexpr Family kFamilies[] = {
      {"stockpulse_alert_webhook_delivered_total", "Alerts delivered (2xx) per webhook.",
       &WebhookCounters::delivered},
      {"stockpulse_alert_webhook_retried_total", "Delivery attempts after the first.",
       &WebhookCounters::retried},
      {"stockpulse_alert_webhook_failed_total",
       "Alerts dead-lettered after their attempts, on a 4xx, or at shutdown.",
       &WebhookCounters::failed},
      {"stockpulse_alert_webhook_dropped_total", "Alerts dead-lettered because the queue was full.",
       &WebhookCounters::dropped},
      {"stockpulse_alert_webhook_skipped_total",
       "Alerts not sent because the delivery log shows them delivered before.",
       &WebhookCounters::skipped},
  };
  for (const Family& f : kFamilies) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n", f.name, f.help,
                   f.name);
    for (const auto& w : workers_) {
      std::string label;
      // Prometheus label values escape backslash, quote and newline.
      for (char c : w->config().name) {
        if (c == '\n') {
          label += "\\n";
          continue;
        }
        if (c == '\\' || c == '"') label += '\\';
        label += c;
      }
      fmt::format_to(std::back_inserter(out), "{}{{webhook=\"{}\"}} {}\n", f.name, label,
                     (w->counters().*f.field).load());
    }
  }
}

}  // namespace stockpulse
