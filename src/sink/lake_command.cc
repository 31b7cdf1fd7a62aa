#include "sink/lake_command.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <vector>

#include "common/option_range.h"
#include "common/result.h"
#include "common/time_format.h"
#include "sink/duckdb_session.h"

namespace stockpulse {
namespace fs = std::filesystem;

namespace {

std::string file_list(const std::vector<fs::path>& files) {
  std::string out = "[";
  for (size_t i = 0; i < files.size(); ++i) {
    if (i) out += ", ";
    out += sql_quote(files[i].string());
  }
  return out + "]";
}

// "date=2024-05-01" + "hour=14" -> start of that hour in ms; nullopt if not a partition.
std::optional<int64_t> hour_start(const std::string& date_dir, const std::string& hour_dir) {
  if (!date_dir.starts_with("date=") || !hour_dir.starts_with("hour=")) return std::nullopt;
  auto t = parse_iso8601(date_dir.substr(5));
  int hour = -1;
  const std::string h = hour_dir.substr(5);
  auto [p, ec] = std::from_chars(h.data(), h.data() + h.size(), hour);
  if (!t || ec != std::errc() || p != h.data() + h.size() || hour < 0 || hour > 23) {
    return std::nullopt;
  }
  return t->value() + hour * kMillisPerHour;
}

bool is_window_table(const std::string& table) {
  return table == "topic_sentiment_avg" || table == "stock_trends";
}

// One merge: files -> target, deduplicated by key, verified, then originals removed.
bool merge(DuckDbSession& duck, const std::string& table, const std::vector<fs::path>& files,
           const fs::path& target, std::ostream& out, std::ostream& err) {
  const std::string key =
      is_window_table(table) ? "symbol, window_start, window_end" : "\"partition\", \"offset\"";
  const std::string src = "read_parquet(" + file_list(files) + ")";
  auto expected =
      duck.rows(fmt::format("SELECT count(*) FROM (SELECT DISTINCT {} FROM {})", key, src));
  if (!expected.ok()) {
    err << "lake compact: reading " << target.parent_path().string() << ": " << expected.error()
        << "\n";
    return false;
  }
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  // Among rows of one key (a window re-emitted after a crash, or a compacted file next to the
  // originals it replaced) keep one: such rows are copies of each other. Output sorted by key.
  auto copied =
      duck.rows(fmt::format("COPY (SELECT DISTINCT ON ({0}) * FROM {1} ORDER BY {0}) TO {2} "
                            "(FORMAT PARQUET, COMPRESSION ZSTD)",
                            key, src, sql_quote(tmp.string())));
  std::error_code ec;
  if (!copied.ok()) {
    fs::remove(tmp, ec);
    err << "lake compact: writing " << target.string() << ": " << copied.error() << "\n";
    return false;
  }
  auto written = duck.rows("SELECT count(*) FROM read_parquet(" + sql_quote(tmp.string()) + ")");
  if (!written.ok() || written.value()[0][0] != expected.value()[0][0]) {
    fs::remove(tmp, ec);
    err << "lake compact: " << target.string() << " would hold "
        << (written.ok() ? written.value()[0][0] : written.error()) << " rows, expected "
        << expected.value()[0][0] << "; originals kept\n";
    return false;
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    err << "lake compact: cannot rename into " << target.string() << ": " << ec.message() << "\n";
    return false;
  }
  for (const fs::path& f : files) {
    if (f != target) fs::remove(f, ec);
  }
  out << fmt::format("{}: {} files -> {} ({} rows)\n", target.parent_path().string(), files.size(),
                     target.filename().string(), expected.value()[0][0]);
  return true;
}

struct OffsetName {
  int32_t partition;
  int64_t first;
  int64_t last;
};

std::optional<OffsetName> parse_offset_name(const std::string& name) {
  OffsetName o{};
  if (std::sscanf(name.c_str(), "part-p%d-%ld-%ld.parquet", &o.partition, &o.first, &o.last) != 3) {
    return std::nullopt;
  }
  if (fmt::format("part-p{}-{}-{}.parquet", o.partition, o.first, o.last) != name) {
    return std::nullopt;
  }
  return o;
}

}  // namespace

int lake_compact(const std::string& root, const LakeCompactOptions& options, std::ostream& out,
                 std::ostream& err) {
  SystemClock system_clock;
  const Clock& clock = options.clock ? *options.clock : system_clock;
  const int64_t now = clock.now().value();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    err << "lake compact: '" << root << "' is not a folder\n";
    return 1;
  }
  DuckDbSession duck("lake compact");
  bool ok = true;
  int merges = 0;
  for (const auto& table_dir : fs::directory_iterator(root)) {
    if (!table_dir.is_directory()) continue;
    const std::string table = table_dir.path().filename().string();
    for (const auto& date_dir : fs::directory_iterator(table_dir.path())) {
      if (!date_dir.is_directory()) continue;
      for (const auto& hour_dir : fs::directory_iterator(date_dir.path())) {
        const auto start =
            hour_start(date_dir.path().filename().string(), hour_dir.path().filename().string());
        if (!start || *start + kMillisPerHour + options.grace_ms > now) continue;  // still open
        // Group: per input partition for posts/bars, one group for windows.
        std::map<int32_t, std::vector<fs::path>> groups;
        std::map<int32_t, std::pair<int64_t, int64_t>> ranges;
        std::vector<fs::path> windows;
        for (const auto& f : fs::directory_iterator(hour_dir.path())) {
          const std::string name = f.path().filename().string();
          if (!f.is_regular_file() || name.starts_with(".") || !name.ends_with(".parquet")) {
            continue;
          }
          if (is_window_table(table)) {
            windows.push_back(f.path());
          } else if (auto o = parse_offset_name(name)) {
            groups[o->partition].push_back(f.path());
            auto [it, fresh] = ranges.try_emplace(o->partition, o->first, o->last);
            if (!fresh) {
              it->second.first = std::min(it->second.first, o->first);
              it->second.second = std::max(it->second.second, o->last);
            }
          }
        }
        for (auto& [partition, files] : groups) {
          if (files.size() < 2) continue;
          std::sort(files.begin(), files.end());
          const auto [first, last] = ranges[partition];
          const fs::path target =
              hour_dir.path() / fmt::format("part-p{}-{}-{}.parquet", partition, first, last);
          ok = merge(duck, table, files, target, out, err) && ok;
          ++merges;
        }
        if (windows.size() >= 2) {
          std::sort(windows.begin(), windows.end());
          auto span = duck.rows(
              fmt::format("SELECT strftime(min(window_start), '%Y%m%dT%H%M%S.%gZ'), "
                          "strftime(max(window_end), '%Y%m%dT%H%M%S.%gZ') FROM read_parquet({})",
                          file_list(windows)));
          if (!span.ok()) {
            err << "lake compact: " << hour_dir.path().string() << ": " << span.error() << "\n";
            ok = false;
            continue;
          }
          const fs::path target =
              hour_dir.path() /
              fmt::format("part-w{}-{}-compact.parquet", span.value()[0][0], span.value()[0][1]);
          ok = merge(duck, table, windows, target, out, err) && ok;
          ++merges;
        }
      }
    }
  }
  if (merges == 0) out << "lake compact: nothing to compact in " << root << "\n";
  return ok ? 0 : 1;
}

int lake_sql(const std::string& root, const std::string& query, std::ostream& out,
             std::ostream& err) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    err << "lake sql: '" << root << "' is not a folder\n";
    return 1;
  }
  DuckDbSession duck("lake sql");
  for (const auto& table_dir : fs::directory_iterator(root)) {
    if (!table_dir.is_directory()) continue;
    const std::string table = table_dir.path().filename().string();
    const std::string glob = (table_dir.path() / "**" / "*.parquet").string();
    auto v = duck.rows(fmt::format(
        "CREATE VIEW \"{}\" AS SELECT * FROM read_parquet({}, hive_partitioning = true)", table,
        sql_quote(glob)));
    if (!v.ok()) {
      err << "lake sql: table " << table << ": " << v.error() << "\n";
      return 1;
    }
  }
  std::vector<std::string> names;
  auto r = duck.rows(query, &names);
  if (!r.ok()) {
    err << "lake sql: " << r.error() << "\n";
    return 1;
  }
  for (size_t i = 0; i < names.size(); ++i) out << (i ? "\t" : "") << names[i];
  out << "\n";
  for (const auto& row : r.value()) {
    for (size_t i = 0; i < row.size(); ++i) out << (i ? "\t" : "") << row[i];
    out << "\n";
  }
  return 0;
}

LakeCommand::LakeCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("lake", "Maintain and query the Parquet lake");
  cmd_->require_subcommand(1);
  compact_ = cmd_->add_subcommand("compact", "Merge the small files of closed hours");
  compact_->add_option("--lake", root_, "Lake folder")->capture_default_str();
  compact_
      ->add_option("--grace-minutes", grace_minutes_, "An hour is closed this long after its end")
      ->capture_default_str();
  sql_ = cmd_->add_subcommand("sql", "Run a DuckDB query over the lake (tables are views)");
  sql_->add_option("query", query_, "SELECT ...")->required();
  sql_->add_option("--lake", root_, "Lake folder")->capture_default_str();
}

int LakeCommand::execute() {
  try {
    if (compact_->parsed()) {
      if (auto problem = check_option_range("--grace-minutes", grace_minutes_, 0, 525600);
          !problem.empty()) {
        throw std::runtime_error(problem);
      }
      LakeCompactOptions o;
      o.grace_ms = static_cast<int64_t>(grace_minutes_ * 60000);
      return lake_compact(root_, o, std::cout, std::cerr);
    }
    if (sql_->parsed()) return lake_sql(root_, query_, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "lake: " << e.what() << "\n";
    return 2;
  }
  return 2;
}

}  // namespace stockpulse
