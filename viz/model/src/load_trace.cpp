// Loading a trace into a model: see load_trace.h.
#include "osgrid/viz/load_trace.h"

#include <utility>

#include "osgrid/net/messages.h"
#include "osgrid/net/trace.h"

namespace osgrid::viz {

namespace {

/// Reads every event of `reader` into a new model; the first error ends it.
Result<Model> ReadAll(net::TraceReader& reader, const ModelOptions& options) {
  Model model(SourceInfo::FromTraceHeader(reader.header()), options);
  reader.set_unknown_handler([&model](const net::UnknownTraceLine& unknown) {
    Result<Json> parsed = net::ParseMessage(unknown.text);  // it parsed once already, as the reader read it
    model.AddUnknown(UnknownEvent::FromJson(parsed.ok() ? *parsed : Json{{"type", unknown.type}}, unknown.text),
                     unknown.line);
  });
  for (;;) {
    auto next = reader.Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    model.AddEvent(std::move(**next), reader.line());
  }
  reader.set_unknown_handler(nullptr);
  model.SeekToPosition(model.begin_index());  // paused at the start, ready to replay
  return model;
}

}  // namespace

Result<Model> LoadTrace(const std::string& path, const ModelOptions& options) {
  auto reader = net::TraceReader::Open(path);
  if (!reader.ok()) return reader.status();
  return ReadAll(*reader, options);
}

Result<Model> LoadTrace(std::unique_ptr<std::istream> in, const std::string& name, const ModelOptions& options) {
  auto reader = net::TraceReader::Open(std::move(in), name);
  if (!reader.ok()) return reader.status();
  return ReadAll(*reader, options);
}

}  // namespace osgrid::viz
