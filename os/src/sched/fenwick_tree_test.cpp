#include <catch2/catch.hpp>

#include <vector>

#include "osgrid/os/random.h"
#include "osgrid/os/sched/fenwick_tree.h"

using osgrid::os::FenwickTree;
using osgrid::os::Rng;

TEST_CASE("Fenwick tree finds the holder of the k-th unit", "[sched][fenwick]") {
  FenwickTree tree(4);
  tree.Add(0, 100);  // OSTEP fig. 9.1's lottery: A 100, B 50, C 250 tickets
  tree.Add(1, 50);
  tree.Add(2, 250);
  CHECK(tree.PrefixSum(3) == 400);
  CHECK(tree.Find(0) == 0);
  CHECK(tree.Find(99) == 0);
  CHECK(tree.Find(100) == 1);
  CHECK(tree.Find(149) == 1);
  CHECK(tree.Find(150) == 2);
  CHECK(tree.Find(399) == 2);
  tree.Add(1, -50);  // B leaves: its units belong to nobody
  CHECK(tree.Find(100) == 2);
}

TEST_CASE("Fenwick tree agrees with a linear walk on random weights", "[sched][fenwick][property]") {
  Rng rng(42);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = static_cast<std::size_t>(rng.Uniform(1, 40));
    FenwickTree tree(static_cast<std::size_t>(rng.Uniform(0, 3)));
    tree.Resize(n);  // growing keeps nothing stale
    std::vector<std::int64_t> weight(n, 0);
    for (int op = 0; op < 60; ++op) {
      const std::size_t i = static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(n) - 1));
      const std::int64_t delta = rng.Uniform(-weight[i], 20);
      weight[i] += delta;
      tree.Add(i, delta);
    }
    std::int64_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(tree.PrefixSum(i) == total);
      CHECK(tree.Weight(i) == weight[i]);
      total += weight[i];
    }
    for (std::int64_t k = 0; k < total; ++k) {
      std::size_t holder = 0;  // the linear walk of OSTEP fig. 9.1
      for (std::int64_t counter = weight[0]; counter <= k; counter += weight[++holder]) {
      }
      REQUIRE(tree.Find(k) == holder);
    }
  }
}
