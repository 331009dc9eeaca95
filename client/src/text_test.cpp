// Text for people: sizes, durations, JSON on one line, tables.
#include <catch2/catch.hpp>

#include <sstream>

#include "osgrid/client/text.h"

using namespace osgrid;
using namespace osgrid::client;

TEST_CASE("sizes use binary units and grouped digits", "[format]") {
  CHECK(HumanBytes(0) == "0 B");
  CHECK(HumanBytes(1023) == "1023 B");
  CHECK(HumanBytes(1536) == "1.5 KiB");
  CHECK(HumanBytes(8u << 20) == "8.0 MiB");
  CHECK(HumanBytes(4ull << 30) == "4.0 GiB");
  CHECK(GroupDigits(8388608) == "8,388,608");
  CHECK(GroupDigits(999) == "999");
  CHECK(Rate(8u << 20, 500) == "16.0 MiB/s");
  CHECK(Rate(1, 0) == "-");
}

TEST_CASE("durations read naturally", "[format]") {
  CHECK(HumanMs(0.4) == "0 ms");
  CHECK(HumanMs(23.4) == "23 ms");
  CHECK(HumanMs(12345) == "12.3 s");
  CHECK(HumanSeconds(2.25) == "2.2 s");
  CHECK(HumanSeconds(125) == "2m 5s");
  CHECK(HumanSeconds(3725) == "1h 2m");
}

TEST_CASE("JSON on one line is cut with an ellipsis", "[format]") {
  CHECK(ShortJson(Json::array({1, 2})) == "[1,2]");
  CHECK(ShortJson(Json(std::string(100, 'a')), 10) == "\"aaaaaa...");
  CHECK(Field(Json{{"a", "text"}}, "a") == "text");
  CHECK(Field(Json{{"a", 0.5}}, "a") == "0.50");
  CHECK(Field(Json{{"a", 3}}, "b") == "?");
  CHECK(Number(Json{{"a", "x"}}, "a", 7) == 7);
}

TEST_CASE("tables pad columns to the widest cell", "[format]") {
  Table table({"id", "load"});
  table.AddRow({"peer-1", "0.50"});
  table.AddRow({"p2", "1"});
  std::ostringstream out;
  table.Print(out, "  ");
  CHECK(out.str() == "  id      load\n  peer-1  0.50\n  p2      1\n");
  CHECK(Indent("a\nb\n", "> ") == "> a\n> b");
}
