// Recorder: see recorder.h.
#include "recorder.h"

#include <chrono>
#include <utility>

#ifndef OSGRID_VERSION
#define OSGRID_VERSION "unknown"
#endif

namespace osgrid::scenario {

namespace {
/// The queue the recorder asks for: the tracker's default --max-subscriber-queue.
constexpr std::size_t kRecorderQueueBytes = 64u << 20;
/// A quiet cluster is not an error: a read waits this long.
constexpr std::chrono::hours kQuiet{24};
}  // namespace

Result<std::unique_ptr<Recorder>> Recorder::Start(const std::string& path, std::uint16_t port, Json cluster,
                                                  const net::ClientSecurity& security) {
  std::unique_ptr<Recorder> recorder(new Recorder());
  recorder->port_ = port;
  recorder->security_ = security;
  if (Status subscribed = recorder->Subscribe(); !subscribed.ok()) return subscribed;
  net::TraceHeader header;
  header.osgrid_version = OSGRID_VERSION;
  header.epoch = recorder->subscriber_->snapshot().epoch;
  header.source = "cluster";
  header.time_unit = "ms";
  header.cluster = std::move(cluster);
  auto writer = net::TraceWriter::Open(path, header);
  if (!writer.ok()) return writer.status();
  recorder->writer_ = std::make_unique<net::TraceWriter>(std::move(writer).value());
  recorder->thread_ = std::thread([self = recorder.get()] { self->Record(); });
  return recorder;
}

Recorder::~Recorder() {
  if (thread_.joinable()) thread_.join();
}

Status Recorder::Subscribe() {
  net::ClientOptions options;
  options.security = security_;
  auto client = net::Client::Connect("127.0.0.1", port_, options);
  if (!client.ok()) return client.status();
  client_ = std::move(client).value();
  auto subscriber = net::Subscriber::Start(*client_, {{}, kRecorderQueueBytes, "osgrid run --record"});
  if (!subscriber.ok()) return subscriber.status();
  subscriber_ = std::make_unique<net::Subscriber>(std::move(subscriber).value());
  return Status::Ok();
}

void Recorder::Record() {
  os::events::Event last;
  last.seq = subscriber_->snapshot().seq;
  for (;;) {
    auto event = subscriber_->Next(kQuiet);
    if (event.ok()) {
      if (Status written = writer_->Write(*event); !written.ok()) {
        ended_ = written;
        return;
      }
      ++summary_.events;
      last = std::move(event).value();
      continue;
    }
    const Code code = event.status().code();
    if (code == Code::kUnknownType) continue;  // a newer tracker's type: not ours to record
    if (code != Code::kLimit) return;          // the tracker stopped: the stream is whole
    if (Status resumed = Resume(last); !resumed.ok()) {
      ended_ = resumed;
      return;
    }
  }
}

Status Recorder::Resume(const os::events::Event& last) {
  if (Status subscribed = Subscribe(); !subscribed.ok()) return subscribed;
  const os::events::Snapshot& snapshot = subscriber_->snapshot();
  if (snapshot.seq <= last.seq) return Status::Ok();
  const std::uint64_t lost = snapshot.seq - last.seq;
  summary_.lost += lost;
  ++summary_.events;
  return writer_->Write(
      os::events::Event{snapshot.seq, snapshot.epoch, snapshot.t, "recorder", os::events::EventsLost{lost}});
}

Result<RecordSummary> Recorder::Finish() {
  if (thread_.joinable()) thread_.join();
  Status closed = writer_->Close();
  if (!ended_.ok()) return ended_;
  if (!closed.ok()) return closed;
  return summary_;
}

}  // namespace osgrid::scenario
