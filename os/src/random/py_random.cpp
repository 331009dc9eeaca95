// CPython's random.seed(int) and random.random(): MT19937 as in
// Modules/_randommodule.c (itself the 2002 reference code of Matsumoto and
// Nishimura). See py_random.h.
// Source: Matsumoto and Nishimura, ACM TOMACS 8(1), 1998; CPython's
// Modules/_randommodule.c (random_seed, random_random).
#include "osgrid/os/py_random.h"

namespace osgrid::os {
namespace {

constexpr int kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpperMask = 0x80000000U;
constexpr std::uint32_t kLowerMask = 0x7fffffffU;

}  // namespace

PyRandom::PyRandom(std::int64_t seed) {
  // |seed| as an unsigned number: -INT64_MIN does not fit in int64.
  const std::uint64_t magnitude = seed < 0 ? ~static_cast<std::uint64_t>(seed) + 1 : static_cast<std::uint64_t>(seed);
  const std::uint32_t key[2] = {static_cast<std::uint32_t>(magnitude), static_cast<std::uint32_t>(magnitude >> 32)};
  InitByArray(key, key[1] != 0 ? 2 : 1);
}

void PyRandom::InitGenrand(std::uint32_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kN; ++i) {
    state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  }
  index_ = kN;
}

void PyRandom::InitByArray(const std::uint32_t* key, int length) {
  InitGenrand(19650218U);
  int i = 1, j = 0;
  for (int k = kN > length ? kN : length; k > 0; --k) {
    state_[i] =
        (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) + key[j] + static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
    if (j >= length) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) - static_cast<std::uint32_t>(i);
    ++i;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
  }
  state_[0] = 0x80000000U;  // the most significant bit set: the state is never all zero
}

/// Generates the next kN words at once.
void PyRandom::Twist() {
  auto mix = [](std::uint32_t upper, std::uint32_t lower, std::uint32_t far) {
    const std::uint32_t y = (upper & kUpperMask) | (lower & kLowerMask);
    return far ^ (y >> 1) ^ ((y & 1U) != 0 ? kMatrixA : 0U);
  };
  int k = 0;
  for (; k < kN - kM; ++k) state_[k] = mix(state_[k], state_[k + 1], state_[k + kM]);
  for (; k < kN - 1; ++k) state_[k] = mix(state_[k], state_[k + 1], state_[k + kM - kN]);
  state_[kN - 1] = mix(state_[kN - 1], state_[0], state_[kM - 1]);
  index_ = 0;
}

std::uint32_t PyRandom::NextUint32() {
  if (index_ >= kN) Twist();
  std::uint32_t y = state_[index_++];
  y ^= y >> 11;  // tempering
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

double PyRandom::Random() {
  const std::uint32_t a = NextUint32() >> 5;  // 27 bits
  const std::uint32_t b = NextUint32() >> 6;  // 26 bits
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace osgrid::os
