// Private to scenario/: the recorder of `osgrid run FILE --record TRACE`. It
// subscribes to the tracker before any peer starts, and writes every event
// of the run, in seq order, to a trace file (net/trace.h) on a thread of its
// own, until the tracker stops at the end of the run.
//
// It asks for the largest subscriber queue the tracker grants
// (--max-subscriber-queue), so that a burst does not cut it off. If it is
// cut off all the same, it subscribes again at once and writes the gap into
// the trace as one events.lost (node "recorder") carrying the seq of the
// last event it missed: a replay shows the gap, and seq never goes back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "osgrid/net/auth.h"
#include "osgrid/net/client.h"
#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/net/subscriber.h"
#include "osgrid/net/trace.h"

namespace osgrid::scenario {

/// What a recording holds, once finished.
struct RecordSummary {
  std::uint64_t events = 0;  // written to the trace, gap markers included
  std::uint64_t lost = 0;    // events missed while cut off
};

class Recorder {
 public:
  /// Subscribes to the tracker at 127.0.0.1:`port` and creates the trace at
  /// `path`, whose header names `cluster` (the scenario and its cluster).
  /// Errors: the connection's and the subscription's; IO (the trace file).
  static Result<std::unique_ptr<Recorder>> Start(const std::string& path, std::uint16_t port, Json cluster,
                                                 const net::ClientSecurity& security);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// Waits until the stream has ended (the tracker stopped: call after
  /// stopping the cluster), then closes the trace. Errors: IO (writing it),
  /// or what ended the stream if it was not the tracker stopping.
  Result<RecordSummary> Finish();

 private:
  Recorder() = default;
  /// Subscribes on a new connection; errors as Start's.
  Status Subscribe();
  /// The thread: events to the trace until the stream ends.
  void Record();
  /// After a cut off: subscribes again and marks the gap in the trace.
  Status Resume(const os::events::Event& last);

  std::uint16_t port_ = 0;
  net::ClientSecurity security_;
  std::unique_ptr<net::Client> client_;
  std::unique_ptr<net::Subscriber> subscriber_;
  std::unique_ptr<net::TraceWriter> writer_;
  std::thread thread_;
  RecordSummary summary_;  // written by the thread; read after it ended
  Status ended_;           // why the stream ended, if not the tracker stopping
};

}  // namespace osgrid::scenario
