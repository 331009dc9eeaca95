// Random process-API problems for `osgrid sim proc -s N`:
//   - GenerateForkPyActions: OSTEP's fork.py (cpu-api homework), draw for
//     draw: a growing process tree where each action is a fork (with
//     probability fork_fraction) or otherwise an exit of a random live
//     process other than the root. With PyRandom(seed) it makes the very
//     actions `fork.py -s seed` makes.
//   - GenerateProcOps: osgrid's "rich" problems in the same manner, where
//     parents also wait() and processes are killed, so zombies and orphans
//     appear; every choice comes from the caller's Rng. The problem is
//     replayed on a ProcessTable while it is made, so every action is
//     possible when it comes (no call from a terminated or blocked process).
//
// Source: OSTEP ch. 5 "Interlude: Process API", homework (simulation)
//         fork.py; Silberschatz 10e, 3.3 "Operations on Processes".
//
// Deterministic: one seed gives one problem everywhere.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "osgrid/os/expected.h"
#include "osgrid/os/proc/process_table.h"
#include "osgrid/os/py_random.h"
#include "osgrid/os/random.h"

namespace osgrid::os {

enum class ProcOpKind { kFork, kExit, kWait, kKill };

/// One generated action, naming processes by label.
struct ProcOp {
  ProcOpKind kind = ProcOpKind::kFork;
  std::string actor;                 // kFork/kExit/kWait: the process making the call; kKill: the target
  std::string child;                 // kFork: the new process's label
  int status = 0;                    // kExit: the exit status
  Signal signal = Signal::kSigTerm;  // kKill
};

struct ProcOpGeneratorOptions {
  int actions = 5;             // how many actions (fork.py -a); 0..1000000
  double fork_fraction = 0.7;  // probability that an action is a fork (fork.py -f); > 0.001 (1 or more: all forks)
  bool rich = false;           // also wait() and kill (otherwise fork and exit only, like fork.py)
  std::string root = "a";      // the label of pid 1
};

/// The n-th label of fork.py's sequence: 0 -> "a", 25 -> "z", 26 -> "A",
/// 51 -> "Z", 52 -> "aa", 53 -> "ab", ... (fork.py's root is "a" = 0, its
/// first child "b" = 1).
std::string ForkPyName(std::size_t index);

/// fork.py's random actions (its Forker.run()), drawn from `random` in
/// fork.py's order. With random_randint(lo, hi) = int(lo + random() * (hi - lo
/// + 1)) and random_choice(L) = L[random_randint(0, len(L) - 1)], over the
/// list L of live processes (the root "a" first, then each new one appended,
/// an exiting one removed), `actions` times:
///   if random() < fork_fraction: random_choice(L) forks the next name of
///     ForkPyName() ("b", "c", ...);
///   else: random_choice(L) exits, except that drawing the root makes no
///     action (it is not counted, and the loop draws again).
/// Only forks ("X+Y") and exits ("X-") come out. Preconditions: fork_fraction
/// > 0.001 (fork.py refuses less), not NaN; actions <= 1,000,000 (fewer than 1: none).
std::vector<ProcOp> GenerateForkPyActions(PyRandom& random, std::int64_t actions, double fork_fraction);

/// A random problem. Labels come from ForkPyName(): from "b" on when the root
/// is "a" (as in fork.py), from "A" otherwise. Exit statuses are 0..3 and signals SIGTERM or
/// SIGKILL, each equally likely. In rich mode a non-fork action is an exit
/// (1/2), a wait by a live non-root parent (3/10) or a kill of a live non-root
/// process (1/5); an action that has no possible actor is drawn again, as in
/// fork.py. Errors: actions or fork_fraction out of range.
Expected<std::vector<ProcOp>> GenerateProcOps(Rng& rng, const ProcOpGeneratorOptions& options);

}  // namespace osgrid::os
