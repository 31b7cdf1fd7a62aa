// ExternalSorter against std::sort on (key, bytes): in memory, with many runs, and with more runs
// than it merges at once; a shuffled input sorts to the same output; run files are gone
// afterwards.
#include "source/external_sort.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace stockpulse {
namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("sp-sort-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

using Record = std::pair<int64_t, std::string>;

std::vector<Record> random_records(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<Record> out;
  for (size_t i = 0; i < n; ++i) {
    // Few distinct keys (ties must keep their input order), negative ones, and sizes from 0 up.
    const int64_t key = static_cast<int64_t>(rng() % 200) - 100;
    std::string text = "r" + std::to_string(i) + std::string(rng() % 300, 'x');
    if (i % 97 == 0) text.clear();
    out.emplace_back(key, std::move(text));
  }
  return out;
}

std::vector<Record> sorted_by_sorter(const std::vector<Record>& in, ExternalSorter::Options o,
                                     size_t* runs = nullptr) {
  ExternalSorter sorter(o);
  for (const auto& [k, r] : in) {
    const auto err = sorter.add(k, r);
    EXPECT_FALSE(err) << *err;
    EXPECT_LE(sorter.memory_bytes(), std::max<size_t>(o.memory_bytes * 2, 4096));
  }
  if (runs) *runs = sorter.runs_written();
  std::vector<Record> out;
  const auto err = sorter.merge([&](int64_t k, std::string_view r) {
    out.emplace_back(k, std::string(r));
    return true;
  });
  EXPECT_FALSE(err) << *err;
  return out;
}

// Key order, ties in byte order.
std::vector<Record> reference(std::vector<Record> in) {
  std::sort(in.begin(), in.end());
  return in;
}

TEST(ExternalSorter, InMemoryIsAStableSort) {
  const auto in = random_records(1, 5000);
  const auto dir = temp_dir("mem");
  size_t runs = 99;
  EXPECT_EQ(sorted_by_sorter(in, {.dir = dir.string()}, &runs), reference(in));
  EXPECT_EQ(runs, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir)) << "nothing spilled, no folder";
}

TEST(ExternalSorter, ManyRunsMergeToAStableSortAndAreRemoved) {
  const auto in = random_records(2, 20000);
  const auto dir = temp_dir("runs");
  size_t runs = 0;
  EXPECT_EQ(sorted_by_sorter(in, {.dir = dir.string(), .memory_bytes = 64 << 10}, &runs),
            reference(in));
  EXPECT_GT(runs, 20u);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(ExternalSorter, MoreRunsThanTheFanInTakeSeveralPasses) {
  const auto in = random_records(3, 20000);
  const auto dir = temp_dir("passes");
  size_t runs = 0;
  EXPECT_EQ(
      sorted_by_sorter(in, {.dir = dir.string(), .memory_bytes = 32 << 10, .max_fan_in = 3}, &runs),
      reference(in));
  EXPECT_GT(runs, 100u);  // the first-level runs, and the longer runs the passes wrote
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(ExternalSorter, InputOrderDoesNotMatter) {
  auto in = random_records(5, 8000);
  for (size_t i = 0; i < in.size(); i += 7) in[i].second = "same";  // identical records too
  const auto dir = temp_dir("order");
  const ExternalSorter::Options o{.dir = dir.string(), .memory_bytes = 32 << 10};
  const auto a = sorted_by_sorter(in, o);
  std::mt19937_64 rng(9);
  std::shuffle(in.begin(), in.end(), rng);
  EXPECT_EQ(sorted_by_sorter(in, o), a);
  std::filesystem::remove_all(dir);
}

TEST(ExternalSorter, EmitCanStopEarly) {
  const auto in = random_records(4, 3000);
  const auto dir = temp_dir("stop");
  ExternalSorter sorter({.dir = dir.string(), .memory_bytes = 16 << 10});
  for (const auto& [k, r] : in) ASSERT_FALSE(sorter.add(k, r));
  size_t seen = 0;
  EXPECT_FALSE(sorter.merge([&](int64_t, std::string_view) { return ++seen < 10; }));
  EXPECT_EQ(seen, 10u);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(ExternalSorter, AnUnwritableFolderIsAnErrorNotACrash) {
  ExternalSorter sorter({.dir = "/proc/stockpulse-no-such-dir", .memory_bytes = 1024});
  std::optional<std::string> err;
  for (int i = 0; i < 100 && !err; ++i) err = sorter.add(i, std::string(100, 'x'));
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("/proc/stockpulse-no-such-dir"), std::string::npos) << *err;
}

}  // namespace
}  // namespace stockpulse
