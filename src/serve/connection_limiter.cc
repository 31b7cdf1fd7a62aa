#include "serve/connection_limiter.h"

#include <vector>

namespace stockpulse {

namespace {

// Lower ranks are evicted first; -1: never.
int eviction_rank(ConnectionState state, bool trusted) {
  switch (state) {
    case ConnectionState::kWaiting:
      return trusted ? 1 : 0;
    case ConnectionState::kReading:
      return trusted ? 2 : 0;
    case ConnectionState::kServing:
    case ConnectionState::kStreaming:
      return -1;
  }
  return -1;
}

}  // namespace

std::map<ConnectionLimiter::Id, ConnectionLimiter::Entry>::iterator ConnectionLimiter::pick_victim(
    const std::function<bool(const Entry&)>& eligible) {
  auto best = entries_.end();
  int best_rank = 0;
  size_t best_share = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const int rank = eviction_rank(it->second.state, it->second.trusted);
    if (rank < 0 || !eligible(it->second)) continue;
    const size_t share = per_client_[it->second.client];
    // Within a rank, the client holding the most connections gives one up first.
    if (best == entries_.end() || rank < best_rank ||
        (rank == best_rank &&
         (share > best_share || (share == best_share && it->second.since < best->second.since)))) {
      best = it;
      best_rank = rank;
      best_share = share;
    }
  }
  return best;
}

void ConnectionLimiter::erase(std::map<Id, Entry>::iterator it) {
  auto client = per_client_.find(it->second.client);
  if (client != per_client_.end() && --client->second == 0) per_client_.erase(client);
  entries_.erase(it);
}

ConnectionLimiter::Id ConnectionLimiter::admit(const std::string& client,
                                               std::function<void()> evict) {
  std::vector<std::function<void()>> to_evict;
  Id id = 0;
  {
    std::lock_guard lock(mutex_);
    // The client's own cap first: its own connections make room for it, not other clients'.
    if (per_client_[client] >= limits_.max_connections_per_client) {
      auto victim = pick_victim([&](const Entry& e) { return e.client == client; });
      if (victim != entries_.end()) {
        to_evict.push_back(std::move(victim->second.evict));
        erase(victim);
        ++evicted_;
      }
    }
    if (per_client_[client] < limits_.max_connections_per_client &&
        entries_.size() >= limits_.max_connections) {
      auto victim = pick_victim([](const Entry&) { return true; });
      if (victim != entries_.end()) {
        to_evict.push_back(std::move(victim->second.evict));
        erase(victim);
        ++evicted_;
      }
    }
    if (per_client_[client] >= limits_.max_connections_per_client ||
        entries_.size() >= limits_.max_connections) {
      if (per_client_[client] == 0) per_client_.erase(client);
      ++rejected_;
    } else {
      id = next_id_++;
      entries_.emplace(
          id, Entry{client, ConnectionState::kWaiting, false, Clock::now(), std::move(evict)});
      ++per_client_[client];
    }
  }
  for (auto& fn : to_evict) {
    if (fn) fn();
  }
  return id;
}

void ConnectionLimiter::set_state(Id id, ConnectionState state) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.state == state) return;
  it->second.state = state;
  it->second.since = Clock::now();
}

void ConnectionLimiter::set_trusted(Id id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.trusted = true;
}

void ConnectionLimiter::release(Id id) {
  std::function<void()> evict;  // destroyed outside the lock: it may own the session
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  evict = std::move(it->second.evict);
  erase(it);
}

size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t ConnectionLimiter::open_from(const std::string& client) const {
  std::lock_guard lock(mutex_);
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

uint64_t ConnectionLimiter::rejected() const {
  std::lock_guard lock(mutex_);
  return rejected_;
}

uint64_t ConnectionLimiter::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

}  // namespace stockpulse
