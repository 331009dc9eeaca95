// PyRandom against values CPython 3.11 printed:
//   import random; random.seed(s); [random.random() for _ in range(3)]
// (repr of a float round-trips, so == on the literals is exact).
#include "osgrid/os/py_random.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace osgrid::os {
namespace {

std::vector<double> FirstThree(std::int64_t seed) {
  PyRandom random(seed);
  return {random.Random(), random.Random(), random.Random()};
}

TEST_CASE("PyRandom draws what CPython's random.random() draws after random.seed(n)", "[py_random]") {
  CHECK(FirstThree(0) == std::vector<double>{0.8444218515250481, 0.7579544029403025, 0.420571580830845});
  CHECK(FirstThree(1) == std::vector<double>{0.13436424411240122, 0.8474337369372327, 0.763774618976614});
  CHECK(FirstThree(7) == std::vector<double>{0.32383276483316237, 0.15084917392450192, 0.6509344730398537});
}

TEST_CASE("PyRandom seeds past 32 bits use two key words, as CPython does", "[py_random]") {
  CHECK(FirstThree(4294967299) == std::vector<double>{0.9513481117333386, 0.033542348462381466, 0.5836425279198407});
  CHECK(FirstThree(INT64_MAX) == std::vector<double>{0.3166448820870279, 0.631259308253863, 0.8035542479972343});
}

TEST_CASE("PyRandom: a negative seed is its absolute value", "[py_random]") {
  CHECK(FirstThree(-5) == std::vector<double>{0.6229016948897019, 0.7417869892607294, 0.7951935655656966});
  CHECK(FirstThree(-5) == FirstThree(5));
  CHECK_NOTHROW(FirstThree(INT64_MIN));
}

TEST_CASE("PyRandom keeps step with CPython across a twist of the state", "[py_random]") {
  PyRandom random(0);
  for (int i = 0; i < 1000; ++i) random.Random();  // 2,000 outputs: three twists of 624
  CHECK(random.Random() == 0.9466893945947962);
}

TEST_CASE("PyRandom's 32-bit outputs are random.getrandbits(32)", "[py_random]") {
  PyRandom random(0);
  CHECK(random.NextUint32() == 3626764237U);
  CHECK(random.NextUint32() == 1654615998U);
  CHECK(random.NextUint32() == 3255389356U);
}

}  // namespace
}  // namespace osgrid::os
