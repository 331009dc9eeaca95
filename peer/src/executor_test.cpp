// Tests of the task executor, run against the real osgrid-task program. Each
// test runs an io_context on the test thread until its tasks are done.
#include <catch2/catch.hpp>

#include "osgrid/peer/executor.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

using namespace osgrid;
using namespace osgrid::peer;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using Clock = std::chrono::steady_clock;

Executor::Options TestOptions() {
  Executor::Options options;
  options.task_binary = OSGRID_TASK_BINARY;
  return options;
}

TaskSpec MakeSpec(std::string program, Json args = Json::array(), std::chrono::milliseconds timeout = 20s) {
  TaskSpec spec;
  spec.task_id = "t-test";
  spec.program = std::move(program);
  spec.function = "main";
  spec.args = std::move(args);
  spec.timeout = timeout;
  return spec;
}

/// Runs one task to completion on a fresh io_context and returns its outcome.
TaskOutcome RunTask(TaskSpec spec, Executor::Options options = TestOptions()) {
  boost::asio::io_context io;
  Executor executor(io, options);
  REQUIRE(executor.Open().ok());
  std::optional<TaskOutcome> outcome;
  Status started = executor
                       .Start(std::move(spec),
                              [&](TaskOutcome done) {
                                CHECK_FALSE(outcome.has_value());  // done is called exactly once
                                outcome = std::move(done);
                              })
                       .status();
  REQUIRE(started.ok());
  CHECK(executor.running() == 1);
  while (!outcome) io.run_one();  // the warm pool always has work pending: no io.run()
  CHECK(executor.running() == 0);
  return std::move(*outcome);
}

TaskOutcome RunTask(std::string program, Json args = Json::array()) {
  return RunTask(MakeSpec(std::move(program), std::move(args)));
}

/// True if no process has id `pid` (kill(-pgid, 0) for a process group).
bool NoSuchProcess(int pid) { return kill(pid, 0) == -1 && errno == ESRCH; }

}  // namespace

TEST_CASE("square: main(5) returns 25", "[executor]") {
  TaskOutcome outcome = RunTask("def main(x):\n    return x * x\n", Json::array({5}));
  REQUIRE(outcome.status.ok());
  CHECK(outcome.result == 25);
  CHECK(outcome.stdout_text.empty());
  CHECK(outcome.stderr_text.empty());
  CHECK_FALSE(outcome.output_truncated);
  CHECK(outcome.pid > 0);
  CHECK(NoSuchProcess(outcome.pid));  // reaped: not even a zombie is left
}

TEST_CASE("results come back as JSON: dict, list, str, None", "[executor]") {
  const char* program = R"py(
def main(kind):
    return {"dict": {"a": [1, 2.5], "b": True},
            "list": [1, "two", None],
            "str": "h\u00e9llo",
            "none": None}[kind]
)py";
  CHECK(RunTask(program, {"dict"}).result == Json::parse(R"({"a": [1, 2.5], "b": true})"));
  CHECK(RunTask(program, {"list"}).result == Json::parse(R"([1, "two", null])"));
  CHECK(RunTask(program, {"str"}).result == "h\u00e9llo");
  TaskOutcome none = RunTask(program, {"none"});
  REQUIRE(none.status.ok());
  CHECK(none.result.is_null());
}

TEST_CASE("stdout and stderr are captured", "[executor]") {
  TaskOutcome outcome = RunTask(R"py(
import sys
def main():
    print("hi")
    print("careful", file=sys.stderr)
    return 1
)py");
  REQUIRE(outcome.status.ok());
  CHECK(outcome.stdout_text == "hi\n");
  CHECK(outcome.stderr_text == "careful\n");
  CHECK_FALSE(outcome.output_truncated);
}

TEST_CASE("an exception gives TASK_FAILED with the traceback in the detail", "[executor]") {
  TaskOutcome outcome = RunTask("def main():\n    return 1 / 0\n");
  CHECK(outcome.status.code() == Code::kTaskFailed);
  CHECK(outcome.status.message() == "ZeroDivisionError: division by zero");
  const std::string& traceback = outcome.status.detail();
  CHECK_THAT(traceback, StartsWith("Traceback (most recent call last):"));
  CHECK_THAT(traceback, Contains("File \"<task>\", line 2, in main"));
  CHECK_THAT(traceback, Contains("return 1 / 0"));  // the source line is quoted
  CHECK_THAT(traceback, !Contains("osgrid-bootstrap"));
  CHECK(outcome.result.is_null());
}

TEST_CASE("a syntax error gives TASK_FAILED naming the line", "[executor]") {
  TaskOutcome outcome = RunTask("def main(:\n    return 1\n");
  CHECK(outcome.status.code() == Code::kTaskFailed);
  CHECK(outcome.status.message() == "SyntaxError: invalid syntax (<task>, line 1)");
  CHECK_THAT(outcome.status.detail(), Contains("def main(:"));
}

TEST_CASE("a missing or uncallable function gives TASK_FAILED", "[executor]") {
  TaskOutcome missing = RunTask("def other():\n    return 1\n");
  CHECK(missing.status.code() == Code::kTaskFailed);
  CHECK(missing.status.message() == "program defines no function 'main'");

  TaskOutcome uncallable = RunTask("main = 3\n");
  CHECK(uncallable.status.code() == Code::kTaskFailed);
  CHECK(uncallable.status.message() == "program defines 'main', but it is not callable (type int)");
}

TEST_CASE("the task gets fds 0-3, fd 4 for its system calls, and nothing else of ours", "[executor]") {
  int inheritable = dup(STDOUT_FILENO);  // no close-on-exec: it must not leak anyway
  REQUIRE(inheritable >= 0);
  // No /proc in the sandbox: probe every descriptor number with fstat.
  TaskOutcome outcome = RunTask(R"py(
import os
def main():
    open_fds = []
    for fd in range(256):
        try:
            os.fstat(fd)
            open_fds.append(fd)
        except OSError:
            pass
    return open_fds
)py");
  close(inheritable);
  REQUIRE(outcome.status.ok());
  CHECK(outcome.result == Json::array({0, 1, 2, 3, 4}));
}

TEST_CASE("a result that is not JSON gives TASK_FAILED", "[executor]") {
  TaskOutcome outcome = RunTask("def main():\n    return {1, 2}\n");
  CHECK(outcome.status.code() == Code::kTaskFailed);
  CHECK(outcome.status.message() ==
        "result of main() is not JSON-serialisable: Object of type set is not JSON serializable");
}

TEST_CASE("a task past its timeout is killed and reaped", "[executor]") {
  auto before = Clock::now();
  TaskOutcome outcome = RunTask(MakeSpec("def main():\n    while True:\n        pass\n", Json::array(), 300ms));
  auto elapsed = Clock::now() - before;
  CHECK(outcome.status.code() == Code::kTimeout);
  CHECK(outcome.status.message() == "task t-test ran past its timeout of 300 ms and was killed");
  CHECK(outcome.run_time >= 300ms);
  CHECK(elapsed < 2s);  // killed at the deadline, not left to run (generous for a busy CI)
  CHECK(NoSuchProcess(outcome.pid));
}

TEST_CASE("a process that dies without a result gives TASK_FAILED", "[executor]") {
  TaskOutcome exited = RunTask("import os\ndef main():\n    os._exit(3)\n");
  CHECK(exited.status.code() == Code::kTaskFailed);
  CHECK(exited.status.message() == "task process died: exited with status 3 without a result");

  TaskOutcome crashed = RunTask("import ctypes\ndef main():\n    ctypes.string_at(0)\n");
  CHECK(crashed.status.code() == Code::kTaskFailed);
  CHECK(crashed.status.message() == "task process died: killed by signal 11 (Segmentation fault)");
}

TEST_CASE("output past the cap is read and dropped", "[executor]") {
  TaskOutcome outcome = RunTask("def main():\n    print('x' * 5_000_000)\n    return 'done'\n");
  REQUIRE(outcome.status.ok());
  CHECK(outcome.result == "done");
  CHECK(outcome.output_truncated);
  REQUIRE(outcome.stdout_text.size() == params::kTaskOutputBytes);
  CHECK(std::all_of(outcome.stdout_text.begin(), outcome.stdout_text.end(), [](char c) { return c == 'x'; }));
}

TEST_CASE("a program of megabytes reaches the task whole", "[executor]") {
  std::string program = "DATA = '" + std::string(4'000'000, 'a') + "'\n" + "def main():\n    return len(DATA)\n";
  TaskOutcome outcome = RunTask(program);
  REQUIRE(outcome.status.ok());
  CHECK(outcome.result == 4'000'000);
}

TEST_CASE("eight tasks run at once, each with its own result", "[executor]") {
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  std::vector<std::optional<TaskOutcome>> outcomes(8);
  for (int i = 0; i < 8; ++i) {
    auto spec = MakeSpec("import time\ndef main(x):\n    time.sleep(0.1)\n    return x * x\n", Json::array({i}));
    spec.task_id = "t-" + std::to_string(i);
    Status started =
        executor.Start(std::move(spec), [&outcomes, i](TaskOutcome outcome) { outcomes[i] = std::move(outcome); })
            .status();
    REQUIRE(started.ok());
  }
  CHECK(executor.running() == 8);
  auto all_done = [&] { return std::all_of(outcomes.begin(), outcomes.end(), [](auto& o) { return o.has_value(); }); };
  while (!all_done()) io.run_one();
  CHECK(executor.running() == 0);
  std::set<int> pids;
  for (int i = 0; i < 8; ++i) {
    REQUIRE(outcomes[i].has_value());
    REQUIRE(outcomes[i]->status.ok());
    CHECK(outcomes[i]->result == i * i);
    pids.insert(outcomes[i]->pid);
  }
  CHECK(pids.size() == 8);
}

TEST_CASE("a task is one process: it may start threads but no processes", "[executor]") {
  TaskOutcome outcome = RunTask(R"py(
import os, subprocess, threading
def main():
    results = []
    worker = threading.Thread(target=lambda: results.append("thread ran"))
    worker.start()
    worker.join()
    for attempt in (os.fork, lambda: subprocess.run(["/bin/true"])):
        try:
            attempt()
            results.append("started a process")
        except PermissionError as error:
            results.append(error.errno)
    return results
)py");
  REQUIRE(outcome.status.ok());
  CHECK(outcome.result == Json::array({"thread ran", EPERM, EPERM}));
}

TEST_CASE("a task runs at normal priority, though it was warmed up on idle time", "[executor]") {
  // Root peers make warm processes under SCHED_IDLE (warm_pool.h); Handoff
  // must raise each one before its task runs, or a task would only ever get
  // the CPU time no one else wants.
  const char* program = "import os\ndef main():\n    return [os.sched_getscheduler(0), os.SCHED_OTHER]\n";
  for (int i = 0; i < 3; ++i) {  // the first warm processes, then ones made after a hand-off
    TaskOutcome outcome = RunTask(program);
    REQUIRE(outcome.status.ok());
    CHECK(outcome.result[0] == outcome.result[1]);
  }
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  std::vector<Json> results;
  for (int i = 0; i < 6; ++i) {  // more than the pool holds: some callers wait (the boosted path)
    REQUIRE(executor.Start(MakeSpec(program), [&](TaskOutcome done) { results.push_back(done.result); }).ok());
  }
  while (results.size() < 6) io.run_one();
  for (const Json& result : results) CHECK(result == Json::array({0, 0}));
}

TEST_CASE("a result over result_cap gives LIMIT", "[executor]") {
  Executor::Options options = TestOptions();
  options.result_cap = 1000;
  TaskOutcome outcome = RunTask(MakeSpec("def main():\n    return 'x' * 5000\n"), options);
  CHECK(outcome.status.code() == Code::kLimit);
  // The message on fd 3 is {"ok":true,"result":"xxx...x","cpu_ms":N.NNN}: 20 + 5002 bytes, then
  // ,"cpu_ms": and the CPU time with 3 decimals (5 or more characters), then }.
  const std::string& message = outcome.status.message();
  const std::string prefix = "result of task t-test is ";
  REQUIRE(message.starts_with(prefix));
  CHECK(message.ends_with(" bytes, over the limit of 1000 bytes"));
  const long size = std::stol(message.substr(prefix.size()));
  CHECK(size >= 5022 + 10 + 5 + 1);
  CHECK(size <= 5022 + 10 + 12 + 1);
}

TEST_CASE("a task reports the CPU time it spent", "[executor]") {
  TaskOutcome idle = RunTask(MakeSpec("import time\ndef main():\n    time.sleep(0.3)\n"));
  REQUIRE(idle.status.ok());
  TaskOutcome busy = RunTask(MakeSpec("def main():\n    return sum(i * i for i in range(2_000_000))\n"));
  REQUIRE(busy.status.ok());
  // Sleeping takes wall time, not CPU; counting to two million takes CPU.
  CHECK(idle.cpu_time < std::chrono::milliseconds(100));
  CHECK(idle.run_time >= std::chrono::milliseconds(300));
  CHECK(busy.cpu_time > std::chrono::milliseconds(20));
  CHECK(busy.cpu_time <= busy.run_time + std::chrono::milliseconds(5));
}

TEST_CASE("Open and Start report what they cannot do", "[executor]") {
  boost::asio::io_context io;
  auto never = [](TaskOutcome) { FAIL("done must not be called"); };
  {
    Executor::Options options = TestOptions();
    options.task_binary = "/nonexistent/osgrid-task";
    Executor executor(io, options);
    Status opened = executor.Open();
    CHECK(opened.code() == Code::kInternal);
    CHECK(opened.message() == "cannot start the zygote /nonexistent/osgrid-task: No such file or directory");
    Status not_open = executor.Start(MakeSpec("def main():\n    return 1\n"), never).status();
    CHECK(not_open.code() == Code::kInternal);
    CHECK(not_open.message() == "the executor is not open: call Executor::Open() first");
  }
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  Status bad_args = executor.Start(MakeSpec("def main(x):\n    return x\n", Json{{"x", 1}}), never).status();
  CHECK(bad_args.code() == Code::kBadRequest);
  CHECK(bad_args.message() == "args of task t-test must be a JSON array");
  CHECK(executor.running() == 0);
  io.run_for(100ms);
}

/// Our child processes named `name` (the task process names itself "task <id>").
std::vector<int> ChildrenNamed(const std::string& name) {
  std::vector<int> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid = std::atoi(entry.path().filename().c_str());
    if (pid <= 0) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto open = line.find('(');
    auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    int parent = std::atoi(line.c_str() + close + 4);  // "pid (name) S ppid ..."
    if (parent == getpid() && line.substr(open + 1, close - open - 1) == name) found.push_back(pid);
  }
  return found;
}

TEST_CASE("destroying the Executor kills its running tasks", "[executor]") {
  std::vector<int> running;
  {
    boost::asio::io_context io;
    Executor executor(io, TestOptions());
    REQUIRE(executor.Open().ok());
    TaskSpec spec = MakeSpec("import time\ndef main():\n    time.sleep(60)\n");
    spec.task_id = "doomed";
    REQUIRE(executor.Start(std::move(spec), [](TaskOutcome) { FAIL("done after destruction"); }).ok());
    auto give_up = Clock::now() + 10s;
    while (running.empty() && Clock::now() < give_up) {
      io.run_for(20ms);
      running = ChildrenNamed("task doomed");
    }
    REQUIRE(running.size() == 1);  // running, about to sleep for a minute
  }
  CHECK(NoSuchProcess(running[0]));             // killed and reaped by ~Executor
  CHECK(ChildrenNamed("osgrid-task").empty());  // the zygote and warm processes too
}

// Not a test: measures Start-to-done time of the square task on one executor,
// back to back and with a 20 ms pause between tasks (time for the warm pool to
// refill). Run with: osgrid_peer_tests "[.executor-bench]"
TEST_CASE("median time of a trivial task", "[.executor-bench]") {
  constexpr int kRuns = 100;
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  io.run_for(300ms);  // let the first warm processes get ready
  for (auto pause : {0ms, 20ms}) {
    std::vector<double> wall_ms;
    std::vector<double> run_ms;
    for (int i = 0; i < kRuns; ++i) {
      std::optional<TaskOutcome> outcome;
      auto before = Clock::now();
      REQUIRE(executor
                  .Start(MakeSpec("def main(x):\n    return x * x\n", Json::array({5})),
                         [&](TaskOutcome done) { outcome = std::move(done); })
                  .ok());
      while (!outcome) io.run_one();
      std::chrono::duration<double, std::milli> wall = Clock::now() - before;
      REQUIRE(outcome->result == 25);
      wall_ms.push_back(wall.count());
      run_ms.push_back(static_cast<double>(outcome->run_time.count()));
      if (pause > 0ms) io.run_for(pause);
    }
    std::sort(wall_ms.begin(), wall_ms.end());
    std::sort(run_ms.begin(), run_ms.end());
    std::printf(
        "square task, %d runs, pause %d ms: median Start-to-done %.2f ms (min %.2f, p90 %.2f); "
        "median run_time %.0f ms\n",
        kRuns, static_cast<int>(pause.count()), wall_ms[kRuns / 2], wall_ms.front(), wall_ms[kRuns * 9 / 10],
        run_ms[kRuns / 2]);
  }
}

// ---------------------------------------------------------------------------
// Workers: the calls of one job (executor.h)

namespace {

/// Call `i` of the job "job-1".
TaskSpec MakeCall(std::string program, Json args, int i) {
  TaskSpec spec = MakeSpec(std::move(program), std::move(args));
  spec.task_id = "call-" + std::to_string(i);
  spec.job = "job-1";
  return spec;
}

/// Runs `calls` with at most `at_once` started and not done, as a scheduler
/// with that many cores would, and returns their outcomes in order.
/// `on_launch(executor, handle, i)`, if set, runs once call i has its process.
std::vector<TaskOutcome> RunCalls(Executor& executor, boost::asio::io_context& io, std::vector<TaskSpec> calls,
                                  std::size_t at_once,
                                  std::function<void(Executor&, Executor::TaskHandle, std::size_t)> on_launch = {}) {
  std::vector<std::optional<TaskOutcome>> outcomes(calls.size());
  std::size_t next = 0, running = 0, done = 0;
  std::vector<std::size_t> launched;
  std::vector<Executor::TaskHandle> handles(calls.size());
  while (done < calls.size()) {
    while (running < at_once && next < calls.size()) {
      const std::size_t i = next++;
      ++running;
      auto started = executor.Start(
          std::move(calls[i]),
          [&, i](TaskOutcome outcome) {
            outcomes[i] = std::move(outcome);
            --running;
            ++done;
          },
          [&, i] { launched.push_back(i); });
      REQUIRE(started.ok());
      handles[i] = *started;
    }
    io.run_one();
    for (std::size_t i : std::exchange(launched, {})) {
      if (on_launch) on_launch(executor, handles[i], i);
    }
  }
  std::vector<TaskOutcome> result;
  for (auto& outcome : outcomes) result.push_back(std::move(*outcome));
  return result;
}

/// Runs `io` for `time`, e.g. for workers retired to be reaped.
void RunFor(boost::asio::io_context& io, std::chrono::milliseconds time) {
  auto until = Clock::now() + time;
  while (Clock::now() < until) io.run_for(10ms);
}

}  // namespace

TEST_CASE("a job's calls run in at most `cores` processes, each call with its own result and output",
          "[executor][worker]") {
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  const char* program = R"py(
import sys
calls = 0
def main(x):
    global calls
    calls += 1
    print(f"call {x}")
    print(f"err {x}", file=sys.stderr)
    return x * x
)py";
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 30; ++i) specs.push_back(MakeCall(program, Json::array({i}), i));
  std::vector<TaskOutcome> outcomes = RunCalls(executor, io, std::move(specs), 2);
  std::set<int> pids;
  for (int i = 0; i < 30; ++i) {
    INFO("call " << i);
    REQUIRE(outcomes[i].status.ok());
    CHECK(outcomes[i].result == i * i);
    CHECK(outcomes[i].stdout_text == "call " + std::to_string(i) + "\n");
    CHECK(outcomes[i].stderr_text == "err " + std::to_string(i) + "\n");
    CHECK(outcomes[i].cpu_time < 500ms);
    pids.insert(outcomes[i].pid);
  }
  CHECK(pids.size() <= 2);
  CHECK(executor.idle_workers() == pids.size());
  executor.EndJob("job-1");
  CHECK(executor.idle_workers() == 0);
  RunFor(io, 200ms);  // reaped once their pidfds say they exited
  for (int pid : pids) CHECK(NoSuchProcess(pid));
}

TEST_CASE("a call over its CPU-time limit kills its worker, and the next call gets a fresh one", "[executor][worker]") {
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  const char* program = "def main(spin):\n    while spin:\n        pass\n    return 'ok'\n";
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 4; ++i) specs.push_back(MakeCall(program, Json::array({i == 1}), i));
  specs[1].cpu_limit = 300ms;
  std::vector<TaskOutcome> outcomes = RunCalls(executor, io, std::move(specs), 1);
  CHECK(outcomes[0].status.ok());
  CHECK(outcomes[1].status.code() == Code::kTimeout);
  CHECK(outcomes[1].status.message() == "task call-1 used its CPU-time limit of 300 ms and was killed");
  CHECK(outcomes[1].cpu_time >= 300ms);
  CHECK(outcomes[1].cpu_time < 1s);  // its own, not the worker's
  CHECK(outcomes[2].status.ok());
  CHECK(outcomes[3].status.ok());
  CHECK(outcomes[0].pid == outcomes[1].pid);  // the limit is the call's, from its start
  CHECK(outcomes[2].pid != outcomes[1].pid);  // a fresh worker
  CHECK(outcomes[3].pid == outcomes[2].pid);
  CHECK(NoSuchProcess(outcomes[1].pid));
  CHECK(outcomes[2].cpu_time < 200ms);
}

TEST_CASE("killing a running call kills its worker, and the job goes on in a fresh one", "[executor][worker]") {
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  const char* program = "import time\ndef main(sleep):\n    time.sleep(sleep)\n    return sleep\n";
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 3; ++i) specs.push_back(MakeCall(program, Json::array({i == 1 ? 30 : 0}), i));
  auto kill_call_1 = [](Executor& executor, Executor::TaskHandle handle, std::size_t i) {
    if (i == 1) CHECK(executor.Kill(handle, Status(Code::kCancelled, "cancelled by the test")).ok());
  };
  auto before = Clock::now();
  std::vector<TaskOutcome> outcomes = RunCalls(executor, io, std::move(specs), 1, kill_call_1);
  CHECK(Clock::now() - before < 10s);
  CHECK(outcomes[0].status.ok());
  CHECK(outcomes[1].status.code() == Code::kCancelled);
  CHECK(outcomes[2].status.ok());
  CHECK(outcomes[1].pid == outcomes[0].pid);
  CHECK(outcomes[2].pid != outcomes[1].pid);
}

TEST_CASE("a worker is not reused after a call that leaves a thread, fails to load or returns too much",
          "[executor][worker]") {
  Executor::Options options = TestOptions();
  options.result_cap = 1000;
  boost::asio::io_context io;
  Executor executor(io, options);
  REQUIRE(executor.Open().ok());
  const char* program = R"py(
import threading, time
def main(what):
    if what == "thread":
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
    if what == "big":
        return "x" * 5000
    if what == "raise":
        raise ValueError("no")
    return what
)py";
  std::vector<TaskSpec> specs;
  for (const char* what : {"a", "raise", "b", "thread", "c", "big", "d"}) {
    specs.push_back(MakeCall(program, Json::array({what}), static_cast<int>(specs.size())));
  }
  std::vector<TaskOutcome> outcomes = RunCalls(executor, io, std::move(specs), 1);
  CHECK(outcomes[0].result == "a");
  CHECK(outcomes[1].status.code() == Code::kTaskFailed);  // an exception is the call's, not the worker's
  CHECK(outcomes[2].result == "b");
  CHECK(outcomes[3].result == "thread");
  CHECK(outcomes[4].result == "c");
  CHECK(outcomes[5].status.code() == Code::kLimit);
  CHECK(outcomes[6].result == "d");
  CHECK(outcomes[0].pid == outcomes[1].pid);
  CHECK(outcomes[1].pid == outcomes[2].pid);
  CHECK(outcomes[2].pid == outcomes[3].pid);
  CHECK(outcomes[4].pid != outcomes[3].pid);  // a thread was left running
  CHECK(outcomes[4].pid == outcomes[5].pid);
  CHECK(outcomes[6].pid != outcomes[5].pid);  // killed for its result

  std::vector<TaskSpec> broken;
  for (int i = 0; i < 2; ++i) broken.push_back(MakeCall("def main(:\n", Json::array(), i));
  broken[0].job = broken[1].job = "job-2";
  std::vector<TaskOutcome> failed = RunCalls(executor, io, std::move(broken), 1);
  for (const TaskOutcome& outcome : failed) {
    CHECK(outcome.status.code() == Code::kTaskFailed);
    CHECK_THAT(outcome.status.message(), StartsWith("SyntaxError"));
  }
  CHECK(failed[0].pid != failed[1].pid);  // each call loads the program again, in its own process
}

TEST_CASE("single tasks get a fresh process each, and workers are kept per job", "[executor][worker]") {
  boost::asio::io_context io;
  Executor executor(io, TestOptions());
  REQUIRE(executor.Open().ok());
  const char* program = "import os\ndef main():\n    return os.getpid()\n";
  std::vector<TaskSpec> singles;
  for (int i = 0; i < 3; ++i) singles.push_back(MakeSpec(program));
  std::vector<TaskOutcome> alone = RunCalls(executor, io, std::move(singles), 1);
  CHECK(std::set<int>{alone[0].pid, alone[1].pid, alone[2].pid}.size() == 3);
  CHECK(executor.idle_workers() == 0);

  std::vector<TaskSpec> calls;  // two jobs, alternating: neither takes the other's worker
  for (int i = 0; i < 6; ++i) {
    calls.push_back(MakeCall(program, Json::array(), i));
    calls.back().job = i % 2 == 0 ? "job-a" : "job-b";
  }
  std::vector<TaskOutcome> jobs = RunCalls(executor, io, std::move(calls), 1);
  CHECK(jobs[0].pid == jobs[2].pid);
  CHECK(jobs[2].pid == jobs[4].pid);
  CHECK(jobs[1].pid == jobs[3].pid);
  CHECK(jobs[3].pid == jobs[5].pid);
  CHECK(jobs[0].pid != jobs[1].pid);
  CHECK(executor.idle_workers() == 2);
  RunFor(io, Executor::kWorkerIdleTime + 300ms);  // no EndJob: the idle time ends them
  CHECK(executor.idle_workers() == 0);
  CHECK(NoSuchProcess(jobs[0].pid));
  CHECK(NoSuchProcess(jobs[1].pid));
}
