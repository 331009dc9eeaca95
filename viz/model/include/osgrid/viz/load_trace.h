// Loading a trace file (`osgrid run --record`, `osgrid sim ... --trace`;
// docs/events.md "Trace files") into a Model for replay.
#pragma once

#include <istream>
#include <memory>
#include <string>

#include "osgrid/net/status.h"
#include "osgrid/viz/model.h"

namespace osgrid::viz {

/// Reads the whole trace at `path` with net::TraceReader into a new Model
/// whose source is the trace's header (SourceInfo::FromTraceHeader), every
/// event an entry with its line number; an event of a type this build does
/// not know is an UnknownEvent entry, not dropped. The model is paused at
/// the start (position begin_index(), not following), ready to replay.
/// Errors, as TraceReader gives them ("FILE:LINE: ..."): NOT_FOUND, IO, a
/// missing or foreign header (BAD_REQUEST), a newer format version
/// (VERSION), a line that is not JSON, an event that does not decode, a seq
/// that goes backwards, a cut last line (BAD_REQUEST). On any error nothing
/// is returned but the error: no model is built from part of a file.
Result<Model> LoadTrace(const std::string& path, const ModelOptions& options = {});

/// The same from a stream (a test's bytes); `name` stands for the file in messages.
Result<Model> LoadTrace(std::unique_ptr<std::istream> in, const std::string& name, const ModelOptions& options = {});

}  // namespace osgrid::viz
