// PyRandom: CPython's `random` module generator, bit for bit, so that
// `osgrid sim sched -s 1` draws the very problem OSTEP's scheduler.py draws
// with `-s 1`. OSTEP's homework simulators call `random.seed(n)` and then
// only `random.random()`; this class does the same two things.
//
// The generator is the Mersenne Twister MT19937 (Matsumoto and Nishimura,
// "Mersenne Twister: a 623-dimensionally equidistributed uniform
// pseudo-random number generator", ACM TOMACS 8(1), 1998), seeded as
// CPython's Modules/_randommodule.c does for an integer seed:
//   - the key is |seed| cut into 32-bit words, least significant first
//     (at least one word, so seed 0 gives the key {0});
//   - the state comes from init_by_array(key) of the 2002 reference code.
// random() builds a double in [0, 1) from two outputs, as CPython's
// random_random(): (a >> 5) * 2^26 + (b >> 6), divided by 2^53.
//
// Not for anything but reproducing homework problems: MT19937 is not a
// cryptographic generator.
#pragma once

#include <array>
#include <cstdint>

namespace osgrid::os {

class PyRandom {
 public:
  /// The state `random.seed(seed)` gives, for any Python int in the range of
  /// int64 (negative seeds use |seed|, as CPython does).
  explicit PyRandom(std::int64_t seed);

  /// `random.random()`: a double in [0, 1) with 53 random bits.
  double Random();

  /// The next 32-bit output of MT19937 (`genrand_uint32` in CPython).
  std::uint32_t NextUint32();

 private:
  static constexpr int kN = 624;
  void InitGenrand(std::uint32_t seed);
  void InitByArray(const std::uint32_t* key, int length);
  void Twist();

  std::array<std::uint32_t, kN> state_{};
  int index_ = kN + 1;
};

}  // namespace osgrid::os
