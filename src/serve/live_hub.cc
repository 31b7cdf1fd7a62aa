#include "serve/live_hub.h"

#include <algorithm>

namespace stockpulse {

void LiveSubscription::set_notify(std::function<void()> notify) {
  bool pending = false;
  {
    std::lock_guard lock(mutex_);
    notify_ = std::move(notify);
    pending = !buffer_.empty() || dropped();
  }
  // Frames published before the connection was ready must not wait for the next publish.
  if (pending) this->notify();
}

bool LiveSubscription::take(std::string& out) {
  std::lock_guard lock(mutex_);
  if (dropped()) return false;
  out += buffer_;
  buffer_.clear();
  return true;
}

size_t LiveSubscription::buffered_bytes() const {
  std::lock_guard lock(mutex_);
  return buffer_.size();
}

bool LiveSubscription::offer(std::string_view frame) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (dropped()) return false;
    if (buffer_.size() + frame.size() > max_buffered_bytes_) {
      // Dropping the whole subscription rather than single frames: a client that silently lost
      // events would show a stale dashboard; a closed stream makes EventSource reconnect and the
      // page reload its history from the REST API.
      dropped_.store(true, std::memory_order_release);
      buffer_.clear();
      buffer_.shrink_to_fit();
    } else {
      was_empty = buffer_.empty();
      buffer_.append(frame);
    }
  }
  if (dropped() || was_empty) notify();
  return !dropped();
}

void LiveSubscription::write_started(Clock::time_point now) {
  // Never 0, which means "no write pending".
  const int64_t ns = std::max<int64_t>(1, now.time_since_epoch().count());
  write_started_ns_.store(ns, std::memory_order_release);
}

void LiveSubscription::write_finished() {
  write_started_ns_.store(0, std::memory_order_release);
}

std::optional<LiveSubscription::Clock::time_point> LiveSubscription::write_pending_since() const {
  const int64_t ns = write_started_ns_.load(std::memory_order_acquire);
  if (ns == 0) return std::nullopt;
  return Clock::time_point(Clock::duration(ns));
}

void LiveSubscription::drop() {
  {
    std::lock_guard lock(mutex_);
    if (dropped()) return;
    dropped_.store(true, std::memory_order_release);
    buffer_.clear();
    buffer_.shrink_to_fit();
  }
  notify();
}

void LiveSubscription::notify() {
  std::function<void()> n;
  {
    std::lock_guard lock(mutex_);
    n = notify_;
  }
  if (n) n();
}

LiveHub::LiveHub(LiveHubOptions options) : options_(options) {}

std::string LiveHub::format_frame(std::string_view event, std::string_view json) {
  std::string frame;
  frame.reserve(event.size() + json.size() + 16);
  frame += "event: ";
  frame += event;
  frame += '\n';
  size_t start = 0;
  while (true) {
    const size_t nl = json.find('\n', start);
    std::string_view line = json.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    frame += "data: ";
    frame += line;
    frame += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  frame += '\n';
  return frame;
}

void LiveHub::publish(std::string_view event, std::string json) {
  const std::string frame = format_frame(event, json);
  published_.fetch_add(1, std::memory_order_relaxed);
  // Copy the list so offers (and the notify callbacks they run) happen without the hub lock.
  std::vector<std::shared_ptr<LiveSubscription>> targets;
  {
    std::lock_guard lock(mutex_);
    targets = subscribers_;
  }
  bool any_dropped = false;
  for (const auto& s : targets) {
    if (!s->offer(frame)) any_dropped = true;
  }
  if (any_dropped) {
    std::lock_guard lock(mutex_);
    const auto before = subscribers_.size();
    std::erase_if(subscribers_, [](const auto& s) { return s->dropped(); });
    dropped_.fetch_add(before - subscribers_.size(), std::memory_order_relaxed);
  }
}

std::shared_ptr<LiveSubscription> LiveHub::subscribe(const std::string& client) {
  std::shared_ptr<LiveSubscription> stalled;  // dropped outside the lock (drop() notifies)
  std::shared_ptr<LiveSubscription> s;
  {
    std::lock_guard lock(mutex_);
    const auto from_client =
        static_cast<size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                          [&](const auto& x) { return x->client() == client; }));
    const bool client_full = from_client >= options_.max_subscribers_per_client;
    if (client_full || subscribers_.size() >= options_.max_subscribers) {
      // A client that stopped reading would hold its slot until its buffer overflows, which at
      // a quiet publisher takes long: the newcomer takes the slot of the longest stalled one
      // (the client's own when it is the client's cap that is reached).
      const auto now = LiveSubscription::Clock::now();
      auto victim = subscribers_.end();
      std::optional<LiveSubscription::Clock::time_point> oldest;
      for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it) {
        if (client_full && (*it)->client() != client) continue;
        const auto since = (*it)->write_pending_since();
        if (since && now - *since >= options_.evict_stalled_after &&
            (!oldest || *since < *oldest)) {
          oldest = since;
          victim = it;
        }
      }
      if (victim == subscribers_.end()) return nullptr;
      stalled = std::move(*victim);
      subscribers_.erase(victim);
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    s = std::make_shared<LiveSubscription>(options_.max_buffered_bytes, client);
    subscribers_.push_back(s);
  }
  if (stalled) stalled->drop();
  return s;
}

void LiveHub::unsubscribe(const std::shared_ptr<LiveSubscription>& subscription) {
  std::lock_guard lock(mutex_);
  std::erase(subscribers_, subscription);
}

size_t LiveHub::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

}  // namespace stockpulse
