#include "osgrid/net/frame.h"

namespace osgrid::net {

std::array<char, kFrameHeaderBytes> EncodeHeader(FrameKind kind, std::uint32_t length) {
  std::uint32_t word = length | (kind == FrameKind::kBinary ? kBinaryFlag : 0u);
  return {static_cast<char>(word >> 24), static_cast<char>(word >> 16), static_cast<char>(word >> 8),
          static_cast<char>(word)};
}

Result<FrameHeader> DecodeHeader(const char* bytes, std::size_t max_frame_bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  std::uint32_t word =
      (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
  FrameHeader header;
  header.kind = (word & kBinaryFlag) ? FrameKind::kBinary : FrameKind::kJson;
  header.length = word & ~kBinaryFlag;
  if (header.length > max_frame_bytes) {
    return Status(Code::kTooLarge, "frame of " + std::to_string(header.length) + " bytes is over the limit of " +
                                       std::to_string(max_frame_bytes) + " bytes");
  }
  return header;
}

std::string EncodeFrame(FrameKind kind, std::string_view payload) {
  auto header = EncodeHeader(kind, static_cast<std::uint32_t>(payload.size()));
  std::string frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  frame.append(header.data(), header.size());
  frame.append(payload);
  return frame;
}

}  // namespace osgrid::net
