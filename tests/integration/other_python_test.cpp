// osgrid built against a Python 3.11 other than Debian's (issue 14): a pyenv
// or conda install, named by the environment variable
// OSGRID_TEST_PYTHON_PREFIX (e.g. /root/.pyenv/versions/3.11.7).
//
// The test configures a second build tree against that Python, builds
// osgrid-task there (the only program that links Python; the rest of osgrid
// does not depend on which one), and runs tasks on this build's osgrid-peer
// with that osgrid-task (--task-binary), under --sandbox strict and off.
//
// CI has only Debian's Python, so the test is hidden from the normal list
// ([.]); ctest runs it as `other_python_prefix`, which reports itself skipped
// when the variable is not set (tests/CMakeLists.txt).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "osgrid/net/messages.h"
#include "support.h"

using namespace osgrid;
using namespace osgrid::test;
namespace fs = std::filesystem;

namespace {

/// The tasks' program: imports from the standard library, one of them
/// (decimal, an extension module) not yet imported by the zygote, and lists
/// the folder the Python home lives in.
constexpr const char* kProgram =
    "import decimal, json, math, os, sys\n"
    "def main(home):\n"
    "    return {'prefix': sys.prefix, 'sqrt': math.sqrt(16), 'json': json.dumps({'a': [1, 2]}),\n"
    "            'decimal': str(decimal.Decimal('1.1') + decimal.Decimal('2.2')),\n"
    "            'beside': sorted(os.listdir(os.path.dirname(home)))}\n";

/// Writing into the Python home from a sandboxed task: the errno it gets.
constexpr const char* kWriteProgram =
    "import os\n"
    "def main(home):\n"
    "    try:\n"
    "        open(os.path.join(home, 'osgrid-was-here'), 'w')\n"
    "    except OSError as error:\n"
    "        return error.errno\n"
    "    return 'written'\n";

/// `prefix` without "..", "." or a trailing slash, as CMake prints it.
std::string NormalPrefix(const std::string& prefix) {
  std::string normal = fs::path(prefix).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

/// Configures a build tree against the Python at `prefix` (one tree per
/// prefix, under this build's folder, kept so that a second run is quick),
/// builds osgrid-task in it and returns its path.
std::string BuildTaskBinary(const std::string& prefix) {
  std::ostringstream name;
  name << std::hex << std::hash<std::string>{}(prefix);
  std::string build_dir = std::string(OSGRID_BINARY_DIR) + "/other-python/" + name.str();
  CommandResult configured = RunProgram(
      OSGRID_CMAKE_COMMAND,
      {"-S", OSGRID_SOURCE_DIR, "-B", build_dir, "-G", OSGRID_CMAKE_GENERATOR, "-DPython3_ROOT_DIR=" + prefix,
       "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DOSGRID_TESTS=OFF", "-DOSGRID_BENCH=OFF"},
      {}, {}, 600);
  INFO("cmake configure:\n" << configured.out << configured.err);
  REQUIRE(configured.exit_code == 0);
  CHECK(configured.out.find("-- osgrid: embedding Python 3.11.") != std::string::npos);
  REQUIRE(configured.out.find("(home " + prefix + ")") != std::string::npos);

  CommandResult built =
      RunProgram(OSGRID_CMAKE_COMMAND, {"--build", build_dir, "--target", "osgrid-task", "-j", "2"}, {}, {}, 1200);
  INFO("cmake --build:\n" << built.out << built.err);
  REQUIRE(built.exit_code == 0);
  return build_dir + "/bin/osgrid-task";
}

/// Runs `program`'s main(home) on the peer behind `client`; its result.
Json RunTask(net::Client& client, const std::string& program, const std::string& home) {
  Json task = net::TaskFields(program, "main", {home});
  task["type"] = "CPU_TASK";
  return MustCall(client, task)["result"];
}

}  // namespace

TEST_CASE("a peer embedding the Python of OSGRID_TEST_PYTHON_PREFIX runs tasks", "[.][other-python][integration]") {
  const char* variable = std::getenv("OSGRID_TEST_PYTHON_PREFIX");
  if (variable == nullptr || *variable == '\0') {
    WARN(
        "skipped: OSGRID_TEST_PYTHON_PREFIX is not set; set it to the prefix of a Python 3.11 "
        "other than /usr, e.g. OSGRID_TEST_PYTHON_PREFIX=$(pyenv prefix 3.11.7)");
    return;
  }
  std::string prefix = NormalPrefix(variable);
  INFO("OSGRID_TEST_PYTHON_PREFIX=" << variable);
  REQUIRE(fs::exists(prefix + "/include/python3.11/Python.h"));  // a Python 3.11 with its headers
  std::string task_binary = BuildTaskBinary(prefix);

  for (std::string mode : {"strict", "off"}) {
    INFO("--sandbox " << mode);
    TempDir temp;
    std::uint16_t port = FreePort();
    PeerProcess peer(
        {BinPath("osgrid-peer"), "--standalone", "--host", "127.0.0.1", "--port", std::to_string(port), "--cores", "1",
         "--sandbox", mode, "--storage", temp.path + "/storage", "--task-binary", task_binary},
        temp.path + "/peer.log");
    auto client = peer.Connect(port);
    Json sandbox = MustCall(*client, {{"type", "STATUS"}})["sandbox"];
    INFO("sandbox: " << sandbox.dump() << "\npeer log:\n" << peer.Log());
    REQUIRE(sandbox["mode"] == mode);
    if (mode == "strict") REQUIRE(sandbox["missing"] == "");
    CHECK(sandbox["python_home"] == prefix);
    CHECK(sandbox.value("python_version", "").rfind("3.11.", 0) == 0);

    Json result = RunTask(*client, kProgram, prefix);
    INFO("result: " << result.dump());
    CHECK(result["prefix"] == prefix);
    CHECK(result["sqrt"] == 4.0);
    CHECK(result["json"] == R"({"a": [1, 2]})");
    CHECK(result["decimal"] == "3.3");
    if (mode == "strict") {
      // The jail holds the home and nothing else of the folder it lives in,
      // and holds it read-only.
      CHECK(result["beside"] == Json::array({fs::path(prefix).filename().string()}));
      CHECK(RunTask(*client, kWriteProgram, prefix) == 30);  // EROFS
    }
  }
}
