#include "osgrid/net/trace.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "osgrid/net/events.h"

using namespace osgrid;
using namespace osgrid::net;
using namespace osgrid::os::events;

namespace {

/// A fresh folder, removed at the end.
struct TempDir {
  std::string dir;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "osgrid-trace-XXXXXX").string();
    dir = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::string Path(const std::string& name) const { return dir + "/" + name; }
};

TraceHeader ClusterHeader() {
  TraceHeader header;
  header.osgrid_version = "0.1.0";
  header.epoch = "t-5f3a";
  header.source = "cluster";
  header.time_unit = "ms";
  header.cluster = {{"scenario", "quickstart"}, {"peers", {"peer-9001", "peer-9002"}}};
  return header;
}

/// Event number i of a varied stream: the task life cycle, loads, memory.
Event NthEvent(std::uint64_t i) {
  const std::string task = "peer-9001/" + std::to_string(i / 4);
  const double t = 0.5 * static_cast<double>(i);
  switch (i % 4) {
    case 0:
      return {i, "t-5f3a", t, "peer-9001", TaskSubmitted{task, std::nullopt, "main", "peer-9001"}};
    case 1:
      return {i, "t-5f3a", t, "tracker", TaskForwarded{task, "peer-9001/0", "peer-9001", "peer-9002"}};
    case 2:
      return {i, "t-5f3a", t, "peer-9002", PeerLoad{"peer-9002", 1, static_cast<int>(i % 7), 2}};
    default:
      return {i, "t-5f3a", t, "peer-9002", TaskFinished{task, std::nullopt, "peer-9002", Outcome::kOk, 1.5, 20, 30}};
  }
}

std::string HeaderLine(const std::string& extra = "") {
  return R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"e","source":"cluster",)"
         R"("time_unit":"ms","cluster":{})" +
         extra + "}\n";
}

std::string EventLine(std::uint64_t seq, const std::string& epoch = "e") {
  return DumpEvent(
             Event{seq, epoch, 1.0 * static_cast<double>(seq), "peer-1", TaskRunning{"p/1", std::nullopt, "peer-1"}}) +
         "\n";
}

Result<TraceReader> ReadText(const std::string& text) {
  return TraceReader::Open(std::make_unique<std::istringstream>(text), "t.trace");
}

/// Reads every event of `text`; returns the Status that ended it (OK at the
/// end) and the events read before it.
Status ReadAll(const std::string& text, std::vector<Event>* events = nullptr) {
  auto reader = ReadText(text);
  if (!reader.ok()) return reader.status();
  for (;;) {
    auto next = reader->Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) return Status::Ok();
    if (events != nullptr) events->push_back(**next);
  }
}

}  // namespace

TEST_CASE("a trace written is read back event for event", "[trace]") {
  TempDir tmp;
  const std::string path = tmp.Path("run.trace");
  constexpr std::uint64_t kEvents = 200000;
  {
    auto writer = TraceWriter::Open(path, ClusterHeader());
    REQUIRE(writer.ok());
    for (std::uint64_t i = 1; i <= kEvents; ++i) REQUIRE(writer->Write(NthEvent(i)).ok());
    CHECK(writer->events() == kEvents);
    REQUIRE(writer->Close().ok());
  }
  std::ifstream file(path);
  std::string first;
  std::getline(file, first);
  CHECK(first.rfind(R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"t-5f3a","source":"cluster",)",
                    0) == 0);

  auto reader = TraceReader::Open(path);
  REQUIRE(reader.ok());
  CHECK(reader->header().version == 1);
  CHECK(reader->header().osgrid_version == "0.1.0");
  CHECK(reader->header().epoch == "t-5f3a");
  CHECK(reader->header().source == "cluster");
  CHECK(reader->header().time_unit == "ms");
  CHECK(reader->header().cluster == ClusterHeader().cluster);
  std::uint64_t read = 0;
  for (;;) {
    auto next = reader->Next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    ++read;
    if (**next != NthEvent(read)) FAIL("event " << read << " differs: " << DumpEvent(**next));
  }
  CHECK(read == kEvents);
  CHECK(reader->line() == kEvents + 1);
  CHECK(reader->skipped_unknown() == 0);
  auto after = reader->Next();  // the end stays the end
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
}

TEST_CASE("a simulation's trace names its time unit", "[trace]") {
  TempDir tmp;
  TraceHeader header;
  header.osgrid_version = "0.1.0";
  header.epoch = "sim-1";
  header.source = "sim";
  header.time_unit = "tick";
  header.cluster = {{"topic", "sched"}, {"options", {"-p", "RR", "-q", "2"}}};
  auto writer = TraceWriter::Open(tmp.Path("s.trace"), header);
  REQUIRE(writer.ok());
  REQUIRE(writer->Write(Event{1, "sim-1", 0, "sim", TaskSubmitted{"A", std::nullopt, "A", ""}}).ok());
  REQUIRE(writer->Write(Event{2, "sim-1", 3, "sim", TaskPreempted{"A", std::nullopt, "", "quantum"}}).ok());
  REQUIRE(writer->Close().ok());
  std::vector<Event> events;
  std::ifstream file(tmp.Path("s.trace"));
  std::stringstream text;
  text << file.rdbuf();
  REQUIRE(ReadAll(text.str(), &events).ok());
  REQUIRE(events.size() == 2);
  CHECK(std::get<TaskPreempted>(events[1].body).reason == "quantum");
  auto reader = ReadText(text.str());
  REQUIRE(reader.ok());
  CHECK(reader->header().time_unit == "tick");
  CHECK(reader->header().source == "sim");
  CHECK(reader->header().cluster.at("topic") == "sched");
}

TEST_CASE("every kind of corruption is reported with its file and line", "[trace]") {
  auto error = [](const std::string& text) { return ReadAll(text); };
  const std::string ok = HeaderLine() + EventLine(1) + EventLine(2);
  REQUIRE(error(ok).ok());

  SECTION("the header") {
    CHECK(error("").message() == "t.trace:1: empty file: not an osgrid trace (line 1 must be its header)");
    CHECK(error(EventLine(1)).message() ==
          "t.trace:1: not an osgrid trace: line 1 must be a header {\"format\":\"osgrid-trace\",\"version\":1,...}");
    CHECK(error("hello\n").code() == Code::kBadRequest);
    Status newer = error(R"({"format":"osgrid-trace","version":2,"whatever":true})"
                         "\n");
    CHECK(newer.code() == Code::kVersion);
    CHECK(newer.message() ==
          "t.trace:1: trace format version 2 is newer than this osgrid reads (1): use a newer osgrid");
    CHECK(error(R"({"format":"osgrid-trace","version":"1"})"
                "\n")
              .message() == "t.trace:1: trace header: field \"version\" must be an integer from 1");
    CHECK(error(R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","source":"cluster","time_unit":"ms",)"
                R"("cluster":{}})"
                "\n")
              .message() == "t.trace:1: trace header: missing field \"epoch\" (string)");
    CHECK(error(R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"e","source":"cluster",)"
                R"("time_unit":"ms","cluster":[]})"
                "\n")
              .message() == "t.trace:1: trace header: wrong type of field \"cluster\" (object)");
    CHECK(error(R"({"format":"osgrid-trace","version":1,"osgrid":"0.1.0","epoch":"e","source":"replay",)"
                R"("time_unit":"ms","cluster":{}})"
                "\n")
              .message() == "t.trace:1: trace header: source must be cluster or sim, not \"replay\"");
    CHECK(error(R"({"format":"osgrid-trace","vers)").message() ==
          "t.trace:1: truncated: the header line is cut (no newline at its end, and incomplete JSON)");
    // Fields a reader does not know are ignored in the header too.
    CHECK(error(HeaderLine(R"(,"recorder":{"dropped":0})") + EventLine(1)).ok());
  }
  SECTION("a line that is not JSON, or not an event") {
    Status corrupt = error(HeaderLine() + EventLine(1) + "{\"type\":\"task.running\",\"seq\":2,\n" + EventLine(3));
    CHECK(corrupt.code() == Code::kBadRequest);
    CHECK(corrupt.message().rfind("t.trace:3: malformed JSON: ", 0) == 0);
    CHECK(error(HeaderLine() + EventLine(1) + EventLine(2) +
                R"({"type":"task.finished","seq":3,"epoch":"e","t":1,"node":"p","task_id":"p/1","peer":"p",)"
                R"("outcome":"done","wait_ms":0,"cpu_ms":0,"turnaround_ms":0})"
                "\n")
              .message() ==
          "t.trace:4: event task.finished: field \"outcome\" must be one of ok, failed, timeout, cancelled, killed, "
          "aborted, lost; got \"done\"");
    CHECK(error(HeaderLine() + "\n" + EventLine(1)).message() == "t.trace:2: empty line (each line is one event)");
    CHECK(error(HeaderLine() + "[1,2]\n").message() == "t.trace:2: an event must be a JSON object; got an array");
  }
  SECTION("a seq that goes backwards") {
    CHECK(error(HeaderLine() + EventLine(1) + EventLine(7) + EventLine(3)).message() ==
          "t.trace:4: seq 3 goes backwards (line 3 has seq 7 of the same epoch): a trace is in seq order");
    // Equal seq is not backwards; a new epoch (the tracker restarted) numbers again.
    CHECK(error(HeaderLine() + EventLine(5) + EventLine(5) + EventLine(1, "e2") + EventLine(2, "e2")).ok());
  }
  SECTION("a truncated last line") {
    std::string cut = ok + EventLine(3);
    cut.resize(cut.size() - 10);
    std::vector<Event> events;
    Status truncated = ReadAll(cut, &events);
    CHECK(truncated.message() ==
          "t.trace:4: truncated: the last line is cut (no newline at its end, and its JSON is incomplete)");
    CHECK(events.size() == 2);  // what came before is read
    // A complete last event without its newline (an editor's doing) is read.
    std::string no_newline = ok + EventLine(3);
    no_newline.pop_back();
    events.clear();
    CHECK(ReadAll(no_newline, &events).ok());
    CHECK(events.size() == 3);
  }
  SECTION("an error is sticky") {
    auto reader = ReadText(HeaderLine() + "nope\n" + EventLine(2));
    REQUIRE(reader.ok());
    auto first = reader->Next();
    REQUIRE_FALSE(first.ok());
    auto second = reader->Next();
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().message() == first.status().message());
  }
}

TEST_CASE("events of a type this build does not know are skipped and counted", "[trace]") {
  const std::string future = R"({"type":"arena.split","seq":2,"epoch":"e","t":1,"node":"peer-1","block":4})";
  auto reader = ReadText(HeaderLine() + EventLine(1) + future + "\n" + future + "\n" + EventLine(3));
  REQUIRE(reader.ok());
  std::vector<std::uint64_t> seqs;
  for (;;) {
    auto next = reader->Next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    seqs.push_back((*next)->seq);
  }
  CHECK(seqs == std::vector<std::uint64_t>{1, 3});
  CHECK(reader->skipped_unknown() == 2);
  // A reader that shows every line is told each one skipped, in its place.
  auto told = ReadText(HeaderLine() + EventLine(1) + future + "\n" + EventLine(3));
  REQUIRE(told.ok());
  std::vector<std::string> order;
  told->set_unknown_handler([&](const UnknownTraceLine& unknown) {
    order.push_back("line " + std::to_string(unknown.line) + " " + unknown.type);
    CHECK(unknown.text == future);
  });
  for (;;) {
    auto next = told->Next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    order.push_back("seq " + std::to_string((*next)->seq));
  }
  CHECK(order == std::vector<std::string>{"seq 1", "line 3 arena.split", "seq 3"});
  CHECK(told->skipped_unknown() == 1);
  // A "type" that is not a string is not a newer type: it is an error.
  CHECK(ReadAll(HeaderLine() + R"({"type":5,"seq":2})"
                               "\n")
            .message() == "t.trace:2: event: field \"type\" must be a string; got 5");
}

TEST_CASE("a trace cut in the middle of its last line, at every byte", "[trace]") {
  TempDir tmp;
  const std::string path = tmp.Path("cut.trace");
  {
    auto writer = TraceWriter::Open(path, ClusterHeader());
    REQUIRE(writer.ok());
    for (std::uint64_t i = 1; i <= 50; ++i) REQUIRE(writer->Write(NthEvent(i)).ok());
    REQUIRE(writer->Close().ok());
  }
  const auto full = std::filesystem::file_size(path);
  const auto last_line = DumpEvent(NthEvent(50)).size() + 1;
  for (std::uintmax_t cut = 2; cut < last_line; ++cut) {  // cut 1 drops only the newline: still complete
    INFO("cut " << cut << " bytes");
    std::filesystem::copy_file(path, tmp.Path("c.trace"), std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(tmp.Path("c.trace"), full - cut);
    auto reader = TraceReader::Open(tmp.Path("c.trace"));
    REQUIRE(reader.ok());
    std::uint64_t read = 0;
    Status end;
    for (;;) {
      auto next = reader->Next();
      if (!next.ok()) {
        end = next.status();
        break;
      }
      if (!next->has_value()) break;
      ++read;
    }
    CHECK(read == 49);
    CHECK(end.message() == tmp.Path("c.trace") +
                               ":51: truncated: the last line is cut (no newline at its end, and its JSON is "
                               "incomplete)");
  }
}

TEST_CASE("a line over the limit is refused, not buffered without end", "[trace]") {
  std::string huge = HeaderLine() + std::string(kMaxTraceLineBytes + 10, ' ');
  CHECK(ReadAll(huge).message() == "t.trace:2: line longer than " + std::to_string(kMaxTraceLineBytes) + " bytes");
}

TEST_CASE("the writer refuses what a reader would refuse, and reports write errors", "[trace]") {
  TempDir tmp;
  TraceHeader header = ClusterHeader();
  header.source = "replay";
  CHECK(TraceWriter::Open(tmp.Path("a"), header).status().message() ==
        "trace header: source must be cluster or sim, not \"replay\"");
  header = ClusterHeader();
  header.version = 2;
  CHECK(TraceWriter::Open(tmp.Path("a"), header).status().code() == Code::kBadRequest);
  header = ClusterHeader();
  header.time_unit = "";
  CHECK(TraceWriter::Open(tmp.Path("a"), header).status().code() == Code::kBadRequest);

  auto nowhere = TraceWriter::Open(tmp.Path("no/such/folder/x.trace"), ClusterHeader());
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.status().code() == Code::kIo);
  CHECK(nowhere.status().message() == tmp.Path("no/such/folder/x.trace") + ": No such file or directory");

  auto writer = TraceWriter::Open(tmp.Path("b.trace"), ClusterHeader());
  REQUIRE(writer.ok());
  REQUIRE(writer->Write(NthEvent(5)).ok());
  Status backwards = writer->Write(NthEvent(4));
  CHECK(backwards.code() == Code::kBadRequest);
  CHECK(backwards.message() ==
        tmp.Path("b.trace") + ": event seq 4 after seq 5 of epoch \"t-5f3a\": a trace is written in seq order");
  Event restarted = NthEvent(1);
  restarted.epoch = "t-77aa";  // the tracker restarted: seq starts again
  CHECK(writer->Write(restarted).ok());
  REQUIRE(writer->Close().ok());
  CHECK(writer->Write(NthEvent(9)).code() == Code::kInternal);
  std::vector<Event> events;
  std::ifstream file(tmp.Path("b.trace"));
  std::stringstream text;
  text << file.rdbuf();
  REQUIRE(ReadAll(text.str(), &events).ok());
  CHECK(events == std::vector<Event>{NthEvent(5), restarted});

  if (std::filesystem::exists("/dev/full")) {  // a full disk
    auto full = TraceWriter::Open("/dev/full", ClusterHeader());
    REQUIRE(full.ok());
    Status status;
    for (std::uint64_t i = 1; i <= 10000 && status.ok(); ++i) status = full->Write(NthEvent(i));
    if (status.ok()) status = full->Close();
    CHECK(status.code() == Code::kIo);
    CHECK(status.message() == "/dev/full: No space left on device");
    CHECK(full->Close().message() == status.message());
  }
}

TEST_CASE("opening a trace that is not there", "[trace]") {
  TempDir tmp;
  auto missing = TraceReader::Open(tmp.Path("nope.trace"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() == tmp.Path("nope.trace") + ": No such file or directory");
  auto folder = TraceReader::Open(tmp.dir);
  REQUIRE_FALSE(folder.ok());
  CHECK(folder.status().code() == Code::kIo);
}
