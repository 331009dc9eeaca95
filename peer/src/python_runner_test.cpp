// The embedded interpreter of osgrid-task (python_runner.cpp), without a
// zygote or a sandbox: the home the build was configured with must be the one
// CPython runs with, and its standard library must work.
#include "python_runner.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "python_config.h"

using osgrid::peer::kPythonHome;
using osgrid::peer::kPythonStdlib;
using Json = nlohmann::json;

namespace {

/// Starts CPython once per process (ctest runs each test case in its own, but
/// a plain run of this program runs them all in one).
void RequirePython() {
  static const bool started = osgrid::peer::StartPython();
  REQUIRE(started);
}

/// Runs `program`'s main() in the embedded interpreter; its result message.
Json RunMain(const std::string& program) {
  RequirePython();
  auto message = osgrid::peer::RunPythonTask({program, "main", "[]"});
  REQUIRE(message.has_value());
  return Json::parse(*message);
}

}  // namespace

TEST_CASE("the configured Python home reaches the interpreter", "[unit][python]") {
  INFO("configured home " << kPythonHome << ", stdlib " << kPythonStdlib);
  Json message = RunMain(
      "import sys\n"
      "def main():\n"
      "    return [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.version_info[:2]]\n");
  INFO(message.dump());
  REQUIRE(message["ok"] == true);
  CHECK(message["result"] == Json::array({kPythonHome, kPythonHome, kPythonHome, Json::array({3, 11})}));

  osgrid::peer::EmbeddedPython python = osgrid::peer::DescribePython();
  CHECK(python.home == kPythonHome);
  CHECK(python.version.rfind("3.11.", 0) == 0);
}

TEST_CASE("the standard library comes from the configured home", "[unit][python]") {
  Json message = RunMain(
      "import decimal, json, math, os\n"
      "def main():\n"
      "    return [os.path.dirname(os.__file__), os.path.dirname(json.__file__), math.isqrt(49),\n"
      "            str(decimal.Decimal('1.1') + decimal.Decimal('2.2'))]\n");
  INFO(message.dump());
  REQUIRE(message["ok"] == true);
  CHECK(message["result"] == Json::array({kPythonStdlib, std::string(kPythonStdlib) + "/json", 7, "3.3"}));
}

TEST_CASE("a missing standard library is reported with its path", "[unit][python]") {
  CHECK(osgrid::peer::StandardLibraryProblem(kPythonStdlib).empty());
  std::string problem = osgrid::peer::StandardLibraryProblem("/nonexistent/lib/python3.11");
  CHECK(problem.find("cannot read /nonexistent/lib/python3.11/os.py: No such file or directory") == 0);
  CHECK(problem.find(std::string("home ") + kPythonHome) != std::string::npos);
}

TEST_CASE("the osgrid module refuses what a child could not call, before any call", "[unit][python]") {
  Json message = RunMain(
      "import osgrid\n"
      "def ok(x):\n"
      "    return x\n"
      "def main():\n"
      "    def nested():\n"
      "        pass\n"
      "    out = []\n"
      "    for fn, args, options in [(lambda: 1, (), {}), (nested, (), {}), (len, (), {}),\n"
      "                              (ok, (float('nan'),), {}), (ok, (1,), {'colour': 1})]:\n"
      "        try:\n"
      "            osgrid.submit(fn, *args, **options)\n"
      "            out.append(None)\n"
      "        except TypeError as error:\n"
      "            out.append(str(error))\n"
      "    return out\n");
  INFO(message.dump(2));
  REQUIRE(message["ok"] == true);
  const Json& out = message["result"];
  REQUIRE(out.size() == 5);
  CHECK_THAT(out[0].get<std::string>(), Catch::Contains("a lambda cannot be submitted"));
  CHECK_THAT(out[1].get<std::string>(), Catch::Contains("main.<locals>.nested is defined inside another function"));
  CHECK_THAT(out[2].get<std::string>(), Catch::Contains("not builtin_function_or_method"));
  CHECK_THAT(out[3].get<std::string>(), Catch::Contains("must be JSON"));
  CHECK_THAT(out[4].get<std::string>(), Catch::Contains("unknown option 'colour'"));
}

TEST_CASE("outside a peer, a system call says the task has no channel", "[unit][python]") {
  Json message = RunMain(
      "import osgrid\n"
      "def main():\n"
      "    try:\n"
      "        osgrid.CHANNEL_FD = 987\n"
      "        osgrid.getpid()\n"
      "    except osgrid.Error as error:\n"
      "        return [error.code, str(error)]\n");
  INFO(message.dump());
  REQUIRE(message["ok"] == true);
  CHECK(message["result"][0] == "UNAVAILABLE");
  CHECK_THAT(message["result"][1].get<std::string>(), Catch::Contains("not running as a task on a peer"));
}
