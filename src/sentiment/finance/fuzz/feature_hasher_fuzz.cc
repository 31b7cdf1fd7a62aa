// libFuzzer target for the learned scorer's tokenizer (FeatureHasher): any bytes must give a
// bounded number of in-range bucket indices, the same ones twice, and never read out of bounds
// (built with ASan). Build with -DSTOCKPULSE_FUZZ=ON and clang; run
// build/src/sentiment/finance/sp_feature_hasher_fuzz -max_total_time=60.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sentiment/finance/feature_hasher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const stockpulse::FeatureHasher hasher(12);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::array<uint32_t, stockpulse::FeatureHasher::kMaxFeatures> a;
  std::array<uint32_t, stockpulse::FeatureHasher::kMaxFeatures> b;
  const size_t n = hasher.extract(text, a);
  if (n > a.size()) std::abort();
  for (size_t i = 0; i < n; ++i) {
    if (a[i] >= (1u << 12)) std::abort();
  }
  if (hasher.extract(text, b) != n) std::abort();
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) std::abort();
  }
  return 0;
}
