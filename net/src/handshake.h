// Private to net/: the two halves of the connection handshake as pure state
// machines (no sockets, no clocks), driven by Session (server.cpp) and
// Client::Connect (client.cpp), and tested without either (handshake_test.cpp).
// The exchange and its reasoning are in auth.h and docs/protocol.md.
//
// Server states:  kHello --HELLO--> kAuth --AUTH(valid proof)--> kDone
//                       \--HELLO, no secret configured-------------^
// Anything else before kDone -- another type, malformed JSON, a binary frame,
// a wrong proof, a missing nonce when a secret is required -- is answered with
// exactly one ERROR and the connection is closed: AUTH when the server has a
// secret, VERSION for a bad first message of an open server or another version.
#pragma once

#include <string>

#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

/// What the server sends after one frame of the handshake.
struct HandshakeStep {
  Json reply;          // the frame to send: HELLO, AUTH_OK or ERROR
  bool close = false;  // hang up once it is written (after every ERROR)
};

class ServerHandshake {
 public:
  /// `secret` empty: an open server (HELLO says auth "none", no AUTH step).
  ServerHandshake(std::string secret, std::string role, std::string node);

  /// Feeds one parsed JSON frame. REQUIRES: !done().
  HandshakeStep OnMessage(const Json& message);
  /// A frame that is not a JSON object (binary, malformed): `why` says what it was.
  HandshakeStep OnBadFrame(const std::string& why);

  bool done() const { return state_ == State::kDone; }
  /// The role the client named in HELLO; "" before.
  const std::string& remote_role() const { return remote_role_; }

 private:
  enum class State { kHello, kAuth, kDone };
  HandshakeStep OnHello(const Json& message);
  HandshakeStep OnAuth(const Json& message);
  HandshakeStep Refuse(const Json& id, Status status);
  /// The code for refusing a malformed first step: AUTH with a secret, else VERSION.
  Code RefusalCode() const { return secret_.empty() ? Code::kVersion : Code::kAuth; }

  State state_ = State::kHello;
  std::string secret_, role_, node_;
  std::string client_nonce_, server_nonce_;
  std::string remote_role_;
};

class ClientHandshake {
 public:
  /// `secret` empty: we have none. `where` ("host:port") names the server in errors.
  ClientHandshake(std::string secret, std::string role, std::string node, std::string where);

  /// The first frame. Errors: INTERNAL (no randomness for the nonce).
  Result<Json> Hello();
  /// Checks the server's reply to HELLO. Returns the AUTH frame to send, or
  /// null when the handshake is complete (an open server, and we have no
  /// secret). Errors: the server's ERROR as its Status; VERSION (not a HELLO
  /// of our version); AUTH (the server does not prove the secret, has none
  /// although we have one, or requires one we do not have).
  Result<Json> OnHello(const Json& reply);
  /// Checks the reply to AUTH. Errors: the server's ERROR; AUTH for anything but AUTH_OK.
  Status OnAuthReply(const Json& reply) const;

 private:
  std::string secret_, role_, node_, where_;
  std::string client_nonce_;
};

}  // namespace osgrid::net
