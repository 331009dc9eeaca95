// Every tunable of osgrid in one place, with its default and unit (xv6 param.h).
// Programs expose each as a flag; some also read the environment variables of
// the earlier system osgrid grew from (TRACKER_PORT, HEARTBEAT_INTERVAL, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace osgrid::params {

inline constexpr int kProtocolVersion = 3;  // bumped on any incompatible wire change (3: hash after the data)

inline constexpr const char* kDefaultTrackerHost = "0.0.0.0";  // TRACKER_HOST
inline constexpr uint16_t kDefaultTrackerPort = 8888;          // TRACKER_PORT
inline constexpr uint16_t kDefaultPeerPort = 9000;             // PEER_PORT

inline constexpr std::size_t kMaxFrameBytes = 16u << 20;   // 16 MiB; --max-frame
inline constexpr std::size_t kChunkBytes = 1u << 20;       // 1 MiB: largest file chunk frame on the wire
inline constexpr std::size_t kStreamWindow = 16;           // chunk buffers per file stream, at each end
inline constexpr int kFileThreads = 2;                     // a server's threads for file I/O and fsync
inline constexpr int kMaxConnections = 1024;               // per server; --max-connections
inline constexpr std::size_t kSendQueueBytes = 64u << 20;  // per outgoing Connection: bytes queued, not yet sent

inline constexpr double kHeartbeatIntervalS = 10;  // HEARTBEAT_INTERVAL, seconds
inline constexpr double kPeerTimeoutS = 30;        // PEER_TIMEOUT, seconds without heartbeat
inline constexpr double kSocketTimeoutS = 30;      // SOCKET_TIMEOUT: a started frame must finish
inline constexpr double kTaskTimeoutS = 60;        // TASK_TIMEOUT: default per-task wall clock
inline constexpr double kTaskCpuLimitS = 30;       // TASK_CPU_LIMIT: default per-task CPU time (< the wall clock)

inline constexpr std::size_t kTaskOutputBytes = 64u << 10;    // stdout+stderr kept per task
inline constexpr std::size_t kResultBytes = 8u << 20;         // largest JSON result of a task
inline constexpr std::size_t kReadyQueueMax = 10000;          // tasks waiting per peer
inline constexpr std::size_t kBatchMax = 10000;               // tasks per CPU_BATCH
inline constexpr std::size_t kMaxForwards = 256;              // a peer's forwards in flight, --max-forwards
inline constexpr std::size_t kMemArenaBytes = 64u << 20;      // key-value store, --mem-arena
inline constexpr std::size_t kMaxKeyBytes = 256;              // key-value key length
inline constexpr std::uint64_t kDiskLimitBytes = 4ull << 30;  // file store, --disk-limit
inline constexpr std::size_t kMaxFileNameBytes = 255;

/// Reads a number of seconds from the environment; `fallback` when unset or
/// unparsable (a bad value is reported once on stderr, never fatal).
double EnvSeconds(const char* name, double fallback);
/// Reads a port from the environment; `fallback` when unset or invalid.
uint16_t EnvPort(const char* name, uint16_t fallback);
/// Reads a string from the environment; `fallback` when unset or empty.
std::string EnvString(const char* name, const std::string& fallback);

}  // namespace osgrid::params
