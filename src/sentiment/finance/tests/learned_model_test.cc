#include "sentiment/finance/learned_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "sentiment/finance/feature_hasher.h"

namespace stockpulse {
namespace {

LearnedModel small_model() {
  LearnedModel m;
  m.bits = 8;
  m.hashed.resize((size_t{1} << m.bits) * kModelClasses);
  for (size_t i = 0; i < m.hashed.size(); ++i)
    m.hashed[i] = static_cast<float>(i % 17) * 0.125f - 1.0f;
  m.dense = {0.5f, -0.25f, 1.5f, 0, 0.75f, -2.0f, 3.0f, 0.0625f, -0.5f};
  m.bias = {-0.5f, 0.25f, 0.125f};
  return m;
}

void put_u32(std::string& bytes, size_t at, uint32_t v) {
  for (int k = 0; k < 4; ++k) bytes[at + k] = static_cast<char>((v >> (8 * k)) & 0xff);
}

// Rewrites the trailing checksum so that a deliberate header change is what gets detected.
void reseal(std::string& bytes) {
  put_u32(bytes, bytes.size() - 4, crc32(std::string_view(bytes).substr(0, bytes.size() - 4)));
}

TEST(LearnedModel, HalfPrecisionConversion) {
  for (float f : {0.0f, 1.0f, -2.5f, 0.1f, 65504.0f, 6.1e-5f, 3e-7f, -1234.5f}) {
    const float back = half_to_float(float_to_half(f));
    EXPECT_NEAR(back, f, std::fabs(f) * 1e-3 + 6e-8) << f;
  }
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  // Round to nearest even: 1 + 2^-11 is exactly between 1 and 1 + 2^-10.
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);
}

TEST(LearnedModel, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
}

TEST(LearnedModel, SerializeParseRoundTrip) {
  LearnedModel m = small_model();
  m.round_to_stored_precision();
  const std::string bytes = m.serialize();
  EXPECT_EQ(bytes.size(), 32 + (256 * 3 + 9 + 3) * 2 + 4u);
  auto back = LearnedModel::parse(bytes);
  ASSERT_TRUE(back.ok()) << model_error_name(back.error());
  EXPECT_EQ(back.value().bits, m.bits);
  EXPECT_EQ(back.value().hashed, m.hashed);
  EXPECT_EQ(back.value().dense, m.dense);
  EXPECT_EQ(back.value().bias, m.bias);
  EXPECT_EQ(back.value().serialize(), bytes);
}

TEST(LearnedModel, RefusesTruncatedCorruptedAndForeignFiles) {
  const std::string good = small_model().serialize();
  auto error_of = [](const std::string& bytes) {
    auto r = LearnedModel::parse(bytes);
    EXPECT_FALSE(r.ok());
    return r.ok() ? ModelError::kIo : r.error();
  };
  EXPECT_EQ(error_of(""), ModelError::kTooShort);
  EXPECT_EQ(error_of(good.substr(0, 20)), ModelError::kTooShort);
  EXPECT_EQ(error_of(good.substr(0, good.size() - 1)), ModelError::kTooShort);
  EXPECT_EQ(error_of(good + "x"), ModelError::kBadChecksum);
  EXPECT_EQ(error_of("GIF89a......................................"), ModelError::kBadMagic);
  std::string flipped = good;
  flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
  EXPECT_EQ(error_of(flipped), ModelError::kBadChecksum);

  std::string version = good;
  put_u32(version, 8, LearnedModel::kFormatVersion + 1);
  reseal(version);
  EXPECT_EQ(error_of(version), ModelError::kBadVersion);
  std::string features = good;
  put_u32(features, 12, FeatureHasher::kFeatureVersion + 1);
  reseal(features);
  EXPECT_EQ(error_of(features), ModelError::kFeatureMismatch);
  std::string shape = good;
  put_u32(shape, 16, 30);
  reseal(shape);
  EXPECT_EQ(error_of(shape), ModelError::kBadShape);

  LearnedModel nan = small_model();
  nan.hashed[7] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(error_of(nan.serialize()), ModelError::kNotFinite);
}

TEST(LearnedModel, FilesSaveLoadAndNameTheProblem) {
  const std::string path = ::testing::TempDir() + "/learned_model_test.bin";
  LearnedModel m = small_model();
  m.round_to_stored_precision();
  ASSERT_FALSE(m.save_file(path).has_value());
  auto back = LearnedModel::load_file(path);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back.value().hashed, m.hashed);

  {
    std::ofstream truncate(path, std::ios::binary | std::ios::trunc);
    truncate << m.serialize().substr(0, 500);
  }
  auto truncated = LearnedModel::load_file(path);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find(path), std::string::npos);
  EXPECT_NE(truncated.error().find("truncated"), std::string::npos);

  auto missing = LearnedModel::load_file(path + ".missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot read"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace stockpulse
