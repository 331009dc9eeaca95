// Building a page-replacement policy by name (the CLI's -p).
// Source: see replacement_policy.h; each policy is in its own file here.
#include "osgrid/os/paging/replacement_policy.h"

namespace osgrid::os {

const std::vector<std::string>& ReplacementPolicyNames() {
  static const std::vector<std::string> names = {"FIFO", "LRU", "OPT",  "CLOCK", "CLOCK-HAND",
                                                 "LFU",  "MRU", "RAND", "UNOPT"};
  return names;
}

Expected<std::unique_ptr<ReplacementPolicy>> MakeReplacementPolicy(std::string_view name, std::size_t frames,
                                                                   const PolicyOptions& options) {
  if (frames == 0) return Fail("cache size must be >= 1 frame, got 0");
  if (name == "FIFO") return MakeFifo(frames);
  if (name == "LRU") return MakeLru(frames);
  if (name == "MRU") return MakeMru(frames);
  if (name == "OPT") return MakeOpt(frames, options.future);
  if (name == "UNOPT") return MakeUnopt(frames, options.future);
  if (name == "RAND") {
    if (options.random != nullptr) return MakeRandom(frames, *options.random);
    return MakeRandom(frames, options.seed);
  }
  if (name == "LFU") return MakeLfu(frames);
  if (name == "CLOCK") {
    if (options.random != nullptr) return MakeClock(frames, options.clock_bits, *options.random);
    return MakeClock(frames, options.clock_bits, options.seed);
  }
  if (name == "CLOCK-HAND") return MakeClockHand(frames, options.clock_bits);
  std::string known;
  for (const std::string& n : ReplacementPolicyNames()) known += (known.empty() ? "" : ", ") + n;
  return Fail("unknown replacement policy '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace osgrid::os
