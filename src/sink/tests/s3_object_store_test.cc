// Tests of the S3 object store and the lake upload against a real Ceph radosgw (Debian), which
// verifies SigV4 signatures for real. One cluster is shared by the suite (~15 s to start).
// LABELS s3. If the cluster cannot start, every test fails with the reason.

#include "sink/s3_object_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sink/lake_mirror.h"
#include "sink/lake_uploader.h"
#include "sink/lake_writer.h"
#include "sink/tests/ceph_cluster.h"
#include "sink/tests/sink_test_data.h"
#include "sink/tests/temp_dir.h"

namespace stockpulse {
namespace {

namespace fs = std::filesystem;
using testing::CephCluster;
using testing::make_post;

constexpr int64_t kT0 = 1714573805123;  // 2024-05-01T14:30:05.123Z

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class S3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // No retry here: the flaky start ("wrong fsid") was a race in the OSD's start-up, fixed in
    // CephCluster (see its comment); a failure now is a real one and is reported as such.
    dir_ = new testing::TempDir();
    cluster_ = new CephCluster(dir_->path() / "ceph");
    start_error_ = cluster_->start();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_FALSE(start_error_.has_value()) << "cannot start Ceph radosgw: " << *start_error_;
  }
  static S3Options options(const std::string& bucket) {
    S3Options o;
    o.endpoint = cluster_->endpoint();
    o.bucket = bucket;
    o.path_style = true;
    o.access_key = CephCluster::kAccessKey;
    o.secret_key = CephCluster::kSecretKey;
    o.initial_backoff = std::chrono::milliseconds(50);
    return o;
  }
  static std::unique_ptr<S3ObjectStore> bucket(const std::string& name) {
    auto s = std::make_unique<S3ObjectStore>(options(name));
    auto r = s->create_bucket();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return s;
  }

  static testing::TempDir* dir_;
  static CephCluster* cluster_;
  static std::optional<std::string> start_error_;
};

testing::TempDir* S3Test::dir_ = nullptr;
CephCluster* S3Test::cluster_ = nullptr;
std::optional<std::string> S3Test::start_error_;

TEST(S3LocationTest, Parses) {
  auto a = S3Location::parse("s3://my-bucket/lake/prod/");
  EXPECT_EQ(a.bucket, "my-bucket");
  EXPECT_EQ(a.prefix, "lake/prod");
  auto b = S3Location::parse("s3://b");
  EXPECT_EQ(b.bucket, "b");
  EXPECT_EQ(b.prefix, "");
  EXPECT_EQ(S3Location::parse("/local/lake").bucket, "");
}

TEST_F(S3Test, PutListGetWithHivePartitionKeys) {
  auto s3 = bucket("roundtrip");
  const testing::TempDir local;
  const fs::path file = local.path() / "f.parquet";
  std::string bytes;
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) bytes += static_cast<char>(rng() & 0xff);
  std::ofstream(file, std::ios::binary) << bytes;

  const std::string k1 = "lake/tweets/date=2024-05-01/hour=14/part-p0-0-99.parquet";
  const std::string k2 = "lake/tweets/date=2024-05-01/hour=15/part p1+x.parquet";
  ASSERT_TRUE(s3->put_file(k1, file.string()).ok());
  auto p2 = s3->put(k2, "small");
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  ASSERT_TRUE(s3->put("other/x", "x").ok());

  auto listed = s3->list("lake/tweets/date=2024-05-01/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed.value().size(), 2u);
  EXPECT_EQ(listed.value()[0].key, k1);
  EXPECT_EQ(listed.value()[0].size, bytes.size());
  EXPECT_EQ(listed.value()[1].key, k2);

  auto got = s3->get(k1);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got.value() == bytes) << "downloaded bytes differ";
  EXPECT_EQ(s3->get(k2).value(), "small");

  // Same key again: replaced, not duplicated.
  ASSERT_TRUE(s3->put(k2, "again").ok());
  EXPECT_EQ(s3->get(k2).value(), "again");
  EXPECT_EQ(s3->list("lake/").value().size(), 2u);

  ASSERT_TRUE(s3->remove(k2).ok());
  auto missing = s3->get(k2);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ObjectStoreErrorKind::kNotFound);
}

TEST_F(S3Test, ListPagesThroughManyKeys) {
  auto s3 = bucket("paging");
  for (int i = 0; i < 1005; ++i) {
    ASSERT_TRUE(s3->put("k/" + std::to_string(10000 + i), "v").ok());
  }
  auto listed = s3->list("k/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed.value().size(), 1005u);
  EXPECT_EQ(listed.value().back().key, "k/11004");
}

TEST_F(S3Test, LargeFileGoesUpInParts) {
  S3Options o = options("multipart");
  o.multipart_threshold = 5ull << 20;
  o.part_size = 5ull << 20;
  S3ObjectStore s3(o);
  ASSERT_TRUE(s3.create_bucket().ok());
  const testing::TempDir local;
  const fs::path file = local.path() / "big.parquet";
  std::string bytes(11u << 20, '\0');  // three parts: 5 + 5 + 1 MiB
  std::mt19937_64 rng(11);
  for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    const uint64_t v = rng();
    std::memcpy(bytes.data() + i, &v, 8);
  }
  std::ofstream(file, std::ios::binary) << bytes;
  auto put = s3.put_file("lake/big/date=2024-05-01/hour=00/big.parquet", file.string());
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(s3.multipart_uploads(), 1u);
  auto got = s3.get("lake/big/date=2024-05-01/hour=00/big.parquet");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got.value().size(), bytes.size());
  EXPECT_TRUE(got.value() == bytes) << "multipart object differs from the file";

  // Streamed to a file instead of memory: the same bytes; a missing key is kNotFound, its
  // error read back from what the server wrote.
  const fs::path copy = local.path() / "copy.parquet";
  auto streamed = s3.get_file("lake/big/date=2024-05-01/hour=00/big.parquet", copy.string());
  ASSERT_TRUE(streamed.ok()) << streamed.error().message;
  EXPECT_EQ(streamed.value(), bytes.size());
  EXPECT_TRUE(read_file(copy) == bytes) << "streamed object differs from the file";
  auto missing = s3.get_file("lake/big/no-such.parquet", (local.path() / "none").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ObjectStoreErrorKind::kNotFound) << missing.error().message;
  EXPECT_NE(missing.error().message.find("NoSuchKey"), std::string::npos)
      << missing.error().message;
}

TEST_F(S3Test, WrongSecretIsAClearAuthError) {
  bucket("auth-check");
  S3Options o = options("auth-check");
  o.secret_key = "definitely-not-the-secret";
  S3ObjectStore s3(o);
  auto r = s3.put("x", "y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ObjectStoreErrorKind::kAuth);
  EXPECT_NE(r.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("403"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("definitely-not-the-secret"), std::string::npos);
  EXPECT_EQ(s3.retries(), 0u) << "a refused key must not be retried";
  auto probe = s3.probe("");
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.error().kind, ObjectStoreErrorKind::kAuth);

  S3Options wrong_key = options("auth-check");
  wrong_key.access_key = "NOSUCHKEY";
  S3ObjectStore s3b(wrong_key);
  auto rb = s3b.get("x");
  ASSERT_FALSE(rb.ok());
  EXPECT_EQ(rb.error().kind, ObjectStoreErrorKind::kAuth) << rb.error().message;
}

// The lake path end to end: LakeWriter writes files locally, LakeUploader ships each one under
// the same relative key; the bucket then holds byte-identical copies.
TEST_F(S3Test, LakeFilesAreUploadedUnderTheirRelativeKeys) {
  bucket("lake");
  const testing::TempDir local;
  const std::string root = (local.path() / "lake").string();
  LakeUploadOptions uo;
  uo.local_root = root;
  uo.prefix = "prod/lake";
  uo.initial_backoff = std::chrono::milliseconds(50);
  LakeUploader uploader(std::make_unique<S3ObjectStore>(options("lake")), uo);
  {
    LakeOptions lo;
    lo.root = root;
    lo.on_file_written = [&](const std::string& rel) { uploader.enqueue(rel); };
    LakeWriter writer(lo);
    std::vector<ScoredPost> posts;
    for (int i = 0; i < 300; ++i) {
      // Two hours, two partitions: four files.
      posts.push_back(make_post("p" + std::to_string(i), kT0 + (i % 2) * 3600000LL, 0.1,
                                {{"AAPL", 0.1}}, i % 4 < 2 ? 0 : 1, i));
    }
    writer.append_posts(posts);
    writer.close();
    EXPECT_EQ(writer.files_written(), 4u);
  }
  ASSERT_TRUE(uploader.wait_idle(std::chrono::seconds(30))) << uploader.last_error();
  EXPECT_EQ(uploader.counters().files_uploaded, 4u);
  EXPECT_EQ(uploader.counters().files_failed, 0u);

  S3ObjectStore reader(options("lake"));
  auto listed = reader.list("prod/lake/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  std::vector<std::string> local_files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) local_files.push_back(fs::relative(e.path(), root).generic_string());
  }
  std::sort(local_files.begin(), local_files.end());
  ASSERT_EQ(listed.value().size(), local_files.size());
  for (size_t i = 0; i < local_files.size(); ++i) {
    EXPECT_EQ(listed.value()[i].key, "prod/lake/" + local_files[i]);
    EXPECT_TRUE(local_files[i].starts_with("tweets/date=2024-05-01/hour=1")) << local_files[i];
    auto got = reader.get(listed.value()[i].key);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(got.value() == read_file(fs::path(root) / local_files[i])) << local_files[i];
  }

  // A restart's catch-up finds every file in the bucket already: nothing goes up again.
  EXPECT_EQ(uploader.enqueue_existing(), local_files.size());
  ASSERT_TRUE(uploader.wait_idle(std::chrono::seconds(30)));
  EXPECT_EQ(uploader.counters().files_uploaded, 4u);
  EXPECT_EQ(uploader.counters().files_skipped, local_files.size());
  EXPECT_EQ(reader.list("prod/lake/").value().size(), local_files.size());

  // A new uploader (the restart) with one object missing and one local file re-written to a
  // different size uploads exactly those two; the bucket then equals the local lake again.
  ASSERT_TRUE(reader.remove("prod/lake/" + local_files[0]).ok());
  std::ofstream(fs::path(root) / local_files[1], std::ios::app) << "x";
  LakeUploader restarted(std::make_unique<S3ObjectStore>(options("lake")), uo);
  EXPECT_EQ(restarted.enqueue_existing(), local_files.size());
  ASSERT_TRUE(restarted.wait_idle(std::chrono::seconds(30))) << restarted.last_error();
  EXPECT_EQ(restarted.counters().files_uploaded, 2u);
  EXPECT_EQ(restarted.counters().files_skipped, local_files.size() - 2);
  auto relisted = reader.list("prod/lake/");
  ASSERT_TRUE(relisted.ok()) << relisted.error().message;
  ASSERT_EQ(relisted.value().size(), local_files.size());
  for (size_t i = 0; i < local_files.size(); ++i) {
    auto got = reader.get("prod/lake/" + local_files[i]);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(got.value() == read_file(fs::path(root) / local_files[i])) << local_files[i];
  }
}

TEST(LakeKeyTest, HourStartOfAHivePartitionKey) {
  EXPECT_EQ(lake_key_hour_start_ms("a/tweets/date=2024-05-01/hour=14/part-p0-1-2.parquet"),
            1714572000000);
  EXPECT_EQ(lake_key_hour_start_ms("tweets/date=1970-01-01/hour=00/x.parquet"), 0);
  EXPECT_EQ(lake_key_hour_start_ms("tweets/date=2024-02-30/hour=01/x.parquet"), -1);
  EXPECT_EQ(lake_key_hour_start_ms("tweets/date=2024-05-01/hour=24/x.parquet"), -1);
  EXPECT_EQ(lake_key_hour_start_ms("tweets/date=2024-5-01/hour=14/x.parquet"), -1);
  EXPECT_EQ(lake_key_hour_start_ms("tweets/x.parquet"), -1);
}

// An S3 lake's files of the hours a range needs are copied under their relative paths, byte for
// byte; a second mirror copies nothing; other hours and other tables stay in the bucket.
TEST_F(S3Test, MirrorCopiesTheHoursOfARange) {
  auto store = bucket("mirror");
  const testing::TempDir local;
  const fs::path source = local.path() / "source";
  {
    LakeOptions lo;
    lo.root = source.string();
    LakeWriter writer(lo);
    std::vector<ScoredPost> posts;
    for (int i = 0; i < 90; ++i) {
      // Hours 14, 15 and 16 of 2024-05-01, one file each.
      posts.push_back(make_post("m" + std::to_string(i), kT0 + (i / 30) * 3600000LL, 0.2,
                                {{"MSFT", 0.2}}, 0, i));
    }
    writer.append_posts(posts);
    writer.close();
    ASSERT_EQ(writer.files_written(), 3u);
  }
  std::vector<std::string> keys;
  for (const auto& e : fs::recursive_directory_iterator(source)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), source).generic_string();
    ASSERT_TRUE(store->put_file("lake/" + rel, e.path().string()).ok());
    keys.push_back(rel);
  }
  ASSERT_TRUE(store->put("lake/market_data/date=2024-05-01/hour=15/other.parquet", "bars").ok());

  LakeMirrorOptions mo;
  mo.prefix = "lake";
  mo.tables = {"tweets"};
  mo.since_ms = kT0 + 3600000LL;  // inside hour 15: hours 15 and 16 overlap [since, until)
  mo.until_ms = kT0 + 2 * 3600000LL - 1000;
  size_t progress_calls = 0;
  mo.on_progress = [&](size_t done, size_t total) {
    ++progress_calls;
    EXPECT_LE(done, total);
  };
  const fs::path mirror = local.path() / "mirror";
  auto first = mirror_lake(*store, mirror, mo);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first.value().files_copied, 2u);
  EXPECT_EQ(progress_calls, 2u);
  std::vector<std::string> copied;
  for (const auto& e : fs::recursive_directory_iterator(mirror)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), mirror).generic_string();
    copied.push_back(rel);
    EXPECT_TRUE(read_file(e.path()) == read_file(source / rel)) << rel;
  }
  std::sort(copied.begin(), copied.end());
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_NE(copied[0].find("hour=15"), std::string::npos) << copied[0];
  EXPECT_NE(copied[1].find("hour=16"), std::string::npos) << copied[1];

  auto again = mirror_lake(*store, mirror, mo);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again.value().files_copied, 0u);
  EXPECT_EQ(again.value().files_present, 2u);
}

TEST_F(S3Test, UploaderReportsRefusedCredentials) {
  bucket("lake-auth");
  const testing::TempDir local;
  fs::create_directories(local.path() / "t");
  std::ofstream(local.path() / "t" / "a.parquet") << "abc";
  S3Options o = options("lake-auth");
  o.secret_key = "wrong";
  LakeUploadOptions uo;
  uo.local_root = local.path().string();
  LakeUploader uploader(std::make_unique<S3ObjectStore>(o), uo);
  EXPECT_EQ(uploader.enqueue_existing(), 1u);
  ASSERT_TRUE(uploader.wait_idle(std::chrono::seconds(30)));
  EXPECT_EQ(uploader.counters().files_failed, 1u);
  EXPECT_NE(uploader.last_error().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << uploader.last_error();
}

}  // namespace
}  // namespace stockpulse
