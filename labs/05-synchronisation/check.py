#!/usr/bin/env python3
"""Runs lab 05's visible tests against your sync.py, with nothing but Python 3.10+.

    python3 check.py                # tests starter/sync.py
    python3 check.py path/to/dir    # tests path/to/dir/sync.py
    python3 check.py -k readers     # only the tests whose name contains "readers"
    python3 check.py --seed 7 --runs 5   # other interleavings, five times each

No cluster here: a stand-in for the `osgrid` module made of threads (each task
a thread, osgrid.Semaphore a threading.Semaphore, osgrid.mem a dict behind a
lock) that sleeps a random, seeded time at every call, to shake the
interleavings as the grader's peers do (osgrid-peer --inject-seed). The
grader's driver (driver.py) runs your classes and the same invariants are
checked: no item lost, duplicated or never put; the buffer never over
capacity; no writer inside with anyone else. Passing here is a good sign, not
a proof: the grade comes from `osgrid lab grade` on a live cluster, where the
tasks are processes on two peers.
"""

import argparse
import json
import pathlib
import random
import sys
import threading
import time
import types

HERE = pathlib.Path(__file__).resolve().parent


class OsgridError(Exception):
    """osgrid.Error: a refused call (the stand-in's own, same name)."""


class StandIn:
    """The `osgrid` module, for one test run: tasks are threads."""

    def __init__(self, seed, max_delay_s):
        self.random = random.Random(seed)
        self.max_delay_s = max_delay_s
        self.lock = threading.Lock()  # guards everything below
        self.memory = {}
        self.events = []  # ("set" | "del", key), in the order applied: the grader's event stream
        self.semaphores = {}  # name -> (threading.Semaphore, initial)
        self.locks = {}  # name -> [threading.Lock, holder task id]
        self.tasks = {}  # id -> {"thread", "result", "error", "deadline"}
        self.local = threading.local()
        self.module = self.build()

    def jitter(self):
        with self.lock:
            delay = self.random.uniform(0, self.max_delay_s)
        time.sleep(delay)

    def build(self):
        standin = self
        module = types.ModuleType("osgrid")
        module.Error = OsgridError

        class Memory:
            def get(self, key, default=None):
                standin.jitter()
                with standin.lock:
                    value = standin.memory.get(key, default)
                standin.jitter()
                return value

            def set(self, key, value):
                json.dumps(value)  # as the peer: values are JSON
                standin.jitter()
                with standin.lock:
                    standin.memory[key] = value
                    standin.events.append(("set", key))
                standin.jitter()

            def delete(self, key):
                standin.jitter()
                with standin.lock:
                    there = key in standin.memory
                    standin.memory.pop(key, None)
                    if there:
                        standin.events.append(("del", key))
                standin.jitter()
                return there

        class Semaphore:
            def __init__(self, name, initial):
                if initial < 0:
                    raise ValueError("initial must be >= 0")
                with standin.lock:
                    made = standin.semaphores.setdefault(name, (threading.Semaphore(initial), initial))
                if made[1] != initial:
                    raise OsgridError(f"semaphore {name} was made with {made[1]}, not {initial}")
                self.semaphore = made[0]

            def wait(self, timeout=None):
                standin.jitter()
                got = self.semaphore.acquire(timeout=timeout)
                standin.jitter()
                return got

            def signal(self):
                standin.jitter()
                self.semaphore.release()
                standin.jitter()

        class Lock:
            def __init__(self, name):
                with standin.lock:
                    self.entry = standin.locks.setdefault(name, [threading.Lock(), None])
                self.name = name

            def acquire(self, timeout=None):
                standin.jitter()
                got = self.entry[0].acquire(timeout=-1 if timeout is None else timeout)
                if got:
                    self.entry[1] = standin.getpid()
                standin.jitter()
                return got

            def release(self):
                standin.jitter()
                if self.entry[1] != standin.getpid():
                    raise OsgridError(f"task {standin.getpid()} releases lock {self.name}, which it does not hold")
                self.entry[1] = None
                self.entry[0].release()
                standin.jitter()

            def __enter__(self):
                self.acquire()
                return self

            def __exit__(self, *exc):
                self.release()
                return False

        def message_queue(*args, **kwargs):
            raise OsgridError("lab 05: build the buffer from osgrid.Semaphore and osgrid.mem, not a MessageQueue")

        module.mem = Memory()
        module.Semaphore = Semaphore
        module.Lock = Lock
        module.MessageQueue = message_queue
        module.getpid = standin.getpid
        module.submit = standin.submit
        module.wait = standin.wait
        return module

    def getpid(self):
        return getattr(self.local, "task_id", "check/0")

    def submit(self, fn, *args, timeout_ms=10000, **options):
        self.jitter()
        with self.lock:
            task_id = f"check/{len(self.tasks) + 1}"
            task = {"result": None, "error": None, "deadline": time.monotonic() + timeout_ms / 1000}
            self.tasks[task_id] = task

        def run():
            self.local.task_id = task_id
            try:
                task["result"] = fn(*args)
            except BaseException as error:  # the task's failure, reported by wait
                task["error"] = error

        task["thread"] = threading.Thread(target=run, name=task_id, daemon=True)
        task["thread"].start()
        return task_id

    def wait(self, task_id):
        task = self.tasks[task_id]
        task["thread"].join(max(0.0, task["deadline"] - time.monotonic()))
        if task["thread"].is_alive():
            raise OsgridError(f"TIMEOUT: child {task_id} did not finish in time (a deadlock, or a lost wake-up?)")
        if task["error"] is not None:
            error = task["error"]
            raise OsgridError(f"child {task_id} failed: {type(error).__name__}: {error}")
        return task["result"]


# ---- the invariants: the same rules as the grader's (grade/src/labs/synchronisation.cpp) ----


def check_buffer(config, got):
    capacity, puts, gets = config["capacity"], 0, 0
    for op, key in got["events"]:
        if op != "set":
            continue
        if key.startswith("put/"):
            puts += 1
            if puts - gets > capacity:
                return ("over capacity", f"{puts} put() calls had returned when only {gets} get() calls had started: "
                        f"the buffer held {puts - gets} items, its capacity is {capacity}")
        elif key.startswith("get/"):
            gets += 1
    put_count = {}
    for producer in config["producers"]:
        for item in producer:
            put_count[item] = put_count.get(item, 0) + 1
    got_count = {}
    for consumer in got["result"]["consumed"]:
        for item in consumer:
            if not isinstance(item, int) or isinstance(item, bool) or item not in put_count:
                return ("an item that was never put", f"get() returned {item!r}, which no producer put")
            got_count[item] = got_count.get(item, 0) + 1
    for item, count in sorted(got_count.items()):
        if count > 1:
            return ("duplicated item", f"item {item} was got {count} times")
    for item in sorted(put_count):
        if item not in got_count:
            return ("lost item", f"item {item} was put but never got")
    return None


def check_readers_writers(got):
    inside = []
    for op, key in got["events"]:
        if not key.startswith("inside/"):
            continue
        who = key[len("inside/"):]
        if op == "del":
            if who in inside:
                inside.remove(who)
            continue
        writer = who.startswith("writer-")
        for other in sorted(inside):
            other_writer = other.startswith("writer-")
            if writer and other_writer:
                return ("two writers overlapped", f"{who} entered while {other} was inside")
            if writer or other_writer:
                return ("writer overlapped a reader", f"{who} entered while {other} was inside")
        inside.append(who)
    return None


def run_case(test, program, path, seed, max_delay_s, run):
    """One run of one visible test; returns None (passed) or (kind, detail)."""
    standin = StandIn(seed, max_delay_s)
    sys.modules["osgrid"] = standin.module
    namespace = {"__name__": "sync", "__file__": str(path)}
    exec(program, namespace)
    step = test["steps"][0]
    config = dict(step["args"][0])
    name = f"check-{run}/{config['name']}"
    config["name"] = name
    try:
        result = namespace[step["call"]](config)
    except OsgridError as error:
        if str(error).startswith("TIMEOUT") or "TIMEOUT" in str(error):
            return ("timeout", f"{error}")
        return ("exception", f"your code raised: {error}")
    except Exception as error:  # the student's code, in the driver's own task
        return ("exception", f"your code raised {type(error).__name__}: {error}")
    with standin.lock:
        events = [(op, key[len(name) + 1:]) for op, key in standin.events if key.startswith(name + "/")]
    got = {"result": result, "events": events}
    if test["target"] == "BoundedBuffer":
        return check_buffer(step["args"][0], got)
    return check_readers_writers(got)


def main():
    parser = argparse.ArgumentParser(description="Run lab 05's visible tests on your sync.py, with threads.")
    parser.add_argument("dir", nargs="?", default=str(HERE / "starter"), help="the folder that holds sync.py")
    parser.add_argument("-k", default="", help="only the tests whose name contains TEXT")
    parser.add_argument("--seed", type=int, default=1, help="seeds the random delays (default 1)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each test, each with its own delays")
    parser.add_argument("--max-delay-ms", type=float, default=5, help="the longest delay at a call (default 5)")
    options = parser.parse_args()

    path = pathlib.Path(options.dir) / "sync.py"
    if not path.is_file():
        print(f"no sync.py in {options.dir}")
        return 1
    tests = json.loads(next((HERE / "tests" / "visible").glob("*.json")).read_text())["tests"]
    driver = (HERE / "driver.py").read_text()
    try:
        program = compile(path.read_text() + "\n\n" + driver, str(path), "exec")
    except SyntaxError as error:
        print(f"sync.py does not compile: line {error.lineno}: {error.msg}")
        return 1
    passed = total = 0
    for test in tests:
        if options.k not in test["name"]:
            continue
        total += 1
        failure = None
        for run in range(options.runs):
            try:
                failure = run_case(test, program, path, options.seed + run, options.max_delay_ms / 1000, run)
            except Exception as error:  # loading the module failed (an import, a name missing)
                failure = ("exception", f"loading sync.py raised {type(error).__name__}: {error}")
            if failure:
                break
        if failure is None:
            passed += 1
            print(f"ok    {test['name']}")
        else:
            print(f"FAIL  {test['name']}  ({failure[0]})\n      {test['about']}\n      {failure[1]}")
    print(f"\n{passed} of {total} tests passed (seed {options.seed}, {options.runs} run(s) each).")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
