// Reading a sync script from YAML; see sync_yaml.h and docs/sim/sync.md.
#include "sync_yaml.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <string_view>
#include <vector>

#include "../topic.h"
#include "osgrid/client/text.h"  // DidYouMean

namespace osgrid::sim {

using client::DidYouMean;

namespace {

const std::vector<std::string_view> kTopKeys = {"name",    "description", "semaphores", "binary_semaphores",
                                                "mutexes", "queues",      "counters",   "processes"};

/// Builds the messages of one file: "f.yaml:LINE: message".
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Status Error(const YAML::Node& at, const std::string& message) const {
    const int line = at.Mark().line;
    return BadInput(file_ + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": " + message);
  }
  Status Error(const std::string& message) const { return BadInput(file_ + ": " + message); }

  /// A plain integer scalar.
  static std::optional<std::int64_t> Integer(const YAML::Node& node) {
    if (!node.IsScalar()) return std::nullopt;
    const std::string& text = node.Scalar();
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::size_t i = text[0] == '-' ? 1 : 0;
    if (i == text.size()) return std::nullopt;
    std::int64_t value = 0;
    for (; i < text.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return text[0] == '-' ? -value : value;
  }

  /// {NAME: INTEGER, ...} -> calls add(name, value) for each entry.
  template <class Add>
  Status NamedIntegers(const YAML::Node& map, const std::string& key, Add add) const {
    if (!map.IsMap()) return Error(map, key + ": expected a mapping {NAME: VALUE, ...}");
    for (const auto& entry : map) {
      const std::string name = entry.first.Scalar();
      const auto value = Integer(entry.second);
      if (!value) return Error(entry.second, key + ": '" + name + "' must be an integer");
      add(name, *value);
    }
    return Status::Ok();
  }

  Result<std::vector<os::Op>> Ops(const YAML::Node& list, const std::string& process, const std::string& prefix) const {
    if (!list.IsSequence()) {
      const std::string where = prefix.empty() ? process : process + " op " + prefix.substr(0, prefix.size() - 1);
      return Error(list, where + ": expected a list of operations");
    }
    std::vector<os::Op> ops;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const std::string where = process + " op " + prefix + std::to_string(i + 1);
      if (item.IsScalar()) {
        auto op = os::ParseOp(item.Scalar());
        if (!op) return Error(item, where + ": " + op.error().message);
        ops.push_back(std::move(op).value());
        continue;
      }
      auto repeat = Repeat(item, where, process, prefix + std::to_string(i + 1) + ".");
      if (!repeat.ok()) return repeat.status();
      ops.push_back(std::move(repeat).value());
    }
    return ops;
  }

 private:
  Result<os::Op> Repeat(const YAML::Node& item, const std::string& where, const std::string& process,
                        const std::string& prefix) const {
    if (!item.IsMap() || !item["repeat"] || !item["do"] || item.size() != 2) {
      return Error(item, where + ": expected an operation (text) or {repeat: N, do: [...]}");
    }
    const YAML::Node count = item["repeat"];
    std::int64_t times = 0;
    if (count.IsScalar() && count.Scalar() == "forever") {
      times = os::kForever;
    } else if (const auto n = Integer(count)) {
      times = *n;
    } else {
      return Error(count, where + ": repeat must be a number or 'forever'");
    }
    auto body = Ops(item["do"], process, prefix);
    if (!body.ok()) return body.status();
    return os::Repeat(times, std::move(body).value());
  }

  std::string file_;
};

}  // namespace

Result<LoadedSyncScript> ParseSyncScript(const std::string& yaml_text, const std::string& file) {
  const Reader reader(file);
  YAML::Node root;
  try {  // yaml-cpp reports syntax errors by exception
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    return BadInput(file + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
  }
  if (!root.IsMap()) return reader.Error("expected a mapping with 'processes:' (see docs/sim/sync.md)");
  LoadedSyncScript loaded;
  os::SyncScript& script = loaded.script;
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    const YAML::Node value = entry.second;
    Status status = Status::Ok();
    if (key == "name") {
      loaded.title = value.IsScalar() ? value.Scalar() : "";
    } else if (key == "description") {
      continue;
    } else if (key == "semaphores" || key == "binary_semaphores") {
      const bool binary = key == "binary_semaphores";
      status = reader.NamedIntegers(value, key, [&](const std::string& name, std::int64_t initial) {
        script.semaphores.push_back({name, initial, binary});
      });
    } else if (key == "queues") {
      status = reader.NamedIntegers(value, key, [&](const std::string& name, std::int64_t capacity) {
        script.queues.push_back({name, capacity});
      });
    } else if (key == "counters") {
      status = reader.NamedIntegers(value, key, [&](const std::string& name, std::int64_t initial) {
        script.counters.push_back({name, initial});
      });
    } else if (key == "mutexes") {
      if (!value.IsSequence()) return reader.Error(value, "mutexes: expected a list of names");
      for (const auto& name : value) script.mutexes.push_back(name.Scalar());
    } else if (key == "processes") {
      if (!value.IsMap()) return reader.Error(value, "processes: expected a mapping {NAME: [operations...]}");
      for (const auto& process : value) {
        const std::string name = process.first.Scalar();
        auto ops = reader.Ops(process.second, name, "");
        if (!ops.ok()) return ops.status();
        script.processes.push_back({name, std::move(ops).value()});
      }
    } else {
      const std::string hint = DidYouMean(key, kTopKeys);
      return reader.Error(entry.first,
                          "unknown key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    if (!status.ok()) return status;
  }
  return loaded;
}

}  // namespace osgrid::sim
