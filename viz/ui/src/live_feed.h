// The network side of a live viewer: one thread that subscribes to the
// tracker (net::Client + net::Subscriber, as `osgrid events` does) and hands
// the snapshot and every event to the UI thread through the model's Inbox.
// The UI thread never waits on the network: it only reads status() and
// drains the inbox.
//
// The thread blocks in its read of the next event: it wakes for data, for
// the connection's end, or when the destructor shuts the connection down
// (net::Client::Shutdown), never on a timer while nothing happens. Items
// pushed less than 8 ms after the UI was last woken wait for more input at
// most until those 8 ms are up, and then wake it (see Follow).
//
// When the tracker cannot be reached, refuses our credential, or goes away
// (a restart), the thread says so in status(), logs it once to stderr, and
// tries again after a backoff of 0.25 s doubling up to 2 s; on success the
// new subscription's snapshot starts the picture afresh.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/net/status.h"
#include "osgrid/net/subscriber.h"
#include "osgrid/viz/inbox.h"

namespace osgrid::viz::ui {

/// Where to subscribe, and how to prove who we are.
struct LiveOptions {
  std::string host;
  std::uint16_t port = 0;
  net::ClientSecurity security;  // member secret, or observer secret, or none (an open cluster)
};

/// The connection as the window shows it.
struct LinkStatus {
  enum class State { kConnecting, kConnected, kDisconnected };
  State state = State::kConnecting;
  std::string message;         // kDisconnected: why, e.g. "cannot reach the tracker at 127.0.0.1:8888: ..."
  std::uint64_t attempts = 0;  // failed attempts since the last success (0 while connected)
  std::chrono::steady_clock::time_point since{};     // when the state began
  std::chrono::steady_clock::time_point retry_at{};  // kDisconnected: the next attempt
};

/// "connected to 127.0.0.1:8888", "DISCONNECTED: ... (retrying in 1.5 s)".
std::string DescribeLink(const LinkStatus& status, const LiveOptions& options);

class LiveFeed {
 public:
  /// Starts the network thread. `wake` is called (from that thread) after
  /// items are pushed, at most every few ms, to wake the UI's wait
  /// (glfwPostEmptyEvent). `inbox` must outlive the LiveFeed.
  LiveFeed(LiveOptions options, Inbox& inbox, std::function<void()> wake);
  /// Stops the thread and joins it: at once (a few ms) while it reads,
  /// subscribes or waits to retry; a connect under way is not interrupted
  /// (at most its 2 s timeout, for a host that does not answer).
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  /// The connection now. Any thread.
  LinkStatus status() const;
  const LiveOptions& options() const { return options_; }

 private:
  void Run();
  /// One connection, from connect to its end; returns why it ended.
  std::string Session();
  /// Subscribes on `client` and follows the stream until it ends; returns why.
  std::string Subscribe(net::Client& client);
  /// Hands every event to the inbox, waking the UI at most every 8 ms,
  /// until the stream ends; returns why it ended.
  std::string Follow(net::Client& client, net::Subscriber& subscriber);
  /// The words for a stream that ended with `status`.
  std::string WhyEnded(const Status& status) const;
  /// Makes `client` the connection the destructor shuts down; false (and
  /// nothing done) when the destructor has begun.
  bool Attach(net::Client& client);
  void Detach();
  void SetStatus(LinkStatus::State state, const std::string& message);
  /// Waits up to `duration` unless stopping; true when stopping.
  bool SleepFor(std::chrono::milliseconds duration);

  const LiveOptions options_;
  Inbox& inbox_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;          // guarded by mutex_
  net::Client* client_ = nullptr;  // the connection now, for the destructor to shut down; guarded by mutex_
  LinkStatus status_;              // guarded by mutex_
  std::string logged_;             // the last message logged (each is logged once until it changes); guarded by mutex_
  std::thread thread_;
};

}  // namespace osgrid::viz::ui
