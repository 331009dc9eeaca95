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
//
// Credentials. HELLO's "credential" ("member", the default, or "observer")
// picks the secret both proofs use, and so the access the connection gets
// (auth.h, Access). A server without an observer secret answers an observer's
// HELLO as if it had one, with a proof under a random key of its own: no
// client can then tell "no observers here" from "another observer secret",
// and the AUTH that follows fails with the same message either way. An open
// server (no cluster secret) makes every connection a member and ignores the
// credential; clients with a secret refuse it (ClientHandshake::OnHello).
#pragma once

#include <string>

#include "osgrid/net/auth.h"
#include "osgrid/net/json.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

/// What the server sends after one frame of the handshake.
struct HandshakeStep {
  Json reply;          // the frame to send: HELLO, AUTH_OK or ERROR
  bool close = false;  // hang up once it is written (after every ERROR)
};

/// The secrets a server checks proofs against.
struct ServerSecrets {
  std::string cluster;   // empty: an open server (HELLO says auth "none", no AUTH step)
  std::string observer;  // empty: no observers. REQUIRES: empty if `cluster` is (CheckObserverSecret)
};

class ServerHandshake {
 public:
  ServerHandshake(ServerSecrets secrets, std::string role, std::string node);

  /// Feeds one parsed JSON frame. REQUIRES: !done().
  HandshakeStep OnMessage(const Json& message);
  /// A frame that is not a JSON object (binary, malformed): `why` says what it was.
  HandshakeStep OnBadFrame(const std::string& why);

  bool done() const { return state_ == State::kDone; }
  /// The role the client named in HELLO; "" before.
  const std::string& remote_role() const { return remote_role_; }
  /// What the connection may do once done(): the credential it proved, or
  /// kMember on an open server. kObserver before (it may do nothing yet).
  Access access() const { return done() ? credential_ : Access::kObserver; }

 private:
  enum class State { kHello, kAuth, kDone };
  HandshakeStep OnHello(const Json& message);
  /// A HELLO to a server with a secret: checks the nonce and the credential
  /// and completes `hello` (our reply) with the challenge and our proof.
  HandshakeStep Challenge(const Json& message, Json hello);
  HandshakeStep OnAuth(const Json& message);
  HandshakeStep Refuse(const Json& id, Status status);
  /// An open server: no cluster secret.
  bool open() const { return secrets_.cluster.empty(); }
  /// The code for refusing a malformed first step: AUTH with a secret, else VERSION.
  Code RefusalCode() const { return open() ? Code::kVersion : Code::kAuth; }
  /// Picks the credential HELLO names and the key its proofs use (key_).
  /// Errors: INTERNAL (no randomness for a decoy key).
  Status ChooseKey(Access credential);

  State state_ = State::kHello;
  ServerSecrets secrets_;
  std::string role_, node_;
  std::string client_nonce_, server_nonce_;
  std::string remote_role_;
  Access credential_ = Access::kMember;  // named in HELLO; granted at kDone
  std::string key_;                      // the secret of credential_, or a random decoy
};

class ClientHandshake {
 public:
  /// `credential.secret` empty: we have none (ChooseCredential). `where`
  /// ("host:port") names the server in errors.
  ClientHandshake(ClientCredential credential, std::string role, std::string node, std::string where);

  /// The first frame. Errors: INTERNAL (no randomness for the nonce).
  Result<Json> Hello();
  /// Checks the server's reply to HELLO. Returns the AUTH frame to send, or
  /// null when the handshake is complete (an open server, and we have no
  /// secret). Errors: the server's ERROR as its Status; VERSION (not a HELLO
  /// of our version); AUTH (the server does not prove our credential's
  /// secret, has none although we have one, or requires one we do not have).
  Result<Json> OnHello(const Json& reply);
  /// Checks the reply to AUTH. Errors: the server's ERROR; AUTH for anything but AUTH_OK.
  Status OnAuthReply(const Json& reply) const;

 private:
  /// AUTH: we have a secret, but the server runs an open cluster (it may be an impostor).
  Status RefuseOpenServer() const;

  ClientCredential credential_;
  std::string role_, node_, where_;
  std::string client_nonce_;
};

}  // namespace osgrid::net
