// The Python half of a task process; see python_runner.h.
#include <Python.h>  // first, as the CPython docs ask

#include "python_runner.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "python_config.h"  // generated: kPythonHome, kPythonStdlib, kPythonVersion

namespace osgrid::peer {
namespace {

using Json = nlohmann::json;

// CPython is told its home (PyConfig.home): the prefix of the Python the build
// was configured with, /usr for Debian's, and finds its standard library in
// <home>/lib/python3.11. Linking one Python and reading another's standard
// library fails in odd ways ("No module named 'math'"), so the two come from
// one place: cmake/OsgridPython.cmake (docs/toolchain.md).

// The file name the bootstrap runs under; the bootstrap hides its own frames
// from task tracebacks by this name, so keep the two in step.
constexpr const char* kBootstrapFile = "<osgrid-bootstrap>";

// The bootstrap: the Python half of osgrid-task, run once in __main__.
constexpr const char* kBootstrap = R"py(
# Defines osgrid_run_task(program, function, args_json) -> the text of the one
# result message for fd 3. Run once when CPython starts (in the zygote, before
# any fork), so every task process inherits these functions and modules.
import gc
import json
import linecache
import os
import sys
import traceback
import _thread

# Modules tasks often use, imported once here rather than in every task.
import collections, functools, itertools, math, random, re, string, time  # noqa: E401
import osgrid                             # made by StartPython before this runs

TASK_FILE = "<task>"                      # the program's name in tracebacks
BOOTSTRAP_FILE = "<osgrid-bootstrap>"     # our own name (kBootstrapFile)


def exception_line(error):
    """The last line of a traceback: 'ZeroDivisionError: division by zero'."""
    text = str(error)
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def task_frames(frames):
    """Drops the bootstrap's own frames, so a traceback starts in <task>."""
    while frames is not None and frames.tb_frame.f_code.co_filename == BOOTSTRAP_FILE:
        frames = frames.tb_next
    return frames


def failure(error, traceback_text=""):
    """The message for a failed task."""
    return json.dumps({"ok": False, "error": error, "traceback": traceback_text})


def failure_from(error):
    """The message for an exception raised by (or compiling) the program."""
    lines = traceback.format_exception(type(error), error, task_frames(error.__traceback__))
    return failure(exception_line(error), "".join(lines))


def load_program(program):
    """Compiles and runs the program in a fresh namespace; returns the namespace."""
    # Register the source so that tracebacks can quote the lines of <task>.
    linecache.cache[TASK_FILE] = (len(program), None, program.splitlines(True), TASK_FILE)
    code = compile(program, TASK_FILE, "exec")
    namespace = {"__name__": "__task__"}
    osgrid._program = namespace           # osgrid.submit checks a function is defined here
    exec(code, namespace)
    return namespace


def run_task(program, function_name, args_json):
    """Runs the task; returns the text of the one message for fd 3."""
    try:
        namespace = load_program(program)
    except BaseException as error:        # SystemExit too: the task failed
        return failure_from(error)
    return call_function(namespace, function_name, args_json)


def call_function(namespace, function_name, args_json):
    """Calls a function of a loaded program; returns the message for fd 3."""
    if function_name not in namespace:
        return failure(f"program defines no function {function_name!r}")
    function = namespace[function_name]
    if not callable(function):
        kind = type(function).__name__
        return failure(f"program defines {function_name!r}, but it is not callable (type {kind})")
    try:
        result = function(*json.loads(args_json))
    except BaseException as error:
        return failure_from(error)
    try:
        # allow_nan=False: NaN and Infinity are not JSON, and the peer's parser refuses them.
        text = json.dumps(result, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        return failure(f"result of {function_name}() is not JSON-serialisable: {error}")
    return '{"ok":true,"result":' + text + "}"


def flush_output():
    """Flushes what the program printed; it may have closed or replaced the streams."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


def osgrid_run_task(program, function_name, args_json):
    """The entry point: runs one task, flushes its output, returns the message."""
    started = time.process_time()
    message = run_task(program, function_name, args_json)
    cpu_ms = (time.process_time() - started) * 1000.0
    flush_output()
    return message[:-1] + f',"cpu_ms":{cpu_ms:.3f}}}'   # every message is one JSON object


job_namespace = None   # a worker's program, loaded by its job's first call


def can_go_on():
    """Whether this worker may run its job's next call: the program loaded,
    and the call left no thread, no child process and no closed std stream."""
    if job_namespace is None or _thread._count() != 0:
        return False
    if sys.__stdout__ is None or sys.__stdout__.closed or sys.__stderr__ is None or sys.__stderr__.closed:
        return False
    try:
        os.waitpid(-1, os.WNOHANG)        # any child, even one that exited, keeps it from going on
    except ChildProcessError:
        return True
    return False


def osgrid_run_call(program, function_name, args_json):
    """A worker's entry point: one call of its job (RunPythonCall in
    python_runner.h). `program` is the job's program on the first call, None
    on the later ones. Returns the message, with "next" if it can go on."""
    global job_namespace
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__   # a call may have replaced them
    started = time.process_time()
    message = failure("osgrid worker: no program loaded")   # the peer never sends this
    if program is not None:
        try:
            job_namespace = load_program(program)
        except BaseException as error:
            job_namespace = None
            message = failure_from(error)
    if job_namespace is not None:
        osgrid._program = job_namespace
        message = call_function(job_namespace, function_name, args_json)
    cpu_ms = (time.process_time() - started) * 1000.0
    flush_output()
    next_call = ',"next":true' if can_go_on() else ''
    return message[:-1] + f',"cpu_ms":{cpu_ms:.3f}{next_call}}}'


# What exists now is shared by every task process forked from here: keep the
# cyclic garbage collector off these objects, so that it does not write to
# (and so copy) the pages they live on in each child.
gc.freeze()
)py";

// The `osgrid` module: a task's system calls to its peer. Made in StartPython,
// before the bootstrap, so every task process inherits it; a task imports it
// as any module. The peer's side is call_channel.h and cpu_service.cpp;
// docs/syscalls.md is the user's guide. The packet format (flag byte 'M' or
// 'E', then at most 65535 bytes of JSON) is CallChannel's.
constexpr const char* kOsgridModuleFile = "<osgrid>";
constexpr const char* kOsgridModule = R"py(
"""System calls of a task running on an osgrid peer.

    import osgrid

    def square(x):
        return x * x

    def main(n):
        children = [osgrid.submit(square, i) for i in range(n)]  # fork + exec
        return sum(osgrid.wait(child) for child in children)     # wait

submit(fn, *args, **options) -> Handle
    Starts fn(*args) as a child task, which may run on another peer. fn must
    be a function defined with def at module level in this program: the
    child runs the same program and calls fn by its name. The arguments are
    JSON. Options: priority ("high", "medium", "low" or an int, lower is more
    urgent), name, burst_ms, tickets, cpu_limit_ms, timeout_ms.
wait(handle) -> the child's result
    Waits for a child to end and reaps it; raises osgrid.Error (with .code)
    if it failed. While it waits the task gives up its core.
getpid() -> this task's cluster-wide id
getppid() -> its parent's id ("peer-1/init" once reparented), or None

mem.get(key, default=None), mem.set(key, value), mem.delete(key)
    The key-value memory of the peer this task was submitted to.
Lock(name), Resource(name, instances), Semaphore(name, initial),
MessageQueue(name, capacity)
    Cluster-wide synchronisation objects the tracker owns (docs/sync.md):
    lock.acquire(timeout=None) / release(), res.request(n=1, timeout=None) /
    release(n=1), sem.wait(timeout=None) / signal(), q.send(message,
    timeout=None) / receive(timeout=None). A blocking call gives up the core
    while it waits; with a timeout (seconds) it returns False (receive raises
    osgrid.Error "TIMEOUT") when the time passes.

Errors: TypeError / ValueError for bad arguments, osgrid.Error for what the
peer refuses (e.g. code "LIMIT": too many children).
"""
import json as _json
import os as _os
import socket as _socket
import sys as _sys
import types as _types

CHANNEL_FD = 4        # the task's socket to its peer (zygote_protocol.h, kCallFd)
_CHUNK = 65535        # bytes of JSON per packet, after its flag byte
_OPTIONS = ("priority", "name", "burst_ms", "tickets", "cpu_limit_ms", "timeout_ms", "claims")

_channel = None       # the socket, opened at the first call
_program = None       # the task program's namespace (set by the bootstrap)


class Error(Exception):
    """A system call the peer refused or a child that failed; .code says which
    ("LIMIT", "NOT_FOUND", "TASK_FAILED", "TIMEOUT", "CANCELLED", ...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Handle:
    """A child task, as submit() returns it; .id is its cluster-wide task id."""

    __slots__ = ("id",)

    def __init__(self, task_id):
        self.id = task_id

    def __repr__(self):
        return f"<osgrid task {self.id}>"


def _open():
    global _channel
    if _channel is None:
        try:
            _channel = _socket.socket(fileno=_os.dup(CHANNEL_FD))
        except OSError as error:
            raise Error("UNAVAILABLE", "osgrid: this program is not running as a task on a peer "
                        f"(no channel on fd {CHANNEL_FD}: {error.strerror})") from None
    return _channel


def _encode(request):
    """The call as the bytes that go on the channel; TypeError/ValueError if not JSON."""
    return _json.dumps(request, allow_nan=False).encode()


def _exchange(request, data=None):
    """Sends one call (`data`: already encoded) and returns its reply, a dict."""
    channel = _open()
    if data is None:
        data = _encode(request)
    for start in range(0, max(len(data), 1), _CHUNK):
        end = start + _CHUNK
        channel.send((b"E" if end >= len(data) else b"M") + data[start:end])
    parts = []
    while True:
        packet = channel.recv(_CHUNK + 1)
        if not packet:
            raise Error("UNAVAILABLE", "osgrid: the peer closed the channel")
        parts.append(packet[1:])
        if packet[:1] == b"E":
            break
    return _json.loads(b"".join(parts))


_CLASS_OF = {"lock": "Lock", "resource": "Resource", "sem": "Semaphore", "queue": "MessageQueue"}


def _where(request):
    """The call as the program wrote it: "osgrid.submit", "osgrid.Lock.release"."""
    op = request.get("op")
    if request["call"] == "sync" and isinstance(op, str) and "." in op:
        kind, method = op.split(".", 1)
        return f"osgrid.{_CLASS_OF.get(kind, kind)}.{method}"
    return f"osgrid.{request['call']}"


def _check(request, reply):
    """The reply if it is ok; else the exception it stands for."""
    if not reply.get("ok"):
        code, message = reply.get("code", "INTERNAL"), reply.get("error", "the call failed")
        if code == "BAD_REQUEST":
            raise ValueError(f"{_where(request)}: {message}")
        raise Error(code, message)
    return reply


def _call(request):
    """Sends one call and returns its reply (a dict with "ok": true)."""
    return _check(request, _exchange(request))


def _function_name(fn):
    """The name a child calls fn by; TypeError if it cannot be called so."""
    if not isinstance(fn, _types.FunctionType):
        raise TypeError("osgrid.submit: fn must be a function defined with def at module level "
                        f"in this program, not {type(fn).__name__}")
    if fn.__name__ == "<lambda>":
        raise TypeError("osgrid.submit: a lambda cannot be submitted: the child runs this program "
                        "again and calls fn by its name, and a lambda has none; define it with def "
                        "at module level")
    if fn.__qualname__ != fn.__name__:
        raise TypeError(f"osgrid.submit: {fn.__qualname__} is defined inside another function or "
                        "class; the child can only call a function defined at module level in this "
                        "program")
    if _program is None or _program.get(fn.__name__) is not fn:
        raise TypeError(f"osgrid.submit: {fn.__name__} is not a module-level function of this "
                        "task's program (the child runs the same program and calls it by name)")
    return fn.__name__


def submit(fn, *args, **options):
    """Starts fn(*args) as a child task; returns its Handle. See the module's doc."""
    function = _function_name(fn)
    for key in options:
        if key not in _OPTIONS:
            raise TypeError(f"osgrid.submit: unknown option {key!r} (options: {', '.join(_OPTIONS)})")
    request = {"call": "submit", "function": function, "args": list(args), "options": options}
    try:
        data = _encode(request)  # once, before the channel: a bad argument fails here, on a peer or not
    except (TypeError, ValueError) as error:
        raise TypeError(f"osgrid.submit: the arguments of {function}() must be JSON (numbers, "
                        f"strings, lists, dicts, True, False, None): {error}") from None
    reply = _check(request, _exchange(request, data))
    return Handle(reply["task_id"])


def wait(handle):
    """Waits for the child `handle` (a Handle or a task id) to end and returns
    its result; what the child printed is printed here first."""
    task_id = handle.id if isinstance(handle, Handle) else handle
    if not isinstance(task_id, str):
        raise TypeError(f"osgrid.wait: expected a Handle from osgrid.submit, not {type(handle).__name__}")
    request = {"call": "wait", "task_id": task_id}
    reply = _exchange(request)
    if reply.get("stdout"):
        _sys.stdout.write(reply["stdout"])
    if reply.get("stderr"):
        _sys.stderr.write(reply["stderr"])
    return _check(request, reply).get("result")


def getpid():
    """This task's cluster-wide id, e.g. "peer-1/7"."""
    return _call({"call": "getpid"})["task_id"]


def getppid():
    """The parent task's id; "<peer>/init" once its parent ended; None for a task a client submitted."""
    return _call({"call": "getppid"})["task_id"]


class _Memory:
    """osgrid.mem: the key-value memory of the peer this task was submitted
    to, as `osgrid mem` reaches it (values are JSON)."""

    __slots__ = ()

    def get(self, key, default=None):
        """The value of `key`, or `default` when there is none."""
        reply = _call({"call": "mem.get", "key": _key(key)})
        return reply["value"] if reply.get("found") else default

    def set(self, key, value):
        """Stores `value` (JSON) under `key`. osgrid.Error "LIMIT" or
        "FRAGMENTATION" when the arena has no room (the old value stays)."""
        request = {"call": "mem.set", "key": _key(key), "value": value}
        try:
            data = _encode(request)
        except (TypeError, ValueError) as error:
            raise TypeError(f"osgrid.mem.set: the value must be JSON: {error}") from None
        _check(request, _exchange(request, data))

    def delete(self, key):
        """Deletes `key`; True if it was there."""
        return _call({"call": "mem.delete", "key": _key(key)})["found"]

    def __repr__(self):
        return "<osgrid.mem: the submitting peer's key-value memory>"


mem = _Memory()


def _key(key):
    if not isinstance(key, str):
        raise TypeError(f"osgrid.mem: a key must be a str, not {type(key).__name__}")
    return key


def _timeout_ms(timeout, call):
    """None (wait as long as it takes) or seconds >= 0, as whole ms."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"osgrid.{call}: timeout must be None or seconds >= 0, not {timeout!r}")
    return int(round(timeout * 1000))


def _sync(op, name, timeout=None, **fields):
    """One call on a cluster object; returns the reply (a dict)."""
    request = {"call": "sync", "op": op, "name": name}
    request.update({key: value for key, value in fields.items() if value is not None or key == "message"})
    timeout_ms = _timeout_ms(timeout, op)
    if timeout_ms is not None:
        request["timeout_ms"] = timeout_ms
    return _call(request)


def _name(name, kind):
    if not isinstance(name, str):
        raise TypeError(f"osgrid.{kind}: name must be a str, not {type(name).__name__}")
    return name


class Lock:
    """A cluster-wide mutex with an owner (Silberschatz 6.5): only the task
    that acquired it may release it; not recursive. `with lock:` works."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = _name(name, "Lock")

    def acquire(self, timeout=None):
        """Waits for the lock; True once held, False if `timeout` s passed first."""
        return _sync("lock.acquire", self.name, timeout)["granted"]

    def release(self):
        """Releases it; ValueError if this task does not hold it."""
        _sync("lock.release", self.name)

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False

    def __repr__(self):
        return f"<osgrid.Lock {self.name!r}>"


class Resource:
    """A resource type with `instances` instances, held per task (Silberschatz
    8.3); Banker's algorithm and multi-instance detection work on these."""

    __slots__ = ("name", "instances")

    def __init__(self, name, instances):
        self.name = _name(name, "Resource")
        if isinstance(instances, bool) or not isinstance(instances, int) or instances < 1:
            raise ValueError(f"osgrid.Resource: instances must be an int >= 1, not {instances!r}")
        self.instances = instances

    def request(self, n=1, timeout=None):
        """Waits until `n` more instances are this task's; False on timeout."""
        return _sync("resource.request", self.name, timeout, count=n, instances=self.instances)["granted"]

    def release(self, n=1):
        """Gives back `n` instances; ValueError if it holds fewer."""
        _sync("resource.release", self.name, count=n, instances=self.instances)

    def __repr__(self):
        return f"<osgrid.Resource {self.name!r} of {self.instances}>"


class Semaphore:
    """A counting semaphore with no owner (Silberschatz 6.6): wait() = P,
    signal() = V; signal without a prior wait is legal."""

    __slots__ = ("name", "initial")

    def __init__(self, name, initial):
        self.name = _name(name, "Semaphore")
        if isinstance(initial, bool) or not isinstance(initial, int):
            raise TypeError(f"osgrid.Semaphore: initial must be an int, not {type(initial).__name__}")
        self.initial = initial

    def wait(self, timeout=None):
        """P(): decrements, waiting while the value is 0; False on timeout."""
        return _sync("sem.wait", self.name, timeout, initial=self.initial)["granted"]

    def signal(self):
        """V(): increments, waking the longest waiter."""
        _sync("sem.signal", self.name, initial=self.initial)

    def __repr__(self):
        return f"<osgrid.Semaphore {self.name!r}>"


class MessageQueue:
    """A bounded mailbox of JSON messages (Silberschatz 3.7.4): send waits
    while it is full, receive while it is empty; FIFO."""

    __slots__ = ("name", "capacity")

    def __init__(self, name, capacity):
        self.name = _name(name, "MessageQueue")
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"osgrid.MessageQueue: capacity must be an int, not {type(capacity).__name__}")
        self.capacity = capacity

    def send(self, message, timeout=None):
        """Queues `message` (JSON), waiting while the queue is full; False on timeout."""
        try:
            _encode(message)
        except (TypeError, ValueError) as error:
            raise TypeError(f"osgrid.MessageQueue.send: the message must be JSON: {error}") from None
        return _sync("queue.send", self.name, timeout, capacity=self.capacity, message=message)["granted"]

    def receive(self, timeout=None):
        """The oldest message, waiting while there is none; osgrid.Error
        "TIMEOUT" when `timeout` s pass first."""
        reply = _sync("queue.receive", self.name, timeout, capacity=self.capacity)
        if not reply["granted"]:
            raise Error("TIMEOUT", f"osgrid.MessageQueue.receive: nothing came on {self.name!r} in {timeout} s")
        return reply.get("message")

    def __repr__(self):
        return f"<osgrid.MessageQueue {self.name!r} of {self.capacity}>"
)py";

/// __main__.osgrid_run_task and osgrid_run_call, borrowed; set by StartPython().
PyObject* run_task_function = nullptr;
PyObject* run_call_function = nullptr;

/// A new Python str from `text`; nullptr with a Python error set on failure.
PyObject* NewString(const std::string& text) {
  return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

/// Creates the module `osgrid` in sys.modules from kOsgridModule.
bool MakeOsgridModule() {
  PyObject* module = PyImport_AddModule("osgrid");  // borrowed; registered in sys.modules
  if (module == nullptr) return false;
  PyObject* globals = PyModule_GetDict(module);  // borrowed
  if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) != 0) return false;
  PyObject* code = Py_CompileString(kOsgridModule, kOsgridModuleFile, Py_file_input);
  PyObject* outcome = code != nullptr ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_XDECREF(code);
  Py_XDECREF(outcome);
  return outcome != nullptr;
}

}  // namespace

std::optional<TaskInput> ParseTaskInput(const std::string& text, bool with_program) {
  Json task = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  bool well_formed = task.is_object() && (!with_program || (task.contains("program") && task["program"].is_string())) &&
                     task.contains("function") && task["function"].is_string() && task.contains("args") &&
                     task["args"].is_array();
  if (!well_formed) {
    std::fprintf(stderr,
                 "osgrid-task: stdin is not a task object "
                 "{\"program\": str, \"function\": str, \"args\": array}\n");
    return std::nullopt;
  }
  std::string program = with_program ? task["program"].get<std::string>() : "";
  return TaskInput{std::move(program), task["function"].get<std::string>(), task["args"].dump()};
}

std::string StandardLibraryProblem(const std::string& stdlib) {
  std::string landmark = stdlib + "/os.py";
  if (access(landmark.c_str(), R_OK) == 0) return "";
  return "cannot read " + landmark + ": " + std::strerror(errno) + ". It is part of the standard library in " + stdlib +
         " of Python " + kPythonVersion + " (home " + kPythonHome +
         "), the Python this osgrid-task was built against; if that Python was removed or moved, rebuild "
         "osgrid against one that exists (docs/toolchain.md)";
}

PythonHome FindPythonHome() {
  PythonHome build{kPythonHome, kPythonStdlib, false};
  std::error_code error;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return build;
  const std::filesystem::path home = program.parent_path().parent_path() / "lib" / "osgrid" / "python";
  // The build's stdlib folder name ("python3.11"): the bundled copy must be the same version.
  const std::string version_folder = std::filesystem::path(kPythonStdlib).filename().string();
  const std::filesystem::path stdlib = home / "lib" / version_folder;
  if (access((stdlib / "os.py").c_str(), R_OK) != 0) return build;
  return PythonHome{home.lexically_normal().string(), stdlib.lexically_normal().string(), true};
}

bool StartPython() {
  const PythonHome python = FindPythonHome();
  if (std::string problem = StandardLibraryProblem(python.stdlib); !problem.empty()) {
    std::fprintf(stderr, "osgrid-task: %s\n", problem.c_str());
    return false;
  }
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.utf8_mode = 1;  // str <-> bytes as UTF-8 whatever the locale
  PyStatus status = Py_PreInitialize(&preconfig);
  if (!PyStatus_Exception(status)) {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.write_bytecode = 0;  // never write __pycache__ files
    status = PyConfig_SetBytesString(&config, &config.home, python.home.c_str());
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
  }
  if (PyStatus_Exception(status)) {
    std::fprintf(stderr, "osgrid-task: cannot start Python %s (home %s): %s\n", kPythonVersion, python.home.c_str(),
                 status.err_msg != nullptr ? status.err_msg : "unknown error");
    return false;
  }
  if (!MakeOsgridModule()) {
    PyErr_Print();
    std::fprintf(stderr, "osgrid-task: the osgrid module did not load (Python %s)\n", kPythonVersion);
    return false;
  }
  PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));  // borrowed
  PyObject* code = Py_CompileString(kBootstrap, kBootstrapFile, Py_file_input);
  PyObject* outcome = code != nullptr ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_XDECREF(code);
  Py_XDECREF(outcome);
  run_task_function = outcome != nullptr ? PyDict_GetItemString(globals, "osgrid_run_task") : nullptr;
  run_call_function = outcome != nullptr ? PyDict_GetItemString(globals, "osgrid_run_call") : nullptr;
  if (run_task_function == nullptr || run_call_function == nullptr) {
    if (PyErr_Occurred() != nullptr) PyErr_Print();
    std::fprintf(stderr, "osgrid-task: the bootstrap did not start (Python %s, home %s)\n", kPythonVersion,
                 python.home.c_str());
    return false;
  }
  return true;
}

EmbeddedPython DescribePython() {
  EmbeddedPython python;
  std::string version = Py_GetVersion();  // "3.11.7 (main, Dec  8 2023, ...) [GCC 12.2.0]"
  python.version = version.substr(0, version.find(' '));
  PyObject* prefix = PySys_GetObject("prefix");  // borrowed
  const char* utf8 = prefix != nullptr ? PyUnicode_AsUTF8(prefix) : nullptr;
  if (utf8 != nullptr) python.home = utf8;
  PyErr_Clear();
  return python;
}

namespace {

/// Calls `entry` (osgrid_run_task or osgrid_run_call) with the program (None
/// without one), the function's name and the arguments' JSON text; returns
/// its message, or nullopt after printing the Python error.
std::optional<std::string> CallBootstrap(PyObject* entry, const TaskInput& task, bool with_program) {
  PyObject* program = with_program ? NewString(task.program) : Py_NewRef(Py_None);
  PyObject* function = program != nullptr ? NewString(task.function) : nullptr;
  PyObject* args = function != nullptr ? NewString(task.args_json) : nullptr;
  PyObject* message = args != nullptr ? PyObject_CallFunctionObjArgs(entry, program, function, args, nullptr) : nullptr;
  Py_XDECREF(program);
  Py_XDECREF(function);
  Py_XDECREF(args);
  std::optional<std::string> text;
  Py_ssize_t size = 0;
  const char* utf8 = message != nullptr ? PyUnicode_AsUTF8AndSize(message, &size) : nullptr;
  if (utf8 != nullptr) text.emplace(utf8, static_cast<std::size_t>(size));
  Py_XDECREF(message);
  if (!text) PyErr_Print();
  return text;
}

}  // namespace

std::optional<std::string> RunPythonTask(const TaskInput& task) {
  return CallBootstrap(run_task_function, task, /*with_program=*/true);
}

std::optional<CallMessage> RunPythonCall(const TaskInput& task, bool first) {
  std::optional<std::string> text = CallBootstrap(run_call_function, task, first);
  if (!text) return std::nullopt;
  constexpr std::string_view kNext = ",\"next\":true}";
  const bool next =
      text->size() >= kNext.size() && text->compare(text->size() - kNext.size(), kNext.size(), kNext) == 0;
  return CallMessage{std::move(*text), next};
}

void WarmUpPython() {
  // The task's stdin as the peer writes it, so that reading it is warm too.
  std::optional<TaskInput> sample = ParseTaskInput(R"({"args":[7,{"a":[1,2.5,"x",null,true]}],"function":"main",)"
                                                   R"("program":"def main(x, table):\n    return [x * x, table]\n"})");
  if (sample) RunPythonTask(*sample);
}

}  // namespace osgrid::peer
