// The live tasks on screen (see task_view.h).
#include "osgrid/client/task_view.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "osgrid/client/text.h"
#include "osgrid/os/events/cluster_state.h"

namespace osgrid::client {
namespace {

using Entry = net::TaskList::Entry;

/// The tasks in id order (the tracker sends them so; a list built elsewhere may not be).
std::vector<const Entry*> SortedById(const net::TaskList& list) {
  std::vector<const Entry*> sorted;
  sorted.reserve(list.tasks.size());
  for (const Entry& task : list.tasks) sorted.push_back(&task);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry* a, const Entry* b) { return os::events::TaskIdLess(a->task_id, b->task_id); });
  return sorted;
}

std::string Priority(const Entry& task) { return task.priority ? std::to_string(*task.priority) : "-"; }

/// NAME PEER STATE PRI CPU of a row, after its ID.
std::vector<std::string> Row(std::string id, const Entry& task) {
  std::string name = task.name.empty() ? "?" : task.name;  // never seen submitted
  return {std::move(id), std::move(name), task.peer, task.state, Priority(task), CpuTime(task.cpu_ms)};
}

}  // namespace

std::string CpuTime(double ms) {
  if (!(ms >= 0)) ms = 0;  // negative or NaN: a node out of protocol
  if (ms < 999.5) return std::to_string(std::llround(ms)) + " ms";
  return HumanSeconds(ms / 1000);
}

std::string TaskSummary(const net::TaskList& list) {
  if (list.tasks.empty()) return "no live tasks";
  std::map<std::string, std::size_t> in;
  for (const Entry& task : list.tasks) ++in[task.state];
  const std::size_t count = list.tasks.size();
  std::string summary = std::to_string(count) + (count == 1 ? " task: " : " tasks: ") + std::to_string(in["running"]) +
                        " running, " + std::to_string(in["ready"]) + " ready, " + std::to_string(in["waiting"]) +
                        " waiting";
  if (in["zombie"] > 0) summary += ", " + std::to_string(in["zombie"]) + (in["zombie"] == 1 ? " zombie" : " zombies");
  return summary;
}

void PrintTaskTable(const net::TaskList& list, std::ostream& out, std::string_view indent) {
  if (list.tasks.empty()) return;
  Table table({"ID", "NAME", "PEER", "STATE", "PRI", "CPU", "PARENT"});
  for (const Entry* task : SortedById(list)) {
    std::vector<std::string> row = Row(task->task_id, *task);
    row.push_back(task->parent.value_or("-"));
    table.AddRow(std::move(row));
  }
  table.Print(out, indent);
}

void PrintTaskTree(const net::TaskList& list, std::ostream& out, std::string_view indent) {
  if (list.tasks.empty()) return;
  const std::vector<const Entry*> sorted = SortedById(list);
  std::set<std::string_view> live;
  for (const Entry* task : sorted) live.insert(task->task_id);
  // Each task is a child of its parent when that parent is listed, else a root.
  std::map<std::string_view, std::vector<const Entry*>> children;  // in id order, as `sorted` is
  std::vector<const Entry*> roots;
  for (const Entry* task : sorted) {
    const bool under_parent = task->parent && *task->parent != task->task_id && live.count(*task->parent) > 0;
    if (under_parent) {
      children[*task->parent].push_back(task);
    } else {
      roots.push_back(task);
    }
  }

  Table table({"ID", "NAME", "PEER", "STATE", "PRI", "CPU"});
  std::set<const Entry*> shown;
  // `lead` starts this task's line; `below` starts the lines of its children.
  auto add = [&](auto& self, const Entry* task, const std::string& lead, const std::string& below) -> void {
    std::vector<std::string> row = Row(lead + task->task_id, *task);
    if (task->parent && live.count(*task->parent) == 0) row.push_back("(parent " + *task->parent + " gone)");
    table.AddRow(std::move(row));
    std::vector<const Entry*> kids;
    for (const Entry* kid : children[task->task_id]) {
      if (shown.insert(kid).second) kids.push_back(kid);
    }
    for (std::size_t i = 0; i < kids.size(); ++i) {
      const bool last = i + 1 == kids.size();
      self(self, kids[i], below + (last ? "└─ " : "├─ "), below + (last ? "   " : "│  "));
    }
  };
  for (const Entry* root : roots) {
    if (shown.insert(root).second) add(add, root, "", "");
  }
  // Tasks whose parents form a cycle have no root above them: each still gets a line.
  for (const Entry* task : sorted) {
    if (shown.insert(task).second) add(add, task, "", "");
  }
  table.Print(out, indent);
}

}  // namespace osgrid::client
