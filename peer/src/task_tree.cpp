// TaskTree: see task_tree.h.
//
// Source: Silberschatz 10e 3.3.1-3.3.2; OSTEP ch. 5; the rules of
//         os/proc/process_table.h (OrphanRule::kInit).
#include "task_tree.h"

#include <utility>

namespace osgrid::peer {

TaskTree::TaskTree(std::string node, TreeLimits limits)
    : node_(std::move(node)), init_id_(node_ + "/init"), limits_(limits) {
  nodes_[init_id_] = Node{};
}

void TaskTree::Enter(const std::string& task_id, const std::optional<std::string>& parent, const std::string& root) {
  Node& node = nodes_[task_id];
  node.parent = parent;
  node.root = root.empty() ? task_id : root;
}

bool TaskTree::Runs(const std::string& task_id) const { return task_id != init_id_ && nodes_.contains(task_id); }

std::optional<std::string> TaskTree::ParentOf(const std::string& task_id) const {
  auto it = nodes_.find(task_id);
  return it == nodes_.end() ? std::nullopt : it->second.parent;
}

std::optional<std::string> TaskTree::ParentOfChild(const std::string& child) const {
  auto it = parent_of_.find(child);
  return it == parent_of_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

bool TaskTree::Adopted(const std::string& task_id, const std::string& parent) {
  auto it = nodes_.find(task_id);
  if (it == nodes_.end() || task_id == init_id_) return false;
  it->second.parent = parent;
  return true;
}

std::string TaskTree::RootOf(const std::string& task_id) const {
  auto it = nodes_.find(task_id);
  return it == nodes_.end() ? task_id : it->second.root;
}

Status TaskTree::Fork(const std::string& parent, const std::string& child) {
  auto it = nodes_.find(parent);
  if (it == nodes_.end() || parent == init_id_) return Status::NotFound("task " + parent + " does not run on " + node_);
  Node& node = it->second;
  if (node.children.size() >= limits_.max_children) {
    return Status::Limit("task " + parent + " has " + std::to_string(node.children.size()) +
                         " children not yet waited for, the most one task may have; wait for some first");
  }
  if (tree_size(node.root) >= limits_.max_tree) {
    return Status::Limit("the tree of task " + node.root + " has " + std::to_string(limits_.max_tree) + " tasks on " +
                         node_ + " not yet waited for, the most one tree may have");
  }
  node.children[child] = Child{node.root, std::nullopt};
  parent_of_[child] = parent;
  ++tree_sizes_[node.root];
  return Status::Ok();
}

Result<std::optional<ChildExit>> TaskTree::Wait(const std::string& parent, const std::string& child) {
  auto it = nodes_.find(parent);
  auto found = it == nodes_.end() ? std::map<std::string, Child>::iterator() : it->second.children.find(child);
  if (it == nodes_.end() || found == it->second.children.end()) {
    return Status::NotFound(child + " is not a child of " + parent + " (or it was already waited for)");
  }
  Node& node = it->second;
  if (node.waiting_for) return Status::BadRequest("task " + parent + " already waits for " + *node.waiting_for);
  if (!found->second.exit) {  // still running: the parent waits
    node.waiting_for = child;
    return std::optional<ChildExit>();
  }
  ChildExit exit = std::move(*found->second.exit);
  const std::string root = found->second.root;
  node.children.erase(found);
  parent_of_.erase(child);
  Reaped(root);
  return std::optional<ChildExit>(std::move(exit));
}

TaskTree::Fate TaskTree::ChildEnded(const std::string& child, ChildExit exit) {
  auto owner = parent_of_.find(child);
  if (owner == parent_of_.end()) return {};
  const std::string parent = owner->second;
  Node& node = nodes_.at(parent);
  Child& record = node.children.at(child);
  if (parent != init_id_ && node.waiting_for != child) {
    record.exit = std::move(exit);
    return {Fate::kZombie, parent};
  }
  const std::string root = record.root;
  node.children.erase(child);
  parent_of_.erase(owner);
  Reaped(root);
  if (parent == init_id_) return {Fate::kReapedByInit, parent};
  node.waiting_for.reset();
  return {Fate::kHandedToWaiter, parent};
}

TaskTree::Orphans TaskTree::Exit(const std::string& task_id) {
  Orphans orphans;
  auto it = nodes_.find(task_id);
  if (it == nodes_.end() || task_id == init_id_) return orphans;
  Node& init = nodes_.at(init_id_);
  for (auto& [child, record] : it->second.children) {
    if (record.exit) {  // a zombie: its parent will never wait now
      orphans.reaped.emplace_back(child, std::move(*record.exit));
      parent_of_.erase(child);
      Reaped(record.root);
      continue;
    }
    parent_of_[child] = init_id_;
    if (auto running = nodes_.find(child); running != nodes_.end()) running->second.parent = init_id_;
    init.children[child] = std::move(record);
    orphans.adopted.push_back(child);
  }
  nodes_.erase(it);
  return orphans;
}

std::vector<std::string> TaskTree::LiveChildren(const std::string& parent) const {
  std::vector<std::string> live;
  auto it = nodes_.find(parent);
  if (it == nodes_.end()) return live;
  for (const auto& [child, record] : it->second.children) {
    if (!record.exit) live.push_back(child);
  }
  return live;
}

std::vector<std::string> TaskTree::LiveMembers(const std::string& root) const {
  std::vector<std::string> members;
  for (const auto& [id, node] : nodes_) {
    if (id != init_id_ && node.root == root) members.push_back(id);
    for (const auto& [child, record] : node.children) {
      if (record.root == root && !record.exit && !nodes_.contains(child)) members.push_back(child);
    }
  }
  return members;
}

std::size_t TaskTree::children_of(const std::string& parent) const {
  auto it = nodes_.find(parent);
  return it == nodes_.end() ? 0 : it->second.children.size();
}

std::size_t TaskTree::tree_size(const std::string& root) const {
  auto it = tree_sizes_.find(root);
  return it == tree_sizes_.end() ? 0 : it->second;
}

void TaskTree::Reaped(const std::string& root) {
  auto it = tree_sizes_.find(root);
  if (it == tree_sizes_.end()) return;
  if (--it->second == 0) tree_sizes_.erase(it);
}

}  // namespace osgrid::peer
