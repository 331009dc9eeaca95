// The timeline: see timeline.h. (A stub for now.)
#include "osgrid/viz/timeline.h"

namespace osgrid::viz {

std::string_view BarEndName(BarEnd) { return "open"; }
std::span<const GanttBar> Lane::Overlapping(double, double) const { return {}; }
std::vector<FoldedBar> FoldForDrawing(std::span<const GanttBar>, double) { return {}; }
const PeerTimeline* Timeline::Find(std::string_view) const { return nullptr; }
std::vector<GanttBar> Timeline::Overlapping(std::string_view, std::size_t, double, double) const { return {}; }
std::vector<BarRef> Timeline::BarsOf(std::string_view) const { return {}; }
std::vector<Forward> Timeline::ForwardsBetween(double, double) const { return {}; }
void Timeline::Apply(const os::events::Event&, std::uint64_t, const ViewState&) {}
void Timeline::ApplySnapshot(const os::events::Snapshot&, std::uint64_t, const ViewState&) {}
std::size_t Timeline::DropBefore(std::uint64_t) { return 0; }
std::size_t Timeline::CapBars(std::size_t) { return 0; }
std::size_t Timeline::CapLoadSamples(std::size_t) { return 0; }

}  // namespace osgrid::viz
