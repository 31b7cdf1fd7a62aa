#include "serve/store_poller.h"

#include <vector>

#include "serve/live_hub.h"
#include "serve/serving_reader.h"

namespace stockpulse {

StorePoller::StorePoller(ServingReader& reader, LiveHub& hub, std::chrono::milliseconds interval)
    : reader_(reader), hub_(hub), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

StorePoller::~StorePoller() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void StorePoller::run() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    poll_once();
    lock.lock();
    stop_cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

int StorePoller::poll_once() {
  std::lock_guard guard(poll_mutex_);
  // A failed read (busy, file replaced) is simply retried at the next interval.
  auto token = reader_.change_token();
  if (!token) return 0;
  if (token.value() == last_token_) return 0;
  last_token_ = std::move(token.value());

  int published = 0;
  for (const bool trends : {false, true}) {
    auto rows = reader_.latest_windows(trends, kLookbackMs);
    if (!rows) continue;
    for (LatestRow& row : rows.value()) {
      auto [it, inserted] = published_.try_emplace(row.key);
      if (!inserted && it->second == row.json) continue;
      it->second = row.json;
      // The first poll only learns what is there: the page loads history over REST.
      if (!first_poll_) {
        hub_.publish(trends ? "trend" : "sentiment", std::move(row.json));
        ++published;
      }
    }
  }
  // Forget windows that fell out of the look-back so the map stays bounded: keys sort by time
  // only within a symbol, so keep at most a generous multiple of one poll's rows.
  if (published_.size() > 100000) published_.clear();

  for (;;) {
    auto alerts = reader_.alerts_after(last_alert_ts_, 500);
    if (!alerts || alerts.value().empty()) break;
    for (LatestRow& row : alerts.value()) {
      last_alert_ts_ = row.key;
      if (!first_poll_) {
        hub_.publish("alert", std::move(row.json));
        ++published;
      }
    }
    if (alerts.value().size() < 500) break;
  }
  first_poll_ = false;
  return published;
}

}  // namespace stockpulse
