// What the fuzz targets share: a checked-invariant macro, the server's JSON
// payload parse, and the check that a reply the server would send is a frame
// any client can read back.
//
// A broken invariant is a finding: FUZZ_CHECK prints what was expected and
// aborts, and libFuzzer saves the input as crash-<sha1> (docs/fuzzing.md).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "osgrid/net/frame.h"
#include "osgrid/net/json.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/status.h"

namespace osgrid::fuzz {

/// Aborts with "invariant failed: <what>" when `cond` is false.
#define FUZZ_CHECK(cond, what)                                                           \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// The server's parse of a JSON frame: net::ParseMessage (never throws; depth
// limit net::kMaxJsonDepth). Both crashes fuzzing found there are fixed.
using net::ParseMessage;

/// How the server serialises what it sends (DumpJson in server.cpp): invalid
/// UTF-8 is replaced, never thrown on.
inline std::string DumpJson(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// Encodes `reply` as the server would and checks a client can read it back:
/// a JSON frame whose header matches the payload, whose payload parses (when
/// `read_back`; the costly half), and which, for an ERROR, carries `expected`
/// (its code and a message).
inline void CheckReplyFrame(const Json& reply, const Status& expected = Status::Ok(), bool read_back = true) {
  const std::string frame = net::EncodeFrame(net::FrameKind::kJson, DumpJson(reply));
  auto header = net::DecodeHeader(frame.data(), frame.size());
  FUZZ_CHECK(header.ok() && header->kind == net::FrameKind::kJson, "a reply frame decodes as JSON");
  FUZZ_CHECK(header->length + net::kFrameHeaderBytes == frame.size(), "a reply's header gives its length");
  Json back = reply;
  if (read_back) {
    back = Json::parse(frame.substr(net::kFrameHeaderBytes), nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(!back.is_discarded(), "a reply parses as JSON (as the client parses it)");
  }
  Status status = net::StatusFromReply(back);
  FUZZ_CHECK(status.code() == expected.code(), "an ERROR reply carries the status it was made from");
  FUZZ_CHECK(expected.ok() || !status.message().empty(), "an ERROR reply has a message");
}

}  // namespace osgrid::fuzz
