// Random fork/exit (and wait/kill) problems, after OSTEP's fork.py.
// Source: OSTEP ch. 5 homework (cpu-api/fork.py); Silberschatz 10e, 3.3.
#include "osgrid/os/proc/op_generator.h"

#include <algorithm>
#include <map>

namespace osgrid::os {

std::string ForkPyName(std::size_t index) {
  static const std::string kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::size_t base = kLetters.size();
  std::size_t length = 1;
  std::size_t block = base;  // how many names have `length` letters
  while (index >= block) {
    index -= block;
    ++length;
    block *= base;
  }
  std::string name(length, 'a');
  for (std::size_t i = length; i-- > 0;) {
    name[i] = kLetters[index % base];
    index /= base;
  }
  return name;
}

std::vector<ProcOp> GenerateForkPyActions(PyRandom& random, std::int64_t actions, double fork_fraction) {
  // fork.py's temp_process_list, each process as its index in ForkPyName()'s
  // sequence (0 = the root "a"); new ones are appended, exiting ones removed.
  std::vector<std::size_t> live = {0};
  // fork.py's random_choice(L) = L[random_randint(0, len(L) - 1)] = L[int(0 + random() * len(L))].
  const auto random_choice = [&random, &live] {
    return live.begin() + static_cast<std::ptrdiff_t>(0 + random.Random() * static_cast<double>(live.size()));
  };
  std::size_t next_name = 1;  // "b"
  std::vector<ProcOp> ops;
  for (std::int64_t done = 0; done < actions;) {
    ProcOp op;
    if (random.Random() < fork_fraction) {
      op.kind = ProcOpKind::kFork;
      op.actor = ForkPyName(*random_choice());
      op.child = ForkPyName(next_name);
      live.push_back(next_name++);
    } else {
      op.kind = ProcOpKind::kExit;
      const auto exiting = random_choice();
      if (*exiting == 0) continue;  // the root cannot exit: no action, draw again
      op.actor = ForkPyName(*exiting);
      live.erase(exiting);
    }
    ops.push_back(std::move(op));
    ++done;
  }
  return ops;
}

namespace {

/// The shadow run: the labels of the table's processes.
struct Shadow {
  ProcessTable table;
  std::map<std::string, Pid> pid_of;
};

template <class T>
const T& Pick(Rng& rng, const std::vector<T>& items) {
  return items[static_cast<std::size_t>(rng.Uniform(0, static_cast<std::int64_t>(items.size()) - 1))];
}

/// Labels of the processes for which `fits` holds, in pid order.
template <class Fits>
std::vector<std::string> Candidates(const ProcessTable& table, Fits fits) {
  std::vector<std::string> labels;
  for (const auto& [pid, pcb] : table.table()) {
    if (fits(pcb)) labels.push_back(pcb.name);
  }
  return labels;
}

bool CanRun(const Pcb& pcb) { return pcb.state == ProcessState::kReady || pcb.state == ProcessState::kRunning; }

}  // namespace

Expected<std::vector<ProcOp>> GenerateProcOps(Rng& rng, const ProcOpGeneratorOptions& options) {
  if (options.actions < 0 || options.actions > 1'000'000) {
    return Fail("number of actions must be 0..1000000, got " + std::to_string(options.actions));
  }
  if (!(options.fork_fraction > 0.001)) {
    return Fail("fork fraction must be > 0.001, got " + std::to_string(options.fork_fraction));
  }
  KernelOptions kernel;
  kernel.init_name = options.root;
  kernel.reap_at_once = !options.rich;
  Shadow shadow{ProcessTable(kernel), {{options.root, kInitPid}}};
  std::size_t next_name = options.root == ForkPyName(0) ? 1 : 26;  // "b", ... or "A", ...
  std::vector<ProcOp> ops;
  const auto not_root = [](const Pcb& pcb) { return pcb.pid != kInitPid; };
  int attempts = 0;
  while (static_cast<int>(ops.size()) < options.actions && attempts++ < 100 * options.actions + 1000) {
    ProcOp op;
    if (rng.Real() < options.fork_fraction) {
      op.kind = ProcOpKind::kFork;
      op.actor = Pick(rng, Candidates(shadow.table, CanRun));
      op.child = ForkPyName(next_name++);
      const Pid child = *shadow.table.Fork(shadow.pid_of.at(op.actor), op.child);
      shadow.pid_of[op.child] = child;
    } else {
      const double kind = options.rich ? rng.Real() : 0.0;
      if (kind < 0.5) {
        op.kind = ProcOpKind::kExit;
        const auto actors = Candidates(shadow.table, [&](const Pcb& p) { return not_root(p) && CanRun(p); });
        if (actors.empty()) continue;
        op.actor = Pick(rng, actors);
        if (options.rich) op.status = static_cast<int>(rng.Uniform(0, 3));
        shadow.table.Exit(shadow.pid_of.at(op.actor), op.status);
      } else if (kind < 0.8) {
        op.kind = ProcOpKind::kWait;
        const auto actors =
            Candidates(shadow.table, [&](const Pcb& p) { return not_root(p) && CanRun(p) && !p.children.empty(); });
        if (actors.empty()) continue;
        op.actor = Pick(rng, actors);
        shadow.table.Wait(shadow.pid_of.at(op.actor));
      } else {
        op.kind = ProcOpKind::kKill;
        const auto targets = Candidates(shadow.table, [&](const Pcb& p) { return not_root(p) && !p.zombie(); });
        if (targets.empty()) continue;
        op.actor = Pick(rng, targets);
        op.signal = rng.Uniform(0, 1) == 0 ? Signal::kSigTerm : Signal::kSigKill;
        shadow.table.Kill(shadow.pid_of.at(op.actor), op.signal);
      }
    }
    ops.push_back(op);
  }
  return ops;
}

}  // namespace osgrid::os
