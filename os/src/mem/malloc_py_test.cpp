// Golden answers from OSTEP's homework simulator vm-freespace/malloc.py
// (remzi-arpacidusseau/ostep-homework), run with python3 on the command line
// quoted above each case. Its output is pasted verbatim (blank lines
// dropped); the free-list heap must print the same addresses, search counts
// and free lists after every op. Random runs (-n/-s) are replayed as the
// -A list of the ops malloc.py generated; the last test checks that the same
// seeds draw those very ops.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "osgrid/os/mem/free_list.h"
#include "osgrid/os/mem/heap_session.h"
#include "osgrid/os/py_random.h"

namespace {

using osgrid::os::FreeListHeap;
using osgrid::os::HeapConfig;
using osgrid::os::HeapOp;
using osgrid::os::HeapSession;
using osgrid::os::HeapStep;

HeapConfig Config(std::int64_t size, std::int64_t base, std::int64_t header, std::int64_t alignment, const char* policy,
                  const char* order, bool coalesce) {
  HeapConfig config;
  config.size = size;
  config.base = base;
  config.header_size = header;
  config.alignment = alignment;
  config.policy = *osgrid::os::ParseFitPolicy(policy);
  config.list_order = *osgrid::os::ParseListOrder(order);
  config.coalesce = coalesce;
  return config;
}

/// One step as malloc.py -c prints it, without blank lines.
std::vector<std::string> MallocPyLines(const HeapStep& step) {
  std::vector<std::string> lines;
  if (step.op.kind == HeapOp::Kind::kAlloc) {
    lines.push_back("ptr[" + std::to_string(step.ptr) + "] = Alloc(" + std::to_string(step.op.value) + ") returned " +
                    std::to_string(step.addr) + " (searched " + std::to_string(step.alloc.searched) + " elements)");
  } else if (step.skipped) {
    return {"Invalid Free: Skipping"};
  } else {
    lines.push_back("Free(ptr[" + std::to_string(step.ptr) + "])");
    lines.push_back("returned " + std::to_string(step.returned));
  }
  std::string list = "Free List [ Size " + std::to_string(step.free_list.size()) + " ]: ";
  for (const auto& chunk : step.free_list) {
    list += "[ addr:" + std::to_string(chunk.addr) + " sz:" + std::to_string(chunk.size) + " ]";
  }
  lines.push_back(list);
  return lines;
}

void CheckAgainstMallocPy(const HeapConfig& config, const char* ops, const std::string& golden) {
  INFO("-A " << ops);
  auto heap = FreeListHeap::Create(config);
  REQUIRE(heap.ok());
  HeapSession session(std::make_unique<FreeListHeap>(std::move(heap).value()));
  auto parsed = osgrid::os::ParseHeapOps(ops);
  REQUIRE(parsed.ok());
  auto steps = session.Run(*parsed);
  REQUIRE(steps.ok());
  std::vector<std::string> ours;
  for (const HeapStep& step : *steps) {
    for (std::string& line : MallocPyLines(step)) ours.push_back(std::move(line));
  }
  std::vector<std::string> expected;
  std::istringstream in(golden);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) expected.push_back(line);
  }
  REQUIRE(ours.size() == expected.size());
  for (std::size_t i = 0; i < ours.size(); ++i) CHECK(ours[i] == expected[i]);
}

}  // namespace

TEST_CASE("The free list answers as OSTEP's malloc.py, op by op", "[mem][malloc.py]") {
  // python3 malloc.py -S 100 -b 1000 -H 4 -a 4 -p BEST -l ADDRSORT -C -A +10,+20,-0 -c
  CheckAgainstMallocPy(Config(100, 1000, 4, 4, "BEST", "ADDRSORT", true), "+10,+20,-0", R"(
ptr[0] = Alloc(10) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1016 sz:84 ]
ptr[1] = Alloc(20) returned 1016 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1040 sz:60 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1000 sz:16 ][ addr:1040 sz:60 ]
)");

  // python3 malloc.py -n 10 -H 0 -p BEST -s 0 -c   (OSTEP ch. 17 homework, question 1)
  // (random ops, replayed as -A +3,-0,+5,-1,+8,-2,+8,-3,+2,+7)
  CheckAgainstMallocPy(Config(100, 1000, 0, -1, "BEST", "ADDRSORT", false), "+3,-0,+5,-1,+8,-2,+8,-3,+2,+7", R"(
ptr[0] = Alloc(3) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1003 sz:97 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1003 sz:97 ]
ptr[1] = Alloc(5) returned 1003 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1008 sz:92 ]
Free(ptr[1])
returned 0
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:92 ]
ptr[2] = Alloc(8) returned 1008 (searched 3 elements)
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1016 sz:84 ]
Free(ptr[2])
returned 0
Free List [ Size 4 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[3] = Alloc(8) returned 1008 (searched 4 elements)
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1016 sz:84 ]
Free(ptr[3])
returned 0
Free List [ Size 4 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[4] = Alloc(2) returned 1000 (searched 4 elements)
Free List [ Size 4 ]: [ addr:1002 sz:1 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[5] = Alloc(7) returned 1008 (searched 4 elements)
Free List [ Size 4 ]: [ addr:1002 sz:1 ][ addr:1003 sz:5 ][ addr:1015 sz:1 ][ addr:1016 sz:84 ]
)");

  // python3 malloc.py -n 10 -H 0 -p WORST -s 0 -c   (OSTEP ch. 17 homework, question 2)
  // (random ops, replayed as -A +3,-0,+5,-1,+8,-2,+8,-3,+2,+7)
  CheckAgainstMallocPy(Config(100, 1000, 0, -1, "WORST", "ADDRSORT", false), "+3,-0,+5,-1,+8,-2,+8,-3,+2,+7", R"(
ptr[0] = Alloc(3) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1003 sz:97 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1003 sz:97 ]
ptr[1] = Alloc(5) returned 1003 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1008 sz:92 ]
Free(ptr[1])
returned 0
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:92 ]
ptr[2] = Alloc(8) returned 1008 (searched 3 elements)
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1016 sz:84 ]
Free(ptr[2])
returned 0
Free List [ Size 4 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[3] = Alloc(8) returned 1016 (searched 4 elements)
Free List [ Size 4 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1024 sz:76 ]
Free(ptr[3])
returned 0
Free List [ Size 5 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:8 ][ addr:1024 sz:76 ]
ptr[4] = Alloc(2) returned 1024 (searched 5 elements)
Free List [ Size 5 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:8 ][ addr:1026 sz:74 ]
ptr[5] = Alloc(7) returned 1026 (searched 5 elements)
Free List [ Size 5 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:8 ][ addr:1033 sz:67 ]
)");

  // python3 malloc.py -n 10 -H 0 -p FIRST -s 0 -c   (OSTEP ch. 17 homework, question 3)
  // (random ops, replayed as -A +3,-0,+5,-1,+8,-2,+8,-3,+2,+7)
  CheckAgainstMallocPy(Config(100, 1000, 0, -1, "FIRST", "ADDRSORT", false), "+3,-0,+5,-1,+8,-2,+8,-3,+2,+7", R"(
ptr[0] = Alloc(3) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1003 sz:97 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1003 sz:97 ]
ptr[1] = Alloc(5) returned 1003 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1000 sz:3 ][ addr:1008 sz:92 ]
Free(ptr[1])
returned 0
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:92 ]
ptr[2] = Alloc(8) returned 1008 (searched 3 elements)
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1016 sz:84 ]
Free(ptr[2])
returned 0
Free List [ Size 4 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[3] = Alloc(8) returned 1008 (searched 3 elements)
Free List [ Size 3 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1016 sz:84 ]
Free(ptr[3])
returned 0
Free List [ Size 4 ]: [ addr:1000 sz:3 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[4] = Alloc(2) returned 1000 (searched 1 elements)
Free List [ Size 4 ]: [ addr:1002 sz:1 ][ addr:1003 sz:5 ][ addr:1008 sz:8 ][ addr:1016 sz:84 ]
ptr[5] = Alloc(7) returned 1008 (searched 3 elements)
Free List [ Size 4 ]: [ addr:1002 sz:1 ][ addr:1003 sz:5 ][ addr:1015 sz:1 ][ addr:1016 sz:84 ]
)");

  // python3 malloc.py -n 12 -p FIRST -l SIZESORT- -C -s 3 -r 20 -c
  // (random ops, replayed as -A +11,+13,-0,+17,+5,-2,-1,-3,+16,-4,+18,+15)
  CheckAgainstMallocPy(Config(100, 1000, 0, -1, "FIRST", "SIZESORT-", true),
                       "+11,+13,-0,+17,+5,-2,-1,-3,+16,-4,+18,+15", R"(
ptr[0] = Alloc(11) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1011 sz:89 ]
ptr[1] = Alloc(13) returned 1011 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1024 sz:76 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1024 sz:76 ][ addr:1000 sz:11 ]
ptr[2] = Alloc(17) returned 1024 (searched 1 elements)
Free List [ Size 2 ]: [ addr:1041 sz:59 ][ addr:1000 sz:11 ]
ptr[3] = Alloc(5) returned 1041 (searched 1 elements)
Free List [ Size 2 ]: [ addr:1046 sz:54 ][ addr:1000 sz:11 ]
Free(ptr[2])
returned 0
Free List [ Size 3 ]: [ addr:1046 sz:54 ][ addr:1024 sz:17 ][ addr:1000 sz:11 ]
Free(ptr[1])
returned 0
Free List [ Size 4 ]: [ addr:1046 sz:54 ][ addr:1024 sz:17 ][ addr:1011 sz:13 ][ addr:1000 sz:11 ]
Free(ptr[3])
returned 0
Free List [ Size 5 ]: [ addr:1046 sz:54 ][ addr:1024 sz:17 ][ addr:1011 sz:13 ][ addr:1000 sz:11 ][ addr:1041 sz:5 ]
ptr[4] = Alloc(16) returned 1046 (searched 1 elements)
Free List [ Size 5 ]: [ addr:1062 sz:38 ][ addr:1024 sz:17 ][ addr:1011 sz:13 ][ addr:1000 sz:11 ][ addr:1041 sz:5 ]
Free(ptr[4])
returned 0
Free List [ Size 6 ]: [ addr:1062 sz:38 ][ addr:1024 sz:17 ][ addr:1046 sz:16 ][ addr:1011 sz:13 ][ addr:1000 sz:11 ][ addr:1041 sz:5 ]
ptr[5] = Alloc(18) returned 1062 (searched 1 elements)
Free List [ Size 6 ]: [ addr:1080 sz:20 ][ addr:1024 sz:17 ][ addr:1046 sz:16 ][ addr:1011 sz:13 ][ addr:1000 sz:11 ][ addr:1041 sz:5 ]
ptr[6] = Alloc(15) returned 1080 (searched 1 elements)
Free List [ Size 6 ]: [ addr:1095 sz:5 ][ addr:1024 sz:17 ][ addr:1046 sz:16 ][ addr:1011 sz:13 ][ addr:1000 sz:11 ][ addr:1041 sz:5 ]
)");

  // python3 malloc.py -S 100 -b 1000 -H 4 -a 4 -p WORST -l INSERT-FRONT -C -A +20,+30,+10,-1,-0,+15,+5,-2 -c
  CheckAgainstMallocPy(Config(100, 1000, 4, 4, "WORST", "INSERT-FRONT", true), "+20,+30,+10,-1,-0,+15,+5,-2", R"(
ptr[0] = Alloc(20) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1024 sz:76 ]
ptr[1] = Alloc(30) returned 1024 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1060 sz:40 ]
ptr[2] = Alloc(10) returned 1060 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1076 sz:24 ]
Free(ptr[1])
returned 0
Free List [ Size 2 ]: [ addr:1024 sz:36 ][ addr:1076 sz:24 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1000 sz:60 ][ addr:1076 sz:24 ]
ptr[3] = Alloc(15) returned 1000 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1020 sz:40 ][ addr:1076 sz:24 ]
ptr[4] = Alloc(5) returned 1020 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1032 sz:28 ][ addr:1076 sz:24 ]
Free(ptr[2])
returned 0
Free List [ Size 3 ]: [ addr:1060 sz:16 ][ addr:1032 sz:28 ][ addr:1076 sz:24 ]
)");

  // python3 malloc.py -S 64 -b 0 -p BEST -l SIZESORT+ -A +5,+5,+5,+5,-1,-3,+8,-0,-2,+12,+3 -c
  CheckAgainstMallocPy(Config(64, 0, 0, -1, "BEST", "SIZESORT+", false), "+5,+5,+5,+5,-1,-3,+8,-0,-2,+12,+3", R"(
ptr[0] = Alloc(5) returned 0 (searched 1 elements)
Free List [ Size 1 ]: [ addr:5 sz:59 ]
ptr[1] = Alloc(5) returned 5 (searched 1 elements)
Free List [ Size 1 ]: [ addr:10 sz:54 ]
ptr[2] = Alloc(5) returned 10 (searched 1 elements)
Free List [ Size 1 ]: [ addr:15 sz:49 ]
ptr[3] = Alloc(5) returned 15 (searched 1 elements)
Free List [ Size 1 ]: [ addr:20 sz:44 ]
Free(ptr[1])
returned 0
Free List [ Size 2 ]: [ addr:5 sz:5 ][ addr:20 sz:44 ]
Free(ptr[3])
returned 0
Free List [ Size 3 ]: [ addr:5 sz:5 ][ addr:15 sz:5 ][ addr:20 sz:44 ]
ptr[4] = Alloc(8) returned 20 (searched 3 elements)
Free List [ Size 3 ]: [ addr:5 sz:5 ][ addr:15 sz:5 ][ addr:28 sz:36 ]
Free(ptr[0])
returned 0
Free List [ Size 4 ]: [ addr:5 sz:5 ][ addr:15 sz:5 ][ addr:0 sz:5 ][ addr:28 sz:36 ]
Free(ptr[2])
returned 0
Free List [ Size 5 ]: [ addr:5 sz:5 ][ addr:15 sz:5 ][ addr:0 sz:5 ][ addr:10 sz:5 ][ addr:28 sz:36 ]
ptr[5] = Alloc(12) returned 28 (searched 5 elements)
Free List [ Size 5 ]: [ addr:5 sz:5 ][ addr:15 sz:5 ][ addr:0 sz:5 ][ addr:10 sz:5 ][ addr:40 sz:24 ]
ptr[6] = Alloc(3) returned 5 (searched 5 elements)
Free List [ Size 5 ]: [ addr:8 sz:2 ][ addr:15 sz:5 ][ addr:0 sz:5 ][ addr:10 sz:5 ][ addr:40 sz:24 ]
)");

  // python3 malloc.py -S 100 -b 1000 -H 8 -p FIRST -l INSERT-BACK -C -A +5,+5,+5,+5,-1,-3,+8,-0,-2,+12,+3 -c
  CheckAgainstMallocPy(Config(100, 1000, 8, -1, "FIRST", "INSERT-BACK", true), "+5,+5,+5,+5,-1,-3,+8,-0,-2,+12,+3", R"(
ptr[0] = Alloc(5) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1013 sz:87 ]
ptr[1] = Alloc(5) returned 1013 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1026 sz:74 ]
ptr[2] = Alloc(5) returned 1026 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1039 sz:61 ]
ptr[3] = Alloc(5) returned 1039 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1052 sz:48 ]
Free(ptr[1])
returned 0
Free List [ Size 2 ]: [ addr:1052 sz:48 ][ addr:1013 sz:13 ]
Free(ptr[3])
returned 0
Free List [ Size 3 ]: [ addr:1052 sz:48 ][ addr:1013 sz:13 ][ addr:1039 sz:13 ]
ptr[4] = Alloc(8) returned 1052 (searched 1 elements)
Free List [ Size 3 ]: [ addr:1068 sz:32 ][ addr:1013 sz:13 ][ addr:1039 sz:13 ]
Free(ptr[0])
returned 0
Free List [ Size 4 ]: [ addr:1068 sz:32 ][ addr:1013 sz:13 ][ addr:1039 sz:13 ][ addr:1000 sz:13 ]
Free(ptr[2])
returned 0
Free List [ Size 5 ]: [ addr:1068 sz:32 ][ addr:1013 sz:13 ][ addr:1039 sz:13 ][ addr:1000 sz:13 ][ addr:1026 sz:13 ]
ptr[5] = Alloc(12) returned 1068 (searched 1 elements)
Free List [ Size 5 ]: [ addr:1088 sz:12 ][ addr:1013 sz:13 ][ addr:1039 sz:13 ][ addr:1000 sz:13 ][ addr:1026 sz:13 ]
ptr[6] = Alloc(3) returned 1088 (searched 1 elements)
Free List [ Size 5 ]: [ addr:1099 sz:1 ][ addr:1013 sz:13 ][ addr:1039 sz:13 ][ addr:1000 sz:13 ][ addr:1026 sz:13 ]
)");

  // python3 malloc.py -n 15 -p BEST -l INSERT-FRONT -a 2 -H 2 -s 7 -P 60 -c
  // (random ops, replayed as -A +2,-0,+4,+6,+5,+1,+9,+3,-6,+4,-1,-3,+2,+9,+6; malloc.py prints addresses + header in
  // random mode)
  CheckAgainstMallocPy(Config(100, 1000, 2, 2, "BEST", "INSERT-FRONT", false),
                       "+2,-0,+4,+6,+5,+1,+9,+3,-6,+4,-1,-3,+2,+9,+6", R"(
ptr[0] = Alloc(2) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1004 sz:96 ]
Free(ptr[0])
returned 0
Free List [ Size 2 ]: [ addr:1000 sz:4 ][ addr:1004 sz:96 ]
ptr[1] = Alloc(4) returned 1004 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1000 sz:4 ][ addr:1010 sz:90 ]
ptr[2] = Alloc(6) returned 1010 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1000 sz:4 ][ addr:1018 sz:82 ]
ptr[3] = Alloc(5) returned 1018 (searched 2 elements)
Free List [ Size 2 ]: [ addr:1000 sz:4 ][ addr:1026 sz:74 ]
ptr[4] = Alloc(1) returned 1000 (searched 2 elements)
Free List [ Size 1 ]: [ addr:1026 sz:74 ]
ptr[5] = Alloc(9) returned 1026 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1038 sz:62 ]
ptr[6] = Alloc(3) returned 1038 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1044 sz:56 ]
Free(ptr[6])
returned 0
Free List [ Size 2 ]: [ addr:1038 sz:6 ][ addr:1044 sz:56 ]
ptr[7] = Alloc(4) returned 1038 (searched 2 elements)
Free List [ Size 1 ]: [ addr:1044 sz:56 ]
Free(ptr[1])
returned 0
Free List [ Size 2 ]: [ addr:1004 sz:6 ][ addr:1044 sz:56 ]
Free(ptr[3])
returned 0
Free List [ Size 3 ]: [ addr:1018 sz:8 ][ addr:1004 sz:6 ][ addr:1044 sz:56 ]
ptr[8] = Alloc(2) returned 1004 (searched 3 elements)
Free List [ Size 3 ]: [ addr:1018 sz:8 ][ addr:1008 sz:2 ][ addr:1044 sz:56 ]
ptr[9] = Alloc(9) returned 1044 (searched 3 elements)
Free List [ Size 3 ]: [ addr:1018 sz:8 ][ addr:1008 sz:2 ][ addr:1056 sz:44 ]
ptr[10] = Alloc(6) returned 1018 (searched 3 elements)
Free List [ Size 2 ]: [ addr:1008 sz:2 ][ addr:1056 sz:44 ]
)");

  // python3 malloc.py -n 15 -p WORST -l ADDRSORT -C -s 11 -r 30 -P 70 -c
  // (random ops, replayed as -A +17,-0,+18,+16,+24,+10,+25,+2,-6,+19,+1,+2,+8,+14,+26)
  CheckAgainstMallocPy(Config(100, 1000, 0, -1, "WORST", "ADDRSORT", true),
                       "+17,-0,+18,+16,+24,+10,+25,+2,-6,+19,+1,+2,+8,+14,+26", R"(
ptr[0] = Alloc(17) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1017 sz:83 ]
Free(ptr[0])
returned 0
Free List [ Size 1 ]: [ addr:1000 sz:100 ]
ptr[1] = Alloc(18) returned 1000 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1018 sz:82 ]
ptr[2] = Alloc(16) returned 1018 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1034 sz:66 ]
ptr[3] = Alloc(24) returned 1034 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1058 sz:42 ]
ptr[4] = Alloc(10) returned 1058 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1068 sz:32 ]
ptr[5] = Alloc(25) returned 1068 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1093 sz:7 ]
ptr[6] = Alloc(2) returned 1093 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1095 sz:5 ]
Free(ptr[6])
returned 0
Free List [ Size 1 ]: [ addr:1093 sz:7 ]
ptr[7] = Alloc(19) returned -1 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1093 sz:7 ]
ptr[8] = Alloc(1) returned 1093 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1094 sz:6 ]
ptr[9] = Alloc(2) returned 1094 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1096 sz:4 ]
ptr[10] = Alloc(8) returned -1 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1096 sz:4 ]
ptr[11] = Alloc(14) returned -1 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1096 sz:4 ]
ptr[12] = Alloc(26) returned -1 (searched 1 elements)
Free List [ Size 1 ]: [ addr:1096 sz:4 ]
)");
}

// A seed draws malloc.py's own ops: the programs above, which malloc.py
// generated from these seeds, come out of PyRandom in the same order.
TEST_CASE("Random programs draw malloc.py's ops from the seed", "[mem][malloc.py][random]") {
  struct Case {
    std::int64_t seed, num_ops, range, percent;
    HeapConfig config;
    const char* ops;  // what malloc.py printed, as an -A list
  };
  const Case cases[] = {
      {0, 10, 10, 50, Config(100, 1000, 0, -1, "BEST", "ADDRSORT", false), "+3,-0,+5,-1,+8,-2,+8,-3,+2,+7"},
      {0, 10, 10, 50, Config(100, 1000, 0, -1, "FIRST", "ADDRSORT", false), "+3,-0,+5,-1,+8,-2,+8,-3,+2,+7"},
      {3, 12, 20, 50, Config(100, 1000, 0, -1, "FIRST", "SIZESORT-", true),
       "+11,+13,-0,+17,+5,-2,-1,-3,+16,-4,+18,+15"},
      {7, 15, 10, 60, Config(100, 1000, 2, 2, "BEST", "INSERT-FRONT", false),
       "+2,-0,+4,+6,+5,+1,+9,+3,-6,+4,-1,-3,+2,+9,+6"},
      // Failed allocations (ptr[7], ptr[10..12]) are not live: never freed.
      {11, 15, 30, 70, Config(100, 1000, 0, -1, "WORST", "ADDRSORT", true),
       "+17,-0,+18,+16,+24,+10,+25,+2,-6,+19,+1,+2,+8,+14,+26"},
      // python3 malloc.py -n 8 -P 20 -s 2 -c: mostly frees, so often nothing
      // is live; those draws make no op and are not counted.
      {2, 8, 10, 20, Config(100, 1000, 0, -1, "BEST", "ADDRSORT", false), "+1,-0,+5,-1,+1,-2,+4,+6"},
  };
  for (const Case& c : cases) {
    INFO("seed " << c.seed);
    auto heap = FreeListHeap::Create(c.config);
    REQUIRE(heap.ok());
    HeapSession session(std::make_unique<FreeListHeap>(std::move(heap).value()));
    osgrid::os::PyRandom random(c.seed);
    std::vector<HeapOp> ops;
    for (const HeapStep& step : session.RunRandom(random, c.num_ops, c.range, c.percent)) ops.push_back(step.op);
    CHECK(osgrid::os::FormatHeapOps(ops) == c.ops);
  }
}
