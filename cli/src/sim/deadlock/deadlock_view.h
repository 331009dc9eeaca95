// Private to `osgrid sim deadlock`: the problem and answer texts (80 columns)
// and the SVG pictures (resource-allocation graph, wait-for graph, tables).
#pragma once

#include <string>
#include <vector>

#include "deadlock_input.h"
#include "osgrid/os/deadlock/banker.h"
#include "osgrid/os/deadlock/detection.h"
#include "osgrid/os/deadlock/recovery.h"
#include "osgrid/os/deadlock/resource_graph.h"

namespace osgrid::cli::sim::deadlock {

/// "A", "B", ... or the given names, for m resource types.
std::vector<std::string> ResourceLabels(const std::vector<std::string>& names, std::size_t m);

std::string BankerProblemText(const os::BankerState& state, const std::vector<Request>& requests);
std::string SafetyAnswerText(const os::BankerState& state, const os::SafetyResult& safety);
std::string RequestAnswerText(std::size_t number, std::size_t process, const os::ResourceVector& amounts,
                              const os::RequestResult& result);

std::string DetectionProblemText(const os::DetectionState& state, bool recover);
std::string DetectionAnswerText(const os::DetectionState& state, const os::DetectionResult& result);
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

}  // namespace osgrid::cli::sim::deadlock
