#include "sink/lake_mirror.h"

#include <charconv>
#include <chrono>
#include <fstream>
#include <system_error>

namespace stockpulse {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kHourMs = 3'600'000;

// The digits of key[pos, pos + n) as a number, or -1.
int digits(const std::string& key, size_t pos, size_t n) {
  if (pos + n > key.size()) return -1;
  int v = 0;
  const auto [end, ec] = std::from_chars(key.data() + pos, key.data() + pos + n, v);
  return ec == std::errc() && end == key.data() + pos + n ? v : -1;
}

}  // namespace

int64_t lake_key_hour_start_ms(const std::string& key) {
  const size_t d = key.find("date=");
  if (d == std::string::npos) return -1;
  const size_t p = d + 5;  // YYYY-MM-DD/hour=HH
  if (key.compare(p + 4, 1, "-") != 0 || key.compare(p + 7, 1, "-") != 0 ||
      key.compare(p + 10, 6, "/hour=") != 0) {
    return -1;
  }
  const int y = digits(key, p, 4), m = digits(key, p + 5, 2), day = digits(key, p + 8, 2),
            h = digits(key, p + 16, 2);
  if (y < 0 || m < 1 || m > 12 || day < 1 || day > 31 || h < 0 || h > 23) return -1;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(m)),
                                        std::chrono::day(unsigned(day))};
  if (!ymd.ok()) return -1;
  const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return static_cast<int64_t>(days) * 24 * kHourMs + h * kHourMs;
}

Result<LakeMirrorSummary, ObjectStoreError> mirror_lake(ObjectStore& store,
                                                        const fs::path& local_root,
                                                        const LakeMirrorOptions& options) {
  const std::string base = options.prefix.empty() ? "" : options.prefix + "/";
  // Pick the files first, so progress can say "n of N".
  struct Want {
    std::string key;
    std::string relative;
    uint64_t size;
  };
  std::vector<Want> wanted;
  for (const std::string& table : options.tables) {
    auto listed = store.list(base + table + "/");
    if (!listed.ok()) return Err{listed.error()};
    for (const ObjectInfo& o : listed.value()) {
      const std::string rel = o.key.substr(base.size());
      const std::string name = fs::path(rel).filename().string();
      if (!rel.ends_with(".parquet") || name.starts_with(".")) continue;
      const int64_t hour = lake_key_hour_start_ms(rel);
      if (hour >= 0 && (hour >= options.until_ms || hour + kHourMs <= options.since_ms)) continue;
      wanted.push_back(Want{o.key, rel, o.size});
    }
  }
  LakeMirrorSummary summary;
  size_t done = 0;
  for (const Want& w : wanted) {
    const fs::path target = local_root / w.relative;
    std::error_code ec;
    if (fs::file_size(target, ec) == w.size && !ec) {
      ++summary.files_present;
    } else {
      // Streamed to a hidden part file, renamed once whole: memory stays bounded whatever the
      // object's size, and an interrupted copy never looks like a lake file.
      fs::create_directories(target.parent_path(), ec);
      const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".part");
      auto got = store.get_file(w.key, tmp.string());
      if (!got.ok()) {
        fs::remove(tmp, ec);
        return Err{got.error()};
      }
      fs::rename(tmp, target, ec);
      if (ec) {
        return Err{ObjectStoreError{ObjectStoreErrorKind::kOther,
                                    "cannot rename '" + tmp.string() + "': " + ec.message()}};
      }
      ++summary.files_copied;
      summary.bytes_copied += got.value();
    }
    if (options.on_progress) options.on_progress(++done, wanted.size());
  }
  return summary;
}

}  // namespace stockpulse
