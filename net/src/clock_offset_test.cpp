#include "osgrid/net/clock_offset.h"

#include <catch2/catch.hpp>

using osgrid::net::ClockOffset;

TEST_CASE("a symmetric round trip gives the exact offset", "[clock]") {
  ClockOffset clock;
  CHECK_FALSE(clock.offset().has_value());
  CHECK(clock.ToRemote(5) == 5);  // no sample yet: the local clock
  // The tracker's clock is 1000 ms ahead; 2 ms each way.
  REQUIRE(clock.Add({100, 1102, 104}));
  CHECK(*clock.offset() == Approx(1000));
  CHECK(*clock.error_bound() == Approx(2));
  CHECK(clock.ToRemote(200) == Approx(1200));
}

TEST_CASE("the shortest recent round trip wins", "[clock]") {
  ClockOffset clock(3);
  clock.Add({0, 1050, 100});    // 100 ms round trip: offset 1000, but could be off by 50
  clock.Add({200, 1201, 202});  // 2 ms: offset 1000
  clock.Add({300, 1340, 320});  // 20 ms: offset 1030 (an asymmetric trip)
  CHECK(*clock.offset() == Approx(1000));
  CHECK(*clock.error_bound() == Approx(1));
  // The 2 ms sample leaves the window of 3 after two more.
  clock.Add({400, 1415, 410});  // 10 ms: offset 1010
  clock.Add({500, 1530, 540});  // 40 ms
  CHECK(*clock.offset() == Approx(1010));
}

TEST_CASE("a reading that is not a round trip is ignored", "[clock]") {
  ClockOffset clock;
  CHECK_FALSE(clock.Add({10, 50, 9}));
  CHECK_FALSE(clock.offset().has_value());
}
