// Pictures of a heap, block by block: the one-line map and the SVG that
// `osgrid sim mem` draws, shared with `osgrid mem map`, which draws a live
// peer's arena the same way (docs/memory.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace osgrid::sim {

/// One block of the address space map, with the pointer or key that owns it.
struct MapBlock {
  std::int64_t addr = 0;
  std::int64_t size = 0;
  bool free = true;
  std::int64_t ptr = -1;       // allocated blocks: ptr[N] that owns it (-1: none, or a key)
  std::int64_t requested = 0;  // allocated blocks: bytes asked for
  std::string key;             // allocated blocks owned by a key ("KEY=N" ops): the key; "" otherwise
};

/// "0000111....22..AAA": the map in `width` columns; allocated blocks show
/// their pointer's digit/letter (0-9, a-z, A-Z, then again), blocks owned by
/// keys a capital letter (A, B, ... Z, then again, in address order), free
/// bytes '.'.
std::string MemMapLine(const std::vector<MapBlock>& blocks, std::int64_t base, std::int64_t size, int width);

/// One row of the SVG: a label and the map after that op.
struct MemSvgRow {
  std::string label;
  std::vector<MapBlock> blocks;
};
/// The heap after every op given (one row each) and at the end.
std::string MemSvg(const std::string& title, std::int64_t base, std::int64_t size, const std::vector<MemSvgRow>& rows);

}  // namespace osgrid::sim
