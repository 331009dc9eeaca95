// Loading a trace into a model: see load_trace.h. (A stub for now.)
#include "osgrid/viz/load_trace.h"

namespace osgrid::viz {

Result<Model> LoadTrace(const std::string& path, const ModelOptions&) {
  return Status(Code::kInternal, path + ": not implemented yet");
}

Result<Model> LoadTrace(std::unique_ptr<std::istream>, const std::string& name, const ModelOptions&) {
  return Status(Code::kInternal, name + ": not implemented yet");
}

}  // namespace osgrid::viz
