// osgrid-task: one task process. Embedded CPython runs one program and exits.
//
// The peer's Executor starts this program once per task (see
// peer/include/osgrid/peer/executor.h) with four pipes:
//   fd 0  stdin   the task, as one JSON object {"program", "function", "args"}
//   fd 1  stdout  the program's prints
//   fd 2  stderr  the program's warnings and errors
//   fd 3  result  exactly one JSON object, written by the bootstrap below:
//                 {"ok":true,"result":...} or
//                 {"ok":false,"error":"<one line>","traceback":"<text>"}
// It exits 0 once the result is written, even when the task itself failed;
// any other ending (a signal, os._exit(3)) tells the peer the process died.
//
// Usage: osgrid-task [TASK_ID [PARENT_PID]]
//   TASK_ID only names the process in `ps`; PARENT_PID lets the task notice a
//   peer that died before it could set PR_SET_PDEATHSIG. To try it by hand:
//   echo '{"program":"def main(x): return x*x","function":"main","args":[5]}' |
//     osgrid-task 3>&1
#include <Python.h>  // first, as the CPython docs ask

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;

// Debian's python3.11: the stdlib lives in /usr/lib/python3.11. The build pins
// the same Python (-DPython3_ROOT_DIR=/usr, see docs/toolchain.md).
constexpr const wchar_t* kPythonHome = L"/usr";

// The file name the bootstrap runs under; the bootstrap hides its own frames
// from task tracebacks by this name, so keep the two in step.
constexpr const char* kBootstrapFile = "<osgrid-bootstrap>";

// The bootstrap: the Python half of osgrid-task. It runs in __main__, with
// three globals set by RunBootstrap() below.
constexpr const char* kBootstrap = R"py(
# Runs one task and reports it on fd 3. Set by osgrid-task before we start:
#   TASK_PROGRAM   the program's source (str)
#   TASK_FUNCTION  the name of the function to call (str)
#   TASK_ARGS      the positional arguments, as JSON text of an array (str)
import json
import linecache
import os
import sys
import traceback

RESULT_FD = 3                             # the result pipe to the peer
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


def load_program():
    """Compiles and runs the program in a fresh namespace; returns the namespace."""
    # Register the source so that tracebacks can quote the lines of <task>.
    linecache.cache[TASK_FILE] = (len(TASK_PROGRAM), None,
                                  TASK_PROGRAM.splitlines(True), TASK_FILE)
    code = compile(TASK_PROGRAM, TASK_FILE, "exec")
    namespace = {"__name__": "__task__"}
    exec(code, namespace)
    return namespace


def run_task():
    """Runs the task; returns the text of the one message for fd 3."""
    try:
        namespace = load_program()
    except BaseException as error:        # SystemExit too: the task failed
        return failure_from(error)
    if TASK_FUNCTION not in namespace:
        return failure(f"program defines no function {TASK_FUNCTION!r}")
    function = namespace[TASK_FUNCTION]
    if not callable(function):
        kind = type(function).__name__
        return failure(f"program defines {TASK_FUNCTION!r}, but it is not callable (type {kind})")
    try:
        result = function(*json.loads(TASK_ARGS))
    except BaseException as error:
        return failure_from(error)
    try:
        # allow_nan=False: NaN and Infinity are not JSON, and the peer's parser refuses them.
        text = json.dumps(result, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        return failure(f"result of {TASK_FUNCTION}() is not JSON-serialisable: {error}")
    return '{"ok":true,"result":' + text + "}"


def flush_output():
    """Flushes what the program printed; it may have closed or replaced the streams."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


message = run_task()
flush_output()
with os.fdopen(RESULT_FD, "wb") as result_pipe:   # write() loops until all is written
    result_pipe.write(message.encode())
)py";

/// The task as the peer sent it on stdin.
struct TaskInput {
  std::string program;    // Python 3 source
  std::string function;   // the function to call
  std::string args_json;  // JSON text of an array of positional arguments
};

/// Makes this process die with the peer that started it. Returns false if the
/// peer is already gone (it died before the prctl took effect).
bool FollowParent(const char* parent_pid_text) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    std::perror("osgrid-task: prctl(PR_SET_PDEATHSIG)");
    return false;
  }
  if (parent_pid_text == nullptr) {
    return getppid() != 1;  // run by hand: only init adopting us means orphaned
  }
  return getppid() == static_cast<pid_t>(std::atol(parent_pid_text));
}

/// Reads `fd` to end of file. Returns nullopt on a read error.
std::optional<std::string> ReadAll(int fd) {
  std::string text;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t count = read(fd, buffer, sizeof buffer);
    if (count == 0) return text;
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return std::nullopt;
    text.append(buffer, static_cast<std::size_t>(count));
  }
}

/// Parses and checks the task JSON; nullopt (after a message on stderr) if bad.
std::optional<TaskInput> ParseTaskInput(const std::string& text) {
  Json task = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  bool well_formed = task.is_object() && task.contains("program") &&
                     task["program"].is_string() && task.contains("function") &&
                     task["function"].is_string() && task.contains("args") &&
                     task["args"].is_array();
  if (!well_formed) {
    std::fprintf(stderr, "osgrid-task: stdin is not a task object "
                         "{\"program\": str, \"function\": str, \"args\": array}\n");
    return std::nullopt;
  }
  return TaskInput{task["program"].get<std::string>(), task["function"].get<std::string>(),
                   task["args"].dump()};
}

/// Starts CPython isolated from the environment (no PYTHON* variables, no user
/// site-packages), in UTF-8 mode, with Debian's stdlib. Returns false (after a
/// message on stderr) on failure.
bool StartPython() {
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.utf8_mode = 1;  // str <-> bytes as UTF-8 whatever the locale
  PyStatus status = Py_PreInitialize(&preconfig);
  if (!PyStatus_Exception(status)) {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.write_bytecode = 0;  // never write __pycache__ files
    status = PyConfig_SetString(&config, &config.home, kPythonHome);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
  }
  if (PyStatus_Exception(status)) {
    std::fprintf(stderr, "osgrid-task: cannot start Python: %s\n",
                 status.err_msg != nullptr ? status.err_msg : "unknown error");
    return false;
  }
  return true;
}

/// Sets __main__.`name` to the Python str of `value`. False on error.
bool SetGlobal(PyObject* globals, const char* name, const std::string& value) {
  PyObject* text = PyUnicode_FromStringAndSize(value.data(), static_cast<Py_ssize_t>(value.size()));
  if (text == nullptr) return false;
  int failed = PyDict_SetItemString(globals, name, text);
  Py_DECREF(text);
  return failed == 0;
}

/// Runs the bootstrap on `task`. False if the bootstrap itself failed (the
/// Python error is printed on stderr); a failing task is still a success here.
bool RunBootstrap(const TaskInput& task) {
  PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));  // borrowed
  bool ready = SetGlobal(globals, "TASK_PROGRAM", task.program) &&
               SetGlobal(globals, "TASK_FUNCTION", task.function) &&
               SetGlobal(globals, "TASK_ARGS", task.args_json);
  PyObject* code = ready ? Py_CompileString(kBootstrap, kBootstrapFile, Py_file_input) : nullptr;
  PyObject* outcome = code != nullptr ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_XDECREF(code);
  if (outcome == nullptr) {
    PyErr_Print();
    return false;
  }
  Py_DECREF(outcome);
  return true;
}

int RunTask(int argc, char** argv) {
  // 1. Die with the peer, and give up if it is already gone.
  if (!FollowParent(argc > 2 ? argv[2] : nullptr)) return 1;

  // 2. Read and check the task.
  std::optional<std::string> input = ReadAll(STDIN_FILENO);
  if (!input) {
    std::perror("osgrid-task: reading stdin");
    return 2;
  }
  std::optional<TaskInput> task = ParseTaskInput(*input);
  if (!task) return 2;
  input.reset();  // the program can be megabytes; keep one copy

  // 3. Start Python and run the task; the bootstrap writes the result to fd 3.
  if (!StartPython()) return 3;
  return RunBootstrap(*task) ? 0 : 4;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_status = 4;
  try {
    exit_status = RunTask(argc, argv);
  } catch (const std::exception& error) {  // e.g. std::bad_alloc on a huge program
    std::fprintf(stderr, "osgrid-task: %s\n", error.what());
  }
  // 4. Leave without Py_FinalizeEx(): the result is written and the output
  // flushed, and a task's leftover threads or atexit hooks must not keep the
  // process alive past its result. The kernel frees the rest.
  std::fflush(stderr);
  _exit(exit_status);
}
