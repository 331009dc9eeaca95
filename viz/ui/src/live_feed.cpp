// The network thread of a live viewer (live_feed.h).
#include "live_feed.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "osgrid/net/client.h"
#include "osgrid/net/subscriber.h"
#include "osgrid/viz/event_log.h"

namespace osgrid::viz::ui {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{250};
constexpr milliseconds kMaxBackoff{2000};
constexpr milliseconds kPollInput{15};                    // how often the thread looks for a frame
constexpr milliseconds kReadFrame{10'000};                // a frame that has begun must end within this
constexpr auto kQuietTooLong = std::chrono::seconds(30);  // no frame at all (peers beat every second): reconnect
constexpr milliseconds kWakeEvery{8};                     // wake the UI at most this often

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
  }
  stop_signal_.notify_all();
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
  milliseconds backoff = kFirstBackoff;
  for (;;) {
    SetStatus(LinkStatus::State::kConnecting, "");
    bool had_subscription = false;
    std::string why = Session();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      had_subscription = status_.state == LinkStatus::State::kConnected;
      if (had_subscription) {
        status_.attempts = 0;
        backoff = kFirstBackoff;
      }
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
  client_options.connect_timeout = milliseconds(2000);
  client_options.role = "client";
  client_options.node = "osgrid-viz";
  client_options.security = options_.security;
  auto client = net::Client::Connect(options_.host, options_.port, client_options);
  if (!client.ok()) return Explain(client.status(), options_);
  auto subscriber = net::Subscriber::Start(**client, {{}, 0, "osgrid-viz"}, milliseconds(5000));
  if (!subscriber.ok()) return Explain(subscriber.status(), options_);
  inbox_.PushSnapshot(subscriber->snapshot());
  SetStatus(LinkStatus::State::kConnected, "");

  Clock::time_point last_frame = Clock::now(), last_wake = Clock::now();
  bool unwoken = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return "stopping";
    }
    if (!(*client)->HasInput()) {
      if (unwoken && wake_) wake_();
      unwoken = false;
      if (Clock::now() - last_frame > kQuietTooLong) return "the tracker sent nothing for 30 s";
      if (SleepFor(kPollInput)) return "stopping";
      continue;
    }
    auto event = subscriber->Next(kReadFrame);
    last_frame = Clock::now();
    if (event.ok()) {
      inbox_.PushEvent(std::move(*event));
    } else if (event.status().code() == Code::kUnknownType) {
      inbox_.PushUnknown(UnknownEvent::FromJson(subscriber->last_json()));
    } else {
      return "lost the tracker at " + options_.host + ":" + std::to_string(options_.port) + ": " +
             event.status().message();
    }
    unwoken = true;
    if (wake_ && last_frame - last_wake >= kWakeEvery) {
      wake_();
      last_wake = last_frame;
      unwoken = false;
    }
  }
}

}  // namespace osgrid::viz::ui
