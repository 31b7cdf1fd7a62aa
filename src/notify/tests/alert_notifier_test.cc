#include "notify/alert_notifier.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "notify/alert_payload.h"

namespace stockpulse {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A webhook receiver on 127.0.0.1 written for the test: a real HTTP/1.1 server over POSIX
// sockets (keep-alive, Content-Length bodies), whose answer to each request a script decides:
// a status with headers, or a stall (no answer at all, until the client gives up).
class Receiver {
 public:
  struct Request {
    std::string key;  // Idempotency-Key header
    std::string body;
    SteadyClock::time_point at;
  };
  struct Answer {
    int status = 200;
    std::string headers;  // extra header lines, each ending in \r\n
    bool stall = false;
  };
  // Decides the answer from the request and how many earlier requests had the same key.
  using Script = std::function<Answer(const Request&, int earlier)>;

  explicit Receiver(Script script) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) throw std::runtime_error("receiver: socket() failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      throw std::runtime_error("receiver: cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~Receiver() {
    stop_.store(true);
    accept_thread_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }

  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Keys answered 2xx, with how often.
  std::map<std::string, int> delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }

 private:
  void accept_loop() {
    while (!stop_.load()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Reads until `buf` holds n bytes more than `from`, polling so the test's end stops it.
  bool read_more(int fd, std::string& buf) {
    char chunk[4096];
    while (!stop_.load()) {
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 50);
      if (r == 0) continue;
      if (r < 0) return false;
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
      return true;
    }
    return false;
  }

  void serve(int fd) {
    std::string buf;
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!read_more(fd, buf)) return finish(fd);
      }
      const std::string head = buf.substr(0, end);
      buf.erase(0, end + 4);
      Request req;
      req.at = SteadyClock::now();
      size_t length = 0;
      size_t pos = head.find("\r\n");
      while (pos != std::string::npos) {
        const size_t next = head.find("\r\n", pos + 2);
        std::string line = head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
        pos = next;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (name == "content-length") length = std::stoul(value);
        if (name == "idempotency-key") req.key = value;
      }
      while (buf.size() < length) {
        if (!read_more(fd, buf)) return finish(fd);
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      Answer answer;
      {
        std::lock_guard lock(mu_);
        int earlier = 0;
        for (const Request& r : requests_) earlier += r.key == req.key;
        requests_.push_back(req);
        answer = script_(req, earlier);
        if (!answer.stall && answer.status >= 200 && answer.status < 300) ++delivered_[req.key];
      }
      if (answer.stall) {
        // Never answer: wait for the client to give up and close.
        std::string ignored;
        while (read_more(fd, ignored)) {
        }
        return finish(fd);
      }
      const std::string response = "HTTP/1.1 " + std::to_string(answer.status) +
                                   " X\r\nContent-Length: 2\r\n" + answer.headers + "\r\nok";
      if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) return finish(fd);
    }
  }

  void finish(int fd) {
    std::lock_guard lock(mu_);
    std::erase(open_fds_, fd);
    ::close(fd);
  }

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
  std::vector<Request> requests_;
  std::map<std::string, int> delivered_;
};

AlertRow make_alert(const std::string& symbol, int minute,
                    AlertSeverity severity = AlertSeverity::kWarning) {
  AlertRow a;
  a.symbol = symbol;
  a.ts = EventTime(1714572000000 + int64_t{minute} * 60000);
  a.kind = "trend_signal_change";
  a.message = "trend signal BULLISH -> BEARISH";
  a.value = 0;
  a.severity = severity;
  return a;
}

// Environment for the notifier: the URL lives in a variable whose name the config holds.
std::string g_url;
const char* test_env(const char* name) {
  return std::string_view(name) == "SP_TEST_WEBHOOK_URL" ? g_url.c_str() : nullptr;
}

struct Files {
  std::filesystem::path dir;
  Files() {
    dir = std::filesystem::temp_directory_path() /
          ("sp_notify_" + std::to_string(::getpid()) + "_" +
           std::to_string(SteadyClock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
  }
  ~Files() { std::filesystem::remove_all(dir); }
  AlertNotifier::Options options(std::chrono::milliseconds drain = 20s) const {
    AlertNotifier::Options o;
    o.dead_letter_path = (dir / "alert_dead_letter.jsonl").string();
    o.delivery_log_path = (dir / "alert_deliveries.log").string();
    o.drain_timeout = drain;
    o.getenv = test_env;
    return o;
  }
  // Dead letters as (idempotency key -> reason); also checks each line is JSON.
  std::map<std::string, std::string> dead_letters(std::string* raw = nullptr) const {
    std::ifstream in(dir / "alert_dead_letter.jsonl");
    std::map<std::string, std::string> out;
    std::string line;
    simdjson::dom::parser p;
    while (std::getline(in, line)) {
      if (raw) *raw += line + "\n";
      auto doc = p.parse(line);
      EXPECT_FALSE(doc.error()) << line;
      if (doc.error()) continue;
      out[std::string(std::string_view(doc.value()["idempotency_key"]))] =
          std::string(std::string_view(doc.value()["reason"]));
    }
    return out;
  }
};

WebhookConfig webhook(WebhookKind kind = WebhookKind::kJson) {
  WebhookConfig w;
  w.name = "test-hook";
  w.kind = kind;
  w.url_env = "SP_TEST_WEBHOOK_URL";
  w.min_severity = AlertSeverity::kWarning;
  w.max_per_minute = 60000;
  w.timeout_ms = 400;
  w.max_attempts = 5;
  w.backoff_initial_ms = 20;
  w.backoff_max_ms = 2000;
  return w;
}

std::string url_for(const Receiver& r) {
  // The path stands for the token a real webhook URL carries: it must never show up anywhere.
  return "http://127.0.0.1:" + std::to_string(r.port()) + "/hooks/SECRET-TOKEN-123";
}

TEST(AlertNotifier, FailsStallsAndRecoversDeliveringEachAlertOnce) {
  // By symbol: A fails with 503 twice, B gets a 429 with Retry-After 0.3, C stalls on its first
  // attempt (the client's timeout), D always fails (500), E is refused (400); the rest succeed.
  Receiver receiver([](const Receiver::Request& req, int earlier) {
    Receiver::Answer a;
    simdjson::dom::parser p;
    const std::string symbol(std::string_view(p.parse(req.body).value()["symbol"]));
    if (symbol == "A" && earlier < 2) a.status = 503;
    if (symbol == "B" && earlier == 0) {
      a.status = 429;
      a.headers = "Retry-After: 0.3\r\n";
    }
    if (symbol == "C" && earlier == 0) a.stall = true;
    if (symbol == "D") a.status = 500;
    if (symbol == "E") a.status = 400;
    return a;
  });
  g_url = url_for(receiver);
  Files files;
  std::vector<AlertRow> alerts;
  for (const char* s : {"A", "B", "C", "D", "E", "F", "G", "H"}) alerts.push_back(make_alert(s, 1));
  alerts.push_back(make_alert("F", 2, AlertSeverity::kCritical));
  alerts.push_back(make_alert("F", 3, AlertSeverity::kInfo));  // below min_severity: not sent
  {
    AlertNotifier n({webhook()}, files.options());
    n.publish(alerts);
    n.publish(std::span(alerts).subspan(0, 3));  // published twice: still delivered once
    n.close();
    const WebhookCounters& c = n.counters(0);
    // A, B, C, F, G, H, F@2 delivered; D after 5 attempts, E at once: dead letters.
    EXPECT_EQ(c.delivered.load(), 7u);
    EXPECT_EQ(c.failed.load(), 2u);
    EXPECT_EQ(c.dropped.load(), 0u);
    // Retries: A 2, B 1, C 1, D 4.
    EXPECT_EQ(c.retried.load(), 8u);
    std::string metrics;
    n.write_prometheus(metrics);
    EXPECT_NE(metrics.find("stockpulse_alert_webhook_delivered_total{webhook=\"test-hook\"} 7"),
              std::string::npos)
        << metrics;
  }
  // What the receiver saw: each deliverable alert answered 2xx exactly once.
  const auto delivered = receiver.delivered();
  ASSERT_EQ(delivered.size(), 7u);
  for (const auto& [key, times] : delivered) EXPECT_EQ(times, 1) << key;
  for (size_t i : {0, 1, 2, 5, 6, 7, 8}) {
    EXPECT_TRUE(delivered.contains(alert_idempotency_key(alerts[i]))) << alerts[i].symbol;
  }
  // Every request carried the key in the header and in the body.
  simdjson::dom::parser p;
  std::map<std::string, std::vector<SteadyClock::time_point>> attempts;
  for (const auto& r : receiver.requests()) {
    auto doc = p.parse(r.body);
    ASSERT_FALSE(doc.error());
    EXPECT_EQ(std::string_view(doc.value()["idempotency_key"]), r.key);
    attempts[std::string(std::string_view(doc.value()["symbol"]))].push_back(r.at);
  }
  EXPECT_EQ(attempts["D"].size(), 5u);
  EXPECT_EQ(attempts["E"].size(), 1u);
  // The 429's Retry-After was honoured (0.3 s; the back-off alone would be 10-20 ms).
  ASSERT_EQ(attempts["B"].size(), 2u);
  EXPECT_GE(attempts["B"][1] - attempts["B"][0], 290ms);
  // The stalled attempt was given up after the timeout and retried.
  ASSERT_EQ(attempts["C"].size(), 2u);
  EXPECT_GE(attempts["C"][1] - attempts["C"][0], 390ms);
  // Undeliverable alerts are dead letters with their reason, and no URL anywhere.
  std::string raw;
  const auto dead = files.dead_letters(&raw);
  EXPECT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead.at(alert_idempotency_key(alerts[3])), "retries_exhausted");
  EXPECT_EQ(dead.at(alert_idempotency_key(alerts[4])), "rejected");
  EXPECT_EQ(raw.find("SECRET"), std::string::npos) << raw;

  // A restart with the same delivery log publishes the same alerts again: nothing is re-sent.
  const size_t requests_before = receiver.requests().size();
  {
    AlertNotifier again({webhook()}, files.options());
    again.publish(alerts);
    again.close();
    EXPECT_EQ(again.counters(0).skipped.load(), 7u);
    EXPECT_EQ(again.counters(0).delivered.load(), 0u);
  }
  // D and E were not delivered, so they are tried again (and fail again): only they.
  const auto after = receiver.requests();
  for (size_t i = requests_before; i < after.size(); ++i) {
    EXPECT_TRUE(after[i].key == alert_idempotency_key(alerts[3]) ||
                after[i].key == alert_idempotency_key(alerts[4]))
        << after[i].body;
  }
}

TEST(AlertNotifier, FullQueueAndShutdownAreDeadLettersNeverSilentLosses) {
  Receiver receiver([](const Receiver::Request&, int) {
    Receiver::Answer a;
    a.stall = true;  // a webhook that hangs
    return a;
  });
  g_url = url_for(receiver);
  Files files;
  AlertNotifier::Options options = files.options(/*drain=*/300ms);
  options.notify.queue_capacity = 2;
  WebhookConfig w = webhook();
  w.timeout_ms = 2000;
  w.max_attempts = 1;
  std::vector<AlertRow> alerts;
  for (int i = 0; i < 8; ++i) alerts.push_back(make_alert("X", i));
  AlertNotifier n({w}, options);
  n.publish(alerts);  // never blocks, though the webhook hangs
  n.close();
  const WebhookCounters& c = n.counters(0);
  EXPECT_EQ(c.delivered.load(), 0u);
  // At most one in flight and two queued; the rest found the queue full.
  EXPECT_GE(c.dropped.load(), 5u);
  EXPECT_EQ(c.dropped.load() + c.failed.load(), alerts.size());
  const auto dead = files.dead_letters();
  ASSERT_EQ(dead.size(), alerts.size());  // every alert accounted for, once
  size_t full = 0, other = 0;
  for (const auto& [key, reason] : dead) {
    if (reason == "queue_full") ++full;
    if (reason == "shutdown" || reason == "retries_exhausted") ++other;
  }
  EXPECT_EQ(full, c.dropped.load());
  EXPECT_EQ(full + other, alerts.size());
}

TEST(AlertNotifier, RateLimitSpacesRequests) {
  Receiver receiver([](const Receiver::Request&, int) { return Receiver::Answer{}; });
  g_url = url_for(receiver);
  Files files;
  WebhookConfig w = webhook(WebhookKind::kSlack);
  w.max_per_minute = 30;  // one per 2 s; the bucket starts full with 30 tokens
  std::vector<AlertRow> alerts;
  for (int i = 0; i < 33; ++i) alerts.push_back(make_alert("R", i));
  AlertNotifier::Options options = files.options();
  options.notify.queue_capacity = 200;
  AlertNotifier n({w}, options);
  n.publish(alerts);
  n.close();
  EXPECT_EQ(n.counters(0).delivered.load(), alerts.size());
  const auto req = receiver.requests();
  ASSERT_EQ(req.size(), alerts.size());
  // 30 tokens at the start and one more every 2 s: 33 requests cannot take less than 6 s
  // (without the limit they take a fraction of a second).
  EXPECT_GE(req.back().at - req.front().at, 5s);
  // Slack payloads: the key is in the body too.
  EXPECT_NE(req[0].body.find(req[0].key), std::string::npos);
}

TEST(AlertNotifier, SymbolFilterAndMissingVariable) {
  Receiver receiver([](const Receiver::Request&, int) { return Receiver::Answer{}; });
  g_url = url_for(receiver);
  Files files;
  WebhookConfig w = webhook(WebhookKind::kDiscord);
  w.symbols = {"NVDA"};
  {
    AlertNotifier n({w}, files.options());
    n.publish(std::vector<AlertRow>{make_alert("AAPL", 1), make_alert("NVDA", 1)});
    n.close();
    EXPECT_EQ(n.counters(0).delivered.load(), 1u);
  }
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_NE(receiver.requests()[0].body.find("NVDA"), std::string::npos);

  WebhookConfig missing = webhook();
  missing.url_env = "SP_TEST_UNSET_VARIABLE";
  try {
    AlertNotifier n({missing}, files.options());
    FAIL() << "an unset URL variable must be a start-up error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("SP_TEST_UNSET_VARIABLE"), std::string::npos);
  }
  g_url = "hooks.example/SECRET";  // no scheme: refused, and the value is not repeated
  try {
    AlertNotifier n({webhook()}, files.options());
    FAIL() << "a URL without http(s):// must be a start-up error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << e.what();
  }
}

TEST(AlertNotifier, UnreachableWebhookErrorsDoNotLeakTheUrl) {
  // A port nobody listens on: connection refused on every attempt.
  int port;
  {
    Receiver r([](const Receiver::Request&, int) { return Receiver::Answer{}; });
    port = r.port();
  }
  g_url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/SECRET-TOKEN-123";
  Files files;
  WebhookConfig w = webhook();
  w.max_attempts = 2;
  AlertNotifier n({w}, files.options());
  n.publish(std::vector<AlertRow>{make_alert("U", 1)});
  n.close();
  EXPECT_EQ(n.counters(0).failed.load(), 1u);
  std::string raw;
  const auto dead = files.dead_letters(&raw);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead.begin()->second, "retries_exhausted");
  EXPECT_EQ(raw.find("SECRET"), std::string::npos) << raw;
  EXPECT_NE(raw.find("<url of webhook test-hook>"), std::string::npos) << raw;
}

}  // namespace
}  // namespace stockpulse
