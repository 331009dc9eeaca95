// Private to `osgrid sim deadlock`: the problem and answer texts (80 columns;
// the matrices written row by row into a TextOut) and the SVG pictures (resource-allocation graph, wait-for graph,
// tables).
#pragma once

#include <string>
#include <vector>

#include "../out.h"
#include "deadlock_input.h"
#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/deadlock/recovery.h"
#include "osgrid/os/deadlock/resource_graph.h"

namespace osgrid::sim::deadlock {

/// "A", "B", ... or the given names, for m resource types.
std::vector<std::string> ResourceLabels(const std::vector<std::string>& names, std::size_t m);

/// What the answer to one request shows (8.6.3.2); the state it leaves is not kept.
struct RequestAnswer {
  os::RequestDecision decision = os::RequestDecision::kWait;
  std::string reason;                 // RequestResult::reason
  std::vector<std::size_t> sequence;  // the safety check's: the new safe sequence, or the processes that could finish
  os::ResourceVector tentative_available;  // Available had it been granted (the safety check's initial Work)
  os::ResourceVector available;            // Available after the request
};

/// The matrices and the question; `need` is os::NeedMatrix(state).
void WriteBankerProblem(TextOut& out, const os::BankerState& state, const os::ResourceMatrix& need,
                        const std::vector<Request>& requests);
/// The safety algorithm step by step, and the answer.
void WriteSafetyAnswer(TextOut& out, const os::BankerState& state, const os::ResourceMatrix& need,
                       const os::SafetyResult& safety);
std::string RequestAnswerText(std::size_t number, std::size_t process, const os::ResourceVector& amounts,
                              const RequestAnswer& answer);

void WriteDetectionProblem(TextOut& out, const os::DetectionState& state, bool recover);
void WriteDetectionAnswer(TextOut& out, const os::DetectionState& state, const os::DetectionResult& result);
/// The victims; `names` are the process names (empty: P0, P1, ...), `resources`
/// the resource names for what a victim releases (empty: a vector).
std::string RecoveryText(const os::RecoveryResult& recovery, const std::vector<std::string>& names,
                         const std::vector<std::string>& resources, bool show_released);

std::string GraphProblemText(const os::ResourceGraph& graph, bool recover);
std::string GraphAnswerText(const os::ResourceGraph& graph, const os::ResourceGraphVerdict& verdict,
                            const os::WaitForGraph& collapsed);
std::string WaitForProblemText(const os::WaitForGraph& graph, bool recover);
std::string WaitForAnswerText(const os::WaitForGraph& graph, const std::vector<std::string>& cycle,
                              const os::WaitForVerdict& verdict);

/// Pictures: processes are circles, resources squares with one dot per
/// instance; request and assignment edges are arrows, the cycle's in red.
std::string GraphSvg(const os::ResourceGraph& graph, const std::vector<std::string>& cycle);
std::string WaitForSvg(const os::WaitForGraph& graph, const std::vector<std::string>& cycle);
/// The matrices as a table, with the safe sequence (or the deadlocked set).
std::string BankerSvg(const os::BankerState& state, const os::SafetyResult& safety);
std::string DetectionSvg(const os::DetectionState& state, const os::DetectionResult& result);

}  // namespace osgrid::sim::deadlock
