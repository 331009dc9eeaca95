// The Python half of a task process: embedded CPython 3.11 and the bootstrap
// that runs one task. Used by osgrid-task, both when it runs one task by hand
// and in the zygote, which starts CPython once and forks task processes.
#pragma once

#include <optional>
#include <string>

namespace osgrid::peer {

/// One task as the peer sends it on the task process's stdin.
struct TaskInput {
  std::string program;    // Python 3 source
  std::string function;   // the function to call
  std::string args_json;  // JSON text of an array of positional arguments
};

/// Parses and checks the task JSON {"program": str, "function": str, "args":
/// array}; nullopt (after a message on stderr) if it is not that. Without
/// `with_program` (a worker's later calls) "program" is absent: {"function",
/// "args"}, and TaskInput::program stays "".
std::optional<TaskInput> ParseTaskInput(const std::string& text, bool with_program = true);

/// "" if `stdlib` (a folder such as /usr/lib/python3.11) holds a standard
/// library, else a message naming the missing file and the Python the build
/// was configured with. StartPython() checks kPythonStdlib with it.
std::string StandardLibraryProblem(const std::string& stdlib);

/// Where CPython's files are: its home (PyConfig.home, later sys.prefix) and
/// its standard library, <home>/lib/python3.11.
struct PythonHome {
  std::string home;
  std::string stdlib;
  bool bundled = false;  // true: the copy next to this program, not the build's
};

/// The Python osgrid-task runs. A copy next to this program (/proc/self/exe)
/// wins: <its folder>/../lib/osgrid/python, when it holds a standard library
/// (an os.py); that is how a lab 05 bundle (`osgrid lab pack 05`) carries
/// Python 3.11 to a machine that has another. Otherwise (or when
/// /proc/self/exe cannot be read) the Python the build was configured with
/// (python_config.h).
PythonHome FindPythonHome();

/// Starts CPython isolated from the environment (no PYTHON* variables, no user
/// site-packages), in UTF-8 mode, with the home and standard library of
/// FindPythonHome, and defines the bootstrap's functions.
/// False (after a message on stderr) on failure.
bool StartPython();

/// The running interpreter, as the peer reports it.
struct EmbeddedPython {
  std::string version;  // "3.11.7"
  std::string home;     // sys.prefix: "/usr", "/root/.pyenv/versions/3.11.7"
};

/// Describes the interpreter StartPython() started.
EmbeddedPython DescribePython();

/// Runs `task` and returns the text of its one result message (see
/// executor.h): {"ok":true,"result":...} or {"ok":false,"error","traceback"}.
/// A failing task is still a message; nullopt only if the bootstrap itself
/// failed (the Python error is printed on stderr).
std::optional<std::string> RunPythonTask(const TaskInput& task);

/// One call run by a worker (zygote_protocol.h, Handoff::worker).
struct CallMessage {
  std::string text;   // the result message, as RunPythonTask's, plus "next"
  bool next = false;  // the process can run the job's next call
};
/// Runs one call of a worker's job. `first`: task.program is the job's
/// program, which is loaded and kept for the later calls; else the kept
/// program's function is called. The message says "next": true when this
/// process can take another call: the program loaded, and the call left no
/// thread, no child process and no closed standard stream behind.
/// nullopt as RunPythonTask.
std::optional<CallMessage> RunPythonCall(const TaskInput& task, bool first);

/// Runs a small sample task and throws its result away. A process forked from
/// the zygote shares its memory copy-on-write; the first task it runs copies
/// several hundred pages, which this does ahead of time, off the critical path.
/// The sample takes the path every successful task takes (its stdin parsed,
/// compile, exec, a call, JSON both ways) and no more: warming the traceback machinery too
/// made each warm child cost three times the CPU (about 60 ms instead of 20 on
/// these VMs, where a fresh page costs 15-20 us), for the failure path only.
void WarmUpPython();

}  // namespace osgrid::peer
