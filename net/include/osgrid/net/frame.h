// Framing: how bytes on a TCP stream become messages. Format in docs/protocol.md.
//
//   +----------------------------+----------------------------------+
//   | 4-byte big-endian word     | payload (length bytes)           |
//   +----------------------------+----------------------------------+
//   bit 31 of the word: 0 = JSON object, 1 = raw binary chunk (file data)
//   bits 0..30:         payload length in bytes, checked against the
//                       maximum frame size BEFORE anything is allocated
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "osgrid/net/status.h"

namespace osgrid::net {

inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::uint32_t kBinaryFlag = 0x80000000u;

enum class FrameKind { kJson, kBinary };

struct FrameHeader {
  FrameKind kind = FrameKind::kJson;
  std::uint32_t length = 0;  // payload bytes
};

/// Encodes a header word. REQUIRES: length < 2^31.
std::array<char, kFrameHeaderBytes> EncodeHeader(FrameKind kind, std::uint32_t length);

/// Decodes a header word and checks the length against `max_frame_bytes`.
/// Errors: FRAME_TOO_LARGE (naming both sizes) when the frame is over the limit.
Result<FrameHeader> DecodeHeader(const char* bytes, std::size_t max_frame_bytes);

/// Header + payload in one buffer, ready to write.
std::string EncodeFrame(FrameKind kind, std::string_view payload);

}  // namespace osgrid::net
