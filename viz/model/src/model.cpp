// The model: see model.h. (A stub for now: the recording comes next.)
#include "osgrid/viz/model.h"

namespace osgrid::viz {

Model::Model(SourceInfo source, ModelOptions options)
    : source_(std::move(source)), options_(options), newest_(source_), view_(source_) {}

void Model::AddEvent(os::events::Event, std::uint64_t, std::optional<std::chrono::steady_clock::time_point>) {}
void Model::AddUnknown(UnknownEvent, std::uint64_t, std::optional<std::chrono::steady_clock::time_point>) {}
void Model::AddSnapshot(os::events::Snapshot, std::optional<std::chrono::steady_clock::time_point>) {}
DrainResult Model::Drain(Inbox&, std::size_t) { return {}; }
std::optional<double> Model::first_t() const { return std::nullopt; }
std::optional<double> Model::last_t() const { return std::nullopt; }
std::vector<std::uint64_t> Model::Filter(const LogFilter&, std::uint64_t) const { return {}; }
double Model::cursor_t() const { return 0; }
void Model::Follow(bool follow) { following_ = follow; }
void Model::SeekToPosition(std::uint64_t) {}
void Model::SeekToIndex(std::uint64_t) {}
void Model::SeekTo(double) {}
void Model::Step(std::int64_t) {}
TaskDetail Model::DescribeTask(std::string_view task_id) const { return TaskDetail{std::string(task_id)}; }

}  // namespace osgrid::viz
