// CountingSubscriber: see events_bench_subscribers.h.
#include "events_bench_subscribers.h"

#include <charconv>
#include <cstring>
#include <utility>

#include <boost/asio/post.hpp>

#include "bench_util.h"
#include "osgrid/net/client.h"
#include "osgrid/net/events.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/subscriber.h"

namespace osgrid::bench {

namespace {

namespace asio = boost::asio;

constexpr std::size_t kReadBytes = 256 * 1024;  // one read takes up to this much

/// The seq of a subscriber frame, scanned from its text: DumpEvent writes
/// "type" and then "seq" first, so it sits within the first ~60 bytes.
/// nullopt for a frame that is not an event (an ERROR).
std::optional<std::uint64_t> ScanSeq(std::string_view payload) {
  constexpr std::string_view kKey = "\"seq\":";
  const auto at = payload.substr(0, 96).find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const char* digits = payload.data() + at + kKey.size();
  std::uint64_t seq = 0;
  auto [end, error] = std::from_chars(digits, payload.data() + payload.size(), seq);
  if (error != std::errc() || end == digits) return std::nullopt;
  return seq;
}

/// The length word of the frame at `bytes`; nullopt for a binary frame,
/// which a subscription never carries.
std::optional<std::uint32_t> JsonFrameLength(const char* bytes) {
  std::uint32_t word = 0;
  for (std::size_t i = 0; i < net::kFrameHeaderBytes; ++i) word = (word << 8) | static_cast<unsigned char>(bytes[i]);
  if (word & net::kBinaryFlag) return std::nullopt;
  return word;
}

}  // namespace

Result<std::unique_ptr<CountingSubscriber>> CountingSubscriber::Start(asio::io_context& io,
                                                                      const SubscriberOptions& options) {
  auto client = net::Client::Connect(options.host, options.port, {.role = "client"});
  if (!client.ok()) return client.status();
  auto subscription = net::Subscriber::Start(**client, {{}, options.queue_bytes, options.name});
  if (!subscription.ok()) return subscription.status();
  auto fd = (*client)->ReleaseSocket();
  if (!fd.ok()) return fd.status();
  std::unique_ptr<CountingSubscriber> subscriber(
      new CountingSubscriber(io, *fd, subscription->snapshot().seq, options.sample_every));
  asio::post(io, [raw = subscriber.get()] { raw->Read(); });
  return subscriber;
}

CountingSubscriber::CountingSubscriber(asio::io_context& io, int fd, std::uint64_t seq, std::uint64_t sample_every)
    : socket_(io),
      sample_every_(std::max<std::uint64_t>(sample_every, 1)),
      buffer_(kReadBytes),
      last_seq_(seq),
      until_sample_(sample_every_) {
  socket_.assign(asio::ip::tcp::v4(), fd);
}

std::string CountingSubscriber::ended() const {
  std::lock_guard<std::mutex> lock(ended_mutex_);
  return ended_;
}

void CountingSubscriber::Read() {
  if (buffer_.size() - filled_ < kReadBytes / 2) buffer_.resize(filled_ + kReadBytes);  // room for a large frame
  socket_.async_read_some(asio::buffer(buffer_.data() + filled_, buffer_.size() - filled_),
                          [this](const boost::system::error_code& ec, std::size_t bytes) { OnRead(ec, bytes); });
}

void CountingSubscriber::OnRead(const boost::system::error_code& ec, std::size_t bytes) {
  if (ec) return End("the connection ended: " + ec.message(), false);
  filled_ += bytes;
  ConsumeFrames(SteadyNowMs());
  frames_seen_.store(frames_, std::memory_order_relaxed);
  gaps_seen_.store(gaps_, std::memory_order_relaxed);
  if (socket_.is_open()) Read();
}

void CountingSubscriber::ConsumeFrames(double now_ms) {
  std::size_t at = 0;
  while (filled_ - at >= net::kFrameHeaderBytes && socket_.is_open()) {
    auto length = JsonFrameLength(buffer_.data() + at);
    if (!length) return End("a binary frame in the event stream", false);
    if (filled_ - at - net::kFrameHeaderBytes < *length) {
      if (buffer_.size() < net::kFrameHeaderBytes + *length) buffer_.resize(net::kFrameHeaderBytes + *length);
      break;
    }
    OnFrame({buffer_.data() + at + net::kFrameHeaderBytes, *length}, now_ms);
    at += net::kFrameHeaderBytes + *length;
  }
  std::memmove(buffer_.data(), buffer_.data() + at, filled_ - at);
  filled_ -= at;
}

void CountingSubscriber::OnFrame(std::string_view payload, double now_ms) {
  auto seq = ScanSeq(payload);
  if (!seq) {  // the tracker's ERROR: cut off
    Json error = Json::parse(payload, nullptr, false);
    const bool is_error = error.is_object() && error.value("type", "") == "ERROR";
    return End(is_error ? net::StatusFromReply(error).ToString() : "a frame that is not an event", is_error);
  }
  ++frames_;
  if (*seq != last_seq_ + 1) gaps_ += *seq > last_seq_ ? *seq - last_seq_ - 1 : 1;
  last_seq_ = *seq;
  if (--until_sample_ == 0) {
    until_sample_ = sample_every_;
    Sample(payload, now_ms);
  }
}

void CountingSubscriber::Sample(std::string_view payload, double now_ms) {
  auto event = net::DecodeEvent(Json::parse(payload, nullptr, false));
  if (!event.ok()) return End("a frame that does not decode: " + event.status().ToString(), false);
  if (event->node != "tracker" && recording_.load(std::memory_order_relaxed)) delays_ms_.push_back(now_ms - event->t);
}

void CountingSubscriber::End(std::string why, bool cut_off) {
  boost::system::error_code ignored;
  socket_.close(ignored);
  cut_off_.store(cut_off);
  std::lock_guard<std::mutex> lock(ended_mutex_);
  if (ended_.empty()) ended_ = std::move(why);
}

}  // namespace osgrid::bench
