#include "osgrid/net/events.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

using namespace osgrid;
using namespace osgrid::net;
using namespace osgrid::os::events;

namespace {

// ---- Every member of a struct is in its table -------------------------------------
// The number of members of an aggregate: the most initialisers T{...} takes,
// each one an AnyField that converts to whatever the member is. A member
// added to a struct in os/events/events.h but not to its table in
// net/src/events.cpp fails the tests below.

struct AnyField {
  template <class T>
  operator T() const;  // never defined: used only where nothing is evaluated
};

template <class T, class... Fields>
constexpr std::size_t MemberCount() {
  if constexpr (requires { T{Fields{}..., AnyField{}}; }) {
    return MemberCount<T, Fields..., AnyField>();
  } else {
    return sizeof...(Fields);
  }
}

static_assert(MemberCount<PeerJoined>() == 3);
static_assert(MemberCount<TaskFinished>() == 7);
static_assert(MemberCount<TaskZombie>() == 4);
static_assert(MemberCount<TaskReparented>() == 4);
static_assert(MemberCount<Event>() == 5);
static_assert(MemberCount<DeadlockFound>() == 5);
static_assert(MemberCount<ResourceState>() == 6);

// ---- A sample of each type, with no field left at its default -------------------

/// A JSON value for `field` that is not its C++ default, different per index.
Json SampleValue(const FieldSpec& field, int index) {
  const std::string name(field.name);
  switch (field.type) {
    case FieldType::kString:
      return name == "outcome" ? Json("aborted") : Json(name + "-" + std::to_string(index));
    case FieldType::kInteger:
      return 1000 + index;
    case FieldType::kNumber:
      return 0.25 + index;
    case FieldType::kBool:
      return true;
    case FieldType::kArray:
      return Json::array({name + "-a", name + "-b"});
    default:
      FAIL("no sample value for field " << name);
      return nullptr;
  }
}

/// An event of `type` as JSON, every field set (parent too) to a value
/// that is neither its default nor another field's.
Json SampleJson(std::string_view type) {
  Json json = {{"type", std::string(type)}};
  int index = 1;
  for (const FieldSpec& field : EventHeaderFields()) {
    if (field.name != "type") json[std::string(field.name)] = SampleValue(field, index++);
  }
  const EventSpec* spec = FindEventSpec(type);
  REQUIRE(spec != nullptr);
  for (const FieldSpec& field : spec->fields) json[std::string(field.name)] = SampleValue(field, index++);
  return json;
}

/// Calls f(std::type_identity<P>{}) for every alternative P of Payload.
template <class F>
void ForEachPayloadType(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::type_identity<std::variant_alternative_t<I, Payload>>{}), ...);
  }
  (std::make_index_sequence<std::variant_size_v<Payload>>());
}

Status DecodeError(const Json& json) {
  auto event = DecodeEvent(json);
  return event.ok() ? Status::Ok() : event.status();
}

/// The fields of the snapshot's object `name` ("PeerState").
const std::vector<FieldSpec>& SnapshotTable(std::string_view name) {
  const auto& catalogue = SnapshotCatalogue();
  auto spec = std::find_if(catalogue.begin(), catalogue.end(), [&](const EventSpec& s) { return s.type == name; });
  REQUIRE(spec != catalogue.end());
  return spec->fields;
}

/// The object an array field of a snapshot holds, by the field's name ("" for none).
std::string_view NestedTableName(std::string_view field) {
  static const std::map<std::string_view, std::string_view> nested = {
      {"peers", "PeerState"},     {"ready_queue", "TaskRef"}, {"running", "TaskRef"},
      {"waiting", "TaskRef"},     {"zombies", "TaskRef"},     {"arena", "ArenaBlock"},
      {"holders", "ResourceUse"}, {"waiters", "ResourceUse"}, {"resources", "ResourceState"}};
  auto it = nested.find(field);
  return it == nested.end() ? std::string_view() : it->second;
}

/// The snapshot's object `table` as JSON, every field set to a value that is
/// neither its default nor another field's; an array of objects holds one.
/// `visited` collects the tables it reached.
Json SampleObject(std::string_view table, int& index, std::set<std::string_view>& visited) {
  visited.insert(table);
  Json json = Json::object();
  for (const FieldSpec& field : SnapshotTable(table)) {
    INFO(table << "." << field.name);
    if (field.type != FieldType::kArray) {
      json[std::string(field.name)] = SampleValue(field, index++);
      continue;
    }
    const std::string_view nested = NestedTableName(field.name);
    REQUIRE_FALSE(nested.empty());  // every array of a snapshot holds objects with a table
    json[std::string(field.name)] = Json::array({SampleObject(nested, index, visited)});
  }
  return json;
}

Json Finished(Json outcome) {
  return {{"type", "task.finished"},
          {"seq", 9},
          {"epoch", "e1"},
          {"t", 12.5},
          {"node", "peer-1"},
          {"task_id", "p/1"},
          {"peer", "peer-1"},
          {"outcome", std::move(outcome)},
          {"wait_ms", 1},
          {"cpu_ms", 2.5},
          {"turnaround_ms", 4}};
}

}  // namespace

TEST_CASE("the event catalogue has every type, in AllTypes order, each field documented", "[events]") {
  const auto& catalogue = EventCatalogue();
  REQUIRE(catalogue.size() == AllTypes().size());
  std::set<std::string_view> header;
  for (const FieldSpec& field : EventHeaderFields()) {
    CHECK(header.insert(field.name).second);
    CHECK_FALSE(field.meaning.empty());
  }
  CHECK(header == std::set<std::string_view>{"type", "seq", "epoch", "t", "node"});
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    const EventSpec& spec = catalogue[i];
    INFO(spec.type);
    CHECK(spec.type == AllTypes()[i]);
    CHECK(FindEventSpec(spec.type) == &spec);
    CHECK_FALSE(spec.summary.empty());
    std::set<std::string_view> names;
    for (const FieldSpec& field : spec.fields) {
      INFO(field.name);
      CHECK(names.insert(field.name).second);
      CHECK_FALSE(header.count(field.name));  // a payload field never hides a header field
      CHECK_FALSE(field.meaning.empty());
      // Not required: parent, and the fields added to a type after its first
      // release, which older traces and peers leave out.
      const bool added_later = field.name == "priority" || field.name == "position" ||
                               (field.name == "cpu_ms" && spec.type != "task.finished") ||
                               (spec.type == "deadlock.found" && field.name != "cycle" && field.name != "resources");
      CHECK(field.required == (field.name != "parent" && !added_later));
    }
  }
  CHECK(FindEventSpec("task.done") == nullptr);
  // The meaning of "outcome" lists every outcome, since docs/events.md shows it.
  const EventSpec* finished = FindEventSpec("task.finished");
  REQUIRE(finished != nullptr);
  for (const FieldSpec& field : finished->fields) {
    if (field.name != "outcome") continue;
    for (Outcome outcome : AllOutcomes()) CHECK(field.meaning.find(OutcomeName(outcome)) != std::string_view::npos);
  }
}

TEST_CASE("every member of every event struct is in the catalogue", "[events]") {
  CHECK(MemberCount<Event>() == EventHeaderFields().size());  // "type" stands for the payload
  ForEachPayloadType([](auto tag) {
    using P = typename decltype(tag)::type;
    INFO(P::kType);
    const EventSpec* spec = FindEventSpec(P::kType);
    REQUIRE(spec != nullptr);
    CHECK(MemberCount<P>() == spec->fields.size());
  });
  std::set<std::string_view> tables;
  for (const EventSpec& spec : SnapshotCatalogue()) CHECK(tables.insert(spec.type).second);
  CHECK(tables ==
        std::set<std::string_view>{"Snapshot", "PeerState", "TaskRef", "ArenaBlock", "ResourceState", "ResourceUse"});
  CHECK(MemberCount<Snapshot>() == SnapshotTable("Snapshot").size());
  CHECK(MemberCount<PeerState>() == SnapshotTable("PeerState").size());
  CHECK(MemberCount<TaskRef>() == SnapshotTable("TaskRef").size());
  CHECK(MemberCount<ArenaBlock>() == SnapshotTable("ArenaBlock").size());
  CHECK(MemberCount<ResourceState>() == SnapshotTable("ResourceState").size());
  CHECK(MemberCount<ResourceUse>() == SnapshotTable("ResourceUse").size());
}

TEST_CASE("every snapshot object round-trips with every field set, each in its own member", "[events]") {
  // A snapshot with every field of every table set (one object in each array
  // of objects): a table entry pointing at the wrong member, or a table no
  // array leads to, would lose a value.
  int index = 1;
  std::set<std::string_view> visited;
  const Json sample = SampleObject("Snapshot", index, visited);
  CHECK(visited.size() == SnapshotCatalogue().size());
  auto decoded = DecodeSnapshot(sample);
  REQUIRE(decoded.ok());
  CHECK(decoded.value() != Snapshot{});
  REQUIRE(decoded->resources.size() == 1);
  CHECK(decoded->resources[0].holders.size() == 1);
  CHECK(decoded->resources[0].waiters.size() == 1);
  CHECK(EncodeSnapshot(decoded.value()) == sample);
  auto text = ParseMessage(DumpSnapshot(decoded.value()));
  REQUIRE(text.ok());
  CHECK(text.value() == sample);
}

TEST_CASE("every event type round-trips with every field set", "[events]") {
  ForEachPayloadType([](auto tag) {
    using P = typename decltype(tag)::type;
    INFO(P::kType);
    const Json sample = SampleJson(P::kType);
    auto decoded = DecodeEvent(sample);
    REQUIRE(decoded.ok());
    const Event& event = decoded.value();
    REQUIRE(std::holds_alternative<P>(event.body));
    CHECK(TypeOf(event.body) == P::kType);
    CHECK(std::get<P>(event.body) != P{});  // the sample filled it
    CHECK(event.seq == 1001);
    CHECK(event.epoch == "epoch-2");
    CHECK(event.t == 3.25);
    CHECK(event.node == "node-4");

    // Each field is read into its own member and written from it: a table
    // entry pointing at the wrong member would lose one of the values.
    CHECK(EncodeEvent(event) == sample);

    // The value survives both encodings.
    auto again = DecodeEvent(EncodeEvent(event));
    REQUIRE(again.ok());
    CHECK(again.value() == event);
    const std::string text = DumpEvent(event);
    CHECK(text.rfind("{\"type\":\"" + std::string(P::kType) + "\",\"seq\":1001,\"epoch\":", 0) == 0);
    auto parsed = ParseMessage(text);
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == sample);
    auto from_text = DecodeEvent(parsed.value());
    REQUIRE(from_text.ok());
    CHECK(from_text.value() == event);
  });
}

TEST_CASE("an event encodes to a flat object, type first, parent only when it has one", "[events]") {
  Event event{42, "t-5f3a", 1532.25, "peer-9001",
              TaskFinished{"peer-9001/17", std::nullopt, "peer-9001", Outcome::kTimeout, 3, 41.5, 50}};
  CHECK(DumpEvent(event) ==
        R"({"type":"task.finished","seq":42,"epoch":"t-5f3a","t":1532.25,"node":"peer-9001","task_id":"peer-9001/17",)"
        R"("peer":"peer-9001","outcome":"timeout","wait_ms":3.0,"cpu_ms":41.5,"turnaround_ms":50.0})");
  Json json = EncodeEvent(event);
  CHECK_FALSE(json.contains("parent"));
  auto back = DecodeEvent(json);
  REQUIRE(back.ok());
  CHECK_FALSE(std::get<TaskFinished>(back->body).parent.has_value());

  std::get<TaskFinished>(event.body).parent = "peer-9001/16";
  json = EncodeEvent(event);
  CHECK(json["parent"] == "peer-9001/16");
  back = DecodeEvent(json);
  REQUIRE(back.ok());
  CHECK(std::get<TaskFinished>(back->body).parent == "peer-9001/16");
  CHECK(back.value() == event);
}

TEST_CASE("every outcome goes by its wire name", "[events]") {
  for (Outcome outcome : AllOutcomes()) {
    Event event{1, "e", 0, "peer-1", TaskFinished{"p/1", std::nullopt, "peer-1", outcome, 0, 0, 0}};
    Json json = EncodeEvent(event);
    CHECK(json["outcome"] == std::string(OutcomeName(outcome)));
    auto back = DecodeEvent(json);
    REQUIRE(back.ok());
    CHECK(std::get<TaskFinished>(back->body).outcome == outcome);
  }
  CHECK(DecodeError(Finished("done")).message() ==
        "event task.finished: field \"outcome\" must be one of ok, failed, timeout, cancelled, killed, aborted, "
        "lost; got \"done\"");
  CHECK(DecodeError(Finished("OK")).code() == Code::kBadRequest);
  CHECK(DecodeError(Finished(0)).message() ==
        "event task.finished: field \"outcome\" must be one of ok, failed, timeout, cancelled, killed, aborted, "
        "lost; got 0");
}

TEST_CASE("a process tree's events round-trip: task.zombie and task.reparented", "[events]") {
  const Event zombie{12, "t-5f3a", 1540.5, "peer-1", TaskZombie{"peer-1/5", "peer-1/3", "peer-2", Outcome::kFailed}};
  CHECK(DumpEvent(zombie) ==
        R"({"type":"task.zombie","seq":12,"epoch":"t-5f3a","t":1540.5,"node":"peer-1","task_id":"peer-1/5",)"
        R"("parent":"peer-1/3","peer":"peer-2","outcome":"failed"})");
  const Event orphan{13, "t-5f3a", 1541, "peer-1", TaskReparented{"peer-1/6", "peer-1/init", "peer-1/3", "peer-1"}};
  CHECK(DumpEvent(orphan) ==
        R"({"type":"task.reparented","seq":13,"epoch":"t-5f3a","t":1541.0,"node":"peer-1","task_id":"peer-1/6",)"
        R"("parent":"peer-1/init","from":"peer-1/3","peer":"peer-1"})");
  for (const Event& event : {zombie, orphan}) {
    INFO(DumpEvent(event));
    auto text = ParseMessage(DumpEvent(event));
    REQUIRE(text.ok());
    auto back = DecodeEvent(text.value());
    REQUIRE(back.ok());
    CHECK(back.value() == event);
    auto from_tree = DecodeEvent(EncodeEvent(event));
    REQUIRE(from_tree.ok());
    CHECK(from_tree.value() == event);
  }
  for (Outcome outcome : AllOutcomes()) {
    Event event = zombie;
    std::get<TaskZombie>(event.body).outcome = outcome;
    auto back = DecodeEvent(EncodeEvent(event));
    REQUIRE(back.ok());
    CHECK(std::get<TaskZombie>(back->body).outcome == outcome);
  }

  Json bad = EncodeEvent(zombie);
  bad["outcome"] = "zombie";
  CHECK(DecodeError(bad).message() ==
        "event task.zombie: field \"outcome\" must be one of ok, failed, timeout, cancelled, killed, aborted, lost; "
        "got \"zombie\"");
  CHECK(DecodeError(bad).code() == Code::kBadRequest);
  bad.erase("outcome");
  CHECK(DecodeError(bad).message() == "event task.zombie: missing field \"outcome\" (string)");
  bad = EncodeEvent(orphan);
  bad.erase("from");
  CHECK(DecodeError(bad).message() == "event task.reparented: missing field \"from\" (string)");
  bad = EncodeEvent(orphan);
  bad.erase("parent");  // optional, as in every task event
  auto no_parent = DecodeEvent(bad);
  REQUIRE(no_parent.ok());
  CHECK_FALSE(std::get<TaskReparented>(no_parent->body).parent.has_value());
}

TEST_CASE("a bad event is refused with the field and what was expected", "[events]") {
  CHECK(DecodeError(Json::array()).message() == "an event must be a JSON object; got an array");
  CHECK(DecodeError(Json::object()).message() == "event: missing field \"type\" (string)");
  CHECK(DecodeError({{"type", 7}}).message() == "event: field \"type\" must be a string; got 7");

  Status unknown = DecodeError({{"type", "task.done\n"}, {"seq", 1}});
  CHECK(unknown.code() == Code::kUnknownType);
  CHECK(unknown.message() == "unknown event type \"task.done?\"");
  CHECK(DecodeError({{"type", std::string(200, 'x')}}).message().size() < 100);

  Json missing = Finished("ok");
  missing.erase("seq");
  CHECK(DecodeError(missing).message() == "event task.finished: missing field \"seq\" (integer)");
  missing = Finished("ok");
  missing.erase("wait_ms");
  CHECK(DecodeError(missing).message() == "event task.finished: missing field \"wait_ms\" (number)");

  auto with = [](const char* field, Json value) {
    Json json = Finished("ok");
    json[field] = std::move(value);
    return DecodeError(json);
  };
  CHECK(with("seq", -1).message() ==
        "event task.finished: field \"seq\" must be an integer from 0 to 18446744073709551615; got -1");
  CHECK(with("seq", 1.5).message() ==
        "event task.finished: field \"seq\" must be an integer from 0 to 18446744073709551615; got 1.5");
  CHECK(with("seq", "1").message() ==
        "event task.finished: field \"seq\" must be an integer from 0 to 18446744073709551615; got \"1\"");
  CHECK(with("t", "soon").message() == "event task.finished: field \"t\" must be a number; got \"soon\"");
  CHECK(with("t", std::numeric_limits<double>::infinity()).message() ==
        "event task.finished: field \"t\" must be a number; got null");  // dump() shows infinity as null
  CHECK(with("node", nullptr).message() == "event task.finished: field \"node\" must be a string; got null");
  CHECK(with("task_id", Json::object()).message() ==
        "event task.finished: field \"task_id\" must be a string; got an object");
  // A value in a message is sanitised and cut; a string field takes any string.
  CHECK(with("t", "a\x01" + std::string(100, 'b')).message() ==
        "event task.finished: field \"t\" must be a number; got \"a?" + std::string(62, 'b') + "...\"");
  CHECK(with("task_id", std::string("a\x01") + "b").ok());
  CHECK(with("parent", nullptr).message() ==
        "event task.finished: field \"parent\" must be a string; got null (leave it out when there is none)");
  CHECK(with("parent", 5).message() == "event task.finished: field \"parent\" must be a string; got 5");

  Json deadlock = {
      {"type", "deadlock.found"},  {"seq", 1}, {"epoch", "sim"}, {"t", 3}, {"node", "sim"}, {"cycle", {"P1", 2}},
      {"resources", Json::array()}};
  CHECK(DecodeError(deadlock).message() == "event deadlock.found: field \"cycle[1]\" must be a string; got 2");
  deadlock["cycle"] = "P1 P2";
  CHECK(DecodeError(deadlock).message() ==
        "event deadlock.found: field \"cycle\" must be an array of strings; got \"P1 P2\"");
}

TEST_CASE("integers out of their C++ range are errors, not wraps", "[events]") {
  auto decode = [](std::string_view text) {
    auto json = ParseMessage(text);
    REQUIRE(json.ok());
    return DecodeEvent(json.value());
  };
  const std::string head = R"({"type":"peer.load","seq":1,"epoch":"e","t":0,"node":"peer-1","peer":"peer-1",)";
  const std::string tail = R"(,"mem_keys":0,"mem_used_bytes":0,"disk_used_bytes":0})";
  auto load = decode(head + R"("running":2147483647,"queued":-2147483648,"cores":0)" + tail);
  REQUIRE(load.ok());
  CHECK(std::get<PeerLoad>(load->body).running == 2147483647);
  CHECK(std::get<PeerLoad>(load->body).queued == -2147483648);
  CHECK(decode(head + R"("running":2147483648,"queued":0,"cores":0)" + tail).status().message() ==
        "event peer.load: field \"running\" must be an integer from -2147483648 to 2147483647; got 2147483648");
  CHECK(decode(head + R"("running":0,"queued":-2147483649,"cores":0)" + tail).status().message() ==
        "event peer.load: field \"queued\" must be an integer from -2147483648 to 2147483647; got -2147483649");

  const std::string lost = R"({"type":"events.lost","seq":18446744073709551615,"epoch":"e","t":0,"node":"n",)";
  auto most = decode(lost + R"("count":18446744073709551615})");
  REQUIRE(most.ok());
  CHECK(most->seq == std::numeric_limits<std::uint64_t>::max());
  CHECK(std::get<EventsLost>(most->body).count == std::numeric_limits<std::uint64_t>::max());
  CHECK(EncodeEvent(most.value())["count"].get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
  // One more does not fit in 64 bits: the parser makes it a float, which no integer field takes.
  CHECK(decode(lost + R"("count":18446744073709551616})").status().code() == Code::kBadRequest);
  CHECK(decode(lost + R"("count":-1})").status().message() ==
        "event events.lost: field \"count\" must be an integer from 0 to 18446744073709551615; got -1");

  const std::string page = R"({"type":"page.fault","seq":1,"epoch":"e","t":0,"node":"sim",)";
  auto extremes = decode(page + R"("page":-9223372036854775808,"frame":9223372036854775807})");
  REQUIRE(extremes.ok());
  CHECK(std::get<PageFault>(extremes->body).page == std::numeric_limits<std::int64_t>::min());
  CHECK(std::get<PageFault>(extremes->body).frame == std::numeric_limits<std::int64_t>::max());
  CHECK(decode(page + R"("page":9223372036854775808,"frame":0})").status().message() ==
        "event page.fault: field \"page\" must be an integer from -9223372036854775808 to 9223372036854775807; "
        "got 9223372036854775808");
}

TEST_CASE("fields a reader does not know are ignored", "[events]") {
  Json json = Finished("ok");
  json["added_in_v2"] = {{"anything", true}};
  json["priority"] = 3;
  auto event = DecodeEvent(json);
  REQUIRE(event.ok());
  CHECK(std::get<TaskFinished>(event->body).task_id == "p/1");
  CHECK_FALSE(EncodeEvent(event.value()).contains("added_in_v2"));
}

TEST_CASE("strings that are not UTF-8 are replaced in text, never thrown on", "[events]") {
  Event event{1, "e", 0, "peer-1", MemSet{"peer-1", "bad\xff key", 3}};
  std::string text;
  REQUIRE_NOTHROW(text = DumpEvent(event));
  auto back = ParseMessage(text);
  REQUIRE(back.ok());
  CHECK((*back)["key"] == "bad\xEF\xBF\xBD key");
}

namespace {

Snapshot SampleSnapshot() {
  Snapshot snapshot;
  snapshot.seq = 41;
  snapshot.epoch = "t-5f3a";
  snapshot.t = 1530.5;
  PeerState a;
  a.peer = "peer-9001";
  a.address = "127.0.0.1:9001";
  a.cores = 2;
  a.policy = "fcfs";
  a.ready_queue = {{"peer-9001/18", std::nullopt, "main"}, {"peer-9001/19", "peer-9001/3", "square"}};
  a.running = {{"peer-9001/17", std::nullopt, "main"}};
  a.mem_used_bytes = 12;
  a.mem_limit_bytes = 64u << 20;
  a.mem_keys = 2;
  a.mem_allocator = "best";
  a.arena = {{0, 32, "k"}, {96, 40, "greeting"}};
  a.disk_used_bytes = 5000;
  a.disk_limit_bytes = 4ull << 30;
  a.disk_files = 1;
  a.last_heartbeat_t = 1500;
  a.tasks_finished = 9;
  PeerState b;
  b.peer = "peer-9002";
  b.address = "127.0.0.1:9002";
  b.cores = 1;
  b.policy = "rr";
  b.waiting = {{"peer-9002/4", std::nullopt, "main"}};
  b.zombies = {{"peer-9002/6", "peer-9002/4", "leaf"}, {"peer-9002/7", "peer-9002/init", "leaf"}};
  snapshot.peers = {a, b};
  ResourceState fork;
  fork.kind = "lock";
  fork.name = "fork-1";
  fork.instances = 1;
  fork.available = 0;
  fork.holders = {{"peer-9001/17", "peer-9001", 1, ""}};
  fork.waiters = {{"peer-9002/4", "peer-9002", 1, "acquire"}};
  ResourceState full;
  full.kind = "semaphore";
  full.name = "full";
  full.instances = 0;
  full.available = 0;
  snapshot.resources = {fork, full};
  return snapshot;
}

}  // namespace

TEST_CASE("a snapshot round-trips, nested queues and parents included", "[events]") {
  const Snapshot snapshot = SampleSnapshot();
  Json json = EncodeSnapshot(snapshot);
  CHECK(json["seq"] == 41);
  REQUIRE(json["peers"].size() == 2);
  CHECK(json["peers"][0]["ready_queue"][0] == Json{{"task_id", "peer-9001/18"}, {"name", "main"}});
  CHECK(json["peers"][0]["ready_queue"][1]["parent"] == "peer-9001/3");
  CHECK(json["peers"][1]["running"] == Json::array());
  CHECK(json["peers"][0]["waiting"] == Json::array());
  CHECK(json["peers"][1]["waiting"][0]["task_id"] == "peer-9002/4");
  CHECK(json["peers"][1]["zombies"][0] ==
        Json{{"task_id", "peer-9002/6"}, {"parent", "peer-9002/4"}, {"name", "leaf"}});
  CHECK(json["peers"][0]["arena"][1] == Json{{"address", 96}, {"size", 40}, {"key", "greeting"}});
  CHECK(json["peers"][1]["arena"] == Json::array());
  REQUIRE(json["resources"].size() == 2);
  CHECK(json["resources"][0] ==
        Json{{"kind", "lock"},
             {"name", "fork-1"},
             {"instances", 1},
             {"available", 0},
             {"holders", {{{"task_id", "peer-9001/17"}, {"peer", "peer-9001"}, {"count", 1}, {"op", ""}}}},
             {"waiters", {{{"task_id", "peer-9002/4"}, {"peer", "peer-9002"}, {"count", 1}, {"op", "acquire"}}}}});
  CHECK(json["resources"][1]["holders"] == Json::array());
  auto back = DecodeSnapshot(json);
  REQUIRE(back.ok());
  CHECK(back.value() == snapshot);

  const std::string dumped = DumpSnapshot(snapshot);
  CHECK(dumped.rfind(R"({"seq":41,"epoch":"t-5f3a","t":1530.5,"peers":[{"peer":"peer-9001",)", 0) == 0);
  auto text = ParseMessage(dumped);
  REQUIRE(text.ok());
  CHECK(text.value() == json);
  auto from_text = DecodeSnapshot(text.value());
  REQUIRE(from_text.ok());
  CHECK(from_text.value() == snapshot);

  CHECK(dumped.find(R"(,"resources":[{"kind":"lock","name":"fork-1","instances":1,"available":0,"holders":[)"
                    R"({"task_id":"peer-9001/17","peer":"peer-9001","count":1,"op":""}],"waiters":[)"
                    R"({"task_id":"peer-9002/4","peer":"peer-9002","count":1,"op":"acquire"}]},)"
                    R"({"kind":"semaphore","name":"full","instances":0,"available":0,"holders":[],"waiters":[]}]})") !=
        std::string::npos);

  auto empty = DecodeSnapshot(EncodeSnapshot(Snapshot{}));
  REQUIRE(empty.ok());
  CHECK(empty.value() == Snapshot{});
  CHECK(DumpSnapshot(Snapshot{}) == R"({"seq":0,"epoch":"","t":0.0,"peers":[],"resources":[]})");  // always written
}

TEST_CASE("a snapshot written before waiting, zombies, the arena and the resources reads them as empty", "[events]") {
  Json json = EncodeSnapshot(SampleSnapshot());
  for (Json& peer : json["peers"]) {
    for (const char* added_later : {"waiting", "zombies", "mem_allocator", "arena"}) peer.erase(added_later);
  }
  json.erase("resources");
  auto older = DecodeSnapshot(json);
  REQUIRE(older.ok());
  Snapshot expected = SampleSnapshot();
  for (PeerState& peer : expected.peers) {
    peer.waiting.clear();
    peer.zombies.clear();
    peer.mem_allocator.clear();
    peer.arena.clear();
  }
  expected.resources.clear();
  CHECK(older.value() == expected);

  json["peers"][1]["zombies"] = Json::array({Json{{"name", "leaf"}}});
  CHECK(DecodeSnapshot(json).status().message() == "snapshot: missing field \"peers[1].zombies[0].task_id\" (string)");
}

TEST_CASE("a bad snapshot is refused with the path of the field, unknown fields are ignored", "[events]") {
  Json json = EncodeSnapshot(SampleSnapshot());
  json["arena"] = {{"blocks", Json::array()}};  // what a later issue adds
  json["peers"][0]["holders"] = Json::array();
  auto extended = DecodeSnapshot(json);
  REQUIRE(extended.ok());
  CHECK(extended.value() == SampleSnapshot());

  auto error = [](Json bad) { return DecodeSnapshot(bad).status().message(); };
  CHECK(error(Json("x")) == "a snapshot must be a JSON object; got \"x\"");
  Json bad = json;
  bad["peers"][0]["ready_queue"][1]["task_id"] = 7;
  CHECK(error(bad) == "snapshot: field \"peers[0].ready_queue[1].task_id\" must be a string; got 7");
  bad = json;
  bad["peers"][1].erase("cores");
  CHECK(error(bad) == "snapshot: missing field \"peers[1].cores\" (integer)");
  bad = json;
  bad["peers"][0]["running"][0] = "peer-9001/17";
  CHECK(error(bad) == "snapshot: field \"peers[0].running[0]\" must be an object; got \"peer-9001/17\"");
  bad = json;
  bad["peers"] = Json::object();
  CHECK(error(bad) == "snapshot: field \"peers\" must be an array of objects; got an object");
  bad = json;
  bad["peers"][0]["mem_used_bytes"] = -12;
  CHECK(error(bad) ==
        "snapshot: field \"peers[0].mem_used_bytes\" must be an integer from 0 to 18446744073709551615; got -12");
  CHECK(DecodeSnapshot(bad).status().code() == Code::kBadRequest);
  bad = json;
  bad["resources"][0]["waiters"][0]["count"] = "1";
  CHECK(error(bad) ==
        "snapshot: field \"resources[0].waiters[0].count\" must be an integer from -9223372036854775808 to "
        "9223372036854775807; got \"1\"");
  bad = json;
  bad["resources"][1].erase("holders");  // resources is new, but each of its objects is whole
  CHECK(error(bad) == "snapshot: missing field \"resources[1].holders\" (array)");
}

// ---- The text, byte for byte -------------------------------------------------------
// DumpEvent and DumpSnapshot write their text straight into a string. The
// reference here is nlohmann's own dump() of the same encoding with its keys
// in table order (an ordered_json): the bytes must be the same, escapes,
// replaced UTF-8 and numbers included.

namespace {

using OrderedJson = nlohmann::ordered_json;
using NestedTables = std::vector<std::pair<std::string_view, const std::vector<FieldSpec>*>>;

/// `object` (an encoding, its keys sorted) with its keys in the order of
/// `fields`; the objects in an array field named in `nested`, in that table's order.
OrderedJson InTableOrder(const Json& object, const std::vector<FieldSpec>& fields, const NestedTables& nested) {
  OrderedJson out = OrderedJson::object();
  for (const FieldSpec& field : fields) {
    auto value = object.find(field.name);
    if (value == object.end()) continue;
    auto table =
        std::find_if(nested.begin(), nested.end(), [&](const auto& entry) { return entry.first == field.name; });
    if (table == nested.end()) {
      out[std::string(field.name)] = OrderedJson(*value);
      continue;
    }
    OrderedJson array = OrderedJson::array();
    for (const Json& element : *value) array.push_back(InTableOrder(element, *table->second, nested));
    out[std::string(field.name)] = std::move(array);
  }
  return out;
}

std::string ReferenceText(const OrderedJson& json) {
  return json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string ReferenceDump(const Event& event) {
  std::vector<FieldSpec> fields = EventHeaderFields();  // "type" first
  const EventSpec* spec = FindEventSpec(TypeOf(event.body));
  REQUIRE(spec != nullptr);
  fields.insert(fields.end(), spec->fields.begin(), spec->fields.end());
  return ReferenceText(InTableOrder(EncodeEvent(event), fields, {}));
}

std::string ReferenceDump(const Snapshot& snapshot) {
  NestedTables nested;
  for (const char* field :
       {"peers", "ready_queue", "running", "waiting", "zombies", "arena", "resources", "holders", "waiters"}) {
    nested.emplace_back(field, &SnapshotTable(NestedTableName(field)));
  }
  return ReferenceText(InTableOrder(EncodeSnapshot(snapshot), SnapshotTable("Snapshot"), nested));
}

/// Strings that take every path of a JSON string writer.
const std::vector<std::string>& AwkwardStrings() {
  static const std::vector<std::string> strings = {
      "",
      "peer-9001/17",
      "quote \" and backslash \\ and slash /",
      "controls \b \f \n \r \t \x01 \x1f and DEL \x7f",
      "UTF-8: caf\xC3\xA9, \xE6\x97\xA5\xE6\x9C\xAC, \xF0\x9F\x98\x80",
      "bad \xff byte",
      "cut \xE6\x97",
      "overlong \xC0\xAF and lone \x80 continuation",
      std::string("nul \0 inside", 12),
  };
  return strings;
}

}  // namespace

TEST_CASE("DumpEvent writes the bytes nlohmann's dump writes, for every type", "[events]") {
  ForEachPayloadType([](auto tag) {
    using P = typename decltype(tag)::type;
    INFO(P::kType);
    auto event = DecodeEvent(SampleJson(P::kType));
    REQUIRE(event.ok());
    CHECK(DumpEvent(*event) == ReferenceDump(*event));
    Json without_parent = SampleJson(P::kType);
    without_parent.erase("parent");
    event = DecodeEvent(without_parent);
    REQUIRE(event.ok());
    CHECK(DumpEvent(*event) == ReferenceDump(*event));
  });
}

TEST_CASE("DumpEvent escapes and replaces as nlohmann does, and writes its numbers", "[events]") {
  for (const std::string& text : AwkwardStrings()) {
    INFO(Json(text).dump(-1, ' ', true, Json::error_handler_t::replace));
    Event set{7, text, 1.5, text, MemSet{text, text, 3}};
    CHECK(DumpEvent(set) == ReferenceDump(set));
    Event deadlock{8, "e", 2, "sim", DeadlockFound{{text, "p2"}, {}}};
    CHECK(DumpEvent(deadlock) == ReferenceDump(deadlock));
  }
  const double inf = std::numeric_limits<double>::infinity();
  for (double number :
       {0.0, -0.0, 3.0, 0.1, 1532.25, 1e-7, 1e16, 1.2345678901234568e+20, -2.5e-300, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::quiet_NaN(), inf, -inf}) {
    INFO(number);
    Event finished{1, "e", number, "peer-1",
                   TaskFinished{"p/1", "p/0", "peer-1", Outcome::kLost, number, -number, number * 3}};
    CHECK(DumpEvent(finished) == ReferenceDump(finished));
  }
  Event extremes{std::numeric_limits<std::uint64_t>::max(), "e", 0, "tracker",
                 PeerJoined{"peer-1", "127.0.0.1:1", std::numeric_limits<int>::min()}};
  CHECK(DumpEvent(extremes) == ReferenceDump(extremes));
  extremes.body = PeerJoined{"peer-1", "127.0.0.1:1", std::numeric_limits<int>::max()};
  CHECK(DumpEvent(extremes) == ReferenceDump(extremes));
}

TEST_CASE("DumpSnapshot writes the bytes nlohmann's dump writes", "[events]") {
  Snapshot snapshot = SampleSnapshot();
  CHECK(DumpSnapshot(snapshot) == ReferenceDump(snapshot));
  CHECK(DumpSnapshot(Snapshot{}) == ReferenceDump(Snapshot{}));
  snapshot.peers[1].policy = AwkwardStrings()[3];
  snapshot.peers[0].ready_queue[0].name = AwkwardStrings()[5];
  snapshot.resources[0].name = AwkwardStrings()[4];
  snapshot.resources[0].waiters[0].op = AwkwardStrings()[3];
  CHECK(DumpSnapshot(snapshot) == ReferenceDump(snapshot));
}

TEST_CASE("fields added after a type's first release: older events still decode, new ones round-trip", "[events]") {
  auto decode = [](std::string_view text) {
    auto json = ParseMessage(text);
    REQUIRE(json.ok());
    return DecodeEvent(json.value());
  };
  // As a peer or a trace before them wrote these: no cpu_ms, no priority.
  auto preempted = decode(R"({"type":"task.preempted","seq":2,"epoch":"e","t":3,"node":"p","task_id":"p/1",)"
                          R"("peer":"p","reason":"quantum"})");
  REQUIRE(preempted.ok());
  CHECK(std::get<TaskPreempted>(preempted->body).cpu_ms == 0);
  auto blocked =
      decode(R"({"type":"task.blocked","seq":3,"epoch":"e","t":4,"node":"p","task_id":"p/1","peer":"p","on":"io"})");
  REQUIRE(blocked.ok());
  CHECK(std::get<TaskBlocked>(blocked->body).cpu_ms == 0);
  auto submitted = decode(R"({"type":"task.submitted","seq":1,"epoch":"e","t":1,"node":"p","task_id":"p/1",)"
                          R"("name":"main","peer":"p"})");
  REQUIRE(submitted.ok());
  CHECK_FALSE(std::get<TaskSubmitted>(submitted->body).priority.has_value());
  CHECK(DumpEvent(submitted.value()).find("priority") == std::string::npos);  // left out when it has none
  auto queued = decode(R"({"type":"task.queued","seq":4,"epoch":"e","t":5,"node":"p","task_id":"p/1","peer":"p",)"
                       R"("queue_length":2})");
  REQUIRE(queued.ok());
  CHECK_FALSE(std::get<TaskQueued>(queued->body).position.has_value());  // arrival order: the end
  CHECK(DumpEvent(queued.value()).find("position") == std::string::npos);

  // With them: written, in table order, and read back.
  Event with_priority{1, "e", 1, "p", TaskSubmitted{"p/1", std::nullopt, "main", "p", 2}};
  CHECK(DumpEvent(with_priority) ==
        R"({"type":"task.submitted","seq":1,"epoch":"e","t":1.0,"node":"p","task_id":"p/1","name":"main",)"
        R"("peer":"p","priority":2})");
  Event with_cpu{2, "e", 3, "p", TaskPreempted{"p/1", std::nullopt, "p", "quantum", 12.5}};
  CHECK(DumpEvent(with_cpu) ==
        R"({"type":"task.preempted","seq":2,"epoch":"e","t":3.0,"node":"p","task_id":"p/1","peer":"p",)"
        R"("reason":"quantum","cpu_ms":12.5})");
  Event blocked_cpu{3, "e", 4, "p", TaskBlocked{"p/1", std::nullopt, "p", "sem:mutex", 40}};
  Event with_position{4, "e", 5, "p", TaskQueued{"p/2", std::nullopt, "p", 3, 1}};
  CHECK(DumpEvent(with_position) ==
        R"({"type":"task.queued","seq":4,"epoch":"e","t":5.0,"node":"p","task_id":"p/2","peer":"p",)"
        R"("queue_length":3,"position":1})");
  for (const Event& event : {with_priority, with_cpu, blocked_cpu, with_position}) {
    INFO(DumpEvent(event));
    auto back = decode(DumpEvent(event));
    REQUIRE(back.ok());
    CHECK(back.value() == event);
    auto from_tree = DecodeEvent(EncodeEvent(event));
    REQUIRE(from_tree.ok());
    CHECK(from_tree.value() == event);
  }
  CHECK(std::get<TaskSubmitted>(decode(DumpEvent(with_priority))->body).priority == 2);

  // Present, they are checked like any other field.
  Json bad = EncodeEvent(with_priority);
  bad["priority"] = nullptr;
  CHECK(DecodeError(bad).message() ==
        "event task.submitted: field \"priority\" must be an integer from -2147483648 to 2147483647; got null "
        "(leave it out when there is none)");
  bad["priority"] = 1.5;
  CHECK(DecodeError(bad).code() == Code::kBadRequest);
  bad = EncodeEvent(with_cpu);
  bad["cpu_ms"] = "soon";
  CHECK(DecodeError(bad).message() == "event task.preempted: field \"cpu_ms\" must be a number; got \"soon\"");
}

// ---- The cluster objects and deadlock (docs/sync.md) ---------------------------------

namespace {

/// The tracker's events of one dining philosophers' deadlock, with recovery.
std::vector<Event> SyncEvents() {
  const std::string e = "t-5f3a";
  return {
      {17, e, 2040.5, "tracker", ResourceRequest{"peer-1/3", "peer-1", "lock", "fork-1", "acquire", 1, true, 0}},
      {18, e, 2053, "tracker", ResourceGrant{"peer-1/3", "peer-1", "lock", "fork-1", "acquire", 1, 12.5, 0}},
      {19, e, 2100, "tracker",
       ResourceRelease{"peer-2/5", "peer-2", "resource", "tape", "release", 2, "task ended (killed)", 3}},
      {20, e, 2101, "tracker", ResourceCancel{"peer-2/6", "peer-2", "semaphore", "full", "wait", 1, "timed out"}},
      {21, e, 2102, "tracker",
       DeadlockFound{{"peer-1/1", "peer-2/2"}, {"fork-2", "fork-1"}, {"peer-1", "peer-2"}, {}, "wait-for graph"}},
      {22, e, 2102, "tracker",
       DeadlockVictim{"peer-2/5", "peer-2", 1, "holds the fewest instances (1); youngest on a tie"}},
      {23, e, 2103, "tracker", DeadlockStall{{"peer-1/3", "peer-2/4"}, {"semaphore full (wait)", "child"}}},
  };
}

}  // namespace

TEST_CASE("the cluster objects' and deadlock's events are written field by field, and read back", "[events]") {
  const std::vector<std::string> expected = {
      R"({"type":"resource.request","seq":17,"epoch":"t-5f3a","t":2040.5,"node":"tracker","task_id":"peer-1/3",)"
      R"("peer":"peer-1","kind":"lock","name":"fork-1","op":"acquire","count":1,"blocked":true,"available":0})",
      R"({"type":"resource.grant","seq":18,"epoch":"t-5f3a","t":2053.0,"node":"tracker","task_id":"peer-1/3",)"
      R"("peer":"peer-1","kind":"lock","name":"fork-1","op":"acquire","count":1,"waited_ms":12.5,"available":0})",
      R"({"type":"resource.release","seq":19,"epoch":"t-5f3a","t":2100.0,"node":"tracker","task_id":"peer-2/5",)"
      R"j("peer":"peer-2","kind":"resource","name":"tape","op":"release","count":2,"reason":"task ended (killed)",)j"
      R"("available":3})",
      R"({"type":"resource.cancel","seq":20,"epoch":"t-5f3a","t":2101.0,"node":"tracker","task_id":"peer-2/6",)"
      R"("peer":"peer-2","kind":"semaphore","name":"full","op":"wait","count":1,"reason":"timed out"})",
      R"({"type":"deadlock.found","seq":21,"epoch":"t-5f3a","t":2102.0,"node":"tracker",)"
      R"("cycle":["peer-1/1","peer-2/2"],"resources":["fork-2","fork-1"],"peers":["peer-1","peer-2"],)"
      R"("algorithm":"wait-for graph"})",
      R"({"type":"deadlock.victim","seq":22,"epoch":"t-5f3a","t":2102.0,"node":"tracker","task_id":"peer-2/5",)"
      R"("peer":"peer-2","held":1,"rule":"holds the fewest instances (1); youngest on a tie"})",
      R"({"type":"deadlock.stall","seq":23,"epoch":"t-5f3a","t":2103.0,"node":"tracker",)"
      R"j("tasks":["peer-1/3","peer-2/4"],"waiting":["semaphore full (wait)","child"]})j",
  };
  const std::vector<Event> events = SyncEvents();
  REQUIRE(events.size() == expected.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO(expected[i]);
    CHECK(DumpEvent(events[i]) == expected[i]);
    CHECK(DumpEvent(events[i]) == ReferenceDump(events[i]));
    auto text = ParseMessage(expected[i]);
    REQUIRE(text.ok());
    CHECK(EncodeEvent(events[i]) == text.value());
    auto back = DecodeEvent(text.value());
    REQUIRE(back.ok());
    CHECK(back.value() == events[i]);
  }

  // A flag is JSON true or false, and required like any field of a type's first release.
  Json request = EncodeEvent(events[0]);
  CHECK(request["blocked"] == true);
  request["blocked"] = 1;
  CHECK(DecodeError(request).message() == "event resource.request: field \"blocked\" must be true or false; got 1");
  request["blocked"] = "false";
  CHECK(DecodeError(request).code() == Code::kBadRequest);
  request.erase("blocked");
  CHECK(DecodeError(request).message() == "event resource.request: missing field \"blocked\" (boolean)");
  request = EncodeEvent(events[0]);
  request["blocked"] = false;
  auto granted_at_once = DecodeEvent(request);
  REQUIRE(granted_at_once.ok());
  CHECK_FALSE(std::get<ResourceRequest>(granted_at_once->body).blocked);
  CHECK(DumpEvent(*granted_at_once).find(R"("blocked":false,)") != std::string::npos);
  Json victim = EncodeEvent(events[5]);
  victim.erase("rule");
  CHECK(DecodeError(victim).message() == "event deadlock.victim: missing field \"rule\" (string)");
}

TEST_CASE("deadlock.found without peers, deadlocked set or algorithm writes the bytes it always wrote", "[events]") {
  // As `osgrid sim deadlock --trace` writes it, before and after these fields:
  // a simulation's traces stay byte for byte the same.
  const Event sim{1, "sim-deadlock-0badf00d", 0, "sim", DeadlockFound{{"P1", "P2", "P3"}, {"A", "C", "A"}}};
  const std::string before = R"({"type":"deadlock.found","seq":1,"epoch":"sim-deadlock-0badf00d","t":0.0,"node":"sim",)"
                             R"("cycle":["P1","P2","P3"],"resources":["A","C","A"]})";
  CHECK(DumpEvent(sim) == before);
  const Json json = EncodeEvent(sim);
  for (const char* added : {"peers", "deadlocked", "algorithm"}) CHECK_FALSE(json.contains(added));
  CHECK(DumpEvent({2, "e", 1, "sim", DeadlockFound{{"P1", "P2"}, {}}}) ==
        R"({"type":"deadlock.found","seq":2,"epoch":"e","t":1.0,"node":"sim","cycle":["P1","P2"],"resources":[]})");

  // An older writer's event reads with them empty; present but empty, they read the same and are left out again.
  auto text = ParseMessage(before);
  REQUIRE(text.ok());
  auto older = DecodeEvent(text.value());
  REQUIRE(older.ok());
  CHECK(older.value() == sim);
  Json explicit_empty = text.value();
  explicit_empty["peers"] = Json::array();
  explicit_empty["deadlocked"] = Json::array();
  explicit_empty["algorithm"] = "";
  auto empty = DecodeEvent(explicit_empty);
  REQUIRE(empty.ok());
  CHECK(empty.value() == sim);
  CHECK(DumpEvent(empty.value()) == before);

  // Each is written on its own when it has something, in table order.
  Event set = sim;
  auto& found = std::get<DeadlockFound>(set.body);
  found.deadlocked = {"P1", "P2", "P3", "P4"};
  CHECK(DumpEvent(set) == R"({"type":"deadlock.found","seq":1,"epoch":"sim-deadlock-0badf00d","t":0.0,"node":"sim",)"
                          R"("cycle":["P1","P2","P3"],"resources":["A","C","A"],"deadlocked":["P1","P2","P3","P4"]})");
  found.algorithm = "multi-instance detection";
  found.peers = {"peer-1", "peer-1", "peer-2"};
  CHECK(DumpEvent(set) == R"({"type":"deadlock.found","seq":1,"epoch":"sim-deadlock-0badf00d","t":0.0,"node":"sim",)"
                          R"("cycle":["P1","P2","P3"],"resources":["A","C","A"],"peers":["peer-1","peer-1","peer-2"],)"
                          R"("deadlocked":["P1","P2","P3","P4"],"algorithm":"multi-instance detection"})");
  CHECK(DumpEvent(set) == ReferenceDump(set));
  auto back = DecodeEvent(EncodeEvent(set));
  REQUIRE(back.ok());
  CHECK(back.value() == set);

  // Present, they are checked like any other field.
  Json bad = EncodeEvent(set);
  bad["peers"] = "peer-1";
  CHECK(DecodeError(bad).message() ==
        "event deadlock.found: field \"peers\" must be an array of strings; got \"peer-1\"");
  bad = EncodeEvent(set);
  bad["algorithm"] = nullptr;
  CHECK(DecodeError(bad).message() == "event deadlock.found: field \"algorithm\" must be a string; got null");
}
