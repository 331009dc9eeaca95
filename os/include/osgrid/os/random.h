// Rng: a small seeded random number generator whose sequence is the same on
// every compiler and machine, so `--seed 7` prints the same homework problem
// for every student and a Lottery run is reproducible.
//
// std::mt19937 is portable but the std:: distributions are not (libstdc++ and
// libc++ map the same bits to different numbers), so the mapping to a range is
// done here.
// Source: SplitMix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014).
#pragma once

#include <cstdint>

namespace osgrid::os {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  /// The next 64 random bits.
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// A uniform integer in [lo, hi] (inclusive). Precondition: lo <= hi.
  /// Rejection sampling, so there is no modulo bias.
  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(Next());  // the full 64-bit range
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    std::uint64_t x;
    do {
      x = Next();
    } while (x >= limit);
    return lo + static_cast<std::int64_t>(x % span);
  }

  /// A uniform real in [0, 1).
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

}  // namespace osgrid::os
