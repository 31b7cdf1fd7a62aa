// `--lake s3://BUCKET/PREFIX`, end to end: the real binary writes its Parquet lake to a real Ceph
// radosgw (started by the test; it checks SigV4 signatures), and the bucket ends up holding
// exactly the lake files, byte for byte. Wrong keys are refused at start-up with a clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "e2e_support.h"
#include "sink/s3_object_store.h"
#include "sink/tests/ceph_cluster.h"

namespace stockpulse::e2e {
namespace {

std::string env_for(const testing::CephCluster& c, const std::string& secret) {
  return "AWS_ENDPOINT_URL=" + c.endpoint() +
         " AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=" + testing::CephCluster::kAccessKey +
         " AWS_SECRET_ACCESS_KEY=" + secret + " ";
}

TEST(S3Lake, RunUploadsEveryLakeFileToTheBucketAndRefusesWrongKeys) {
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

  const auto gen =
      run(binary() + " generate --posts 20000 --seed 4 --posts-out " +
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
  std::set<std::string> local;
  const auto root = dir / "out" / "lake";
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".parquet") {
      local.insert(std::filesystem::relative(e.path(), root).string());
    }
  }
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
}

}  // namespace
}  // namespace stockpulse::e2e
