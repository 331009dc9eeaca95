// Names, configuration checks and the figures every heap allocator shares.
// Source: OSTEP ch. 17; Silberschatz 10e 9.2.2-9.2.3 (see allocator.h).
#include "osgrid/os/mem/allocator.h"

#include <array>
#include <utility>

namespace osgrid::os {
namespace {

constexpr std::int64_t kMaxHeapSize = std::int64_t{1} << 40;
constexpr std::int64_t kMaxBase = std::int64_t{1} << 60;

constexpr std::array<std::pair<FitPolicy, std::string_view>, 4> kPolicies{{{FitPolicy::kFirst, "FIRST"},
                                                                           {FitPolicy::kBest, "BEST"},
                                                                           {FitPolicy::kWorst, "WORST"},
                                                                           {FitPolicy::kNext, "NEXT"}}};

constexpr std::array<std::pair<ListOrder, std::string_view>, 5> kOrders{{{ListOrder::kAddrSort, "ADDRSORT"},
                                                                         {ListOrder::kSizeSortUp, "SIZESORT+"},
                                                                         {ListOrder::kSizeSortDown, "SIZESORT-"},
                                                                         {ListOrder::kInsertFront, "INSERT-FRONT"},
                                                                         {ListOrder::kInsertBack, "INSERT-BACK"}}};

}  // namespace

std::string_view FitPolicyName(FitPolicy policy) {
  for (const auto& [value, name] : kPolicies) {
    if (value == policy) return name;
  }
  return "?";
}

std::string_view ListOrderName(ListOrder order) {
  for (const auto& [value, name] : kOrders) {
    if (value == order) return name;
  }
  return "?";
}

Expected<FitPolicy> ParseFitPolicy(std::string_view name) {
  for (const auto& [value, known] : kPolicies) {
    if (known == name) return value;
  }
  return Fail("unknown fit policy '" + std::string(name) + "' (expected FIRST, BEST, WORST or NEXT)");
}

Expected<ListOrder> ParseListOrder(std::string_view name) {
  for (const auto& [value, known] : kOrders) {
    if (known == name) return value;
  }
  return Fail("unknown list order '" + std::string(name) +
              "' (expected ADDRSORT, SIZESORT+, SIZESORT-, INSERT-FRONT or INSERT-BACK)");
}

Expected<HeapConfig> ValidateHeapConfig(const HeapConfig& config) {
  if (config.size <= 0 || config.size > kMaxHeapSize) {
    return Fail("heap size must be between 1 and 2^40 bytes, got " + std::to_string(config.size));
  }
  if (config.base < 0 || config.base > kMaxBase) {
    return Fail("base address must be between 0 and 2^60, got " + std::to_string(config.base));
  }
  if (config.header_size < 0 || config.header_size > kMaxHeapSize) {
    return Fail("header size must be between 0 and 2^40 bytes, got " + std::to_string(config.header_size));
  }
  if (config.alignment != -1 && (config.alignment <= 0 || config.alignment > kMaxHeapSize)) {
    return Fail("alignment must be -1 (none) or between 1 and 2^40 bytes, got " + std::to_string(config.alignment));
  }
  return config;
}

std::int64_t BlockSizeFor(const HeapConfig& config, std::int64_t request) {
  std::int64_t size = request;
  if (config.alignment > 0 && size % config.alignment != 0) size += config.alignment - size % config.alignment;
  return size + config.header_size;
}

bool IsRestorableBlock(const HeapConfig& config, std::int64_t addr, std::int64_t block_size, std::int64_t requested) {
  if (block_size <= 0 || requested <= 0 || block_size > config.size || requested > config.size) return false;
  if (block_size < BlockSizeFor(config, requested)) return false;
  return addr >= config.base && addr - config.base <= config.size - block_size;
}

std::string_view AllocFailureName(AllocFailure failure) {
  switch (failure) {
    case AllocFailure::kNone:
      return "none";
    case AllocFailure::kBadSize:
      return "bad size";
    case AllocFailure::kNoSpace:
      return "no space";
    case AllocFailure::kFragmentation:
      return "external fragmentation";
  }
  return "?";
}

double ExternalFragmentation(std::int64_t largest_free_block, std::int64_t free_bytes) {
  if (free_bytes <= 0) return 0;
  return 1.0 - static_cast<double>(largest_free_block) / static_cast<double>(free_bytes);
}

HeapMetrics DeriveMetrics(HeapMetrics counters, std::int64_t heap_size, std::int64_t free_blocks,
                          std::int64_t largest_free_block) {
  HeapMetrics metrics = counters;
  metrics.heap_size = heap_size;
  metrics.free_bytes = heap_size - metrics.allocated_bytes;
  metrics.free_blocks = free_blocks;
  metrics.largest_free_block = largest_free_block;
  metrics.external_fragmentation = ExternalFragmentation(largest_free_block, metrics.free_bytes);
  metrics.internal_fragmentation = metrics.alignment_padding + metrics.header_bytes;
  return metrics;
}

}  // namespace osgrid::os
