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

// ---- Keys: "KEY=N" and "-KEY", a live peer's SET and DEL (keyed_heap.h) ----

TEST_CASE("Op lists parse KEY=N and -KEY beside pointers, and format back", "[mem][session][keys]") {
  auto ops = ParseHeapOps("user:1=120, -3 ,-user:1,C,+5,cart=1");
  REQUIRE(ops.ok());
  REQUIRE(ops->size() == 6);
  CHECK((*ops)[0].kind == HeapOp::Kind::kSet);
  CHECK((*ops)[0].key == "user:1");
  CHECK((*ops)[0].value == 120);
  CHECK((*ops)[1].kind == HeapOp::Kind::kFree);  // all digits: a pointer, never a key
  CHECK((*ops)[1].value == 3);
  CHECK((*ops)[2].kind == HeapOp::Kind::kDelete);
  CHECK((*ops)[2].key == "user:1");
  CHECK((*ops)[4].key.empty());
  CHECK(osgrid::os::FormatHeapOps(*ops) == "user:1=120,-3,-user:1,C,+5,cart=1");
  CHECK(osgrid::os::FormatHeapOps(*ParseHeapOps(osgrid::os::FormatHeapOps(*ops))) == osgrid::os::FormatHeapOps(*ops));
  const std::string longest(64, 'k');
  REQUIRE(ParseHeapOps(longest + "=1,-" + longest).ok());
  CHECK(ParseHeapOps("-3x")->front().kind == HeapOp::Kind::kDelete);  // not all digits: the key "3x"
  CHECK(ParseHeapOps("C=4")->front().kind == HeapOp::Kind::kSet);     // "C" alone compacts; C=4 sets the key C
}

TEST_CASE("Bad key ops are refused, naming the op and the reason", "[mem][session][keys]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"+1,12=5", "op 1 '12=5': a key cannot be all digits (-12 frees ptr[12])"},
      {"=5", "op 0 '=5': the key is empty"},
      {"a b=5", "op 0 'a b=5': a key cannot hold whitespace, ',', '=' or control characters"},
      {std::string("a\x01=5"), "control characters"},
      {std::string("-a\x7f"), "control characters"},
      {"a=0", "op 0 'a=0': a set must ask for at least 1 byte"},
      {"a=", "op 0 'a=': expected KEY=SIZE with a whole number of bytes"},
      {"a=1.5", "op 0 'a=1.5': expected KEY=SIZE with a whole number of bytes"},
      {"-", "op 0 '-': expected -PTR, a pointer number (up to 15 digits), or -KEY, a key"},
      {"cart", "op 0 'cart': expected +SIZE (allocate), -PTR (free ptr[PTR]), KEY=SIZE (set KEY), -KEY"},
      {std::string(65, 'k') + "=1", "the key has 65 characters, at most 64"},
      {"-" + std::string(65, 'k'), "the key has 65 characters, at most 64"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    auto parsed = ParseHeapOps(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message.find(message) != std::string::npos);
  }
}

namespace {

HeapConfig Keyed100() {  // 100 bytes from address 0, first fit, coalescing: keyed_heap_test.cpp's heap
  HeapConfig config;
  config.base = 0;
  config.policy = osgrid::os::FitPolicy::kFirst;
  config.coalesce = true;
  return config;
}

}  // namespace

TEST_CASE("A set places the new block before freeing the key's old one", "[mem][session][keys]") {
  HeapSession session = Session(Keyed100());
  auto steps = session.Run(*ParseHeapOps("a=30,+20,a=10"));
  REQUIRE(steps.ok());
  const auto& overwrite = (*steps)[2];
  CHECK(overwrite.addr == 50);  // [0, 30) is still a's while the new block is placed
  CHECK(overwrite.ptr == -1);
  REQUIRE(overwrite.old_block.has_value());
  CHECK(overwrite.old_block->addr == 0);
  CHECK(overwrite.old_block->size == 30);
  CHECK((*steps)[1].ptr == 0);  // keys take no pointer numbers
  // The recorded map: a pointer's block by number, a key's by key.
  CHECK(overwrite.owners == std::vector<std::int64_t>{-1, 0, -1, -1});
  CHECK(overwrite.owner_keys == std::vector<std::string>{"", "", "a", ""});
  CHECK(*session.keyed().KeyAt(50) == "a");
}

TEST_CASE("A failed set changes nothing: the key keeps its old block", "[mem][session][keys]") {
  HeapConfig config = Keyed100();
  config.policy = osgrid::os::FitPolicy::kBest;
  HeapSession session = Session(config);
  auto steps = session.Run(*ParseHeapOps("a=60,a=50"));  // 40 free: fails, though 50 <= 60 + 40
  REQUIRE(steps.ok());
  const auto& failed = (*steps)[1];
  CHECK(failed.addr == -1);
  CHECK(failed.alloc.failure == osgrid::os::AllocFailure::kNoSpace);
  CHECK_FALSE(failed.old_block.has_value());
  CHECK(failed.blocks == (*steps)[0].blocks);
  CHECK(failed.owner_keys == std::vector<std::string>{"a", ""});
}

TEST_CASE("A delete of a key with no block is skipped and changes nothing", "[mem][session][keys]") {
  HeapSession session = Session(Keyed100());
  auto steps = session.Run(*ParseHeapOps("a=200,-a,b=10,-b,-b"));
  REQUIRE(steps.ok());
  CHECK((*steps)[1].skipped);  // a's set failed: a has no block
  CHECK((*steps)[1].returned == -1);
  CHECK((*steps)[1].addr == -1);
  CHECK((*steps)[3].returned == 0);
  CHECK((*steps)[3].addr == 0);
  CHECK((*steps)[3].freed_size == 10);
  CHECK((*steps)[4].skipped);  // deleted already
  CHECK((*steps)[4].free_list == (*steps)[3].free_list);
}

TEST_CASE("Compaction moves keys and pointers with their blocks", "[mem][session][keys][compact]") {
  HeapSession session = Session(Keyed100());
  // ptr[0] [0,20) a [20,40) ptr[1] [40,60) b [60,80); freeing both pointers leaves a and b to slide down.
  auto steps = session.Run(*ParseHeapOps("+20,a=20,+20,b=20,+5,-0,-1,C,-b,-2"));
  REQUIRE(steps.ok());
  const auto& compact = (*steps)[7];
  CHECK(compact.compaction.moved_bytes == 45);  // a 20->0, b 60->20, ptr[2] 80->40
  CHECK(compact.owner_keys == std::vector<std::string>{"a", "b", "", ""});
  CHECK(compact.owners == std::vector<std::int64_t>{-1, -1, 2, -1});
  CHECK((*steps)[8].addr == 20);  // b is deleted where it now lives
  CHECK((*steps)[9].addr == 40);  // and ptr[2] freed where it now lives
  CHECK(session.keyed().BlockOf("a")->addr == 0);
}

// C's use-after-free again: ptr[0]'s address is now the key's block.
TEST_CASE("A dangling pointer frees the key's block that reused its address", "[mem][session][keys]") {
  HeapSession session = Session(Keyed100());
  auto steps = session.Run(*ParseHeapOps("+10,-0,k=10,-0,-k"));
  REQUIRE(steps.ok());
  CHECK((*steps)[2].addr == 0);
  CHECK((*steps)[3].returned == 0);
  CHECK((*steps)[3].freed_size == 10);
  CHECK((*steps)[4].skipped);  // k lost its block to the dangling free
  CHECK(session.keyed().keys() == 0);
  CHECK(session.heap().Metrics().free_bytes == 100);
}
