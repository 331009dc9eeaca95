// fuzz_frame: one connection's bytes through the server's read loop.
//
// The read loop (SessionImpl in net/src/server.cpp) is bound to a socket, so
// this target makes the same calls in the same order on a byte stream held
// in memory, with the real handshake state machine (net/src/handshake.h):
//
//   header word  -> net::DecodeHeader(bytes, limit), the limit being
//                   min(--max-frame, kPreAuthFrameBytes) until the handshake
//                   is done                      error: reply, close
//   payload      -> `length` bytes (a short stream: the peer hung up, close)
//   handshake    -> ServerHandshake::OnBadFrame (binary, malformed JSON) or
//                   OnMessage (HELLO, then AUTH with a secret); close on ERROR
//   binary frame -> a chunk of the upload in progress, or BAD_REQUEST
//   JSON frame   -> parse (net::ParseMessage), ValidateRequest, "HELLO/AUTH
//                   again", PING, and for PUT_FILE an upload of `size` bytes
//                   of binary frames (each at most params::kChunkBytes), then
//                   its PUT_END trailer, as the peer's handler starts one
//
// Input layout: byte 0 picks the server's --max-frame (bits 0-1: 16 MiB,
// 4096, 64 or 0 bytes), whether it has a cluster secret (bit 2) and, with
// one, an observer secret (bit 3); the rest is what the client sent. Every reply is encoded as the server would
// (fuzz::CheckReplyFrame).
//
// Invariants checked: a header that decodes re-encodes to the same 4 bytes
// and is within the limit; one that does not is over the limit and refused
// with FRAME_TOO_LARGE; the handshake answers exactly one ERROR exactly when
// it closes, its HELLO's proof is ServerProof(credential, secret, nonce,
// challenge) with the secret of the credential it names (when the server has
// it; otherwise a decoy nobody can check), and
// with a secret it never completes (the fuzzer cannot know the secret); a
// validated type is in the catalogue; an upload never takes more bytes than
// declared, nor a chunk over the chunk limit; only a PUT_END with the
// upload's id completes it; a request (SUBSCRIBE and EVENTS among them, with
// the observer credential or not) reaches the router only from a member of
// an open server.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "handshake.h"
#include "osgrid/net/auth.h"
#include "osgrid/net/frame.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"

namespace osgrid::fuzz {
namespace {

using net::FrameKind;

/// The state SessionImpl keeps between frames, and what it does with each.
class SessionModel {
 public:
  SessionModel(std::size_t max_frame_bytes, std::string secret, std::string observer_secret)
      : max_frame_bytes_(max_frame_bytes),
        secret_(std::move(secret)),
        observer_secret_(std::move(observer_secret)),
        handshake_({secret_, observer_secret_}, "peer", "fuzz") {}

  /// Feeds the whole stream; returns when the session would close.
  void Run(std::string_view stream) {
    while (!close_after_write_) {
      if (stream.size() < net::kFrameHeaderBytes) return;  // EOF mid-header: CloseNow
      const std::size_t limit = FrameLimit();
      auto header = net::DecodeHeader(stream.data(), limit);
      CheckHeader(stream.substr(0, net::kFrameHeaderBytes), header, limit);
      stream.remove_prefix(net::kFrameHeaderBytes);
      if (!header.ok()) {  // OnHeader: the stream cannot be trusted past this point
        Reply(net::MakeError(nullptr, header.status()), header.status());
        close_after_write_ = true;
        return;
      }
      if (stream.size() < header->length) return;  // EOF mid-body: CloseNow
      OnFrame(header->kind, stream.substr(0, header->length));
      stream.remove_prefix(header->length);
    }
  }

 private:
  /// Before the handshake is done a stranger may only send small frames.
  std::size_t FrameLimit() const {
    return handshake_.done() ? max_frame_bytes_ : std::min(max_frame_bytes_, net::kPreAuthFrameBytes);
  }

  static void CheckHeader(std::string_view bytes, const Result<net::FrameHeader>& header, std::size_t limit) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::uint32_t length = ((std::uint32_t{b[0]} & 0x7f) << 24) | (std::uint32_t{b[1]} << 16) |
                                 (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
    if (!header.ok()) {
      FUZZ_CHECK(header.status().code() == Code::kTooLarge, "a refused header is FRAME_TOO_LARGE");
      FUZZ_CHECK(length > limit, "only a header over the limit is refused");
      return;
    }
    FUZZ_CHECK(header->length == length && header->length <= limit, "header length");
    auto again = net::EncodeHeader(header->kind, header->length);
    FUZZ_CHECK(std::memcmp(again.data(), bytes.data(), again.size()) == 0, "EncodeHeader(DecodeHeader(x)) == x");
  }

  void OnFrame(FrameKind kind, std::string_view body) {
    if (uploading_) return OnUploadFrame(kind, body);
    if (!handshake_.done()) return OnHandshakeFrame(kind, body);
    if (kind == FrameKind::kBinary) {
      Status status = Status::BadRequest("unexpected binary chunk frame outside a file upload");
      return Reply(net::MakeError(nullptr, status), status);
    }
    auto message = ParseMessage(body);
    if (!message.ok()) return Reply(net::MakeError(nullptr, message.status()), message.status());
    OnRequest(*message);
  }

  /// HELLO, then AUTH when we have a secret; one ERROR and a close for anything else.
  void OnHandshakeFrame(FrameKind kind, std::string_view body) {
    net::HandshakeStep step;
    Json message;
    if (kind == FrameKind::kBinary) {
      step = handshake_.OnBadFrame("a binary chunk frame");
    } else {
      message = Json::parse(body, nullptr, /*allow_exceptions=*/false);
      step = message.is_discarded() ? handshake_.OnBadFrame("malformed JSON") : handshake_.OnMessage(message);
    }
    Status status = net::StatusFromReply(step.reply);
    FUZZ_CHECK(step.close == !status.ok(), "the handshake closes exactly after an ERROR");
    Reply(step.reply, status);
    if (step.close) {
      close_after_write_ = true;
      return;
    }
    const std::string type = step.reply.value("type", "");
    FUZZ_CHECK(type == "HELLO" || type == "AUTH_OK", "the handshake answers HELLO or AUTH_OK");
    if (type == "HELLO" && !secret_.empty()) {
      auto credential = net::AccessFromName(step.reply["credential"].get<std::string>());
      FUZZ_CHECK(credential.has_value(), "the server's HELLO names the credential it proves");
      const std::string& key = *credential == net::Access::kMember ? secret_ : observer_secret_;
      FUZZ_CHECK(
          key.empty() || step.reply["proof"] == net::ServerProof(*credential, key, message["nonce"].get<std::string>(),
                                                                 step.reply["challenge"].get<std::string>()),
          "the server proves the secret of the credential over both nonces");
    }
    FUZZ_CHECK(secret_.empty() || !handshake_.done(), "without the secret the handshake never completes");
    FUZZ_CHECK(!secret_.empty() || handshake_.done(), "an open server is done after HELLO");
  }

  void OnRequest(const Json& message) {
    Status status = net::ValidateRequest(message);
    if (!status.ok()) {
      return Reply(net::MakeError(message.is_object() ? message.value("id", Json()) : Json(), status), status);
    }
    const std::string& type = message["type"].get_ref<const std::string&>();
    FUZZ_CHECK(net::FindSpec(type) != nullptr, "a validated type is in the catalogue");
    // Only an open server lets the fuzzer this far, and it makes every
    // connection a member whatever credential HELLO named: the router's
    // access rule (SUBSCRIBE for observers, EVENTS for members) passes both.
    FUZZ_CHECK(secret_.empty() && handshake_.access() == net::Access::kMember,
               "a request comes after the handshake, from a member of an open server");
    if (type == "HELLO" || type == "AUTH") {
      Status again = Status::BadRequest(type + " was already received");
      return Reply(net::MakeError(message["id"], again), again);
    }
    if (type == "PING") return Reply({{"type", "PONG"}, {"id", message["id"]}});
    if (type == "PUT_FILE" && message["size"] >= 0) {  // the peer's handler: PUT_READY, then chunks
      upload_unread_ = upload_declared_ = message["size"].get<std::uint64_t>();
      upload_received_ = 0;
      upload_id_ = message["id"];
      uploading_ = true;
      Reply({{"type", "PUT_READY"}, {"id", message["id"]}});
    }
  }

  /// Session::ReadUploadChunk and OnUploadJson: the data, then the trailer.
  void OnUploadFrame(FrameKind kind, std::string_view body) {
    Status status;
    if (kind == FrameKind::kBinary && upload_unread_ == 0) {
      status = Status::BadRequest("the upload's data is complete: expected its PUT_END frame, got more data");
    } else if (kind == FrameKind::kBinary && body.size() > upload_unread_) {
      status = Status::BadRequest("upload sent more bytes than its declared size");
    } else if (kind == FrameKind::kBinary && body.size() > params::kChunkBytes) {
      status = Status::BadRequest("a chunk frame over the limit");
    } else if (kind == FrameKind::kJson && upload_unread_ > 0) {
      status = Status::BadRequest("expected a binary chunk frame during the upload, got JSON");
    }
    if (!status.ok()) {  // AbortUpload: the rest of the stream cannot be followed
      uploading_ = false;
      close_after_write_ = true;
      return Reply(net::MakeError(upload_id_, status), status);
    }
    if (kind == FrameKind::kJson) return OnTrailer(body);
    upload_unread_ -= body.size();
    upload_received_ += body.size();
    FUZZ_CHECK(upload_received_ + upload_unread_ == upload_declared_, "an upload takes its declared size");
    FUZZ_CHECK(body.size() <= params::kChunkBytes, "a chunk is within the chunk limit");
  }

  /// The frame after the data: a PUT_END with the upload's id stores the
  /// file; anything else fails the upload, and the connection goes on.
  void OnTrailer(std::string_view body) {
    uploading_ = false;
    FUZZ_CHECK(upload_received_ == upload_declared_, "the trailer comes after all the data");
    auto trailer = ParseMessage(body);
    Status status = trailer.ok() ? net::ValidateRequest(*trailer) : trailer.status();
    if (status.ok() && ((*trailer)["type"] != "PUT_END" || (*trailer)["id"] != upload_id_)) {
      status = Status::BadRequest("expected PUT_END with the upload's id");
    }
    if (!status.ok()) return Reply(net::MakeError(upload_id_, status), status);
    FUZZ_CHECK((*trailer)["sha256"].is_string(), "a valid PUT_END carries the sha256");
    Reply({{"type", "FILE_STORED"}, {"id", upload_id_}, {"size", upload_declared_}, {"sha256", (*trailer)["sha256"]}});
  }

  /// Replies are encoded and their headers checked here; that a reply parses
  /// back, and that requests re-serialise, fuzz_message checks (twice the JSON
  /// work per frame would halve this target's executions).
  static void Reply(const Json& reply, const Status& status = Status::Ok()) {
    CheckReplyFrame(reply, status, /*read_back=*/false);
  }

  std::size_t max_frame_bytes_;
  std::string secret_;           // empty: an open server
  std::string observer_secret_;  // empty: no observers
  net::ServerHandshake handshake_;
  bool close_after_write_ = false;
  bool uploading_ = false;             // from PUT_FILE to its trailer
  Json upload_id_;                     // PUT_FILE's id
  std::uint64_t upload_declared_ = 0;  // PUT_FILE's size
  std::uint64_t upload_received_ = 0;  // chunk bytes taken so far
  std::uint64_t upload_unread_ = 0;    // bytes of the upload's data still to come
};

std::size_t MaxFrameBytes(unsigned char layout) {
  switch (layout & 3) {
    case 0:
      return params::kMaxFrameBytes;
    case 1:
      return 4096;
    case 2:
      return 64;
    default:
      return 0;
  }
}

}  // namespace
}  // namespace osgrid::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string secret = (data[0] & 4) ? "fuzz-cluster-secret-0123456789abcdef" : "";
  const std::string observer = (data[0] & 12) == 12 ? "fuzz-observer-secret-0123456789abcdef" : "";
  osgrid::fuzz::SessionModel session(osgrid::fuzz::MaxFrameBytes(data[0]), secret, observer);
  session.Run(stream);
  return 0;
}
