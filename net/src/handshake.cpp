// The handshake state machines; see handshake.h.
#include "handshake.h"

#include "osgrid/net/auth.h"
#include "osgrid/net/messages.h"
#include "osgrid/net/params.h"

namespace osgrid::net {
namespace {

const char kNeedSecret[] = "the cluster requires a secret: set OSGRID_SECRET or use --secret-file";

Json IdOf(const Json& message) { return message.is_object() && message.contains("id") ? message["id"] : Json(nullptr); }

std::string TypeOf(const Json& message) {
  auto type = message.is_object() ? message.find("type") : message.end();
  return message.is_object() && type != message.end() && type->is_string() ? type->get<std::string>() : "";
}

/// The credential a validated HELLO names; kMember when it names none.
/// Errors: AUTH for a name that is neither "member" nor "observer".
Result<Access> CredentialOf(const Json& hello) {
  auto field = hello.find("credential");
  if (field == hello.end()) return Access::kMember;
  auto credential = AccessFromName(field->get_ref<const std::string&>());
  if (!credential) return Status(Code::kAuth, "HELLO: credential must be \"member\" or \"observer\"");
  return *credential;
}

}  // namespace

// ---- Server -----------------------------------------------------------------------

ServerHandshake::ServerHandshake(ServerSecrets secrets, std::string role, std::string node)
    : secrets_(std::move(secrets)), role_(std::move(role)), node_(std::move(node)) {}

HandshakeStep ServerHandshake::Refuse(const Json& id, Status status) {
  return HandshakeStep{MakeError(id, status), true};
}

HandshakeStep ServerHandshake::OnBadFrame(const std::string& why) {
  return Refuse(nullptr, Status(RefusalCode(), why + " during the handshake: " +
                                                   (open() ? "the first message must be HELLO"
                                                           : "authentication required (HELLO, then AUTH)")));
}

HandshakeStep ServerHandshake::OnMessage(const Json& message) {
  return state_ == State::kHello ? OnHello(message) : OnAuth(message);
}

HandshakeStep ServerHandshake::OnHello(const Json& message) {
  Json id = IdOf(message);
  Status status = ValidateRequest(message);
  if (TypeOf(message) != "HELLO" && (status.ok() || status.code() == Code::kUnknownType)) {
    std::string expected =
        "the first message must be HELLO (protocol version " + std::to_string(params::kProtocolVersion) + ")";
    return Refuse(id,
                  Status(RefusalCode(), open() ? expected : "authentication required: " + expected + ", then AUTH"));
  }
  if (!status.ok()) return Refuse(id, Status(RefusalCode(), status.message()));
  if (message["version"] != params::kProtocolVersion) {
    return Refuse(id,
                  Status(Code::kVersion, "protocol version " + message["version"].dump() + " is not supported; this " +
                                             role_ + " speaks version " + std::to_string(params::kProtocolVersion)));
  }
  remote_role_ = message["role"].get<std::string>();
  Json hello = {{"type", "HELLO"}, {"id", id}, {"version", params::kProtocolVersion}, {"role", role_}, {"node", node_}};
  if (open()) {  // every connection is a member, whatever HELLO says
    hello["auth"] = kAuthNone;
    hello["access"] = AccessName(Access::kMember);
    state_ = State::kDone;
    return {hello, false};
  }
  return Challenge(message, std::move(hello));
}

HandshakeStep ServerHandshake::Challenge(const Json& message, Json hello) {
  Json id = hello["id"];
  auto nonce = message.find("nonce");
  if (nonce == message.end() || nonce->is_null()) return Refuse(id, Status(Code::kAuth, kNeedSecret));
  if (!IsNonce(nonce->get<std::string>())) {
    return Refuse(id,
                  Status(Code::kAuth, "HELLO: nonce must be " + std::to_string(2 * kNonceBytes) + " hex characters"));
  }
  auto credential = CredentialOf(message);
  if (!credential.ok()) return Refuse(id, credential.status());
  if (Status s = ChooseKey(*credential); !s.ok()) return Refuse(id, s);
  auto server_nonce = RandomHex(kNonceBytes);
  if (!server_nonce.ok()) return Refuse(id, server_nonce.status());
  client_nonce_ = nonce->get<std::string>();
  server_nonce_ = *server_nonce;
  hello["auth"] = kAuthHmac;
  hello["credential"] = AccessName(credential_);
  hello["challenge"] = server_nonce_;
  hello["proof"] = ServerProof(credential_, key_, client_nonce_, server_nonce_);
  state_ = State::kAuth;
  return {hello, false};
}

Status ServerHandshake::ChooseKey(Access credential) {
  credential_ = credential;
  key_ = credential == Access::kMember ? secrets_.cluster : secrets_.observer;
  if (!key_.empty()) return Status::Ok();
  auto decoy = RandomHex(kNonceBytes);  // no observers here: a key nobody knows (see handshake.h)
  if (!decoy.ok()) return decoy.status();
  key_ = *decoy;
  return Status::Ok();
}

HandshakeStep ServerHandshake::OnAuth(const Json& message) {
  Json id = IdOf(message);
  std::string type = TypeOf(message);
  if (type != "AUTH") {
    return Refuse(id, Status(Code::kAuth, "authentication required: expected AUTH after HELLO, got " +
                                              (type.empty() ? std::string("a message without a type")
                                                            : "'" + Sanitize(type) + "'")));
  }
  if (Status status = ValidateRequest(message); !status.ok()) return Refuse(id, Status(Code::kAuth, status.message()));
  const std::string& proof = message["proof"].get_ref<const std::string&>();
  if (!ConstantTimeEquals(proof, ClientProof(credential_, key_, server_nonce_, client_nonce_))) {
    return Refuse(id,
                  Status(Code::kAuth, std::string("authentication failed: wrong ") + SecretNamesOf(credential_).what));
  }
  state_ = State::kDone;
  return {Json{{"type", "AUTH_OK"}, {"id", id}, {"access", AccessName(credential_)}}, false};
}

// ---- Client -----------------------------------------------------------------------

ClientHandshake::ClientHandshake(ClientCredential credential, std::string role, std::string node, std::string where)
    : credential_(std::move(credential)), role_(std::move(role)), node_(std::move(node)), where_(std::move(where)) {}

Result<Json> ClientHandshake::Hello() {
  Json hello = {{"type", "HELLO"}, {"id", 0}, {"version", params::kProtocolVersion}, {"role", role_}, {"node", node_}};
  if (!credential_.secret.empty()) {
    auto nonce = RandomHex(kNonceBytes);
    if (!nonce.ok()) return nonce.status();
    client_nonce_ = *nonce;
    hello["nonce"] = client_nonce_;
    hello["credential"] = AccessName(credential_.access);
  }
  return hello;
}

Result<Json> ClientHandshake::OnHello(const Json& reply) {
  if (Status s = StatusFromReply(reply); !s.ok()) return s;
  if (reply.value("type", Json()) != "HELLO" || reply.value("version", Json()) != params::kProtocolVersion) {
    return Status(Code::kVersion, where_ + " did not answer with a HELLO of protocol version " +
                                      std::to_string(params::kProtocolVersion));
  }
  Json auth = reply.value("auth", Json());
  const std::string& secret = credential_.secret;
  if (auth == kAuthNone || auth.is_null()) {
    if (secret.empty()) return Json(nullptr);
    return RefuseOpenServer();
  }
  if (auth != kAuthHmac) {
    return Status(Code::kAuth, where_ + " asks for an unknown authentication method " + Sanitize(auth.dump()));
  }
  if (secret.empty()) return Status(Code::kAuth, kNeedSecret);
  Json challenge = reply.value("challenge", Json()), proof = reply.value("proof", Json());
  if (!challenge.is_string() || !IsNonce(challenge.get<std::string>()) || !proof.is_string()) {
    return Status(Code::kAuth, where_ + " sent a HELLO without a valid challenge and proof");
  }
  const std::string& server_nonce = challenge.get_ref<const std::string&>();
  Access access = credential_.access;
  if (!ConstantTimeEquals(proof.get<std::string>(), ServerProof(access, secret, client_nonce_, server_nonce))) {
    SecretNames names = SecretNamesOf(access);
    return Status(Code::kAuth, where_ + " does not know our " + names.what + ": the secrets differ (check " +
                                   names.env + " or " + names.flag + " on both sides), " +
                                   (access == Access::kObserver ? "it takes no observers, " : "") +
                                   "or it is not our cluster");
  }
  return Json{{"type", "AUTH"}, {"id", 0}, {"proof", ClientProof(access, secret, server_nonce, client_nonce_)}};
}

Status ClientHandshake::RefuseOpenServer() const {
  SecretNames names = SecretNamesOf(credential_.access);
  return Status(Code::kAuth, where_ + " runs an open cluster (no secret), but we have " +
                                 (credential_.access == Access::kMember ? "one" : "an observer secret") +
                                 ": refusing to talk to it, as it may be an impostor (unset " + names.env + " / " +
                                 names.flag + " to use an open cluster)");
}

Status ClientHandshake::OnAuthReply(const Json& reply) const {
  if (Status s = StatusFromReply(reply); !s.ok()) return s;
  if (reply.value("type", Json()) != "AUTH_OK") {
    return Status(Code::kAuth, where_ + " did not answer AUTH with AUTH_OK");
  }
  return Status::Ok();
}

}  // namespace osgrid::net
