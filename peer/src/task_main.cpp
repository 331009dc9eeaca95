// osgrid-task: the task process binary. Two ways to run it:
//
//   osgrid-task --zygote --peer-pid PID [--sandbox strict|auto|off] [--tmp-bytes N]
//       What osgrid-peer starts, once: the zygote (zygote.cpp), which starts
//       CPython once and forks sandboxed task processes on request. fd 3 is
//       its socket to the peer.
//
//   osgrid-task [TASK_ID]
//       One task by hand, without a sandbox, for debugging:
//       echo '{"program":"def main(x): return x*x","function":"main","args":[5]}' |
//         osgrid-task 3>&1
//
// A task process has four descriptors:
//   fd 0  stdin   the task, as one JSON object {"program", "function", "args"}
//   fd 1  stdout  the program's prints
//   fd 2  stderr  the program's warnings and errors
//   fd 3  result  exactly one JSON object:
//                 {"ok":true,"result":...} or
//                 {"ok":false,"error":"<one line>","traceback":"<text>"},
//                 with "cpu_ms": the CPU time the program took
// It exits 0 once the result is written, even when the task itself failed;
// any other ending (a signal, os._exit(3)) tells the peer the process died.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fd_io.h"
#include "python_config.h"
#include "python_runner.h"
#include "zygote.h"

namespace {

using osgrid::peer::ParseSandboxMode;
using osgrid::peer::ZygoteConfig;

int Usage() {
  std::fprintf(stderr,
               "usage: osgrid-task --zygote --peer-pid PID [--sandbox strict|auto|off] [--tmp-bytes N]\n"
               "       osgrid-task [TASK_ID] < task.json 3>result.json\n"
               "       osgrid-task --python    (the Python tasks run: JSON {version, home, stdlib, bundled})\n");
  return 2;
}

/// Parses the zygote's flags; nullopt (after the usage text) if they are wrong.
std::optional<ZygoteConfig> ParseZygoteFlags(int argc, char** argv) {
  ZygoteConfig config;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value == nullptr) return std::nullopt;
    ++i;
    if (flag == "--peer-pid") {
      config.peer_pid = static_cast<pid_t>(std::atol(value));
    } else if (flag == "--sandbox") {
      auto mode = ParseSandboxMode(value);
      if (!mode) return std::nullopt;
      config.mode = *mode;
    } else if (flag == "--tmp-bytes") {
      config.tmp_bytes = std::strtoull(value, nullptr, 10);
    } else {
      return std::nullopt;
    }
  }
  if (config.peer_pid <= 0 || config.tmp_bytes == 0) return std::nullopt;
  return config;
}

/// One task by hand: stdin -> CPython -> fd 3.
int RunOneTask() {
  std::optional<std::string> input = osgrid::peer::ReadAll(STDIN_FILENO);
  if (!input) {
    std::perror("osgrid-task: reading stdin");
    return 2;
  }
  std::optional<osgrid::peer::TaskInput> task = osgrid::peer::ParseTaskInput(*input);
  if (!task) return 2;
  input.reset();  // the program can be megabytes; keep one copy
  if (!osgrid::peer::StartPython()) return 3;
  std::optional<std::string> message = osgrid::peer::RunPythonTask(*task);
  if (!message) return 4;
  if (!osgrid::peer::WriteAll(3, *message)) {
    std::perror("osgrid-task: writing the result to fd 3");
    return 4;
  }
  return 0;
}

/// `--python`: the Python this program runs tasks in, without starting it.
/// `osgrid lab pack` reads it to copy that standard library into a bundle.
int PrintPython() {
  const osgrid::peer::PythonHome python = osgrid::peer::FindPythonHome();
  const nlohmann::json description = {{"version", osgrid::peer::kPythonVersion},
                                      {"home", python.home},
                                      {"stdlib", python.stdlib},
                                      {"bundled", python.bundled}};
  std::printf("%s\n", description.dump().c_str());
  return std::fflush(stdout) == 0 ? 0 : 4;  // main leaves with _exit, which flushes nothing
}

int Main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--python") == 0) return PrintPython();
  if (argc > 1 && std::strcmp(argv[1], "--zygote") == 0) {
    std::optional<ZygoteConfig> config = ParseZygoteFlags(argc, argv);
    return config ? osgrid::peer::RunZygote(*config) : Usage();
  }
  if (argc > 1 && argv[1][0] == '-') return Usage();
  return RunOneTask();
}

}  // namespace

int main(int argc, char** argv) {
  int exit_status = 4;
  try {
    exit_status = Main(argc, argv);
  } catch (const std::exception& error) {  // e.g. std::bad_alloc on a huge program
    std::fprintf(stderr, "osgrid-task: %s\n", error.what());
  }
  // Leave without Py_FinalizeEx(): the result is written and the output
  // flushed, and a task's leftover threads or atexit hooks must not keep the
  // process alive past its result. The kernel frees the rest.
  std::fflush(stderr);
  _exit(exit_status);
}
