// Lab 01: CPU scheduling. Students write SJF, SRTF and round robin as ready
// queue policies (labs/01-cpu-scheduling/README.md); the cases are the calls
// os::SimulateScheduling makes to os/'s own SjfQueue, SrtfQueue and
// RoundRobinQueue, recorded with the answers they gave.
//
// Source: OSTEP ch. 7 (SJF 7.4, STCF 7.5, RR 7.7); Silberschatz 10e 5.3.
#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "labs.h"
#include "osgrid/grade/sched_json.h"
#include "osgrid/os/random.h"
#include "osgrid/os/sched/sched_policies.h"
#include "osgrid/os/sched/simulator.h"

namespace osgrid::grade::labs {
namespace {

using nlohmann::json;

// Wraps os/'s policy and writes down every question the simulator asks it,
// with the answer: the steps of a case. It keeps the ready queue too (the
// context a wrong pick is judged in).
class RecordingPolicy final : public os::ReadyQueuePolicy {
 public:
  RecordingPolicy(std::unique_ptr<os::ReadyQueuePolicy> reference, std::vector<Step>& steps)
      : reference_(std::move(reference)), steps_(steps) {}

  std::string_view name() const override { return reference_->name(); }
  void Admit(const os::ReadyTask& task) override {
    ready_[task.id] = task;
    Record("admit", json::array({TaskJson(task)}));
    reference_->Admit(task);
  }
  std::optional<os::ReadyTask> PickNext() override {
    // An empty ready queue leaves nothing to decide: the student is not asked.
    if (ready_.empty()) return reference_->PickNext();
    json context = ReadyJson();
    auto picked = reference_->PickNext();
    Step& step = Record("pick_next", json::array());
    step.expect = picked ? json(picked->id) : json(nullptr);
    step.check = "task";
    step.context = {{"ready_set", std::move(context)}};
    if (picked) ready_.erase(picked->id);
    return picked;
  }
  bool Remove(std::uint64_t id) override { return reference_->Remove(id); }
  std::size_t size() const override { return reference_->size(); }
  bool preemptive() const override { return reference_->preemptive(); }
  std::int64_t quantum() const override { return reference_->quantum(); }
  bool ShouldPreempt(const os::ReadyTask& running) const override {
    bool answer = reference_->ShouldPreempt(running);
    Step& step = Record("should_preempt", json::array({TaskJson(running)}));
    step.expect = answer;
    step.context = {{"ready_set", ReadyJson()}};
    return answer;
  }
  void AdvanceTo(std::int64_t now) override {
    now_ = now;
    reference_->AdvanceTo(now);
  }
  std::int64_t SliceFor(const os::ReadyTask& task) const override { return reference_->SliceFor(task); }
  void Ran(const os::ReadyTask& task, std::int64_t cpu, os::RunEnd end) override {
    Record("ran", json::array({TaskJson(task), cpu, RunEndName(end)}));
    reference_->Ran(task, cpu, end);
  }

 private:
  Step& Record(std::string call, json args) const {
    steps_.push_back(Step{std::move(call), std::move(args), std::nullopt, "equal", "t=" + std::to_string(now_), {}});
    return steps_.back();
  }
  json ReadyJson() const {
    json ready = json::array();
    for (const auto& [id, task] : ready_) ready.push_back(TaskJson(task));
    return ready;
  }

  std::unique_ptr<os::ReadyQueuePolicy> reference_;
  std::vector<Step>& steps_;
  std::map<std::uint64_t, os::ReadyTask> ready_;
  std::int64_t now_ = 0;
};

struct Workload {
  std::vector<os::SchedProcess> jobs;
  std::int64_t quantum = 0;  // RR only
};

std::string Timeline(const os::SchedResult& result, const std::vector<os::SchedProcess>& jobs) {
  std::string text;
  for (const auto& bar : result.timeline) {
    if (!text.empty()) text += ", ";
    std::string who = bar.kind == os::SchedSegment::Kind::kIdle ? "idle" : jobs[bar.process].name;
    text += who + " " + std::to_string(bar.start) + "-" + std::to_string(bar.end);
  }
  return text;
}

// The `osgrid sim sched` command that replays the reference run; with
// --trace FILE it writes the trace osgrid-viz opens (what --explain offers a TA).
std::string SimCommand(const std::string& policy, const Workload& load) {
  std::string lengths, arrivals, io;
  for (std::size_t i = 0; i < load.jobs.size(); ++i) {
    const auto& job = load.jobs[i];
    std::string sep = i == 0 ? "" : ",";
    lengths += sep + std::to_string(job.bursts.front());
    arrivals += sep + std::to_string(job.arrival);
    if (job.bursts.size() > 1) {
      io += (io.empty() ? "" : ";") + std::to_string(i) + ":";
      for (std::size_t b = 0; b < job.bursts.size(); ++b) io += (b == 0 ? "" : ",") + std::to_string(job.bursts[b]);
    }
  }
  std::string command = "osgrid sim sched -p " + policy + " -l " + lengths + " --arrivals " + arrivals;
  if (!io.empty()) command += " --io '" + io + "'";
  if (policy == "RR") command += " -q " + std::to_string(load.quantum);
  return command + " -c --trace expected.trace";
}

Case Record(const std::string& policy, const Workload& load, std::string name, bool hidden) {
  os::SchedPolicyParams params;
  params.quantum = load.quantum > 0 ? load.quantum : 1;
  auto reference = os::MakeSchedPolicy(policy, params);
  Case test;
  test.name = std::move(name);
  test.target = policy;
  test.hidden = hidden;
  test.tags = {policy, hidden ? "hidden" : "visible"};
  test.init = policy == "RR" ? json{{"quantum", load.quantum}} : json::object();
  RecordingPolicy recorder(std::move(reference.value()), test.steps);
  auto result = os::SimulateScheduling(recorder, load.jobs);
  // The workloads below are valid by construction; a failure here is a bug in this file.
  if (!result) throw std::logic_error("lab 01: " + result.error().message);
  std::string jobs;
  for (std::size_t i = 0; i < load.jobs.size(); ++i) {
    const auto& job = load.jobs[i];
    jobs += (i == 0 ? "" : ", ") + job.name + " (arrives " + std::to_string(job.arrival) + ", bursts";
    for (auto burst : job.bursts) jobs += " " + std::to_string(burst);
    jobs += ")";
  }
  test.about = policy + (policy == "RR" ? " with quantum " + std::to_string(load.quantum) : "") + ": " + jobs +
               ". Task Tn has id n. Bursts alternate CPU and I/O.";
  test.reference = {{"timeline", Timeline(*result, load.jobs)},
                    {"average_turnaround", result->average_turnaround},
                    {"average_waiting", result->average_waiting},
                    {"average_response", result->average_response},
                    {"simulate", SimCommand(policy, load)}};
  return test;
}

// n jobs with small bursts (so that ties happen), some with I/O in between.
Workload Draw(os::Rng& rng, bool with_io) {
  Workload load;
  const auto n = rng.Uniform(4, 7);
  for (std::int64_t i = 0; i < n; ++i) {
    os::SchedProcess job;
    job.name = "P" + std::to_string(i);
    job.arrival = rng.Uniform(0, 8);
    job.bursts.push_back(rng.Uniform(1, 6));
    if (with_io && rng.Uniform(0, 2) == 0) {
      job.bursts.push_back(rng.Uniform(1, 4));
      job.bursts.push_back(rng.Uniform(1, 6));
    }
    load.jobs.push_back(std::move(job));
  }
  // Listed in arrival order and named by id (the simulator's ids are arrival ranks).
  std::stable_sort(load.jobs.begin(), load.jobs.end(),
                   [](const os::SchedProcess& a, const os::SchedProcess& b) { return a.arrival < b.arrival; });
  for (std::size_t i = 0; i < load.jobs.size(); ++i) load.jobs[i].name = "T" + std::to_string(i);
  load.quantum = rng.Uniform(1, 3);
  return load;
}

// The visible workloads: the textbook one (Silberschatz 10e 5.3.2's SRTF
// example, P1-P4 here T0-T3), one full of ties, and one drawn from a fixed seed.
std::vector<Workload> VisibleWorkloads() {
  auto job = [](std::string name, std::int64_t arrival, std::vector<std::int64_t> bursts) {
    os::SchedProcess p;
    p.name = std::move(name);
    p.arrival = arrival;
    p.bursts = std::move(bursts);
    return p;
  };
  Workload textbook{{job("T0", 0, {8}), job("T1", 1, {4}), job("T2", 2, {9}), job("T3", 3, {5})}, 4};
  Workload ties{{job("T0", 0, {3}), job("T1", 0, {3}), job("T2", 1, {2}), job("T3", 1, {2}), job("T4", 2, {3})}, 2};
  os::Rng rng(20261206);
  Workload drawn = Draw(rng, /*with_io=*/true);
  return {textbook, ties, drawn};
}

constexpr const char* kPolicies[] = {"SJF", "SRTF", "RR"};
constexpr int kHiddenPerPolicy = 4;

class CpuSchedulingLab final : public Lab {
 public:
  std::string_view id() const override { return "01-cpu-scheduling"; }
  std::string_view title() const override { return "CPU scheduling: SJF, SRTF and round robin"; }
  int version() const override { return 1; }
  std::string_view module_file() const override { return "policy.py"; }
  std::vector<std::string> required_names() const override { return {"SJF", "SRTF", "RR"}; }

  std::vector<Case> VisibleCases() const override {
    std::vector<Case> cases;
    const auto workloads = VisibleWorkloads();
    for (const char* policy : kPolicies) {
      for (std::size_t i = 0; i < workloads.size(); ++i) {
        cases.push_back(
            Record(policy, workloads[i], std::string(policy) + ": visible " + std::to_string(i + 1), false));
      }
    }
    return cases;
  }

  std::vector<Case> HiddenCases(std::uint64_t seed) const override {
    std::vector<Case> cases;
    for (std::uint64_t p = 0; p < std::size(kPolicies); ++p) {
      const char* policy = kPolicies[p];
      os::Rng rng(seed * 1000003 + p);
      for (int i = 0; i < kHiddenPerPolicy; ++i) {
        Workload load = Draw(rng, /*with_io=*/i >= 2);
        cases.push_back(Record(policy, load, std::string(policy) + ": hidden " + std::to_string(i + 1), true));
      }
    }
    return cases;
  }

  std::optional<Mismatch> Check(const Case& test, std::size_t index, const json& got) const override {
    const Step& step = test.steps[index];
    if (step.check != "task") {
      if (got == *step.expect) return std::nullopt;
      if (step.call == "should_preempt") {
        return Mismatch{*step.expect ? "missed a preemption" : "preempted when it should not",
                        "expected " + step.expect->dump() + ", got " + got.dump()};
      }
      return Lab::Check(test, index, got);
    }
    // pick_next: a Task or its id, or None.
    json id = got.is_object() && got.contains("id") ? got["id"] : got;
    if (id == *step.expect) return std::nullopt;
    const json& ready = step.context["ready_set"];
    auto in_ready = [&](const json& candidate) -> const json* {
      for (const auto& task : ready) {
        if (task["id"] == candidate) return &task;
      }
      return nullptr;
    };
    std::string detail = "expected task " + step.expect->dump() + ", got " +
                         (id.is_null() ? "None" : "task " + id.dump()) + "; ready tasks (by id): " + ready.dump();
    if (id.is_null()) return Mismatch{"returned None while tasks were ready", detail};
    if (!id.is_number_integer()) return Mismatch{"returned something that is not a task or a task id", detail};
    const json* chosen = in_ready(id);
    if (chosen == nullptr) return Mismatch{"picked a task that is not in the ready queue", detail};
    if (step.expect->is_null()) return Mismatch{"picked a task from an empty ready queue", detail};
    const json* right = in_ready(*step.expect);
    if (right != nullptr && test.target != "RR" && (*chosen)["burst"] == (*right)["burst"]) {
      return Mismatch{"tie broken wrongly (equal bursts: the earlier arrival, then the lower id, runs first)", detail};
    }
    return Mismatch{"wrong task picked", detail};
  }
};

}  // namespace

std::unique_ptr<Lab> MakeCpuSchedulingLab() { return std::make_unique<CpuSchedulingLab>(); }

}  // namespace osgrid::grade::labs
