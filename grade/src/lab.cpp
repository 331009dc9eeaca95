// What every lab shares: the default answer check, the case's JSON form and
// the table of labs.
#include "osgrid/grade/lab.h"

#include "labs/labs.h"

namespace osgrid::grade {

std::optional<Mismatch> Lab::Check(const Case& test, std::size_t step, const nlohmann::json& got) const {
  const Step& s = test.steps[step];
  if (!s.expect || got == *s.expect) return std::nullopt;
  return Mismatch{"wrong answer", "expected " + s.expect->dump() + ", got " + got.dump()};
}

nlohmann::json CaseToJson(const Case& test) {
  nlohmann::json steps = nlohmann::json::array();
  for (const Step& step : test.steps) {
    nlohmann::json s = {{"call", step.call}, {"args", step.args}};
    if (step.expect) s["expect"] = *step.expect;
    if (step.check != "equal") s["check"] = step.check;
    if (!step.where.empty()) s["where"] = step.where;
    if (!step.context.is_null() && !test.hidden) s["context"] = step.context;  // a visible case's only
    steps.push_back(std::move(s));
  }
  return {{"name", test.name}, {"target", test.target}, {"init", test.init},           {"max_score", test.max_score},
          {"tags", test.tags}, {"about", test.about},   {"reference", test.reference}, {"steps", steps}};
}

const std::vector<std::unique_ptr<Lab>>& AllLabs() {
  static const auto* labs = new std::vector<std::unique_ptr<Lab>>(labs::MakeAll());
  return *labs;
}

const Lab* FindLab(std::string_view id) {
  for (const auto& lab : AllLabs()) {
    std::string_view full = lab->id();
    if (full == id || (full.size() > id.size() && full.substr(0, id.size()) == id && full[id.size()] == '-')) {
      return lab.get();
    }
  }
  return nullptr;
}

}  // namespace osgrid::grade
