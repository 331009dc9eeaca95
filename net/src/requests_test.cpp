// The typed requests and replies: what encodes decodes to the same struct,
// and every bad field is refused with its name.
#include "osgrid/net/requests.h"

#include <catch2/catch.hpp>

#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"
#include "osgrid/net/sha256.h"

namespace osgrid::net {
namespace {

/// A valid CPU_TASK frame with an id, as a client sends it.
Json Frame(const CpuTaskRequest& request) {
  Json frame = Encode(request);
  frame["id"] = 1;
  return frame;
}

}  // namespace

TEST_CASE("a CPU_TASK encodes to a valid request and decodes to the same task", "[requests]") {
  CpuTaskRequest request;
  request.task = MakeTask("def f(a, b): return a + b", "f", {1, 2});
  request.task.timeout_ms = 1500;
  request.task.task_id = "peer-1/7";
  request.confidential = true;
  Json frame = Frame(request);
  REQUIRE(ValidateRequest(frame).ok());
  CHECK(frame["type"] == "CPU_TASK");
  CHECK(frame["program_sha256"] == Sha256Hex(request.task.program));

  auto decoded = DecodeCpuTask(frame);
  REQUIRE(decoded.ok());
  CHECK(decoded->task.program == request.task.program);
  CHECK(decoded->task.function == "f");
  CHECK(decoded->task.args == Json{1, 2});
  CHECK(decoded->task.timeout_ms == 1500);
  CHECK(decoded->task.task_id == "peer-1/7");
  CHECK_FALSE(decoded->task.submitted_t.has_value());
  CHECK(decoded->confidential);
  CHECK_FALSE(decoded->forwarded);
  CHECK(Encode(*decoded) == Encode(request));  // the digest kept, nothing added
}

TEST_CASE("a task's bad fields are refused by name", "[requests]") {
  Json good = Frame(CpuTaskRequest{MakeTask("def main(): return 1")});
  auto refused = [&](auto change) {
    Json frame = good;
    change(frame);
    return DecodeCpuTask(frame).status();
  };
  struct Case {
    const char* what;
    std::function<void(Json&)> change;
    Code code;
    const char* says;
  };
  std::vector<Case> cases = {
      {"no program", [](Json& f) { f.erase("program"); }, Code::kBadRequest, "missing field 'program'"},
      {"program not text", [](Json& f) { f["program"] = 7; }, Code::kBadRequest, "'program' must be a string"},
      {"empty function", [](Json& f) { f["function"] = ""; }, Code::kBadRequest, "'function' (non-empty string)"},
      {"args not an array", [](Json& f) { f["args"] = "x"; }, Code::kBadRequest, "'args' must be an array"},
      {"timeout 0", [](Json& f) { f["timeout_ms"] = 0; }, Code::kBadRequest, "timeout_ms must be an integer from 1"},
      {"timeout past 24 h", [](Json& f) { f["timeout_ms"] = kMaxTaskTimeoutMs + 1; }, Code::kBadRequest,
       "timeout_ms must be an integer from 1"},
      {"timeout as text", [](Json& f) { f["timeout_ms"] = "5"; }, Code::kBadRequest, "'timeout_ms' must be an integer"},
      {"null task_id", [](Json& f) { f["task_id"] = nullptr; }, Code::kBadRequest, "'task_id' must be a string"},
      {"no digest", [](Json& f) { f.erase("program_sha256"); }, Code::kBadRequest, "missing field 'program_sha256'"},
      {"digest not hex", [](Json& f) { f["program_sha256"] = std::string(64, 'G'); }, Code::kBadRequest,
       "64 lowercase hex digits"},
      {"program changed on the way", [](Json& f) { f["program"] = "def main(): return 2"; }, Code::kIntegrity,
       "does not match its program_sha256"},
      {"confidential as text", [](Json& f) { f["confidential"] = "yes"; }, Code::kBadRequest,
       "'confidential' must be a boolean"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Status status = refused(c.change);
    CHECK(status.code() == c.code);
    CHECK_THAT(status.message(), Catch::Contains(c.says));
  }
}

TEST_CASE("a CPU_BATCH checks every entry and names the first bad one", "[requests]") {
  CpuBatchRequest batch;
  for (int i = 0; i < 3; ++i) batch.tasks.push_back(MakeTask("def main(x): return x", "main", {i}));
  Json frame = Encode(batch);
  frame["id"] = 2;
  REQUIRE(ValidateRequest(frame).ok());
  auto decoded = DecodeCpuBatch(frame);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->tasks.size() == 3);
  CHECK(decoded->tasks[2].args == Json{2});

  frame["tasks"][1]["args"] = 5;
  CHECK(DecodeCpuBatch(frame).status().message() ==
        "CPU_BATCH: task 1: task: field 'args' must be an array, got number");
  frame["tasks"][1]["args"] = Json::array();
  frame["tasks"][2]["program"] = "tampered";
  CHECK(DecodeCpuBatch(frame).status().code() == Code::kIntegrity);

  frame["tasks"] = Json::array();
  CHECK_THAT(DecodeCpuBatch(frame).status().message(), Catch::Contains("tasks must hold 1.."));
  frame["tasks"] = Json(std::vector<Json>(params::kBatchMax + 1, EncodeTask(MakeTask("x"))));
  CHECK(DecodeCpuBatch(frame).status().code() == Code::kBadRequest);
}

TEST_CASE("a task result round-trips, ok or failed, and a mistyped field is named", "[requests]") {
  TaskResult ran;
  ran.result = {{"answer", 42}};
  ran.task_id = "peer-1/3";
  ran.peer = "peer-2";
  ran.stdout_text = "hello\n";
  ran.run_ms = 12;
  ran.queued_ms = 3;
  auto decoded = DecodeTaskResult(EncodeTaskResult(ran));
  REQUIRE(decoded.ok());
  CHECK(decoded->ok());
  CHECK(decoded->result == ran.result);
  CHECK(decoded->peer == "peer-2");
  CHECK(decoded->stdout_text == "hello\n");
  CHECK(decoded->run_ms == 12);
  CHECK(decoded->queued_ms == 3);

  TaskResult failed;
  failed.status = Status(Code::kTaskFailed, "ZeroDivisionError: division by zero", "Traceback ...");
  failed.task_id = "peer-1/4";
  decoded = DecodeTaskResult(EncodeTaskResult(failed));
  REQUIRE(decoded.ok());
  CHECK(decoded->status.code() == Code::kTaskFailed);
  CHECK(decoded->status.message() == failed.status.message());
  CHECK(decoded->status.detail() == "Traceback ...");

  Json wrong = EncodeTaskResult(ran);
  wrong["run_ms"] = "12";
  CHECK(DecodeTaskResult(wrong).status().code() == Code::kInternal);
  CHECK_THAT(DecodeTaskResult(wrong).status().message(), Catch::Contains("'run_ms' must be an integer"));
  CHECK_FALSE(DecodeTaskResult(Json{{"type", "PONG"}}).ok());
  CHECK_FALSE(DecodeTaskResult(Json::array()).ok());
}

TEST_CASE("a batch result: entries in order, counts per peer, a refused batch as its status", "[requests]") {
  Json ok_entry = EncodeTaskResult(TaskResult{Status(), 1, "t/1", "peer-1"});
  ok_entry.erase("type");
  ok_entry["ok"] = true;
  ok_entry["index"] = 0;
  Json failed_entry =
      EncodeTaskResult(TaskResult{Status(Code::kTimeout, "ran past 1000 ms"), nullptr, "t/2", "peer-2"});
  failed_entry["ok"] = false;
  failed_entry["index"] = 1;
  Json reply = {{"type", "BATCH_RESULT"},
                {"results", {ok_entry, failed_entry}},
                {"peers", {{"peer-1", 1}, {"peer-2", 1}}},
                {"total_ms", 40}};
  auto batch = DecodeBatchResult(reply);
  REQUIRE(batch.ok());
  REQUIRE(batch->results.size() == 2);
  CHECK(batch->results[0].ok());
  CHECK(batch->results[0].index == 0u);
  CHECK(batch->results[1].status.code() == Code::kTimeout);
  CHECK(batch->failed() == 1);
  CHECK(batch->peers == std::map<std::string, int>{{"peer-1", 1}, {"peer-2", 1}});
  CHECK(batch->total_ms == 40);

  reply["results"][1]["ok"] = "no";
  CHECK_THAT(DecodeBatchResult(reply).status().message(), Catch::Contains("entry 1"));
  Json refused = MakeError(3, Status::BadRequest("CPU_BATCH: task 0: ..."));
  CHECK(DecodeBatchResult(refused).status().code() == Code::kBadRequest);
}

TEST_CASE("a batch result of another type is refused as INTERNAL, never thrown on", "[requests]") {
  // Found by fuzz_message: {"type":1,...} made DecodeBatchResult throw json's type_error.
  for (Json type : {Json(1), Json(nullptr), Json::array(), Json::object({{"a", 1}})}) {
    Status status = DecodeBatchResult(Json{{"type", type}, {"results", Json::array()}}).status();
    CHECK(status.code() == Code::kInternal);
    CHECK(status.message() == "BATCH_RESULT: field 'type' must be a string, got " + std::string(type.type_name()));
  }
  Status other = DecodeBatchResult(Json{{"type", "CPU_RESULT\n"}}).status();
  CHECK(other.code() == Code::kInternal);
  CHECK(other.message() == "expected BATCH_RESULT, got 'CPU_RESULT?'");
  CHECK(DecodeBatchResult(Json{{"results", Json::array()}}).status().message() == "expected BATCH_RESULT, got ''");
  CHECK(DecodeBatchResult(Json::array()).status().message() == "BATCH_RESULT must be a JSON object");
}

TEST_CASE("memory and file listings decode, and a mistyped size is named", "[requests]") {
  auto mem = DecodeMemList(Json{{"type", "MEM_LIST"},
                                {"keys", {{{"key", "a"}, {"bytes", 5}}, {{"key", "b"}, {"bytes", 7}}}},
                                {"bytes", 12},
                                {"limit_bytes", 1024}});
  REQUIRE(mem.ok());
  REQUIRE(mem->keys.size() == 2);
  CHECK(mem->keys[1].key == "b");
  CHECK(mem->keys[1].bytes == 7);
  CHECK(mem->limit_bytes == 1024);
  CHECK_FALSE(DecodeMemList(Json{{"type", "MEM_LIST"}, {"keys", {{{"key", "a"}, {"bytes", -1}}}}}).ok());

  auto files = DecodeFileList(Json{{"type", "FILE_LIST"},
                                   {"files", {{{"name", "x.txt"}, {"size", 3}, {"sha256", "ab"}, {"mtime_ms", 1e12}}}},
                                   {"used_bytes", 3},
                                   {"limit_bytes", 4096}});
  REQUIRE(files.ok());
  REQUIRE(files->files.size() == 1);
  CHECK(files->files[0].name == "x.txt");
  CHECK(files->files[0].mtime_ms == 1e12);
  CHECK(DecodeFileList(Json{{"type", "FILE_LIST"}, {"files", {{{"name", 5}}}}}).status().code() == Code::kInternal);
}

TEST_CASE("a peer list decodes, and a mistyped load is named", "[requests]") {
  Json reply = {{"type", "PEERS"},
                {"peers",
                 {{{"id", "peer-1"},
                   {"host", "127.0.0.1"},
                   {"port", 9001},
                   {"cores", 2},
                   {"load", 0.5},
                   {"queue_length", 0},
                   {"running", 1},
                   {"tasks_done", 7},
                   {"mem_bytes", 10},
                   {"disk_bytes", 0},
                   {"last_heartbeat_ms", 120}}}}};
  auto peers = DecodePeerList(reply);
  REQUIRE(peers.ok());
  REQUIRE(peers->peers.size() == 1);
  CHECK(peers->peers[0].id == "peer-1");
  CHECK(peers->peers[0].port == 9001);
  CHECK(peers->peers[0].load == 0.5);
  CHECK(peers->peers[0].tasks_done == 7);
  reply["peers"][0]["load"] = "high";
  CHECK_THAT(DecodePeerList(reply).status().message(), Catch::Contains("'load' must be a number"));
}

TEST_CASE("a task list round-trips, optional fields left out, and a mistyped field is named", "[requests]") {
  TaskList list;
  list.seq = 42;
  list.tasks.push_back({"peer-1/1", "main", "peer-2", "running", 3, 1250.5, std::nullopt, 100.25});
  list.tasks.push_back({"peer-1/2", "leaf", "peer-1", "waiting", std::nullopt, 35, "peer-1/1", 130});
  Json reply = EncodeTaskList(list);
  CHECK(reply["type"] == "TASKS");
  CHECK(reply["seq"] == 42);
  CHECK(reply["tasks"][0]["priority"] == 3);
  CHECK_FALSE(reply["tasks"][0].contains("parent"));
  CHECK_FALSE(reply["tasks"][1].contains("priority"));
  CHECK(reply["tasks"][1]["parent"] == "peer-1/1");
  auto decoded = DecodeTaskList(reply);
  REQUIRE(decoded.ok());
  CHECK(decoded.value() == list);
  auto text = ParseMessage(reply.dump());  // as the client reads it off the wire
  REQUIRE(text.ok());
  auto from_text = DecodeTaskList(*text);
  REQUIRE(from_text.ok());
  CHECK(from_text.value() == list);

  auto empty = DecodeTaskList(Json{{"type", "TASKS"}});  // fields a node leaves out take their defaults
  REQUIRE(empty.ok());
  CHECK(empty->tasks.empty());
  CHECK(empty->seq == 0);

  auto with = [&](const char* field, Json value) {
    Json bad = reply;
    bad["tasks"][1][field] = std::move(value);
    return DecodeTaskList(bad).status();
  };
  CHECK(with("cpu_ms", "lots").code() == Code::kInternal);
  CHECK(with("cpu_ms", "lots").message() == "TASKS task: field 'cpu_ms' must be a number, got string");
  CHECK(with("priority", nullptr).message() == "TASKS task: field 'priority' must be an integer, got null");
  CHECK(with("parent", 7).message() == "TASKS task: field 'parent' must be a string, got number");
  CHECK(with("state", Json::array()).message() == "TASKS task: field 'state' must be a string, got array");
  Json bad = reply;
  bad["seq"] = -1;
  CHECK_THAT(DecodeTaskList(bad).status().message(), Catch::Contains("'seq' must be a non-negative integer"));
  bad = reply;
  bad["tasks"] = {1};
  CHECK(DecodeTaskList(bad).status().message() == "TASKS task must be a JSON object");
  Status refused = DecodeTaskList(MakeError(1, Status(Code::kForbidden, "no"))).status();
  CHECK(refused.code() == Code::kForbidden);
  CHECK(refused.message() == "no");
}

TEST_CASE("claims with a bad count are refused with a message, even a count of invalid UTF-8", "[requests]") {
  auto refused = DecodeClaims(Json{{"fork-1", "\x81"}});  // found by fuzz_scenario: dump() used to throw
  REQUIRE(!refused.ok());
  CHECK(refused.status().code() == Code::kBadRequest);
  CHECK(refused.status().message().find("the claim on fork-1 must be an integer") != std::string::npos);
  auto decoded = DecodeClaims(Json{{"fork-1", 1}, {"tape", 2}});
  REQUIRE(decoded.ok());
  CHECK(*decoded == std::map<std::string, std::int64_t>{{"fork-1", 1}, {"tape", 2}});
}

}  // namespace osgrid::net
