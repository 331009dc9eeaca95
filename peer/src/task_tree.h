// The process tree of the tasks on one peer: who submitted whom, zombies,
// orphans and the peer's init (docs/syscalls.md).
//
// Source: Silberschatz 10e 3.3.1 (process creation: a parent and its
//         children) and 3.3.2 (termination: zombies until the parent calls
//         wait(), orphans adopted by init); OSTEP ch. 5 (fork, wait). The
//         rules are those of the simulated kernel, os/proc/process_table.h,
//         with OrphanRule::kInit, on live tasks:
//
//   - A task that calls osgrid.submit is the parent of the task it submits
//     (Fork). The peer the parent runs on keeps the record; the child may
//     run anywhere, and its end comes back here (ChildEnded).
//   - A child that ends before its parent waits for it is a zombie: its
//     result is kept until the parent reaps it with osgrid.wait (Wait), or
//     the parent ends.
//   - A parent that waits for a live child waits until it ends; the child is
//     then reaped at once and its result handed over.
//   - When a parent ends (Exit), its zombie children are reaped, and its
//     live children are orphans: the peer's init, "<peer>/init", adopts
//     them, and reaps each one as it ends. init never ends.
//   - Every task belongs to its root's tree, the process group that
//     `osgrid kill --group ROOT` ends (killpg(2)); adoption by init does
//     not take it out (LiveMembers).
//   - Limits, so that a program that submits without end cannot exhaust a
//     peer: a task may have at most max_children children not yet reaped,
//     and the tasks of one root's tree submitted on this peer, not yet
//     reaped, are at most max_tree (like RLIMIT_NPROC, per tree and peer).
//
// Pure bookkeeping: no processes, no I/O, no clock; CpuService acts on
// what each call returns. Not thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::peer {

struct TreeLimits {
  std::size_t max_children = 64;  // children not yet reaped, per task
  std::size_t max_tree = 256;     // tasks of one root's tree submitted here, not yet reaped
};

/// How a child ended, as its parent's peer keeps it until it is reaped.
struct ChildExit {
  Json entry;           // its result entry (net::TaskResult encoded)
  double exited_t = 0;  // when it ended, ms on the tracker's clock
  double submitted_t = 0;
};

class TaskTree {
 public:
  TaskTree(std::string node, TreeLimits limits);

  /// "<node>/init": the parent of orphans on this peer.
  const std::string& init_id() const { return init_id_; }
  const TreeLimits& limits() const { return limits_; }

  /// The task `task_id` runs here, submitted by `parent` (none: a client's
  /// task) in the tree of `root` ("" : it is its own root).
  void Enter(const std::string& task_id, const std::optional<std::string>& parent, const std::string& root);
  /// Whether `task_id` runs here (Enter, not yet Exit).
  bool Runs(const std::string& task_id) const;
  /// The parent of `task_id` (running here) now: its submitter, init_id()
  /// once adopted, nullopt for a client's task or an unknown one.
  std::optional<std::string> ParentOf(const std::string& task_id) const;
  /// The parent now of `child`, a child submitted here (its submitter, or
  /// init once adopted); nullopt if it is not one.
  std::optional<std::string> ParentOfChild(const std::string& child) const;
  /// `task_id`, running here, has a new parent (its parent's peer's init,
  /// which adopted it there). Returns false if it does not run here.
  bool Adopted(const std::string& task_id, const std::string& parent);
  /// The root of the tree `task_id` (running here) belongs to.
  std::string RootOf(const std::string& task_id) const;

  /// `parent`, running here, submits `child`. Errors: LIMIT when it has
  /// max_children children not yet reaped, or its tree has max_tree tasks
  /// submitted here not yet reaped; NOT_FOUND if `parent` does not run here.
  Status Fork(const std::string& parent, const std::string& child);

  /// `parent` waits for its child `child`. Returns the child's exit if it
  /// is a zombie (it is reaped now), or nullopt if it still runs: `parent`
  /// now waits for it, and ChildEnded hands it over. Errors: NOT_FOUND
  /// ("peer-1/9 is not a child of peer-1/3": never its child, or already
  /// reaped; ECHILD in wait(2)), BAD_REQUEST if it already waits.
  Result<std::optional<ChildExit>> Wait(const std::string& parent, const std::string& child);

  /// What became of a child that ended.
  struct Fate {
    enum Kind {
      kHandedToWaiter,  // its parent was waiting for it: reaped, `parent` gets the exit
      kZombie,          // kept for its parent, `parent`
      kReapedByInit,    // an orphan: init reaped it
      kNotAChild,       // not submitted from here (a client's task)
    } kind = kNotAChild;
    std::string parent;
  };
  /// The child `child` ended (its result came back here).
  Fate ChildEnded(const std::string& child, ChildExit exit);

  /// What a parent's end did to its children.
  struct Orphans {
    std::vector<std::string> adopted;                       // live: now init's
    std::vector<std::pair<std::string, ChildExit>> reaped;  // zombies, reaped now
  };
  /// The task `task_id` ended: it runs here no more; see Orphans.
  Orphans Exit(const std::string& task_id);

  /// Children of `parent` (a task here, or init) still running: not zombies.
  std::vector<std::string> LiveChildren(const std::string& parent) const;
  /// Every task of `root`'s tree this peer knows and that still runs: the
  /// tasks running here with that root and the children submitted here
  /// (init's too) not yet ended. The process group of killpg(2): members
  /// stay in it when they are adopted.
  std::vector<std::string> LiveMembers(const std::string& root) const;
  /// Children of `parent` not yet reaped (zombies included).
  std::size_t children_of(const std::string& parent) const;
  /// Tasks of `root`'s tree submitted here and not yet reaped.
  std::size_t tree_size(const std::string& root) const;

 private:
  struct Child {
    std::string root;
    std::optional<ChildExit> exit;  // set: a zombie
  };
  struct Node {  // a task that runs here (or init): a possible parent
    std::optional<std::string> parent;
    std::string root;
    std::map<std::string, Child> children;  // submitted, not yet reaped
    std::optional<std::string> waiting_for;
  };
  void Reaped(const std::string& root);

  std::string node_;
  std::string init_id_;
  TreeLimits limits_;
  std::map<std::string, Node> nodes_;              // tasks running here, and init
  std::map<std::string, std::string> parent_of_;   // children submitted here -> their parent now
  std::map<std::string, std::size_t> tree_sizes_;  // by root
};

}  // namespace osgrid::peer
