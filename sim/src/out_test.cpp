// TextOut, JsonOut and PyStr: the writers every `osgrid sim` topic streams through.
#include "out.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace osgrid::sim {
namespace {

TEST_CASE("PyStr prints a float as Python's repr does", "[cli][sim][out]") {
  // Expected strings printed by CPython 3.11: repr(x).
  CHECK(PyStr(5.0) == "5.0");
  CHECK(PyStr(100.0) == "100.0");
  CHECK(PyStr(-2.5) == "-2.5");
  CHECK(PyStr(-0.0) == "-0.0");
  CHECK(PyStr(0.0001) == "0.0001");
  CHECK(PyStr(0.00001) == "1e-05");
  CHECK(PyStr(1.5e-05) == "1.5e-05");
  CHECK(PyStr(1e15) == "1000000000000000.0");
  CHECK(PyStr(1234567890123456.0) == "1234567890123456.0");
  CHECK(PyStr(1e16) == "1e+16");
  CHECK(PyStr(12345678901234567.0) == "1.2345678901234568e+16");
  CHECK(PyStr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(PyStr(1e-300) == "1e-300");
  CHECK(PyStr(1e22) == "1e+22");
}

TEST_CASE("TextOut formats like printf and keeps everything in string mode", "[cli][sim][out]") {
  TextOut out;
  out.Print("{:3d}|{:.2f}|{:>3}|", 7, 10.665, "ab");
  out.Print(FMT_COMPILE("[{}]"), 42);
  out.RightAligned("x", 3);
  out.Pad(2);
  out.Int(-5);
  out.Put('\n');
  CHECK(out.Take() == "  7|10.66| ab|[42]  x  -5\n");
  const std::string big(300'000, 'z');  // past the buffer: it grows
  out.Write(big);
  out.Write("end");
  CHECK(out.Take() == big + "end");
}

TEST_CASE("TextOut in file mode writes everything, in order, across flushes", "[cli][sim][out]") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  std::string expected;
  {
    TextOut out(file);
    for (int i = 0; i < 50'000; ++i) {
      out.Print(FMT_COMPILE("line {}\n"), i);
      expected += "line " + std::to_string(i) + "\n";
    }
  }  // the destructor flushes the rest
  std::rewind(file);
  std::string written;
  for (int c; (c = std::fgetc(file)) != EOF;) written += static_cast<char>(c);
  std::fclose(file);
  CHECK(written.size() == expected.size());
  CHECK(written == expected);
}

std::string WriteJson(const std::function<void(JsonOut&)>& write) {
  TextOut text;
  JsonOut json(text);
  write(json);
  return text.Take();
}

TEST_CASE("JsonOut places commas and colons at every depth", "[cli][sim][out]") {
  const std::string text = WriteJson([](JsonOut& json) {
    json.BeginObject();
    json.Field("policy", "RR");
    json.Key("empty");
    json.BeginArray();
    json.EndArray();
    json.Key("jobs");
    json.BeginArray();
    for (int i = 0; i < 2; ++i) {
      json.BeginObject();
      json.Field("id", i);
      json.Key("bursts");
      json.BeginArray();
      json.Int(5);
      json.Int(3);
      json.EndArray();
      json.EndObject();
    }
    json.EndArray();
    json.Field("ok", true);
    json.Key("none");
    json.Null();
    json.EndObject();
  });
  CHECK(text ==
        R"({"policy":"RR","empty":[],"jobs":[{"id":0,"bursts":[5,3]},{"id":1,"bursts":[5,3]}],"ok":true,"none":null})");
  CHECK(Json::parse(text)["jobs"][1]["bursts"][1] == 3);
}

TEST_CASE("JsonOut writes numbers as nlohmann::json does", "[cli][sim][out]") {
  const std::string text = WriteJson([](JsonOut& json) {
    json.BeginArray();
    json.Double(15.0);
    json.Double(0.1 + 0.2);
    json.Double(1e300 * 1e300);  // infinity
    json.Int(-9'000'000'000);
    json.EndArray();
  });
  CHECK(text == "[15.0,0.30000000000000004,null,-9000000000]");
  CHECK(text == Json::parse(text).dump());
}

TEST_CASE("JsonOut escapes strings and replaces invalid UTF-8", "[cli][sim][out]") {
  const std::string text = WriteJson([](JsonOut& json) {
    json.BeginObject();
    json.Field("quote\"key", "a\\b\n\t\x01 é \xff!");
    json.EndObject();
  });
  CHECK(text == "{\"quote\\\"key\":\"a\\\\b\\n\\t\\u0001 é \\ufffd!\"}");
  CHECK(Json::parse(text)["quote\"key"] == "a\\b\n\t\x01 é \xef\xbf\xbd!");
}

}  // namespace
}  // namespace osgrid::sim
