// Vectors and matrices of resource instances, as Silberschatz writes them.
//
// Source: Silberschatz, Operating System Concepts 10e, 8.6.3 "Banker's
// Algorithm": with n processes and m resource types, Available is a vector of
// length m and Max, Allocation, Need (and Request in 8.7.2) are n x m
// matrices; row i of a matrix is the vector of process Pi. X <= Y means
// X[j] <= Y[j] for every resource type j.
//
// Shared by the Banker's algorithm (banker.h), deadlock detection
// (detection.h), recovery (recovery.h) and resource-allocation graphs
// (resource_graph.h). Processes are numbered from 0 (P0, P1, ...) as in the
// book's examples; resource types are named A, B, C, ... unless the caller
// gives names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "osgrid/os/expected.h"

namespace osgrid::os {

/// Instances of each resource type, indexed by resource type (length m).
using ResourceVector = std::vector<std::int64_t>;
/// One ResourceVector per process (n rows of length m).
using ResourceMatrix = std::vector<ResourceVector>;

/// One step of the Work/Finish loop (8.6.3.1 and 8.7.2): process `process`
/// can finish, so it returns what it holds and Work becomes `work`.
struct WorkStep {
  std::size_t process = 0;
  ResourceVector wanted;  // its Need (Banker's) or Request (detection) at that moment
  ResourceVector work;    // Work after it released its Allocation
};

/// "P0", "P1", ...
std::string ProcessName(std::size_t process);

/// names[j] when given, else "A".."Z", then "R26", "R27", ...
std::string ResourceName(std::size_t resource, const std::vector<std::string>& names);

/// X <= Y in the book's sense: every component. Precondition: same length.
bool LessOrEqual(const ResourceVector& x, const ResourceVector& y);

/// x += y and x -= y, component by component. Precondition: same length.
void AddTo(ResourceVector& x, const ResourceVector& y);
void SubtractFrom(ResourceVector& x, const ResourceVector& y);

/// True when every component is 0.
bool IsZero(const ResourceVector& x);

/// "(3, 3, 2)".
std::string FormatVector(const ResourceVector& x);

/// Checks that `vector` has `m` entries, none negative. `what` names it in
/// the message ("Available", "P1's request"), e.g.
/// "Available has 2 values but there are 3 resource types" or
/// "Available: B is -1, must be >= 0".
std::optional<InputError> CheckVector(const ResourceVector& vector, std::size_t m, const std::string& what,
                                      const std::vector<std::string>& names);

/// Checks that `matrix` has `n` rows of `m` entries, none negative, e.g.
/// "Max has 4 rows but Allocation has 5" (`expected_rows_from` names the
/// matrix that fixed n) or "Allocation row P2 has 2 values but there are 3
/// resource types".
std::optional<InputError> CheckMatrix(const ResourceMatrix& matrix, std::size_t n, std::size_t m,
                                      const std::string& what, const std::string& expected_rows_from,
                                      const std::vector<std::string>& names);

/// The column sums of `matrix` (length m). Precondition: every row has length m.
ResourceVector ColumnSums(const ResourceMatrix& matrix, std::size_t m);

}  // namespace osgrid::os
