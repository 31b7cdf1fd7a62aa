#include "notify/delivery_log.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace stockpulse {

DeliveryLog::DeliveryLog(std::string path, size_t max_keys)
    : path_(std::move(path)), max_keys_(std::max<size_t>(max_keys, 1)) {
  std::vector<std::string> lines;
  {
    std::ifstream in(path_);
    std::string line;
    // A line cut short by a crash has no tab or an empty key: skipped.
    while (std::getline(in, line)) {
      const size_t tab = line.find('\t');
      if (tab == std::string::npos || tab + 1 >= line.size() || line.size() > 512) continue;
      lines.push_back(line);
    }
  }
  const size_t first = lines.size() > max_keys_ ? lines.size() - max_keys_ : 0;
  for (size_t i = first; i < lines.size(); ++i) remember(lines[i]);
  if (lines.size() > 2 * max_keys_) {
    // Compaction: the newest max_keys lines, written aside and renamed over the file.
    const std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      for (const std::string& e : order_) out << e << '\n';
      if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", tmp));
    }
    std::filesystem::rename(tmp, path_);
  }
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_) {
    throw std::runtime_error(fmt::format("cannot open the alert delivery log '{}'", path_));
  }
}

DeliveryLog::~DeliveryLog() {
  if (file_) std::fclose(file_);
}

void DeliveryLog::remember(std::string entry) {
  if (!keys_.insert(entry).second) return;
  order_.push_back(std::move(entry));
  while (order_.size() > max_keys_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
}

bool DeliveryLog::delivered(std::string_view webhook, std::string_view key) const {
  std::string entry = fmt::format("{}\t{}", webhook, key);
  std::lock_guard lock(mu_);
  return keys_.contains(entry);
}

void DeliveryLog::record(std::string_view webhook, std::string_view key) {
  std::string entry = fmt::format("{}\t{}", webhook, key);
  std::lock_guard lock(mu_);
  fmt::print(file_, "{}\n", entry);
  std::fflush(file_);
  remember(std::move(entry));
}

size_t DeliveryLog::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

}  // namespace stockpulse
