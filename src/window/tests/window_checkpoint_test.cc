// Checkpoints: an engine saved mid-stream and restored into a new engine continues exactly like
// one that never stopped; damaged checkpoints are refused without touching the engine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "random_stream.h"
#include "test_agg.h"
#include "window/checkpoint_file.h"
#include "window/window_engine.h"

namespace stockpulse::testing {
namespace {

using Engine = WindowEngine<TestAgg>;

Engine::Options options_for(const RandomStream& s) {
  Engine::Options o;
  o.spec = s.spec;
  o.max_keys = s.max_keys;
  o.allowed_lateness_ms = s.lateness;
  o.ring_panes = s.ring_panes;
  return o;
}

// Runs steps [from, to) of s on engine, appending a line per output and status to log.
void run_steps(Engine& engine, const RandomStream& s, size_t from, size_t to,
               std::vector<std::string>& log) {
  auto collect = [&](const char* kind) {
    return [&log, kind](const WindowResult<TestAgg>& r) {
      log.push_back(std::string(kind) + " " + std::string(r.key) + " " +
                    std::to_string(r.start.value()) + " " + std::to_string(r.agg.count) + " " +
                    std::to_string(r.agg.sum));
    };
  };
  for (size_t i = from; i < to; ++i) {
    const StreamStep& st = s.steps[i];
    switch (st.kind) {
      case StreamStep::Kind::kEvent: {
        auto status = engine.add(st.key, EventTime(st.t), [&](TestAgg& a) { a.add(st.value); });
        log.push_back("status " + std::to_string(static_cast<int>(status)));
        // A watermark that trails this event by the lateness (monotonic inside the engine).
        engine.advance_watermark(EventTime(st.t - s.lateness), collect("final"));
        break;
      }
      case StreamStep::Kind::kEmit:
        engine.emit_updates(collect("update"));
        break;
      case StreamStep::Kind::kFlush:
        engine.flush(collect("final"));
        break;
    }
  }
  log.push_back("late " + std::to_string(engine.late_count()) + " key_limit " +
                std::to_string(engine.key_limit_count()));
}

TEST(WindowCheckpoint, RestoredEngineContinuesLikeUninterruptedOne) {
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    const RandomStream s = make_random_stream(seed);
    const size_t cut = s.steps.size() / 2;
    Engine whole(options_for(s));
    std::vector<std::string> want;
    run_steps(whole, s, 0, cut, want);
    run_steps(whole, s, cut, s.steps.size(), want);

    std::vector<std::string> got;
    std::string bytes;
    {
      Engine first(options_for(s));
      run_steps(first, s, 0, cut, got);
      first.save(bytes);
    }
    Engine second(options_for(s));
    ASSERT_TRUE(second.restore(bytes)) << "seed " << seed;
    run_steps(second, s, cut, s.steps.size(), got);
    ASSERT_EQ(want, got) << "seed " << seed;
  }
}

std::string checkpoint_of_small_run(Engine& engine) {
  engine.add("AAPL", EventTime(1000), [](TestAgg& a) { a.add(1); });
  engine.add("MSFT", EventTime(61000), [](TestAgg& a) { a.add(2); });
  engine.advance_watermark(EventTime(500), [](const auto&) {});
  std::string bytes;
  engine.save(bytes);
  return bytes;
}

Engine::Options small_options() {
  Engine::Options o;
  o.spec = {120000, 60000};
  return o;
}

TEST(WindowCheckpoint, EveryFlippedByteAndEveryTruncationIsRejected) {
  Engine source(small_options());
  const std::string bytes = checkpoint_of_small_run(source);
  Engine target(small_options());
  target.add("KEEP", EventTime(5), [](TestAgg& a) { a.add(9); });
  std::string before;
  target.save(before);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ bit);
      EXPECT_FALSE(target.restore(damaged)) << "byte " << i;
    }
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(target.restore(std::string_view(bytes).substr(0, n))) << "length " << n;
  }
  EXPECT_FALSE(target.restore(bytes + "x"));
  std::string after;
  target.save(after);
  EXPECT_EQ(before, after) << "a refused checkpoint must leave the engine as it was";
  EXPECT_TRUE(target.restore(bytes));
  EXPECT_EQ(target.key_count(), 2u);
  EXPECT_EQ(target.pane_count(), 2u);
}

TEST(WindowCheckpoint, OtherSpecOrAggregateIsRejected) {
  Engine source(small_options());
  const std::string bytes = checkpoint_of_small_run(source);
  Engine::Options other = small_options();
  other.spec = {60000, 60000};
  Engine wrong_spec(other);
  EXPECT_FALSE(wrong_spec.restore(bytes));

  // Same size as TestAgg, different type.
  struct OtherAgg {
    double a = 0, b = 0, c = 0, d = 0;
    void merge(const OtherAgg&) {}
  };
  static_assert(sizeof(OtherAgg) == sizeof(TestAgg));
  WindowEngine<OtherAgg>::Options oo;
  oo.spec = small_options().spec;
  WindowEngine<OtherAgg> wrong_agg(oo);
  EXPECT_FALSE(wrong_agg.restore(bytes));
}

TEST(WindowCheckpoint, FileRoundTripIsAtomic) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("sp_window_ckpt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "window.ckpt").string();
  Engine source(small_options());
  const std::string bytes = checkpoint_of_small_run(source);
  ASSERT_TRUE(write_file_atomically(path, "old content"));
  ASSERT_TRUE(write_file_atomically(path, bytes));
  auto read = read_file(path);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, bytes);
  // No temporary file left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_FALSE(read_file((dir / "missing").string()).has_value());
  EXPECT_FALSE(write_file_atomically((dir / "no/such/dir/x").string(), bytes));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stockpulse::testing
