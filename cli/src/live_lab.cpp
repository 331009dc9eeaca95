// Live labs (lab 05) for `osgrid lab test|grade`: each case runs as a real
// task on a cluster of this program's own, a tracker and two peers on
// loopback whose peers inject seeded delays at the system-call channel
// (osgrid-peer --inject-seed), so the run tries an interleaving of its own.
//
// One cluster per grading; cases one after another. For each case:
//   - follow the tracker's mem.set, mem.del and deadlock.* events;
//   - submit the student's module with the lab's driver appended (a task
//     on peer-1; the driver starts the producers, consumers, readers and
//     writers as child tasks, each in the peer's task sandbox), with the
//     case's config and a key prefix of this run;
//   - collect the marks under that prefix, in the order the peer applied
//     them, until the driver's NAME/end mark;
//   - a deadlock.stall or deadlock.found ends the case at once (its tasks are
//     killed): a deadlock, reported like a timeout.
// The answer, {"result": the driver's, "events": [["set"|"del", KEY], ...]}
// with KEY relative to the prefix, goes to Lab::Check.
#include "live_lab.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "osgrid/client/ops.h"
#include "osgrid/grade/grader.h"
#include "osgrid/net/client.h"
#include "osgrid/net/requests.h"
#include "osgrid/net/sha256.h"
#include "osgrid/net/subscriber.h"
#include "osgrid/os/events/events.h"
#include "osgrid/scenario/cluster.h"

namespace osgrid::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace ev = os::events;

constexpr int kInjectMaxDelayMs = 10;
constexpr std::int64_t kDriverSlackMs = 3000;  // the driver outlives its children's limit by this

/// What the driver's task failed with, for the student. A submission that
/// cannot run at all, whose module does not compile or lacks a class or
/// method the tests call (driver.py raises Lab05SetupError), is a setup
/// problem, which the grader says once, at the top of the results, as in labs
/// 01-04 ("syntax", "import", "missing-name"); anything else is an exception.
/// `message` is the task's error ("SyntaxError: unmatched ')' (<task>, line
/// 20)"), `detail` its traceback.
grade::HostError ClassifyTaskError(const std::string& message, const std::string& detail,
                                   const std::string& module_file) {
  auto starts = [&](std::string_view prefix) { return message.rfind(prefix, 0) == 0; };
  if (starts("SyntaxError") || starts("IndentationError") || starts("TabError")) {
    // "SyntaxError: unmatched ')' (<task>, line 20)": the module comes first in the task's program.
    constexpr std::string_view kWhere = " (<task>, line ";
    std::string what = message.substr(message.find(':') + 1);
    std::optional<int> line;
    if (std::size_t at = what.rfind(kWhere); at != std::string::npos) {
      line = std::atoi(what.c_str() + at + kWhere.size());
      what.erase(at);
    }
    std::string text = "syntax error in " + module_file + (line ? " line " + std::to_string(*line) : "") + ":" + what;
    return grade::HostError{"syntax", text, line};
  }
  if (starts("ModuleNotFoundError") || starts("ImportError"))
    return grade::HostError{"import", module_file + " cannot import what it needs: " + message, std::nullopt};
  constexpr std::string_view kSetupError = "Lab05SetupError: ";  // raised by driver.py
  if (starts(kSetupError)) return grade::HostError{"missing-name", message.substr(kSetupError.size()), std::nullopt};
  return grade::HostError{"exception", "your code raised: " + message + "\n" + detail, std::nullopt};
}

class ClusterRunner final : public grade::LiveRunner {
 public:
  ClusterRunner(std::unique_ptr<scenario::LocalCluster> cluster, std::string program, std::string module_file,
                std::string sandbox)
      : cluster_(std::move(cluster)),
        program_(std::move(program)),
        module_file_(std::move(module_file)),
        sandbox_(std::move(sandbox)) {}

  std::string Sandbox() const override { return sandbox_; }
  std::string Broken() const override { return broken_; }

  grade::CaseRun Run(const grade::Case& test) override {
    grade::CaseRun run;
    const auto started = Clock::now();
    const grade::Step& step = test.steps.at(0);
    nlohmann::json config = step.args.at(0);
    const std::string prefix = "lab-" + std::to_string(getpid()) + "-" + std::to_string(++cases_run_) + "/";
    config["name"] = prefix + config["name"].get<std::string>();
    const std::string name = config["name"];
    const std::int64_t limit_ms = config.value("timeout_ms", 10000) + kDriverSlackMs;

    auto finish = [&](grade::CaseRun::End end, std::string why) {
      run.end = end;
      run.loaded = end != grade::CaseRun::End::kCrashed;  // the driver ran the student's module
      run.why = std::move(why);
      run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
      return run;
    };

    auto tracker = net::Client::Connect("127.0.0.1", cluster_->tracker_port(), Options());
    if (!tracker.ok()) {
      broken_ = "could not reach its tracker: " + tracker.status().message();
      return finish(grade::CaseRun::End::kCrashed, broken_);
    }
    auto events = net::Subscriber::Start(**tracker, {{"mem.set", "mem.del", "deadlock."}, 0, "osgrid lab"});
    if (!events.ok()) {
      broken_ = "could not follow its events: " + events.status().message();
      return finish(grade::CaseRun::End::kCrashed, broken_);
    }
    const std::uint16_t peer = cluster_->Peer("peer-1")->port;

    // The driver runs on its own thread; this one reads the events. Once the
    // driver has ended, that thread sets NAME/replied on the same peer: its
    // mem.set comes after every mark of the driver's, so it ends the reading.
    auto task = std::async(std::launch::async, [&, config]() -> Result<client::Reply<net::TaskResult>> {
      auto client = net::Client::Connect("127.0.0.1", peer, Options());
      if (!client.ok()) return client.status();
      net::CpuTaskRequest request{net::MakeTask(program_, step.call, nlohmann::json::array({config}))};
      request.task.timeout_ms = limit_ms;
      auto ran = client::Cpu(**client, request, milliseconds(5000));
      (void)client::MemSet(**client, name + "/replied", 1);
      return ran;
    });

    nlohmann::json marks = nlohmann::json::array();
    std::string driver_id, deadlock;
    const auto deadline = started + milliseconds(limit_ms + 10000);
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      auto event = events->Next(left);
      if (!event.ok()) {
        if (event.status().code() == Code::kUnknownType) continue;
        break;  // TIMEOUT (the driver's reply is then overdue too), or the tracker is gone
      }
      std::string key, op;
      if (const auto* set = std::get_if<ev::MemSet>(&event->body)) {
        key = set->key, op = "set";
      } else if (const auto* del = std::get_if<ev::MemDel>(&event->body)) {
        key = del->key, op = "del";
      } else if (const auto* stall = std::get_if<ev::DeadlockStall>(&event->body)) {
        deadlock = "every task waited on a Semaphore or a child (a deadlock, or a wake-up that never came): " +
                   std::to_string(stall->tasks.size()) + " tasks stalled";
      } else if (const auto* found = std::get_if<ev::DeadlockFound>(&event->body)) {
        deadlock = "a deadlock: a cycle of " + std::to_string(found->cycle.size()) + " tasks";
      }
      if (!deadlock.empty()) break;
      if (key.rfind(name + "/", 0) != 0) continue;
      key = key.substr(name.size() + 1);
      if (key == "replied") break;
      if (key.rfind("driver/", 0) == 0) driver_id = key.substr(7);
      marks.push_back({op, key});
    }
    if (!deadlock.empty() && !driver_id.empty()) {
      if (auto client = net::Client::Connect("127.0.0.1", peer, Options()); client.ok()) {
        (void)client::Cancel(**client, driver_id, milliseconds(5000), /*group=*/true);
      }
    }
    auto reply = task.get();
    if (!deadlock.empty()) return finish(grade::CaseRun::End::kTimeout, "deadlocked: " + deadlock);
    if (!reply.ok()) {
      const Status& status = reply.status();
      const std::string text = status.message() + "\n" + status.detail();
      if (status.message().rfind("cannot start task", 0) == 0) {  // the driver itself: the grader's task, not theirs
        broken_ = "peer-1 " + status.message();
        return finish(grade::CaseRun::End::kCrashed, broken_);
      }
      if (status.code() == Code::kTimeout || text.find("TIMEOUT") != std::string::npos ||
          text.find("timed out") != std::string::npos) {
        return finish(grade::CaseRun::End::kTimeout, "did not finish within " + std::to_string(limit_ms / 1000) +
                                                         " s: a deadlock, or a wake-up that never came");
      }
      run.error = ClassifyTaskError(status.message(), status.detail(), module_file_);
      run.loaded = run.error->kind == "exception";  // a setup problem: the module did not load
      return finish(grade::CaseRun::End::kError, "");
    }
    const net::TaskResult& result = reply->value;
    run.loaded = true;
    run.output = result.stdout_text + result.stderr_text;
    run.answers.push_back({{"result", result.result}, {"events", marks}});
    return finish(grade::CaseRun::End::kAnswered, "");
  }

 private:
  net::ClientOptions Options() const {
    net::ClientOptions options;
    options.security = cluster_->security();
    return options;
  }

  std::unique_ptr<scenario::LocalCluster> cluster_;
  std::string program_;
  std::string module_file_;  // sync.py
  std::string sandbox_;      // the peers' task sandbox, described
  std::string broken_;       // set when the cluster, not the student's code, failed a case
  int cases_run_ = 0;
};

/// The task-sandbox layers a grading peer must have (docs/security.md): the
/// student's code runs as a uid of its own, under seccomp and rlimits. The
/// namespaces and the mount jail come on top where the machine allows them;
/// Gradescope's Docker does not (labs/README.md, "Safety of grading").
constexpr const char* kRequiredLayers[] = {"no-privileges", "seccomp", "rlimits"};

/// Checks that every peer of `cluster` isolates tasks with kRequiredLayers
/// (its STATUS, as `osgrid status` shows it). Returns "" and sets `described`
/// (the layers in force, and what is missing here and why) when they do;
/// otherwise which peer lacks what.
std::string CheckPeerSandbox(scenario::LocalCluster& cluster, std::string& described) {
  net::ClientOptions options;
  options.security = cluster.security();
  for (const scenario::NodeProcess& peer : cluster.Peers()) {
    auto client = net::Client::Connect("127.0.0.1", peer.port, options);
    if (!client.ok()) return peer.name + " did not answer: " + client.status().message();
    auto status = client::NodeStatus(**client, milliseconds(5000));
    if (!status.ok()) return peer.name + " did not say how it isolates tasks: " + status.status().message();
    const nlohmann::json sandbox = status->value("sandbox", nlohmann::json::object());
    const nlohmann::json layers = sandbox.value("layers", nlohmann::json::array());
    const std::string missing = sandbox.value("missing", std::string());
    for (const char* layer : kRequiredLayers) {
      if (std::find(layers.begin(), layers.end(), layer) == layers.end()) {
        return peer.name + "'s task sandbox lacks " + layer + " on this machine" +
               (missing.empty() ? "" : " (" + missing + ")");
      }
    }
    std::string names;
    for (const auto& layer : layers) names += (names.empty() ? "" : ", ") + layer.get<std::string>();
    described = "each task in the peers' sandbox: " + names + (missing.empty() ? "" : "; not here: " + missing);
  }
  return "";
}

/// The peers' --inject-seed for a hidden seed: the first 48 bits of
/// SHA-256("osgrid lab inject " + seed). Same seed, same delays.
std::uint64_t InjectSeed(std::uint64_t hidden_seed) {
  return std::stoull(net::Sha256Hex("osgrid lab inject " + std::to_string(hidden_seed)).substr(0, 12), nullptr, 16);
}

}  // namespace

void RegisterLiveLabs() {
  grade::SetLiveRunnerFactory(
      [](const grade::Lab& lab, const std::string& program,
         const grade::GradeOptions& options) -> os::Expected<std::unique_ptr<grade::LiveRunner>> {
        scenario::ClusterOptions cluster;
        cluster.peers = 2;
        cluster.cores = 4;  // the tasks mostly wait; a core each keeps the interleavings many
        cluster.heartbeat_interval_s = 0.3;
        cluster.peer_timeout_s = 1.5;  // sweeps (stall detection) every 0.15 s
        cluster.tracker_args = {"--sync-grace", "0"};
        // The visible tests shake with seed 1; the hidden ones with the term's seed.
        // Tasks may see the peers' command lines (a sandbox without a PID
        // namespace): they get a one-way hash of the hidden seed, never the
        // seed that draws every lab's hidden tests.
        const std::uint64_t inject = options.hidden ? InjectSeed(options.hidden_seed) : 1;
        // --sandbox auto: every layer the machine allows, and at least
        // kRequiredLayers, checked below (Docker refuses namespaces).
        cluster.peer_args = {"--inject-seed",
                             std::to_string(inject),
                             "--inject-max-delay-ms",
                             std::to_string(kInjectMaxDelayMs),
                             "--sandbox",
                             "auto"};
        auto started = scenario::LocalCluster::Start(cluster);
        if (!started.ok()) {
          return os::Fail("lab " + std::string(lab.id()) + " runs on a live cluster, which could not start: " +
                          started.status().message() + "\n" + started.status().detail());
        }
        std::string sandbox;
        if (std::string missing = CheckPeerSandbox(**started, sandbox); !missing.empty()) {
          return os::Fail("lab " + std::string(lab.id()) + " runs students' code as tasks, and " + missing +
                          ": the grader will not run it so (docs/security.md)");
        }
        return std::unique_ptr<grade::LiveRunner>(std::make_unique<ClusterRunner>(
            std::move(started).value(), program, std::string(lab.module_file()), sandbox));
      });
}

}  // namespace osgrid::cli
