// Private to scenario/: the machinery shared by every step kind of the scenario
// schema -- splitting a step into its action and `expect:`, and the field
// readers used by more than one kind (peer references, programs, seconds).
// The schema itself (which kinds exist, their keys) is the table in scenario.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/scenario/scenario.h"
#include "yaml_reader.h"

namespace osgrid::scenario {

class StepParser;

/// One row of the step table.
struct StepKind {
  std::string_view name;                      // the action key, e.g. "cpu"
  std::vector<std::string_view> keys;         // keys of its mapping; empty: the value is not a mapping
  std::vector<std::string_view> expect_keys;  // expectations it accepts; empty: no `expect:`
  std::string_view shorthand;                 // what `expect: <not a mapping>` means, e.g. "result"
  std::optional<Action> (*parse)(StepParser& parser, const YamlEntry& action);
  /// Keys allowed beside the action in the step itself (`- sim: sched` then
  /// `args:` on the next line); parse() reads them through StepParser::step().
  std::vector<std::string_view> step_keys = {};
};

class StepParser {
 public:
  /// `cluster` must outlive the parser; peer references are checked against it
  /// as it is when each step is parsed.
  StepParser(YamlReader& reader, const ClusterSpec& cluster, std::string base_dir)
      : reader_(reader), cluster_(cluster), base_dir_(std::move(base_dir)) {}

  YamlReader& reader() { return reader_; }
  /// The scenario file's folder: relative paths in steps are resolved against it.
  const std::string& base_dir() const { return base_dir_; }
  /// The step being parsed (its whole mapping), for kinds with step_keys.
  const YAML::Node& step() const { return step_; }

  /// One item of `steps:`; nullopt (with problems recorded) if it is wrong.
  std::optional<Step> ParseStep(const YAML::Node& node, const std::vector<StepKind>& kinds);

  // ---- Field readers shared by step kinds ----------------------------------
  /// map[key] as a peer name "peer-K" with 1 <= K <= cluster.peers (required).
  std::optional<std::string> PeerField(const YAML::Node& map, std::string_view key, std::string_view what);
  /// A value that names a peer, or "tracker" when `allow_tracker`.
  std::optional<std::string> PeerValue(const YamlEntry& entry, std::string_view what, bool allow_tracker);
  /// Python source from `program:` (inline) or `file:` (read now, relative to
  /// the scenario's folder): exactly one of the two. A `file:` must be a
  /// regular file of at most 8 MiB (not a device, FIFO or folder).
  std::optional<std::string> Program(const YAML::Node& map, std::string_view what);
  /// map[key] as a JSON array of arguments; [] when absent.
  std::optional<Json> ArgList(const YAML::Node& map, std::string_view key, std::string_view what);
  /// A batch's `each:` list: a non-empty list of argument lists.
  std::optional<std::vector<Json>> EachList(const YAML::Node& map);
  /// A batch's tasks: from `each:` (each task gets `sched` and `claims`) or
  /// from `tasks:`, a non-empty list of mappings {args, name, priority,
  /// burst_ms, tickets, claims} whose fields override `sched` and `claims`;
  /// exactly one of the two.
  std::optional<std::vector<BatchTask>> BatchTasks(const YAML::Node& map, const TaskSched& sched, const Claims& claims);
  /// The scheduling fields of a task in `map` -- priority (high, medium, low
  /// or an integer), burst_ms, tickets, name -- over `defaults`; nullopt if
  /// any is wrong (recorded).
  std::optional<TaskSched> SchedFields(const YAML::Node& map, std::string_view what, TaskSched defaults = {});
  /// map's `claims:` -- a task's maximum claims {NAME: COUNT, ...}, checked as
  /// net::DecodeClaims checks them (1..1000 names of cluster objects, each
  /// claim 1..1000000) -- or `defaults` when absent; nullopt if wrong (recorded
  /// at the claim that is wrong).
  std::optional<Claims> ClaimsField(const YAML::Node& map, std::string_view what, Claims defaults = {});
  /// A peer name or a list of them (at least one), each checked like PeerValue.
  std::optional<std::vector<std::string>> PeerList(const YamlEntry& entry, std::string_view what);
  /// A number of seconds, > 0 (or >= 0 when `allow_zero`), at most an hour.
  std::optional<double> Seconds(const YamlEntry& entry, std::string_view what, bool allow_zero);
  /// map[key] as seconds if present; nullopt when absent or wrong (the latter recorded).
  std::optional<double> OptionalSeconds(const YAML::Node& map, std::string_view key, std::string_view what);

 private:
  const StepKind* FindKind(const std::vector<StepKind>& kinds, std::string_view name) const;
  bool SplitStep(const YAML::Node& node, const std::vector<StepKind>& kinds, std::optional<YamlEntry>& action,
                 std::optional<YamlEntry>& expect);
  std::optional<Expectation> ParseExpect(const YamlEntry& entry, const StepKind& kind);
  bool SetExpectation(Expectation& expect, std::string_view key, const YamlEntry& entry, const StepKind& kind);
  std::optional<std::string> ErrorCode(const YamlEntry& entry, std::string_view what);

  YamlReader& reader_;
  YAML::Node step_;
  const ClusterSpec& cluster_;
  std::string base_dir_;
};

}  // namespace osgrid::scenario
