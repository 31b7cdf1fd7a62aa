#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace stockpulse {

// Notices a replay whose data is mostly late (issue #4: old data replayed against today's clock
// made reference system A drop everything silently). Feed it the outcome of the first events;
// as soon as the first `sample` events are in and more than `threshold` of them were late, it
// returns one warning that says so and names `--rebase-time`. Later events are ignored.
//
// Lifecycle: one per pipeline, next to the window engine. Thread-safety: none.
class LateDataMonitor {
 public:
  explicit LateDataMonitor(uint64_t sample = 1000, double threshold = 0.5);

  // Records one event; returns the warning exactly once, when the sample is complete and mostly
  // late. An input shorter than the sample gets its verdict from finish().
  std::optional<std::string> record(bool late);
  // End of input: the verdict on however many events were seen, if not given already.
  std::optional<std::string> finish();

  uint64_t seen() const { return seen_; }
  uint64_t late() const { return late_; }

 private:
  std::optional<std::string> verdict();

  uint64_t sample_;
  double threshold_;
  uint64_t seen_ = 0;
  uint64_t late_ = 0;
  bool decided_ = false;
};

}  // namespace stockpulse
