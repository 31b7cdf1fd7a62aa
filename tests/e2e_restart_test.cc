// Restart without loss: a file-mode run killed with SIGKILL in the middle and started again must
// leave serving tables identical, row for row, to an uninterrupted run.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.h"

namespace stockpulse::e2e {
namespace {

// A run over posts out of time order, some of them late, killed once it has a checkpoint and
// started again, against the same run uninterrupted. `extra` are more flags (--keep-file-order:
// the posts in file order, so the resumed run must rule the same posts late).
void sigkill_then_resume(const std::string& name, const std::vector<std::string>& extra,
                         bool expect_late) {
  const auto dir = scratch(name);
  const auto gen =
      run(binary() + " generate --posts 400000 --seed 5 --posts-per-second 40 " + "--posts-out " +
          (dir / "sorted.jsonl").string() + " --bars-out " + (dir / "bars.jsonl").string());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  // Posts out of time order, some late: a resumed run must rule the same posts late.
  const auto dis =
      run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/late_data.py " + "disorder " +
          (dir / "sorted.jsonl").string() + " " + (dir / "posts.jsonl").string() + " 5");
  ASSERT_EQ(dis.exit_code, 0) << dis.output;

  auto command = [&](const std::string& out) {
    auto args = std::vector<std::string>{binary(),
                                         "run",
                                         "--posts",
                                         (dir / "posts.jsonl").string(),
                                         "--bars",
                                         (dir / "bars.jsonl").string(),
                                         "--until-eof",
                                         "--quiet",
                                         "--workers",
                                         "1",
                                         "--batch-size",
                                         "256",
                                         "--checkpoint-interval",
                                         "1",
                                         "--output-dir",
                                         (dir / out).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  // The reference: the same command, never interrupted.
  ASSERT_EQ(wait_exit(spawn(command("ref"), (dir / "ref.log").string())), 0)
      << slurp(dir / "ref.log");
  EXPECT_FALSE(std::filesystem::exists(dir / "ref/checkpoint.bin"))
      << "a finished run leaves no checkpoint";

  // Killed once a checkpoint exists, then run again until it finishes.
  const pid_t pid = spawn(command("killed"), (dir / "killed.log").string());
  ASSERT_GT(pid, 0);
  const auto ckpt = dir / "killed/checkpoint.bin";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!std::filesystem::exists(ckpt) && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0)
        << "the run ended before its first checkpoint; make the input larger\n"
        << slurp(dir / "killed.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(std::filesystem::exists(ckpt));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // more work after the checkpoint
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(wait_exit(pid), -SIGKILL) << "the run finished before it could be killed";
  ASSERT_TRUE(std::filesystem::exists(ckpt));

  ASSERT_EQ(wait_exit(spawn(command("killed"), (dir / "killed.log").string())), 0)
      << slurp(dir / "killed.log");
  const std::string log = slurp(dir / "killed.log");
  EXPECT_NE(log.find("resuming from checkpoint"), std::string::npos) << log;

  const std::string a = dump_serving_tables(dir / "ref/serving.db");
  const std::string b = dump_serving_tables(dir / "killed/serving.db");
  EXPECT_GT(a.size(), 1000000u);
  EXPECT_TRUE(a == b) << "serving tables differ after the restart";

  // The lake names post and bar files by offset range and skips ranges already written, so it
  // too holds every input record that is not late exactly once after the restart.
  size_t late = 0;
  {
    std::istringstream letters(slurp(dir / "ref/dead_letter.jsonl"));
    for (std::string line; std::getline(letters, line);) {
      if (line.find("\"reason\":\"late\"") != std::string::npos) ++late;
    }
  }
  if (expect_late) {
    EXPECT_GT(late, 0u) << "the input must hold late posts";
  } else {
    EXPECT_EQ(late, 0u) << "sorted input has no late posts";
  }
  for (const char* out : {"ref", "killed"}) {
    const auto lake = run(std::string("STOCKPULSE_NODE_MODULES=") + STOCKPULSE_SOURCE_DIR +
                          "/.deps/node/node_modules node " + STOCKPULSE_SOURCE_DIR +
                          "/tests/e2e/lake_rows.mjs " + (dir / out / "lake").string());
    ASSERT_EQ(lake.exit_code, 0) << lake.output;
    EXPECT_NE(lake.output.find("\"tweets\":{\"files\":"), std::string::npos) << lake.output;
    const std::string posts_rows =
        "\"rows\":" + std::to_string(count_lines(dir / "posts.jsonl") - late);
    const auto tweets_at = lake.output.find("\"tweets\"");
    ASSERT_NE(tweets_at, std::string::npos) << lake.output;
    EXPECT_EQ(lake.output.find(posts_rows, tweets_at), lake.output.find("\"rows\":", tweets_at))
        << out << ": " << lake.output;
  }
}

// The default: the files are sorted by event time first, and the resumed run reads the same
// sorted copy on from its checkpoint.
TEST(Restart, SigkillMidRunThenResumeEqualsAnUninterruptedRun) {
  sigkill_then_resume("restart", {}, /*expect_late=*/false);
}

// In file order: late posts are decided per record, the same after the restart.
TEST(Restart, SigkillMidRunInFileOrderRulesTheSamePostsLate) {
  sigkill_then_resume("restart_file_order", {"--keep-file-order"}, /*expect_late=*/true);
}

// Ctrl-C (SIGINT) or SIGTERM in file mode: the open windows are kept in a checkpoint rather than
// emitted half-filled, and the next run finishes the job with the same results.
TEST(Restart, StopSignalCheckpointsAndTheNextRunFinishesTheJob) {
  const auto dir = scratch("stop_signal");
  const auto gen =
      run(binary() + " generate --posts 400000 --seed 9 --posts-per-second 40 " + "--posts-out " +
          (dir / "posts.jsonl").string() + " --bars-out " + (dir / "bars.jsonl").string());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  auto command = [&](const std::string& out) {
    return std::vector<std::string>{binary(),       "run",
                                    "--posts",      (dir / "posts.jsonl").string(),
                                    "--bars",       (dir / "bars.jsonl").string(),
                                    "--until-eof",  "--quiet",
                                    "--workers",    "1",
                                    "--batch-size", "256",
                                    "--lake",       "none",
                                    "--output-dir", (dir / out).string()};
  };
  ASSERT_EQ(wait_exit(spawn(command("ref"), (dir / "ref.log").string())), 0);

  // The stop comes while the sorted copies (made first) are being read.
  stop_and_resume(
      command("stopped"), dir / "stopped", dir / "stopped.log", std::chrono::milliseconds(300), {},
      {dir / "stopped/sorted/posts.jsonl.source", dir / "stopped/sorted/bars.jsonl.source"});
  if (HasFatalFailure()) return;
  EXPECT_FALSE(std::filesystem::exists(dir / "stopped/checkpoint.bin"));
  EXPECT_TRUE(dump_serving_tables(dir / "ref/serving.db") ==
              dump_serving_tables(dir / "stopped/serving.db"))
      << "serving tables differ after a stop and a second run";
}

}  // namespace
}  // namespace stockpulse::e2e
