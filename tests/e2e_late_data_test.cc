// Late data decided per record: on posts out of time order, with some far behind (late), file
// mode gives the same tables and the same late records at every batch size and worker count, and
// they are exactly the late records an independent per-record computation finds.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <string>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

class LateData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = scratch("late_data-" + std::to_string(::getpid()));
    const auto gen =
        run(binary() + " generate --posts 20000 --seed 17 --posts-per-second 20 " + "--posts-out " +
            (dir_ / "sorted.jsonl").string() + " --bars-out " + (dir_ / "bars.jsonl").string());
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    const auto dis =
        run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/late_data.py " + "disorder " +
            (dir_ / "sorted.jsonl").string() + " " + (dir_ / "posts.jsonl").string() + " 3");
    ASSERT_EQ(dis.exit_code, 0) << dis.output;
  }

  static CommandResult process(const std::string& out, const std::string& extra) {
    return run(binary() + " run --posts " + (dir_ / "posts.jsonl").string() + " --bars " +
               (dir_ / "bars.jsonl").string() +
               " --until-eof --keep-file-order --quiet --lake none --output-dir " +
               (dir_ / out).string() + " " + extra);
  }

  // "N dead letters" from the closing summary.
  static std::string summary_dead_letters(const std::string& output) {
    const size_t at = output.find(" dead letters");
    if (at == std::string::npos) return "?";
    size_t from = output.rfind(' ', at - 1);
    return output.substr(from + 1, at - from - 1);
  }

  static std::filesystem::path dir_;
};
std::filesystem::path LateData::dir_;

// In file order (--keep-file-order): the late posts are decided record by record.
TEST_F(LateData, SameTablesAndLateRecordsAtEveryBatchSizeAndWorkerCount) {
  const auto ref = process("b2048", "--batch-size 2048 --workers 2");
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const std::string want_tables = dump_serving_tables(dir_ / "b2048/serving.db");
  const std::string want_late = slurp(dir_ / "b2048/dead_letter.jsonl");
  ASSERT_NE(want_late.find("\"late\""), std::string::npos) << "the input must hold late posts";

  // The independent computation: which posts are late, and which are stored.
  const auto check =
      run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/late_data.py check " +
          (dir_ / "posts.jsonl").string() + " " + (dir_ / "b2048/dead_letter.jsonl").string() +
          " " + (dir_ / "b2048/serving.db").string() + " 600");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find(" 0 problems"), std::string::npos) << check.output;
  // And the windows are those of the stored posts.
  const auto windows =
      run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/check_windows.py " +
          (dir_ / "b2048/serving.db").string() + " " + (dir_ / "bars.jsonl").string() + " 300 60");
  EXPECT_EQ(windows.exit_code, 0) << windows.output;

  for (const char* extra : {"--batch-size 1 --workers 1", "--batch-size 64 --workers 2",
                            "--batch-size 2048 --workers 1", "--batch-size 8192 --workers 2"}) {
    SCOPED_TRACE(extra);
    std::string out = std::string("run-") + extra;
    for (char& c : out) {
      if (c == ' ' || c == '-') c = '_';
    }
    const auto r = process(out, extra);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(summary_dead_letters(r.output), summary_dead_letters(ref.output)) << r.output;
    EXPECT_TRUE(dump_serving_tables(dir_ / out / "serving.db") == want_tables)
        << "tables differ from the run with --batch-size 2048 --workers 2";
    EXPECT_TRUE(slurp(dir_ / out / "dead_letter.jsonl") == want_late)
        << "dead letters differ from the run with --batch-size 2048 --workers 2";
  }
}

// The default, sorting: the posts shuffled (file order unrelated to time) give exactly the tables
// of their time-sorted version, through a sort that spills runs to disk (1 MB of sort memory),
// and the lake holds every post once.
TEST_F(LateData, ShuffledInputGivesTheTablesOfItsSortedVersion) {
  const auto shuffle =
      run(python() +
          " -c \"import random,sys; l=open(sys.argv[1]).readlines(); "
          "random.Random(5).shuffle(l); open(sys.argv[2],'w').writelines(l)\" " +
          (dir_ / "sorted.jsonl").string() + " " + (dir_ / "shuffled.jsonl").string());
  ASSERT_EQ(shuffle.exit_code, 0) << shuffle.output;
  {
    std::ofstream toml(dir_ / "small_sort.toml");
    toml << "[sources]\nsort_memory_mb = 1\n";
  }
  auto sorted_run = [&](const std::string& posts, const std::string& out) {
    return run(binary() + " run --config " + (dir_ / "small_sort.toml").string() + " --posts " +
               (dir_ / posts).string() + " --bars " + (dir_ / "bars.jsonl").string() +
               " --until-eof --output-dir " + (dir_ / out).string());
  };
  const auto a = sorted_run("sorted.jsonl", "sorted_run");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const auto b = sorted_run("shuffled.jsonl", "shuffled_run");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find("runs spilled"), std::string::npos) << b.output;
  EXPECT_NE(b.output.find(" 0 late"), std::string::npos) << b.output;
  EXPECT_TRUE(dump_serving_tables(dir_ / "sorted_run/serving.db") ==
              dump_serving_tables(dir_ / "shuffled_run/serving.db"))
      << "the shuffled input gave other tables than its sorted version";
  EXPECT_FALSE(std::filesystem::exists(dir_ / "shuffled_run/sorted"))
      << "a finished run removes its sorted copies";
  const auto lake = run(std::string("STOCKPULSE_NODE_MODULES=") + STOCKPULSE_SOURCE_DIR +
                        "/.deps/node/node_modules node " + STOCKPULSE_SOURCE_DIR +
                        "/tests/e2e/lake_rows.mjs " + (dir_ / "shuffled_run/lake").string());
  ASSERT_EQ(lake.exit_code, 0) << lake.output;
  const std::string rows = "\"rows\":" + std::to_string(count_lines(dir_ / "sorted.jsonl"));
  const auto at = lake.output.find("\"tweets\"");
  ASSERT_NE(at, std::string::npos) << lake.output;
  EXPECT_EQ(lake.output.find(rows, at), lake.output.find("\"rows\":", at)) << lake.output;
}

}  // namespace
}  // namespace stockpulse::e2e
