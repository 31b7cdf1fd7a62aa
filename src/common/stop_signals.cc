#include "common/stop_signals.h"

#include <cstdlib>

namespace stockpulse {

namespace {

std::atomic<bool> g_requested{false};
std::atomic<int> g_count{0};
std::atomic<void (*)(void*)> g_notify{nullptr};
std::atomic<void*> g_target{nullptr};

extern "C" void on_stop_signal(int) {
  if (g_count.fetch_add(1) >= 1) std::_Exit(130);
  g_requested.store(true);
  if (auto* notify = g_notify.load()) notify(g_target.load());
}

}  // namespace

StopSignals::StopSignals(void (*notify)(void*), void* target) {
  g_requested.store(false);
  g_count.store(0);
  g_target.store(target);
  g_notify.store(notify);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  g_notify.store(nullptr);
  g_target.store(nullptr);
}

bool StopSignals::requested() {
  return g_requested.load(std::memory_order_relaxed);
}

const std::atomic<bool>& StopSignals::flag() {
  return g_requested;
}

}  // namespace stockpulse
