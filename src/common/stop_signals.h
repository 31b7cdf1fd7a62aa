#pragma once

#include <atomic>
#include <csignal>

namespace stockpulse {

// SIGINT and SIGTERM as a command's "stop, cleanly" request, for the lifetime of one object:
// the first signal sets requested() and calls the target's request_stop(); a second one ends
// the process at once with status 130 (Ctrl-C twice while a drain takes too long). The
// previous handlers are restored by the destructor. One instance at a time per process.
// The target's request_stop() runs inside the signal handler, so it must only store atomics.
class StopSignals {
 public:
  StopSignals() : StopSignals(nullptr, nullptr) {}
  template <class T>
  explicit StopSignals(T& target)
      : StopSignals([](void* t) { static_cast<T*>(t)->request_stop(); }, &target) {}
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Whether a stop signal arrived since construction. Async-signal-safe.
  static bool requested();
  // The flag itself, for loops that sleep on an atomic<bool>.
  static const std::atomic<bool>& flag();

 private:
  StopSignals(void (*notify)(void*), void* target);

  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace stockpulse
