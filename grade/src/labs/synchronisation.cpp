// Lab 05: synchronisation on the live cluster. A bounded buffer built from
// osgrid.Semaphore and osgrid.mem (Silberschatz 10e 7.1.1, OSTEP 31.4) and
// the first readers-writers problem (Silberschatz 10e 7.1.2, OSTEP 31.5),
// written as tasks.
//
// Unlike labs 01-04, a case is not a list of calls with the reference's
// answers: it is one run of the grader's driver (labs/05-synchronisation/
// driver.py, appended to the student's sync.py) on a real cluster whose
// peers inject seeded delays at the system-call channel (osgrid-peer
// --inject-seed), so the run tries an interleaving of its own. The driver
// marks, in osgrid.mem, when each put returned, each get started, and each
// reader or writer entered and left; the live runner (cli/src/live_lab.cpp)
// collects those marks from the event stream in the order the peer applied
// them, and Check reads the invariants off them and off the items consumed:
//   - no item lost, none duplicated, none that was never put;
//   - the buffer never over capacity: puts returned minus gets started never
//     exceeds the capacity (a lower bound of what the buffer held);
//   - no writer inside with a reader, nor with another writer.
// A case that does not end in time (a deadlock, a lost wake-up) fails as a
// timeout. Scoring is all or nothing per case.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "driver_files.h"
#include "labs.h"
#include "osgrid/os/random.h"

namespace osgrid::grade::labs {
namespace {

using json = nlohmann::json;

constexpr int kTimeoutMs = 10000;        // each child task's limit; the driver gets 3 s more
constexpr double kConsumerDelayS = 1.0;  // consumers start late, so producers fill the buffer first (also under load)

struct BufferShape {
  int capacity;
  std::vector<std::vector<int>> producers;  // the items each producer puts
  std::vector<int> consumers;               // how many items each consumer gets
};

struct RwShape {
  std::vector<int> readers;  // rounds of each reader
  std::vector<int> writers;  // rounds of each writer
  double hold_s;             // time inside, per round
};

// "1 producer", "2 producers".
std::string Count(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

Case Buffer(const std::string& name, const BufferShape& shape, bool hidden) {
  int items = 0;
  for (const auto& p : shape.producers) items += static_cast<int>(p.size());
  json config = {{"name", "buffer"},
                 {"capacity", shape.capacity},
                 {"producers", shape.producers},
                 {"consumers", shape.consumers},
                 {"consumer_delay_s", kConsumerDelayS},
                 {"timeout_ms", kTimeoutMs}};
  Case test;
  test.name = name;
  test.target = "BoundedBuffer";
  test.init = nullptr;
  test.hidden = hidden;
  test.tags = {"bounded buffer"};
  test.about = Count(shape.producers.size(), "producer") + ", " + Count(shape.consumers.size(), "consumer") +
               ", capacity " + std::to_string(shape.capacity) + ", " + Count(static_cast<std::size_t>(items), "item");
  test.steps.push_back(Step{"lab05_buffer", json::array({config}), json{{"invariants", "hold"}}, "invariants",
                            test.about, json::object()});
  return test;
}

Case ReadersWriters(const std::string& name, const RwShape& shape, bool hidden) {
  json config = {{"name", "rw"},
                 {"readers", shape.readers},
                 {"writers", shape.writers},
                 {"hold_s", shape.hold_s},
                 {"timeout_ms", kTimeoutMs}};
  Case test;
  test.name = name;
  test.target = "ReadersWriters";
  test.init = nullptr;
  test.hidden = hidden;
  test.tags = {"readers-writers"};
  int reads = 0, writes = 0;
  for (int r : shape.readers) reads += r;
  for (int w : shape.writers) writes += w;
  test.about = Count(shape.readers.size(), "reader") + ", " + Count(shape.writers.size(), "writer") + ", " +
               Count(static_cast<std::size_t>(reads), "read") + " and " +
               Count(static_cast<std::size_t>(writes), "write") + " of " +
               std::to_string(static_cast<int>(shape.hold_s * 1000)) + " ms each";
  test.steps.push_back(Step{"lab05_readers_writers", json::array({config}), json{{"invariants", "hold"}}, "invariants",
                            test.about, json::object()});
  return test;
}

// Items first..first+count-1, split among `producers` (round robin).
std::vector<std::vector<int>> Split(int first, int count, int producers) {
  std::vector<std::vector<int>> split(producers);
  for (int i = 0; i < count; ++i) split[i % producers].push_back(first + i);
  return split;
}

std::vector<int> Shares(int count, int consumers) {
  std::vector<int> shares(consumers, count / consumers);
  for (int c = 0; c < count % consumers; ++c) ++shares[c];
  return shares;
}

bool StartsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::optional<Mismatch> CheckBuffer(const json& config, const json& got) {
  const int capacity = config["capacity"];
  // Puts returned minus gets started: the buffer held at least that many items then.
  int puts = 0, gets = 0;
  for (const json& event : got["events"]) {
    const std::string key = event[1];
    if (event[0] != "set") continue;
    if (StartsWith(key, "put/")) {
      ++puts;
      if (puts - gets > capacity) {
        return Mismatch{"over capacity", std::to_string(puts) + " put() calls had returned when only " +
                                             std::to_string(gets) + " get() calls had started: the buffer held " +
                                             std::to_string(puts - gets) + " items, its capacity is " +
                                             std::to_string(capacity)};
      }
    } else if (StartsWith(key, "get/")) {
      ++gets;
    }
  }
  std::map<int, int> put_count;
  for (const json& producer : config["producers"]) {
    for (const json& item : producer) ++put_count[item.get<int>()];
  }
  std::map<int, int> got_count;
  for (const json& consumer : got["result"]["consumed"]) {
    for (const json& item : consumer) {
      if (!item.is_number_integer() || put_count.count(item.get<int>()) == 0) {
        return Mismatch{"an item that was never put", "get() returned " + item.dump() + ", which no producer put"};
      }
      ++got_count[item.get<int>()];
    }
  }
  for (const auto& [item, count] : got_count) {
    if (count > 1) {
      return Mismatch{"duplicated item",
                      "item " + std::to_string(item) + " was got " + std::to_string(count) + " times"};
    }
  }
  for (const auto& [item, count] : put_count) {
    if (got_count.count(item) == 0) {
      return Mismatch{"lost item", "item " + std::to_string(item) + " was put but never got"};
    }
  }
  return std::nullopt;
}

// Every round of every reader and writer must have entered and left exactly
// once: the marks come from the driver, in the student's own process, so a
// submission that hid some (by patching osgrid.mem there) is caught here.
std::optional<Mismatch> CheckRoundsMarked(const json& config, const std::map<std::string, int>& entered,
                                          const std::map<std::string, int>& left) {
  std::map<std::string, int> expected;
  for (const char* role : {"reader", "writer"}) {
    const json& rounds = config.at(std::string(role) + "s");
    for (std::size_t who = 0; who < rounds.size(); ++who) {
      for (int r = 0; r < rounds[who].get<int>(); ++r) {
        expected[std::string(role) + "-" + std::to_string(who) + "-" + std::to_string(r)] = 1;
      }
    }
  }
  for (const auto* marks : {&entered, &left}) {
    if (*marks == expected) continue;
    return Mismatch{"a round was not marked", std::string(marks == &entered ? "entries" : "exits") +
                                                  " marked: " + json(*marks).dump() +
                                                  "; every round of every reader and writer enters and leaves once"};
  }
  return std::nullopt;
}

std::optional<Mismatch> CheckReadersWriters(const json& config, const json& got) {
  std::set<std::string> inside;        // "reader-R-K", "writer-W-K"
  std::map<std::string, int> entered;  // the same names: how often each entered and left
  std::map<std::string, int> left;
  for (const json& event : got["events"]) {
    const std::string key = event[1];
    if (!StartsWith(key, "inside/")) continue;
    const std::string who = key.substr(7);
    if (event[0] == "del") {
      inside.erase(who);
      ++left[who];
      continue;
    }
    ++entered[who];
    const bool writer = StartsWith(who, "writer-");
    for (const std::string& other : inside) {
      const bool other_writer = StartsWith(other, "writer-");
      if (writer && other_writer) {
        return Mismatch{"two writers overlapped", who + " entered while " + other + " was inside"};
      }
      if (writer || other_writer) {
        return Mismatch{"writer overlapped a reader", who + " entered while " + other + " was inside"};
      }
    }
    inside.insert(who);
  }
  return CheckRoundsMarked(config, entered, left);
}

class SynchronisationLab final : public Lab {
 public:
  std::string_view id() const override { return "05-synchronisation"; }
  std::string_view title() const override {
    return "Synchronisation on the live cluster: a bounded buffer and readers-writers";
  }
  int version() const override { return 1; }
  std::string_view module_file() const override { return "sync.py"; }
  std::vector<std::string> required_names() const override { return {"BoundedBuffer", "ReadersWriters"}; }

  std::vector<Case> VisibleCases() const override {
    return {
        Buffer("bounded buffer: 1 producer, 1 consumer, capacity 1", {1, Split(0, 8, 1), {8}}, false),
        Buffer("bounded buffer: 2 producers, 2 consumers, capacity 2", {2, Split(0, 16, 2), {8, 8}}, false),
        ReadersWriters("readers-writers: 3 readers, 1 writer", {{3, 3, 3}, {2}, 0.03}, false),
        ReadersWriters("readers-writers: 4 readers, 2 writers", {{3, 3, 3, 3}, {2, 2}, 0.03}, false),
    };
  }

  std::vector<Case> HiddenCases(std::uint64_t seed) const override {
    std::vector<Case> cases;
    os::Rng rng(seed * 1000003 + 5);
    for (int i = 1; i <= 3; ++i) {
      const int producers = static_cast<int>(rng.Uniform(2, 3));
      const int consumers = static_cast<int>(rng.Uniform(2, 3));
      const int capacity = static_cast<int>(rng.Uniform(2, 3));
      const int items = static_cast<int>(rng.Uniform(12, 18));
      const int first = static_cast<int>(rng.Uniform(1, 900)) * 10;
      cases.push_back(Buffer("bounded buffer: hidden " + std::to_string(i),
                             {capacity, Split(first, items, producers), Shares(items, consumers)}, true));
    }
    for (int i = 1; i <= 2; ++i) {
      RwShape shape;
      shape.readers.resize(static_cast<std::size_t>(rng.Uniform(2, 4)));
      for (int& rounds : shape.readers) rounds = static_cast<int>(rng.Uniform(3, 4));
      shape.writers.resize(static_cast<std::size_t>(rng.Uniform(1, 2)));
      for (int& rounds : shape.writers) rounds = static_cast<int>(rng.Uniform(2, 3));
      shape.hold_s = static_cast<double>(rng.Uniform(20, 40)) / 1000;
      cases.push_back(ReadersWriters("readers-writers: hidden " + std::to_string(i), shape, true));
    }
    return cases;
  }

  std::optional<Mismatch> Check(const Case& test, std::size_t index, const json& got) const override {
    const json& config = test.steps[index].args[0];
    if (!got.is_object() || !got.contains("events") || !got.contains("result") || !got["result"].is_object()) {
      return Mismatch{"the run did not finish", "the driver returned " + got.dump()};
    }
    return test.target == "BoundedBuffer" ? CheckBuffer(config, got) : CheckReadersWriters(config, got);
  }

  std::string LiveDriver() const override {
    for (const auto& [name, text] : DriverFiles()) {
      if (name == "driver.py") return text;
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Lab> MakeSynchronisationLab() { return std::make_unique<SynchronisationLab>(); }

}  // namespace osgrid::grade::labs
