// Tests of pictures.h: memory maps and the process tree.
#include "osgrid/viz/pictures.h"

#include <catch2/catch.hpp>

#include "test_support.h"

namespace osgrid::viz {
namespace {

using namespace testing;

TEST_CASE("a peer's memory map shows its blocks and holes to scale, with the fragmentation figures",
          "[viz][pictures]") {
  // docs/memory.md's example: a 160-byte arena, five 32-byte blocks, two deleted.
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Joined("peer-1", 1)));
  state.Apply(stream("peer-1", ev::MemArena{"first", 160, 0}));
  for (int k = 0; k < 5; ++k) {
    const std::string key(1, static_cast<char>('a' + k));
    state.Apply(stream("peer-1", ev::MemAlloc{key, static_cast<std::uint64_t>(32 * k), 32, 2}));
  }
  state.Apply(stream("peer-1", ev::MemFree{"b", 32, 32}));
  state.Apply(stream("peer-1", ev::MemFree{"d", 96, 32}));
  state.Apply(stream("peer-1", ev::MemFailed{"big", 40, "fragmentation", 64, 2, 32}));

  std::optional<ArenaMap> map = ArenaOf(state, "peer-1");
  REQUIRE(map);
  CHECK(map->allocator == "first");
  CHECK(map->size == 160);
  CHECK(map->size_known);
  CHECK(map->slots ==
        std::vector<ArenaSlot>{
            {0, 32, false, "a"}, {32, 32, true, ""}, {64, 32, false, "c"}, {96, 32, true, ""}, {128, 32, false, "e"}});
  CHECK(map->used_bytes == 96);
  CHECK(map->free_bytes == 64);
  CHECK(map->holes == 2);
  CHECK(map->largest_hole == 32);
  CHECK(map->external_fragmentation == Approx(0.5));
  REQUIRE(map->last_failure);
  CHECK(map->last_failure->event.reason == "fragmentation");
  CHECK(map->last_failure->event.request == 40);

  // Compaction slides the blocks down: one hole at the end, no fragmentation.
  state.Apply(stream("peer-1", ev::MemCompact{2, 64}));
  map = ArenaOf(state, "peer-1");
  REQUIRE(map);
  CHECK(map->slots.back() == ArenaSlot{96, 64, true, ""});
  CHECK(map->external_fragmentation == 0);
  CHECK_FALSE(ArenaOf(state, "peer-2"));
}

TEST_CASE("a simulated heap's map counts addresses from its base", "[viz][pictures]") {
  SourceInfo source;
  source.source = "sim";
  source.topic = "mem";
  source.sim_heap_base = 1000;
  source.sim_heap_size = 100;
  source.sim_allocator = "BEST";
  ViewState state(source);
  Stream stream{"sim-mem"};
  state.Apply(stream("sim", ev::MemAlloc{"ptr[0]", 1010, 20, 20}));
  std::optional<ArenaMap> map = ArenaOf(state, kSimPeer);
  REQUIRE(map);
  CHECK(map->base == 1000);
  CHECK(map->slots == std::vector<ArenaSlot>{{1000, 10, true, ""}, {1010, 20, false, "ptr[0]"}, {1030, 70, true, ""}});
  CHECK(map->largest_hole == 70);
}

TEST_CASE("the process tree puts children under parents, by id, as ps --tree draws it", "[viz][pictures]") {
  ViewState state;
  Stream stream;
  state.Apply(stream("tracker", Joined("peer-1", 2)));
  state.Apply(stream("peer-1", Submitted("peer-1/1", "peer-1")));
  state.Apply(stream("peer-1", Submitted("peer-1/2", "peer-1", "peer-1/1")));
  state.Apply(stream("peer-1", Submitted("peer-1/10", "peer-1", "peer-1/1")));
  state.Apply(stream("peer-1", Submitted("peer-1/4", "peer-1", "peer-1/2")));
  state.Apply(stream("peer-1", Submitted("peer-1/7", "peer-1", "peer-1/0")));  // its parent finished
  std::vector<TreeRow> rows = ProcessTree(state);
  REQUIRE(rows.size() == 5);
  std::vector<std::string> drawn;
  for (const TreeRow& row : rows) drawn.push_back(row.prefix + row.task.task_id);
  CHECK(drawn == std::vector<std::string>{"peer-1/1", "├─ peer-1/2", "│  └─ peer-1/4", "└─ peer-1/10", "peer-1/7"});
  CHECK(rows[0].has_children);
  CHECK(rows[2].depth == 2);
  CHECK_FALSE(rows[0].parent_gone);
  CHECK(rows[4].parent_gone);
}

}  // namespace
}  // namespace osgrid::viz
