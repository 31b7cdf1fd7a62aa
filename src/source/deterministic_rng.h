#pragma once

#include <cmath>
#include <cstdint>

namespace stockpulse {

// A small, fast pseudo-random generator (xoshiro256** seeded through splitmix64) with the few
// distributions the synthetic sources need. Written out here rather than using <random>'s
// distributions, whose output differs between standard libraries: the same seed must give the
// same posts and bars on every platform.
//
// Lifecycle: value type, copyable. Thread-safety: none.
class DeterministicRng {
 public:
  explicit DeterministicRng(uint64_t seed) {
    for (uint64_t& s : state_) s = splitmix(seed);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform in [0, n); n > 0. Multiply-shift: no modulo bias worth caring about at these sizes.
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next_u64() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; one of the pair is dropped to keep the state simple).
  double normal() {
    double u = uniform();
    while (u <= 0) u = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }
  // Exponential with the given mean.
  double exponential(double mean) {
    double u = uniform();
    while (u <= 0) u = uniform();
    return -std::log(u) * mean;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t state_[4];
};

}  // namespace stockpulse
