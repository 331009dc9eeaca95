#include <catch2/catch.hpp>

#include "osgrid/net/frame.h"

using namespace osgrid;
using namespace osgrid::net;

TEST_CASE("frame header round-trips length and kind, big-endian", "[frame]") {
  auto header = EncodeHeader(FrameKind::kJson, 0x01020304);
  CHECK(header[0] == 0x01);
  CHECK(header[3] == 0x04);
  auto decoded = DecodeHeader(header.data(), 1u << 30);
  REQUIRE(decoded.ok());
  CHECK(decoded->kind == FrameKind::kJson);
  CHECK(decoded->length == 0x01020304u);

  auto binary = EncodeHeader(FrameKind::kBinary, 5);
  CHECK(static_cast<unsigned char>(binary[0]) == 0x80);
  auto decoded_binary = DecodeHeader(binary.data(), 16);
  REQUIRE(decoded_binary.ok());
  CHECK(decoded_binary->kind == FrameKind::kBinary);
  CHECK(decoded_binary->length == 5);
}

TEST_CASE("a frame over the limit is refused before allocation", "[frame]") {
  auto header = EncodeHeader(FrameKind::kJson, 1001);
  auto decoded = DecodeHeader(header.data(), 1000);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == Code::kTooLarge);
  CHECK(decoded.status().message() == "frame of 1001 bytes is over the limit of 1000 bytes");
  CHECK(DecodeHeader(EncodeHeader(FrameKind::kJson, 1000).data(), 1000).ok());
}

TEST_CASE("EncodeFrame prefixes the payload", "[frame]") {
  std::string frame = EncodeFrame(FrameKind::kJson, "{}");
  REQUIRE(frame.size() == 6);
  CHECK(frame.substr(4) == "{}");
  CHECK(frame[3] == 2);
}
