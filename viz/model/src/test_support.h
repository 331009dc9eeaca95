// Private to viz/model's tests: events written by hand, and a varied stream.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "osgrid/os/events/events.h"

namespace osgrid::viz::testing {

namespace ev = os::events;

/// Numbers events as a tracker would: seq 1, 2, ... in one epoch, t growing
/// by `step` ms per event unless told.
struct Stream {
  std::string epoch = "e1";
  std::uint64_t seq = 0;
  double t = 0;
  double step = 10;

  ev::Event operator()(const std::string& node, ev::Payload body) { return At(t + step, node, std::move(body)); }
  ev::Event At(double when, const std::string& node, ev::Payload body) {
    t = when;
    return ev::Event{++seq, epoch, t, node, std::move(body)};
  }
};

inline ev::Payload Joined(const std::string& peer, int cores) { return ev::PeerJoined{peer, "127.0.0.1:1", cores}; }
inline ev::Payload Submitted(const std::string& task, const std::string& peer,
                             std::optional<std::string> parent = std::nullopt) {
  return ev::TaskSubmitted{task, parent, "main", peer, std::nullopt};
}
inline ev::Payload Queued(const std::string& task, const std::string& peer, int length = 1) {
  return ev::TaskQueued{task, std::nullopt, peer, length};
}
inline ev::Payload Running(const std::string& task, const std::string& peer) {
  return ev::TaskRunning{task, std::nullopt, peer};
}
inline ev::Payload Preempted(const std::string& task, const std::string& peer) {
  return ev::TaskPreempted{task, std::nullopt, peer, "quantum", 5};
}
inline ev::Payload Blocked(const std::string& task, const std::string& peer, const std::string& on) {
  return ev::TaskBlocked{task, std::nullopt, peer, on, 5};
}
inline ev::Payload Finished(const std::string& task, const std::string& peer) {
  return ev::TaskFinished{task, std::nullopt, peer, ev::Outcome::kOk, 1, 2, 3};
}
inline ev::Payload Request(const std::string& task, const std::string& name, bool blocked, std::int64_t available) {
  return ev::ResourceRequest{task, "peer-1", "lock", name, "acquire", 1, blocked, available};
}
inline ev::Payload Grant(const std::string& task, const std::string& name, std::int64_t available) {
  return ev::ResourceGrant{task, "peer-1", "lock", name, "acquire", 1, 0, available};
}
inline ev::Payload Release(const std::string& task, const std::string& name, std::int64_t available) {
  return ev::ResourceRelease{task, "peer-1", "lock", name, "release", 1, "released", available};
}

/// A varied, plausible stream of `count` events over 3 peers of 2 cores:
/// tasks submitted, forwarded, queued, run, preempted, blocked and finished;
/// loads; arena blocks set and freed; locks requested, granted and released;
/// now and then a deadlock.found and a stall. Deterministic for a seed.
inline std::vector<ev::Event> VariedStream(std::size_t count, unsigned seed, const std::string& epoch = "e1") {
  std::mt19937 random(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  Stream stream{epoch};
  std::vector<ev::Event> events;
  const std::vector<std::string> peers = {"peer-1", "peer-2", "peer-3"};
  for (const std::string& peer : peers) {
    events.push_back(stream("tracker", Joined(peer, 2)));
    events.push_back(stream(peer, ev::MemArena{"first", 4096, 0}));
  }
  struct Task {
    std::string id, peer, state;    // state: ready, running, waiting
    std::string lock;               // waiting: for this lock
    std::vector<std::string> held;  // locks granted
  };
  std::vector<Task> tasks;
  std::vector<std::uint64_t> next_address(peers.size(), 0);
  int next_task = 1;
  while (events.size() < count) {
    const std::size_t action = pick(10);
    const std::size_t p = pick(peers.size());
    const std::string& peer = peers[p];
    if (action == 0 || tasks.empty()) {
      Task task{peer + "/" + std::to_string(next_task++), peer, "ready", "", {}};
      events.push_back(stream(peer, Submitted(task.id, peer)));
      if (pick(3) == 0) {
        task.peer = peers[(p + 1) % peers.size()];
        events.push_back(stream("tracker", ev::TaskForwarded{task.id, std::nullopt, peer, task.peer}));
      }
      events.push_back(stream(task.peer, Queued(task.id, task.peer)));
      tasks.push_back(task);
      continue;
    }
    Task& task = tasks[pick(tasks.size())];
    if (action <= 3 && task.state != "running") {
      events.push_back(stream(task.peer, Running(task.id, task.peer)));
      task.state = "running";
    } else if (action == 4 && task.state == "running") {
      events.push_back(stream(task.peer, Preempted(task.id, task.peer)));
      events.push_back(stream(task.peer, Queued(task.id, task.peer)));
      task.state = "ready";
    } else if (action == 5 && task.state == "running") {
      const std::string lock = "fork-" + std::to_string(pick(3));
      events.push_back(stream("tracker", Request(task.id, lock, true, 0)));
      events.push_back(stream(task.peer, Blocked(task.id, task.peer, lock)));
      task.state = "waiting";
      task.lock = lock;
      if (pick(4) == 0) {
        events.push_back(
            stream("tracker", ev::DeadlockFound{{task.id, tasks.front().id}, {lock, "fork-9"}, {}, {}, ""}));
      }
    } else if (action == 6 && task.state == "waiting") {
      events.push_back(stream("tracker", Grant(task.id, task.lock, 0)));
      events.push_back(stream(task.peer, Queued(task.id, task.peer)));
      task.held.push_back(task.lock);
      task.state = "ready";
    } else if (action == 7) {
      events.push_back(stream("tracker", ev::PeerLoad{peer, static_cast<int>(pick(3)), static_cast<int>(pick(4)), 2}));
    } else if (action == 8) {
      const std::uint64_t size = 32 + 8 * pick(8);
      const std::string key = "k" + std::to_string(events.size());
      if (next_address[p] + size <= 4096) {
        events.push_back(stream(peer, ev::MemAlloc{key, next_address[p], size, size - 24}));
        if (pick(2) == 0) events.push_back(stream(peer, ev::MemFree{key, next_address[p], size}));
        next_address[p] += size;
      } else {
        events.push_back(stream(peer, ev::MemFailed{key, size, "no_space", 4096 - next_address[p], 1, 0}));
      }
    } else if (action == 9 && task.state == "running") {
      for (const std::string& lock : task.held) events.push_back(stream("tracker", Release(task.id, lock, 1)));
      events.push_back(stream(task.peer, Finished(task.id, task.peer)));
      task = tasks.back();
      tasks.pop_back();
    }
  }
  events.resize(count);
  return events;
}

}  // namespace osgrid::viz::testing
