// The network thread of a live viewer (live_feed.h).
#include "live_feed.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "osgrid/viz/event_log.h"

namespace osgrid::viz::ui {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{250};
constexpr milliseconds kMaxBackoff{2000};
constexpr milliseconds kConnect{2000};         // connect and handshake
constexpr milliseconds kSubscribe{5000};       // SUBSCRIBE's reply, with the snapshot
constexpr milliseconds kQuietTooLong{30'000};  // no whole frame for this long (each heartbeat makes one): reconnect
constexpr milliseconds kWakeEvery{8};          // wake the UI at most this often

/// Wakes the UI after items are pushed, at most every kWakeEvery. An item
/// pushed sooner after the last wake leaves a wake due, which the network
/// thread gives once it may, unless more items come first (Follow).
class WakeThrottle {
 public:
  explicit WakeThrottle(const std::function<void()>& wake) : wake_(wake) {}

  /// An item was pushed: wakes the UI now, or leaves a wake due.
  void Pushed() {
    if (Clock::now() - last_wake_ >= kWakeEvery) {
      Wake();
    } else {
      due_ = true;
    }
  }
  /// Whether pushed items wait for a wake.
  bool due() const { return due_; }
  /// How long until the wake due may be given, ms (0: now).
  milliseconds until_due() const {
    const auto left = std::chrono::ceil<milliseconds>(last_wake_ + kWakeEvery - Clock::now());
    return std::max(left, milliseconds(0));
  }
  void Wake() {
    if (wake_) wake_();
    last_wake_ = Clock::now();
    due_ = false;
  }

 private:
  const std::function<void()>& wake_;
  Clock::time_point last_wake_{};
  bool due_ = false;
};

/// What the user should read for a failed connect or subscribe.
std::string Explain(const Status& status, const LiveOptions& options) {
  const std::string where = options.host + ":" + std::to_string(options.port);
  switch (status.code()) {
    case Code::kAuth:
    case Code::kForbidden:
      return "the tracker at " + where + " refused our credential (" + status.message() +
             "); give --secret-file, --observer-secret-file or OSGRID_OBSERVER_SECRET";
    case Code::kUnavailable:
    case Code::kTimeout:
      return "cannot reach the tracker at " + where + ": " + status.message();
    default:
      return "the tracker at " + where + ": " + std::string(CodeName(status.code())) + ": " + status.message();
  }
}

}  // namespace

std::string DescribeLink(const LinkStatus& status, const LiveOptions& options) {
  const std::string where = options.host + ":" + std::to_string(options.port);
  switch (status.state) {
    case LinkStatus::State::kConnecting:
      return "connecting to " + where + "...";
    case LinkStatus::State::kConnected:
      return "connected to " + where;
    case LinkStatus::State::kDisconnected: {
      const double wait_s = std::max(0.0, std::chrono::duration<double>(status.retry_at - Clock::now()).count());
      char retry[48];
      std::snprintf(retry, sizeof retry, " (retrying in %.1f s)", wait_s);
      return "DISCONNECTED" + std::string(retry) + ": " + status.message;
    }
  }
  return "";
}

LiveFeed::LiveFeed(LiveOptions options, Inbox& inbox, std::function<void()> wake)
    : options_(std::move(options)), inbox_(inbox), wake_(std::move(wake)) {
  status_.since = Clock::now();
  thread_ = std::thread([this] { Run(); });
}

LiveFeed::~LiveFeed() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (client_ != nullptr) client_->Shutdown();  // a blocked read or wait returns at once
  }
  stop_signal_.notify_all();  // ends a backoff
  if (thread_.joinable()) thread_.join();
}

LinkStatus LiveFeed::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void LiveFeed::SetStatus(LinkStatus::State state, const std::string& message) {
  bool log = false;
  {
    std::lock_guard lock(mutex_);
    if (status_.state != state) status_.since = Clock::now();
    if (state == LinkStatus::State::kConnected) status_.attempts = 0;
    status_.state = state;
    status_.message = message;
    const std::string said = state == LinkStatus::State::kConnected ? "connected" : message;
    log = state != LinkStatus::State::kConnecting && said != logged_;
    if (log) logged_ = said;
  }
  if (log && state == LinkStatus::State::kDisconnected) std::fprintf(stderr, "osgrid-viz: %s\n", message.c_str());
  if (log && state == LinkStatus::State::kConnected) {
    std::fprintf(stderr, "osgrid-viz: subscribed to the tracker at %s:%u\n", options_.host.c_str(), options_.port);
  }
  if (wake_) wake_();
}

bool LiveFeed::SleepFor(milliseconds duration) {
  std::unique_lock lock(mutex_);
  return stop_signal_.wait_for(lock, duration, [this] { return stopping_; });
}

void LiveFeed::Run() {
  pthread_setname_np(pthread_self(), "viz-live-feed");  // for top -H and /proc/PID/task/*/comm
  milliseconds backoff = kFirstBackoff;
  for (;;) {
    SetStatus(LinkStatus::State::kConnecting, "");
    std::string why = Session();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (status_.state == LinkStatus::State::kConnected) backoff = kFirstBackoff;  // it had subscribed
      ++status_.attempts;
      status_.retry_at = Clock::now() + backoff;
    }
    SetStatus(LinkStatus::State::kDisconnected, why);
    if (SleepFor(backoff)) return;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

std::string LiveFeed::Session() {
  net::ClientOptions client_options;
  client_options.connect_timeout = kConnect;
  client_options.role = "client";
  client_options.node = "osgrid-viz";
  client_options.security = options_.security;
  auto client = net::Client::Connect(options_.host, options_.port, client_options);
  if (!client.ok()) return Explain(client.status(), options_);
  if (!Attach(**client)) return "stopping";
  std::string why = Subscribe(**client);
  Detach();
  return why;
}

std::string LiveFeed::Subscribe(net::Client& client) {
  auto subscriber = net::Subscriber::Start(client, {{}, 0, "osgrid-viz"}, kSubscribe);
  if (!subscriber.ok()) {
    return subscriber.status().code() == Code::kCancelled ? WhyEnded(subscriber.status())
                                                          : Explain(subscriber.status(), options_);
  }
  inbox_.PushSnapshot(subscriber->snapshot());
  SetStatus(LinkStatus::State::kConnected, "");
  return Follow(client, *subscriber);
}

std::string LiveFeed::Follow(net::Client& client, net::Subscriber& subscriber) {
  WakeThrottle throttle(wake_);
  for (;;) {
    // Items wait for the UI: wait for more input only until their wake is due.
    if (throttle.due() && client.AwaitInput(throttle.until_due()).code() == Code::kTimeout) {
      throttle.Wake();
      continue;
    }
    // Block in the read: data, the connection's end or a Shutdown ends it.
    auto event = subscriber.Next(kQuietTooLong);
    if (event.ok()) {
      inbox_.PushEvent(std::move(*event));
    } else if (event.status().code() == Code::kUnknownType) {
      inbox_.PushUnknown(UnknownEvent::FromJson(subscriber.last_json()));
    } else {
      return WhyEnded(event.status());
    }
    throttle.Pushed();
  }
}

std::string LiveFeed::WhyEnded(const Status& status) const {
  switch (status.code()) {
    case Code::kCancelled:
      return "stopping";  // the destructor's Shutdown
    case Code::kTimeout:
      return "the tracker sent nothing for " + std::to_string(kQuietTooLong.count() / 1000) + " s";
    default:
      return "lost the tracker at " + options_.host + ":" + std::to_string(options_.port) + ": " + status.message();
  }
}

bool LiveFeed::Attach(net::Client& client) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  client_ = &client;
  return true;
}

void LiveFeed::Detach() {
  std::lock_guard lock(mutex_);
  client_ = nullptr;
}

}  // namespace osgrid::viz::ui
