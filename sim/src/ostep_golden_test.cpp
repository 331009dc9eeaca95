// `osgrid sim TOPIC ARGS --ostep` prints exactly what OSTEP's homework
// simulator printed for the same ARGS. The outputs were recorded from the
// upstream simulators (remzi-arpacidusseau/ostep-homework) by
// `scripts/compare-ostep OSTEP_DIR --golden`, which also compares hundreds
// of seeds per simulator; only their outputs are kept here, in
// tests/golden/ostep/TOPIC/NN.args (one line of arguments) and NN.out.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "osgrid/sim/sim.h"

namespace osgrid::sim {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<std::string> Words(const std::string& line) {
  std::istringstream stream(line);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

/// The first line where the two texts differ, for the failure message.
std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected), b(actual);
  std::string x, y;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, x)), more_b = static_cast<bool>(std::getline(b, y));
    if (!more_a && !more_b) return "the texts differ only in their last newline";
    if (!more_a || !more_b || x != y) {
      return "line " + std::to_string(line) + ":\n  OSTEP:  " + (more_a ? x : "(end)") +
             "\n  osgrid: " + (more_b ? y : "(end)");
    }
  }
}

TEST_CASE("osgrid sim --ostep prints OSTEP's output byte for byte (recorded golden outputs)", "[cli][sim][ostep]") {
  const fs::path root = fs::path(OSGRID_SOURCE_DIR) / "tests" / "golden" / "ostep";
  REQUIRE(fs::is_directory(root));
  int checked = 0;
  for (const fs::directory_entry& topic : fs::directory_iterator(root)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(topic.path())) {
      if (entry.path().extension() != ".args") continue;
      std::vector<std::string> args = Words(ReadFile(entry.path()));
      const std::string expected = ReadFile(fs::path(entry.path()).replace_extension(".out"));
      args.insert(args.begin(), topic.path().filename().string());
      args.push_back("--ostep");
      Outcome outcome = RunSim(args);
      std::string command = "osgrid sim";
      for (const std::string& word : args) command += " " + word;
      INFO(command);
      REQUIRE(outcome.ok());
      INFO(FirstDifference(expected, outcome->text));
      CHECK(outcome->text == expected);
      ++checked;
    }
  }
  CHECK(checked >= 24);
}

}  // namespace
}  // namespace osgrid::sim
