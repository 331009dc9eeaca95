// Resource vectors and matrices; see resource_vector.h.
// Source: Silberschatz 10e, 8.6.3 (Available, Max, Allocation, Need and the
// vector order X <= Y).
#include "osgrid/os/deadlock/resource_vector.h"

namespace osgrid::os {

std::string ProcessName(std::size_t process) { return "P" + std::to_string(process); }

std::string ResourceName(std::size_t resource, const std::vector<std::string>& names) {
  if (resource < names.size()) return names[resource];
  if (resource < 26) return std::string(1, static_cast<char>('A' + resource));
  return "R" + std::to_string(resource);
}

bool LessOrEqual(const ResourceVector& x, const ResourceVector& y) {
  for (std::size_t j = 0; j < x.size(); ++j) {
    if (x[j] > y[j]) return false;
  }
  return true;
}

void AddTo(ResourceVector& x, const ResourceVector& y) {
  for (std::size_t j = 0; j < x.size(); ++j) x[j] += y[j];
}

void SubtractFrom(ResourceVector& x, const ResourceVector& y) {
  for (std::size_t j = 0; j < x.size(); ++j) x[j] -= y[j];
}

bool IsZero(const ResourceVector& x) {
  for (std::int64_t value : x) {
    if (value != 0) return false;
  }
  return true;
}

std::string FormatVector(const ResourceVector& x) {
  std::string text = "(";
  for (std::size_t j = 0; j < x.size(); ++j) {
    if (j > 0) text += ", ";
    text += std::to_string(x[j]);
  }
  return text + ")";
}

std::optional<InputError> CheckVector(const ResourceVector& vector, std::size_t m, const std::string& what,
                                      const std::vector<std::string>& names) {
  if (vector.size() != m) {
    return Fail(what + " has " + std::to_string(vector.size()) + " values but there are " + std::to_string(m) +
                " resource types");
  }
  for (std::size_t j = 0; j < m; ++j) {
    if (vector[j] < 0) {
      return Fail(what + ": " + ResourceName(j, names) + " is " + std::to_string(vector[j]) + ", must be >= 0");
    }
  }
  return std::nullopt;
}

std::optional<InputError> CheckMatrix(const ResourceMatrix& matrix, std::size_t n, std::size_t m,
                                      const std::string& what, const std::string& expected_rows_from,
                                      const std::vector<std::string>& names) {
  if (matrix.size() != n) {
    return Fail(what + " has " + std::to_string(matrix.size()) + " rows but " + expected_rows_from + " has " +
                std::to_string(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (auto error = CheckVector(matrix[i], m, what + " row " + ProcessName(i), names)) return error;
  }
  return std::nullopt;
}

ResourceVector ColumnSums(const ResourceMatrix& matrix, std::size_t m) {
  ResourceVector sums(m, 0);
  for (const ResourceVector& row : matrix) AddTo(sums, row);
  return sums;
}

}  // namespace osgrid::os
