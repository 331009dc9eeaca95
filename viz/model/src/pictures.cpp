// Pictures of a ViewState: see pictures.h. (A stub for now.)
#include "osgrid/viz/pictures.h"

namespace osgrid::viz {

std::optional<ArenaMap> ArenaOf(const ViewState&, std::string_view) { return std::nullopt; }
std::vector<TreeRow> ProcessTree(const ViewState&) { return {}; }

}  // namespace osgrid::viz
