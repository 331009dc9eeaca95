// ViewState: see view_state.h. (A stub for now: the fold comes next.)
#include "osgrid/viz/view_state.h"

namespace osgrid::viz {

SourceInfo SourceInfo::FromTraceHeader(const net::TraceHeader& header) {
  SourceInfo source;
  source.source = header.source;
  source.time_unit = header.time_unit;
  return source;
}

ViewState::ViewState(SourceInfo source) : source_(std::move(source)) {}

bool ViewState::Apply(const os::events::Event& event) { return cluster_.Apply(event); }

void ViewState::ApplySnapshot(const os::events::Snapshot& snapshot) { cluster_ = os::events::ClusterState(snapshot); }

const os::events::ResourceState* ViewState::FindResource(std::string_view, std::string_view) const { return nullptr; }
std::vector<WaitForEdge> ViewState::WaitForGraph() const { return {}; }
bool ViewState::InDeadlock(std::string_view) const { return false; }
const Marked<os::events::PeerLoad>* ViewState::LastLoad(std::string_view) const { return nullptr; }
const Marked<os::events::MemFailed>* ViewState::LastMemFailure(std::string_view) const { return nullptr; }
Json ViewState::ToJson() const { return Json::object(); }

}  // namespace osgrid::viz
