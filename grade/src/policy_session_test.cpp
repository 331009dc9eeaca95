// PolicySession: a student's object in the sandboxed process, asked one call
// at a time (the live peer's --scheduler-file). Each test writes a tiny
// policy file into a temporary folder.
#include "osgrid/grade/policy_session.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace osgrid::grade;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// A folder of its own with one file, removed at the end.
struct PolicyFile {
  explicit PolicyFile(const std::string& text, const std::string& name = "policy.py") {
    std::string pattern = (std::filesystem::temp_directory_path() / "osgrid-session-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    path = dir + "/" + name;
    std::ofstream(path) << text;
  }
  ~PolicyFile() {
    std::error_code error;
    std::filesystem::remove_all(dir, error);
  }
  std::string dir, path;
};

json Task(int id, int arrival = 0, int burst = 0) {
  return {{"__type__", "Task"}, {"id", id}, {"arrival", arrival}, {"burst", burst}, {"priority", 0}};
}

PolicySession MustStart(const PolicyFile& file, const std::string& class_name = "", json init = json::object()) {
  auto session = PolicySession::Start(file.path, class_name, init);
  INFO((session ? std::string() : session.error().message));
  REQUIRE(session.ok());
  return std::move(session).value();
}

/// The newest task first: not FCFS.
const char* kLifo = R"(from osgrid_lab import Task


class LIFO:
    def __init__(self):
        self.ready = []

    def admit(self, task: Task) -> None:
        self.ready.append(task)

    def pick_next(self):
        return self.ready.pop() if self.ready else None

    def boom(self):
        return {}["missing"]

    def nap(self, seconds):
        import time
        time.sleep(seconds)

    def chatter(self, lines):
        for i in range(lines):
            print("line", i, "of chatter " * 5)
        return lines

    def leave(self):
        import os
        os._exit(3)
)";

}  // namespace

TEST_CASE("a policy session answers each call and keeps its object between calls", "[grade][policy]") {
  PolicyFile file(kLifo);
  PolicySession session = MustStart(file, "LIFO");
  CHECK(session.target() == "LIFO");
  CHECK(session.module_file() == "policy.py");
  CHECK(session.info()["preemptive"] == false);  // no should_preempt
  CHECK(session.info()["quantum"].is_null());
  CHECK(session.info()["methods"] == json::array({"admit", "pick_next"}));
  for (int id : {1, 2, 3}) {
    CallResult admitted = session.Call("admit", json::array({Task(id, id)}), 2s);
    REQUIRE(admitted.ok());
    CHECK(admitted.answer->is_null());
  }
  CallResult first = session.Call("pick_next", json::array(), 2s);
  REQUIRE(first.ok());
  CHECK((*first.answer)["id"] == 3);  // a Task comes back encoded, with its __type__
  CHECK((*first.answer)["__type__"] == "Task");
  CHECK((*session.Call("pick_next", json::array(), 2s).answer)["id"] == 2);
  CHECK((*session.Call("pick_next", json::array(), 2s).answer)["id"] == 1);
  CHECK(session.Call("pick_next", json::array(), 2s).answer->is_null());
  CHECK(session.alive());
}

TEST_CASE("a method that raises is an error with its message, and the session goes on", "[grade][policy]") {
  PolicyFile file(kLifo);
  PolicySession session = MustStart(file, "LIFO");
  CallResult raised = session.Call("boom", json::array(), 2s);
  REQUIRE_FALSE(raised.ok());
  CHECK(raised.error.kind == SessionError::Kind::kRaised);
  CHECK(raised.error.message == "boom raised KeyError: 'missing' (policy.py line 15)");
  CallResult missing = session.Call("no_such_method", json::array(), 2s);
  CHECK(missing.error.kind == SessionError::Kind::kRaised);
  CHECK(missing.error.message == "LIFO has no method no_such_method");
  CHECK(session.Call("admit", json::array({Task(7)}), 2s).ok());
  CHECK((*session.Call("pick_next", json::array(), 2s).answer)["id"] == 7);
}

TEST_CASE("a method slower than the call's timeout is a timeout, and the process is killed", "[grade][policy]") {
  PolicyFile file(kLifo);
  PolicySession session = MustStart(file, "LIFO");
  const pid_t pid = session.pid();
  REQUIRE(pid > 0);
  const auto started = std::chrono::steady_clock::now();
  CallResult slow = session.Call("nap", json::array({5}), 100ms);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error.kind == SessionError::Kind::kTimeout);
  CHECK(slow.error.message == "no answer to nap within 100 ms");
  CHECK_FALSE(session.alive());
  CHECK(kill(pid, 0) != 0);  // killed and reaped
  CallResult after = session.Call("pick_next", json::array(), 2s);
  CHECK(after.error.kind == SessionError::Kind::kCrashed);
  CHECK(after.error.message == "the process has ended (killed: no answer to nap within 100 ms)");
}

TEST_CASE("a policy whose process exits is crashed, with its exit status", "[grade][policy]") {
  PolicyFile file(kLifo);
  PolicySession session = MustStart(file, "LIFO");
  CallResult gone = session.Call("leave", json::array(), 2s);
  CHECK(gone.error.kind == SessionError::Kind::kCrashed);
  CHECK(gone.error.message == "the process ended (exited with status 3) during leave");
  CHECK_FALSE(session.alive());
}

TEST_CASE("destroying the session kills its process", "[grade][policy]") {
  PolicyFile file(kLifo);
  pid_t pid = -1;
  {
    PolicySession session = MustStart(file, "LIFO");
    pid = session.pid();
    REQUIRE(pid > 0);
    CHECK(kill(pid, 0) == 0);
    PolicySession moved = std::move(session);  // the process follows the object
    CHECK(moved.pid() == pid);
  }
  CHECK(kill(pid, 0) != 0);
  CHECK(errno == ESRCH);
}

TEST_CASE("what the policy prints is kept, and a chatty policy does not block on it", "[grade][policy]") {
  PolicyFile file(kLifo);
  PolicySession session = MustStart(file, "LIFO");
  CallResult chatty = session.Call("chatter", json::array({5000}), 10s);  // about 300 KB: more than a pipe holds
  REQUIRE(chatty.ok());
  CHECK(*chatty.answer == 5000);
  const std::string& output = session.output();
  CHECK(output.size() <= SandboxOptions{}.output_cap_bytes);
  CHECK(output.find("line 4999 of chatter") != std::string::npos);  // the most recent is kept
}

TEST_CASE("without a class name the file's only class with pick_next is built, with the kwargs it takes",
          "[grade][policy]") {
  PolicyFile file(R"(from collections import deque


class Policy:
    def should_preempt(self, running):
        return False

    def ran(self, task, cpu, end):
        pass


class RR(Policy):
    def __init__(self, quantum):
        self.quantum = quantum
        self.ready = deque()

    def admit(self, task):
        self.ready.append(task)

    def pick_next(self):
        return self.ready.popleft() if self.ready else None
)");
  PolicySession session = MustStart(file, "", {{"quantum", 30}, {"aging", 5}});
  CHECK(session.target() == "RR");
  CHECK(session.info()["init"] == json{{"quantum", 30}});  // aging is not one of its parameters
  CHECK(session.info()["quantum"] == 30);
  CHECK(session.info()["preemptive"] == true);  // it has should_preempt (Policy's)
  CHECK(session.info()["methods"] == json::array({"admit", "pick_next", "should_preempt", "ran"}));
}

TEST_CASE("a file the session cannot use is refused at start with a clear message", "[grade][policy]") {
  SECTION("several classes with pick_next and no class named") {
    PolicyFile file(
        "class A:\n    def pick_next(self):\n        return None\n\n"
        "class B(A):\n    pass\n");
    auto session = PolicySession::Start(file.path, "", json::object());
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().message == "policy.py defines 2 classes with a pick_next method (A, B): name the one to use");
  }
  SECTION("no class with pick_next") {
    PolicyFile file("class A:\n    pass\n");
    auto session = PolicySession::Start(file.path, "", json::object());
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().message == "policy.py defines no class with a pick_next method");
  }
  SECTION("a syntax error") {
    PolicyFile file("class A:\n    def pick_next(self)\n        return None\n");
    auto session = PolicySession::Start(file.path, "A", json::object());
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().message.find("syntax error in policy.py line 2") == 0);
  }
  SECTION("a class that is not there") {
    PolicyFile file(kLifo);
    auto session = PolicySession::Start(file.path, "SJF", json::object());
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().message == "policy.py defines no SJF");
  }
  SECTION("a constructor that raises") {
    PolicyFile file(
        "class A:\n    def __init__(self):\n        raise ValueError('no')\n    def pick_next(self):\n"
        "        return None\n");
    auto session = PolicySession::Start(file.path, "A", json::object());
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().message == "A(**{}) raised ValueError: no (policy.py line 3)");
  }
  SECTION("no such file") {
    auto session = PolicySession::Start("/nonexistent/policy.py", "", json::object());
    REQUIRE_FALSE(session.ok());
    CHECK(session.error().message == "/nonexistent/policy.py is not a file");
  }
}
