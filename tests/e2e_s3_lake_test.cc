// `--lake s3://BUCKET/PREFIX`, end to end: the real binary writes its Parquet lake to a real Ceph
// radosgw (started by the test; it checks SigV4 signatures), and the bucket ends up holding
// exactly the lake files, byte for byte. Wrong keys are refused at start-up with a clear error.
// Then `backfill --from s3://BUCKET/PREFIX` on that bucket: the serving store it writes equals a
// backfill of the run's local lake folder, a re-run copies nothing, wrong keys are refused, and a
// --since/--until range copies only the files of the hours it overlaps.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <regex>
#include <set>

#include "e2e_support.h"
#include "sink/s3_object_store.h"
#include "sink/tests/ceph_cluster.h"

namespace stockpulse::e2e {
namespace {

// The .parquet files under `root`, as paths relative to it.
std::set<std::string> parquet_files(const std::filesystem::path& root) {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".parquet") {
      files.insert(std::filesystem::relative(e.path(), root).string());
    }
  }
  return files;
}

// The number a "<what> N" phrase of `text` gives, or -1.
long number_after(const std::string& text, const std::string& what) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(what + " (\\d+)"))) return -1;
  return std::stol(m[1]);
}

std::string env_for(const testing::CephCluster& c, const std::string& secret) {
  return "AWS_ENDPOINT_URL=" + c.endpoint() +
         " AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=" + testing::CephCluster::kAccessKey +
         " AWS_SECRET_ACCESS_KEY=" + secret + " ";
}

TEST(S3Lake, RunUploadsTheLakeBackfillReadsItBackAndWrongKeysAreRefused) {
  const auto dir = scratch("s3_lake");
  testing::CephCluster cluster(dir / "ceph");
  const auto started = cluster.start();
  ASSERT_FALSE(started.has_value()) << "cannot start Ceph radosgw: " << *started;

  S3Options so;
  so.endpoint = cluster.endpoint();
  so.bucket = "lake-e2e";
  so.access_key = testing::CephCluster::kAccessKey;
  so.secret_key = testing::CephCluster::kSecretKey;
  S3ObjectStore bucket(so);
  ASSERT_TRUE(bucket.create_bucket().ok());

  // Starting at 13:57, the 400 s of posts fall into two hour partitions (13 and 14).
  const auto gen =
      run(binary() + " generate --posts 20000 --seed 4 --start 2024-05-01T13:57:00Z --posts-out " +
          (dir / "posts.jsonl").string() + " --bars-out " + (dir / "bars.jsonl").string());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string cmd = binary() + " run --posts " + (dir / "posts.jsonl").string() + " --bars " +
                          (dir / "bars.jsonl").string() +
                          " --until-eof --quiet --lake s3://lake-e2e/archive --output-dir ";

  // A wrong secret: refused before any work, naming the variables to fix, never echoing keys.
  const auto refused = run(env_for(cluster, "not-the-secret") + cmd + (dir / "refused").string());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("not-the-secret"), std::string::npos) << refused.output;

  const auto ok =
      run(env_for(cluster, testing::CephCluster::kSecretKey) + cmd + (dir / "out").string());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;

  // Every local lake file is in the bucket under the prefix, with the same bytes.
  const auto root = dir / "out" / "lake";
  const std::set<std::string> local = parquet_files(root);
  ASSERT_GE(local.size(), 4u) << "expected files of all four lake tables";
  auto listed = bucket.list("archive/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  std::set<std::string> remote;
  for (const auto& o : listed.value()) remote.insert(o.key.substr(std::string("archive/").size()));
  EXPECT_EQ(local, remote);
  const std::string one = *local.begin();
  auto got = bucket.get("archive/" + one);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got.value(), slurp(root / one)) << one;

  // Backfill from the bucket and from the run's local lake folder: the same serving rows.
  const std::string env = env_for(cluster, testing::CephCluster::kSecretKey);
  const std::string backfill =
      binary() + " backfill --scorer finance --output-dir " + (dir / "bf").string() + " --from ";
  const std::string staging = (dir / "staging").string();
  const auto from_s3 = run(env + backfill + "s3://lake-e2e/archive --staging " + staging +
                           " --serving sqlite:" + (dir / "A.db").string());
  ASSERT_EQ(from_s3.exit_code, 0) << from_s3.output;
  std::cout << from_s3.output;
  EXPECT_GT(number_after(from_s3.output, "copied"), 0) << from_s3.output;
  const auto from_dir =
      run(backfill + root.string() + " --serving sqlite:" + (dir / "B.db").string());
  ASSERT_EQ(from_dir.exit_code, 0) << from_dir.output;
  const auto same = run(python() + " " + STOCKPULSE_SOURCE_DIR + "/tests/e2e/compare_serving.py " +
                        (dir / "B.db").string() + " " + (dir / "A.db").string());
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_GT(number_after(same.output, "tweets: expected \\d+ rows, actual"), 0) << same.output;
  std::cout << same.output;

  // A second backfill with the same staging folder copies nothing.
  const auto again = run(env + backfill + "s3://lake-e2e/archive --staging " + staging +
                         " --serving sqlite:" + (dir / "A.db").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("copied 0 files (0.0 MB), " +
                              std::to_string(parquet_files(staging).size()) + " already there"),
            std::string::npos)
      << again.output;

  // A wrong secret: exit 2, naming the variable, never echoing the secret.
  const auto wrong = run(env_for(cluster, "not-the-secret") + backfill +
                         "s3://lake-e2e/archive --staging " + (dir / "wrong").string());
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << wrong.output;
  EXPECT_EQ(wrong.output.find("not-the-secret"), std::string::npos) << wrong.output;

  // A range within hour 14 copies the files of hour 14 only.
  const auto ranged = run(env + backfill + "s3://lake-e2e/archive --since 2024-05-01T14:00:00Z " +
                          "--until 2024-05-01T14:30:00Z --staging " + (dir / "ranged").string() +
                          " --serving sqlite:" + (dir / "D.db").string());
  ASSERT_EQ(ranged.exit_code, 0) << ranged.output;
  std::set<std::string> hour_14, other_hours;
  for (const std::string& key : remote) {
    if (!key.starts_with("tweets/")) continue;
    (key.find("/date=2024-05-01/hour=14/") != std::string::npos ? hour_14 : other_hours)
        .insert(key);
  }
  ASSERT_FALSE(hour_14.empty());
  ASSERT_FALSE(other_hours.empty()) << "the run should have written tweets of hour 13 too";
  std::set<std::string> staged_tweets;
  for (const std::string& f : parquet_files(dir / "ranged")) {
    if (f.starts_with("tweets/")) staged_tweets.insert(f);
  }
  EXPECT_EQ(staged_tweets, hour_14);
  EXPECT_NE(ranged.output.find("copied " + std::to_string(parquet_files(dir / "ranged").size()) +
                               " files"),
            std::string::npos)
      << ranged.output;
}

}  // namespace
}  // namespace stockpulse::e2e
