// Private to `osgrid sim deadlock`: its options, and turning them (or a state
// file, or a seed) into the os/ inputs. See docs/sim/deadlock.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../topic.h"
#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/deadlock/resource_graph.h"

namespace osgrid::sim::deadlock {

/// The command's own options, as typed (the common ones are in CommonOptions).
struct Options {
  bool banker = false;                    // --banker
  bool detect = false;                    // --detect
  bool graph = false;                     // --graph
  bool recover = false;                   // --recover
  std::string available;                  // -a, --available "3,3,2"
  std::string total;                      // -t, --total "10,5,7"
  std::string max;                        // -M, --max "7,5,3;3,2,2;..."
  std::string allocation;                 // -A, --allocation
  std::vector<std::string> requests;      // -r, --request "P1:1,0,2" (repeatable)
  std::string request_matrix;             // -R, --request-matrix (detection)
  std::string edges;                      // -e, --edges "P1->R1,R1->P2"
  std::string wait_for;                   // -w, --wait-for "P1->P2,P2->P1"
  std::string instances;                  // -i, --instances "R2=2,R4=3"
  std::string names;                      // --names "A,B,C"
  std::string file;                       // -f, --file
  std::optional<std::int64_t> processes;  // -n, --processes (with -s)
  std::optional<std::int64_t> resources;  // -m, --resources (with -s)
};

enum class Mode { kBanker, kDetect, kGraph };

/// One --request: process index and the vector asked for.
struct Request {
  std::size_t process = 0;
  os::ResourceVector amounts;
};

/// A Banker's problem: the state and the requests to try in order.
struct BankerProblem {
  os::BankerState state;
  std::vector<Request> requests;
};

/// A graph problem: a resource-allocation graph, or a bare wait-for graph.
struct GraphProblem {
  bool is_wait_for = false;
  os::ResourceGraph rag;      // when !is_wait_for
  os::WaitForGraph wait_for;  // when is_wait_for
};

/// Fills the options the user left empty from the state file `options.file`
/// (format in docs/sim/deadlock.md). Errors name the file line.
Status LoadStateFile(Options& options);

/// The mode: at most one of --banker/--detect/--graph, else inferred
/// (--edges/--wait-for -> graph, --request-matrix -> detect, else banker).
Result<Mode> ChooseMode(const Options& options);

/// Each builder validates everything it parses (BadInput on error); with a
/// seed and no explicit input, it generates a random problem instead.
Result<BankerProblem> BuildBanker(const Options& options, const CommonOptions& common);
Result<os::DetectionState> BuildDetection(const Options& options, const CommonOptions& common);
Result<GraphProblem> BuildGraph(const Options& options, const CommonOptions& common);

}  // namespace osgrid::sim::deadlock
