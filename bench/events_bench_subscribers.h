// Subscribers for osgrid-events-bench: each one SUBSCRIBEs on a connection
// of its own (net::Client and net::Subscriber, blocking, on the caller's
// thread), then takes the socket over (Client::ReleaseSocket) and reads the
// stream on an io_context with large reads, many frames per read, so that
// 64 of them on one thread cost the machine little.
//
// Every frame is counted, and its seq is scanned out of the text without
// parsing it (a subscriber frame is DumpEvent's text: "type" first, then
// "seq"), so that a gap or a frame out of order is seen. One frame in
// `sample_every` is parsed whole (JSON + DecodeEvent, as a viewer would);
// if a peer sent it (its node is not "tracker"), its delay is the time it
// was read minus its `t`, which the simulated peers set from the same
// monotonic clock (events_bench_peers.h). An ERROR frame ends the stream:
// the tracker cut this subscriber off (LIMIT).
//
// Threads: Start() on any thread; reading on the thread that runs `io`. The
// counters may be read from any thread; delays_ms() only once `io` stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "osgrid/net/status.h"

namespace osgrid::bench {

struct SubscriberOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;            // the tracker's
  std::string name;                  // shown in the tracker's STATUS
  std::size_t queue_bytes = 0;       // the bound to ask for; 0: the tracker's default
  std::uint64_t sample_every = 100;  // parse one frame in this many whole
};

class CountingSubscriber {
 public:
  /// Subscribes (blocking) and starts reading on `io`, which must outlive
  /// the subscriber. Errors: those of Client::Connect, Subscriber::Start
  /// and Client::ReleaseSocket.
  static Result<std::unique_ptr<CountingSubscriber>> Start(boost::asio::io_context& io,
                                                           const SubscriberOptions& options);
  CountingSubscriber(const CountingSubscriber&) = delete;
  CountingSubscriber& operator=(const CountingSubscriber&) = delete;

  /// Events received so far. Thread-safe, as are the three below.
  std::uint64_t frames() const { return frames_seen_.load(std::memory_order_relaxed); }
  /// Events missed: the sum of the jumps in seq (a frame out of order counts one).
  std::uint64_t gaps() const { return gaps_seen_.load(std::memory_order_relaxed); }
  /// The tracker cut this subscriber off (an ERROR frame, LIMIT).
  bool cut_off() const { return cut_off_.load(); }
  /// Why the stream ended ("" while it runs): the tracker's ERROR, or the connection's end.
  std::string ended() const;

  /// Keeps the delays of the frames sampled from now on (until Record(false)).
  void Record(bool on) { recording_.store(on); }
  /// The delays kept, ms. REQUIRES: the thread running io has stopped.
  const std::vector<double>& delays_ms() const { return delays_ms_; }

 private:
  CountingSubscriber(boost::asio::io_context& io, int fd, std::uint64_t seq, std::uint64_t sample_every);

  void Read();
  void OnRead(const boost::system::error_code& ec, std::size_t bytes);
  /// Takes every whole frame in the buffer; keeps the part of the next one.
  void ConsumeFrames(double now_ms);
  void OnFrame(std::string_view payload, double now_ms);
  void Sample(std::string_view payload, double now_ms);
  void End(std::string why, bool cut_off);

  boost::asio::ip::tcp::socket socket_;
  const std::uint64_t sample_every_;
  std::vector<char> buffer_;  // received bytes: [0, filled_) hold whole frames, then part of one
  std::size_t filled_ = 0;
  std::uint64_t last_seq_;    // the seq of the last event read (the snapshot's at first)
  std::uint64_t frames_ = 0;  // io thread; published to frames_seen_ after each read
  std::uint64_t gaps_ = 0;
  std::uint64_t until_sample_;
  std::vector<double> delays_ms_;  // io thread

  std::atomic<std::uint64_t> frames_seen_{0};
  std::atomic<std::uint64_t> gaps_seen_{0};
  std::atomic<bool> recording_{false};
  std::atomic<bool> cut_off_{false};
  mutable std::mutex ended_mutex_;
  std::string ended_;  // guarded by ended_mutex_
};

}  // namespace osgrid::bench
