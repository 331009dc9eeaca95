// Numbered pointers over a heap, as OSTEP's malloc.py -A lists.
#include <catch2/catch.hpp>

#include "osgrid/os/mem/buddy.h"
#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/heap_session.h"
#include "osgrid/os/py_random.h"

namespace {

using osgrid::os::HeapConfig;
using osgrid::os::HeapOp;
using osgrid::os::HeapSession;
using osgrid::os::ParseHeapOps;

HeapSession Session(HeapConfig config = {}, bool indexed = false) {
  auto heap = osgrid::os::MakeHeap(config, indexed);
  REQUIRE(heap.ok());
  return HeapSession(std::move(heap).value());
}

}  // namespace

TEST_CASE("Op lists parse malloc.py's -A syntax plus C", "[mem][session]") {
  auto ops = ParseHeapOps(" +10, -0 ,C,+20");
  REQUIRE(ops.ok());
  REQUIRE(ops->size() == 4);
  CHECK((*ops)[0].kind == HeapOp::Kind::kAlloc);
  CHECK((*ops)[0].value == 10);
  CHECK((*ops)[1].kind == HeapOp::Kind::kFree);
  CHECK((*ops)[2].kind == HeapOp::Kind::kCompact);
  CHECK(osgrid::os::FormatHeapOps(*ops) == "+10,-0,C,+20");
  for (const char* bad : {"+10,,-0", "10", "+x", "+0", "-", "+1.5", ""}) {
    auto parsed = ParseHeapOps(bad);
    INFO(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message.find("op ") == 0);
  }
}

TEST_CASE("Frees of pointers never returned are skipped, double frees return -1", "[mem][session]") {
  HeapConfig config;
  config.size = 20;
  HeapSession session = Session(config);
  auto steps = session.Run(*ParseHeapOps("+30,-0,+5,-1,-1,-7"));
  REQUIRE(steps.ok());
  CHECK((*steps)[0].addr == -1);  // ptr[0]: no space
  CHECK((*steps)[1].skipped);     // ptr[0] was never returned
  CHECK((*steps)[2].addr == 1000);
  CHECK((*steps)[3].returned == 0);
  CHECK((*steps)[3].freed_size == 5);
  CHECK((*steps)[4].returned == -1);  // freed twice
  CHECK_FALSE((*steps)[4].skipped);
  CHECK((*steps)[5].skipped);  // ptr[7] does not exist
}

// C's use-after-free, as malloc.py shows it: ptr[0]'s address is reused by
// ptr[1], so freeing ptr[0] again frees ptr[1]'s block.
TEST_CASE("A dangling pointer frees the block that reused its address", "[mem][session]") {
  HeapSession session = Session();
  auto steps = session.Run(*ParseHeapOps("+10,-0,+10,-0,-1"));
  REQUIRE(steps.ok());
  CHECK((*steps)[2].addr == 1000);
  CHECK((*steps)[3].returned == 0);
  CHECK((*steps)[4].returned == -1);
  CHECK_FALSE(session.OwnerOf(1000).has_value());
}

TEST_CASE("Compaction moves live pointers with their blocks", "[mem][session][compact]") {
  HeapSession session = Session();
  auto steps = session.Run(*ParseHeapOps("+10,+20,+30,-0,-2,C,-1,+50"));
  REQUIRE(steps.ok());
  const auto& compact = (*steps)[5];
  CHECK(compact.compaction.moved_bytes == 20);
  CHECK(compact.free_list.size() == 1);
  CHECK(compact.free_list[0].addr == 1020);
  CHECK((*steps)[6].addr == 1000);  // ptr[1] now lives at 1000
  CHECK((*steps)[6].returned == 0);
  CHECK((*steps)[7].addr == 1020);  // best fit: the 80 bytes on top, not the 20 freed at 1000
}

TEST_CASE("Compaction is refused by the buddy system", "[mem][session][buddy]") {
  auto buddy = osgrid::os::BuddyAllocator::Create({0, 64, 1, 0});
  REQUIRE(buddy.ok());
  HeapSession session(std::make_unique<osgrid::os::BuddyAllocator>(std::move(buddy).value()));
  auto steps = session.Run(*ParseHeapOps("+10,C"));
  REQUIRE_FALSE(steps.ok());
  CHECK(steps.error().message.find("op 1") == 0);
}

TEST_CASE("Random programs are reproducible and only free live pointers", "[mem][session][random]") {
  osgrid::os::PyRandom a(5), b(5);
  HeapSession first = Session(), second = Session();
  const auto one = first.RunRandom(a, 40, 10, 50);
  const auto two = second.RunRandom(b, 40, 10, 50);
  REQUIRE(one.size() == 40);
  REQUIRE(two.size() == 40);
  std::vector<HeapOp> ops;
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].addr == two[i].addr);
    if (one[i].op.kind == HeapOp::Kind::kFree) CHECK(one[i].returned == 0);
    ops.push_back(one[i].op);
  }
  // Replaying the generated ops as an -A list gives the same answers.
  HeapSession replay = Session();
  auto again = replay.Run(ops);
  REQUIRE(again.ok());
  for (std::size_t i = 0; i < one.size(); ++i) CHECK((*again)[i].addr == one[i].addr);
}
