// The wire format's value type. One alias so every module spells it the same.
#pragma once

#include <nlohmann/json.hpp>

namespace osgrid {
using Json = nlohmann::json;
}  // namespace osgrid
