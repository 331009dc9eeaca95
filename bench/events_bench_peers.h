// Simulated peers for osgrid-events-bench: each one is a net::Connection to
// the tracker that REGISTERs, sends HEARTBEATs at the interval the tracker
// announces, and sends the events of its tasks in EVENTS batches, as a real
// peer's tracker link does (peer/src/outbound.cpp), without running any.
//
// Every task goes through task.submitted, task.queued, task.running and
// task.finished (outcome ok, with wait, CPU and turnaround times), one task
// after another on each peer. An event's `t` is the sender's monotonic clock
// (bench_util.h SteadyNowMs) when its batch is built, less `t_origin_ms`: the
// tracker passes `t` through untouched, so a subscriber on this machine
// measures the delay from a peer's event to itself by reading the same clock.
// With t_origin_ms = the tracker's start on that clock, `t` is on the
// tracker's axis (ms since it started), as a real peer stamps it, and a
// viewer draws the simulated peers' tasks beside the tracker's own events.
//
// Two ways to offer load:
//   rate mode (rate > 0): every tick, the events due since the start at that
//     rate are spread over the peers, and each peer sends its share as one
//     EVENTS request, pipelined (a real peer never waits for the previous
//     batch either).
//   ceiling mode (rate = 0): each peer keeps `window` requests of `batch`
//     events in flight and sends the next when one is acknowledged, so the
//     tracker takes events as fast as it can.
//
// Threads: every method but counters() and first_error() runs on the one
// thread that runs `io` (or before it runs); the counters are atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "osgrid/net/status.h"

namespace osgrid::bench {

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;              // the tracker's
  int peers = 64;                      // named peer-1 .. peer-N
  double rate = 50000;                 // task events per second, all peers together; 0: ceiling mode
  std::chrono::milliseconds tick{10};  // rate mode: how often the peers send what they produced
  std::size_t batch = 100;             // ceiling mode: events per EVENTS request
  int window = 2;                      // ceiling mode: EVENTS requests in flight per peer
  double t_origin_ms = 0;              // an event's t = SteadyNowMs() - t_origin_ms
};

/// What the simulated peers did so far.
struct LoadCounters {
  std::atomic<std::uint64_t> registered{0};  // peers the tracker registered
  std::atomic<std::uint64_t> sent{0};        // events sent in EVENTS requests
  std::atomic<std::uint64_t> accepted{0};    // events the tracker acknowledged
  std::atomic<std::uint64_t> heartbeats{0};  // heartbeats acknowledged
  std::atomic<std::uint64_t> failures{0};    // requests that failed (refused, LIMIT, TIMEOUT, connection lost)
};

class SimulatedPeers {
 public:
  /// Peers of `options`, on `io` (which must outlive them); nothing is sent before Start().
  SimulatedPeers(boost::asio::io_context& io, LoadOptions options);
  /// Closes every connection; requests in flight are dropped.
  ~SimulatedPeers();
  SimulatedPeers(const SimulatedPeers&) = delete;
  SimulatedPeers& operator=(const SimulatedPeers&) = delete;

  /// Registers every peer; once all are, starts their heartbeats and events.
  void Start();
  /// Stops sending events and heartbeats (what is in flight still completes).
  void Stop();

  /// Waits (sleeping, from any thread but the io thread) until every peer
  /// is registered; false after `timeout`. Thread-safe.
  bool AwaitRegistered(std::chrono::milliseconds timeout) const;

  /// Thread-safe.
  const LoadCounters& counters() const { return counters_; }
  /// The first failure, e.g. "EVENTS: LIMIT: ..."; "" if none. Thread-safe.
  std::string first_error() const;

 private:
  struct Peer;

  void Register(Peer& peer, std::size_t index);
  void ScheduleHeartbeat(Peer& peer, std::chrono::milliseconds delay);
  void Heartbeat(Peer& peer);
  void StartEvents();
  void Tick();
  void SendEvents(Peer& peer, std::size_t count);
  void Fail(const char* what, const Status& status);

  boost::asio::io_context& io_;
  const LoadOptions options_;
  std::vector<std::unique_ptr<Peer>> peers_;
  boost::asio::steady_timer tick_timer_;
  std::chrono::steady_clock::time_point started_;  // rate mode: when events began
  std::uint64_t produced_ = 0;                     // rate mode: events produced since started_
  std::size_t next_peer_ = 0;                      // rate mode: the first peer of the next tick's share
  bool stopped_ = false;
  LoadCounters counters_;
  mutable std::mutex error_mutex_;
  std::string first_error_;  // guarded by error_mutex_
};

}  // namespace osgrid::bench
