#include "window/late_data_monitor.h"

#include <cstdio>

namespace stockpulse {

LateDataMonitor::LateDataMonitor(uint64_t sample, double threshold)
    : sample_(sample == 0 ? 1 : sample), threshold_(threshold) {}

std::optional<std::string> LateDataMonitor::record(bool late) {
  if (decided_) return std::nullopt;
  ++seen_;
  if (late) ++late_;
  if (seen_ < sample_) return std::nullopt;
  return verdict();
}

std::optional<std::string> LateDataMonitor::finish() {
  if (decided_ || seen_ == 0) return std::nullopt;
  return verdict();
}

std::optional<std::string> LateDataMonitor::verdict() {
  decided_ = true;
  const double share = static_cast<double>(late_) / static_cast<double>(seen_);
  if (share <= threshold_) return std::nullopt;
  char buf[320];
  std::snprintf(buf, sizeof(buf),
                "%llu of the first %llu events (%.0f%%) are behind the watermark and were "
                "dropped as late. If you are replaying old data, start with --rebase-time to "
                "shift its timestamps to now, or raise the allowed lateness.",
                static_cast<unsigned long long>(late_), static_cast<unsigned long long>(seen_),
                share * 100.0);
  return std::string(buf);
}

}  // namespace stockpulse
