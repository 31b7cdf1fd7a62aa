#include "sentiment/finance/learned_model.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sentiment/finance/feature_hasher.h"

namespace stockpulse {
namespace {

constexpr size_t kHeaderBytes = 8 + 6 * 4;
constexpr uint32_t kMinBits = 8;
constexpr uint32_t kMaxBits = 22;

void put_u32(std::string& out, uint32_t v) {
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
}

uint32_t get_u32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[at + k])) << (8 * k);
  return v;
}

void put_half(std::string& out, float f) {
  const uint16_t h = float_to_half(f);
  out.push_back(static_cast<char>(h & 0xff));
  out.push_back(static_cast<char>(h >> 8));
}

float get_half(std::string_view in, size_t at) {
  const auto lo = static_cast<unsigned char>(in[at]);
  const auto hi = static_cast<unsigned char>(in[at + 1]);
  return half_to_float(static_cast<uint16_t>(lo | (hi << 8)));
}

}  // namespace

const char* model_error_name(ModelError e) {
  switch (e) {
    case ModelError::kTooShort:
      return "file too short (truncated?)";
    case ModelError::kBadMagic:
      return "not a stockpulse finance model (bad magic)";
    case ModelError::kBadVersion:
      return "unsupported model format version";
    case ModelError::kFeatureMismatch:
      return "model was trained on a different feature definition; retrain it";
    case ModelError::kBadShape:
      return "bucket bits or class/feature counts out of range";
    case ModelError::kBadChecksum:
      return "checksum mismatch (corrupted or truncated)";
    case ModelError::kNotFinite:
      return "a weight is not a finite number";
    case ModelError::kIo:
      return "cannot read file";
  }
  return "unknown model error";
}

uint16_t float_to_half(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000;
  const uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  const int e = static_cast<int>(exp) - 127;
  if (e > 15) return static_cast<uint16_t>(sign | 0x7c00);
  if (e >= -14) {
    uint32_t h = (static_cast<uint32_t>(e + 15) << 10) | (mant >> 13);
    const uint32_t rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // may carry into infinity: correct
    return static_cast<uint16_t>(sign | h);
  }
  if (e < -25) return static_cast<uint16_t>(sign);
  mant |= 0x800000;
  const int shift = -e - 14 + 13;  // 14..24
  uint32_t h = mant >> shift;
  const uint32_t rest = mant & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t x = 0;
  if (exp == 0x1f) {
    x = sign | 0x7f800000 | (mant << 13);
  } else if (exp != 0) {
    x = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    x = sign;
  } else {
    // Subnormal half: normalise.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400) == 0);
    x = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ff) << 13);
  }
  return std::bit_cast<float>(x);
}

uint32_t crc32(std::string_view bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (char ch : bytes) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::string LearnedModel::serialize() const {
  std::string out;
  out.reserve(kHeaderBytes + (hashed.size() + dense.size() + bias.size()) * 2 + 4);
  out.append(kMagic);
  put_u32(out, kFormatVersion);
  put_u32(out, FeatureHasher::kFeatureVersion);
  put_u32(out, bits);
  put_u32(out, static_cast<uint32_t>(kModelClasses));
  put_u32(out, static_cast<uint32_t>(kDenseFeatures));
  put_u32(out, 0);
  for (float w : hashed) put_half(out, w);
  for (float w : dense) put_half(out, w);
  for (float w : bias) put_half(out, w);
  put_u32(out, crc32(out));
  return out;
}

Result<LearnedModel, ModelError> LearnedModel::parse(std::string_view bytes) {
  if (bytes.size() < kMagic.size()) return Err(ModelError::kTooShort);
  if (bytes.substr(0, kMagic.size()) != kMagic) return Err(ModelError::kBadMagic);
  if (bytes.size() < kHeaderBytes + 4) return Err(ModelError::kTooShort);
  if (get_u32(bytes, 8) != kFormatVersion) return Err(ModelError::kBadVersion);
  if (get_u32(bytes, 12) != FeatureHasher::kFeatureVersion)
    return Err(ModelError::kFeatureMismatch);
  const uint32_t bits = get_u32(bytes, 16);
  if (bits < kMinBits || bits > kMaxBits || get_u32(bytes, 20) != kModelClasses ||
      get_u32(bytes, 24) != kDenseFeatures || get_u32(bytes, 28) != 0) {
    return Err(ModelError::kBadShape);
  }
  const size_t weights =
      (size_t{1} << bits) * kModelClasses + kDenseFeatures * kModelClasses + kModelClasses;
  const size_t expected = kHeaderBytes + weights * 2 + 4;
  if (bytes.size() < expected) return Err(ModelError::kTooShort);
  // Trailing bytes are as suspicious as missing ones: the checksum position would be wrong.
  if (bytes.size() > expected) return Err(ModelError::kBadChecksum);
  if (crc32(bytes.substr(0, expected - 4)) != get_u32(bytes, expected - 4)) {
    return Err(ModelError::kBadChecksum);
  }
  LearnedModel m;
  m.bits = bits;
  m.hashed.resize((size_t{1} << bits) * kModelClasses);
  size_t at = kHeaderBytes;
  for (float& w : m.hashed) {
    w = get_half(bytes, at);
    at += 2;
  }
  for (float& w : m.dense) {
    w = get_half(bytes, at);
    at += 2;
  }
  for (float& w : m.bias) {
    w = get_half(bytes, at);
    at += 2;
  }
  for (float w : m.hashed) {
    if (!std::isfinite(w)) return Err(ModelError::kNotFinite);
  }
  for (float w : m.dense) {
    if (!std::isfinite(w)) return Err(ModelError::kNotFinite);
  }
  for (float w : m.bias) {
    if (!std::isfinite(w)) return Err(ModelError::kNotFinite);
  }
  return m;
}

Result<LearnedModel, std::string> LearnedModel::load_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Err("model " + path + ": " + model_error_name(ModelError::kIo));
  // A model is at most 2^22 * 6 bytes plus a header; refuse to read anything much larger.
  constexpr std::streamoff kMaxBytes = (std::streamoff{1} << kMaxBits) * 6 + 4096;
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0 || size > kMaxBytes) {
    return Err("model " + path + ": " + model_error_name(ModelError::kBadShape));
  }
  file.seekg(0);
  std::string bytes(static_cast<size_t>(size), '\0');
  file.read(bytes.data(), size);
  if (!file) return Err("model " + path + ": " + model_error_name(ModelError::kIo));
  auto model = parse(bytes);
  if (!model) return Err("model " + path + ": " + model_error_name(model.error()));
  return std::move(model).value();
}

std::optional<std::string> LearnedModel::save_file(const std::string& path) const {
  const std::string bytes = serialize();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) return "cannot write " + tmp;
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file.flush()) return "cannot write " + tmp;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "cannot rename " + tmp + " to " + path;
  return std::nullopt;
}

void LearnedModel::round_to_stored_precision() {
  for (float& w : hashed) w = half_to_float(float_to_half(w));
  for (float& w : dense) w = half_to_float(float_to_half(w));
  for (float& w : bias) w = half_to_float(float_to_half(w));
}

}  // namespace stockpulse
