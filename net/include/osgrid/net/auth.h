// Cluster authentication: the shared secrets, the HMAC-SHA256 proofs of the
// handshake, and what a program's clients use to reach the cluster. One
// implementation for every program (tracker, peer, osgrid, osgrid-bench).
//
// The secret. Every node and client of a cluster knows the same secret: the
// content of `--secret-file PATH` (one trailing newline trimmed) or else the
// environment variable OSGRID_SECRET. It is at least 16 bytes; `osgrid-tracker
// --init` writes a new one (32 random bytes as 64 hex characters, mode 0600).
// No secret at all means an open cluster, which servers only allow on loopback
// (Server::Listen refuses other addresses).
//
// The observer secret (optional, docs/auth.md "Watching: the observer
// credential"). A second secret, loaded by the same rules from
// `--observer-secret-file PATH` or OSGRID_OBSERVER_SECRET, written by
// `osgrid-tracker --init-observer`. Its holders may only watch: the handshake
// gives their connections Access::kObserver, and a Router answers a request
// they may not make with FORBIDDEN. A node takes it only together with a
// cluster secret, and the two must differ (CheckObserverSecret).
//
// The handshake (docs/protocol.md, "Handshake"), inside TLS when it is on:
//
//   client -> HELLO   {version, role, node, nonce: Nc, credential: C}   Nc, Ns: 32 random bytes, hex
//   server -> HELLO   {version, role, node, auth: "hmac-sha256", credential: C, challenge: Ns,
//                      proof: HMAC(secret of C, label(C, server) "|" Nc "|" Ns)}
//   client -> AUTH    {proof: HMAC(secret of C, label(C, client) "|" Ns "|" Nc)}   (after checking the server's proof)
//   server -> AUTH_OK {access: C}
//
// C is the credential the client proves: "member" (the cluster secret; the
// default, so clients that do not name one are members) or "observer" (the
// observer secret). The labels are "osgrid-server"/"osgrid-client" for a
// member and "osgrid-observer-server"/"osgrid-observer-client" for an
// observer. Both sides prove they know the secret over fresh nonces, so a
// recorded handshake cannot be replayed; the labels keep one side's proof from
// being reflected as the other's, and an observer's proof from counting as a
// member's. Without TLS the messages after the handshake are not protected
// against a man in the middle on the path (use TLS there). The state machines
// are in net/src/handshake.h; this header is their toolbox.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/status.h"

namespace osgrid::net {

inline constexpr const char* kSecretEnv = "OSGRID_SECRET";
inline constexpr const char* kDefaultSecretFile = "osgrid.secret";  // osgrid-tracker --init
inline constexpr const char* kObserverSecretEnv = "OSGRID_OBSERVER_SECRET";
inline constexpr const char* kDefaultObserverSecretFile = "osgrid-observer.secret";  // osgrid-tracker --init-observer
inline constexpr std::size_t kMinSecretBytes = 16;
inline constexpr std::size_t kNonceBytes = 32;           // each side's nonce, before hex
inline constexpr std::size_t kPreAuthFrameBytes = 4096;  // largest frame before AUTH_OK
inline constexpr const char* kAuthHmac = "hmac-sha256";  // HELLO "auth" of a server with a secret
inline constexpr const char* kAuthNone = "none";         // ... of an open server (loopback only)

/// What a connection may do, by the credential it proved in the handshake:
/// a member (the cluster secret, or any connection to an open cluster) may
/// make every request; an observer (the observer secret) only those a Router
/// marks Access::kObserver, which read and reveal no one's data. Ordered: a
/// higher value may do more. On the wire (HELLO "credential", AUTH_OK
/// "access") they are "observer" and "member".
enum class Access { kObserver, kMember };

/// "observer" or "member".
std::string_view AccessName(Access access);
/// The inverse of AccessName; nullopt for any other text.
std::optional<Access> AccessFromName(std::string_view name);

/// How the secret of a credential is named in messages, where programs read
/// it, and how to make one.
struct SecretNames {
  const char* what;  // "cluster secret", "observer secret"
  const char* env;   // OSGRID_SECRET, OSGRID_OBSERVER_SECRET
  const char* flag;  // --secret-file, --observer-secret-file
  const char* init;  // the osgrid-tracker flag that writes one: --init, --init-observer
};

/// The names of the secret of `credential`.
SecretNames SecretNamesOf(Access credential);

/// A secret a program runs with: the cluster secret, or the observer secret.
struct LoadedSecret {
  std::string secret;   // the bytes; empty = none configured (open cluster; no observers)
  std::string source;   // "OSGRID_SECRET" (or "OSGRID_OBSERVER_SECRET") or the file's path; "" when none
  std::string warning;  // not empty: log it (e.g. the file is readable by group or others)
};

/// The secret of `credential` from `secret_file` if not empty (wins), else
/// from its environment variable (OSGRID_SECRET for kMember,
/// OSGRID_OBSERVER_SECRET for kObserver), else none. Errors: IO (the file
/// cannot be read; names it), BAD_REQUEST (shorter than kMinSecretBytes;
/// names which secret and where it came from, never the secret).
Result<LoadedSecret> LoadSecret(const std::string& secret_file, Access credential = Access::kMember);

/// Reads one secret file of `credential`: its content with one trailing "\n"
/// (or "\r\n") trimmed. Warns when the file is readable by group or others.
/// Errors: IO, BAD_REQUEST (too short).
Result<LoadedSecret> ReadSecretFile(const std::string& path, Access credential = Access::kMember);

/// The two secrets of a node (tracker or peer).
struct NodeSecrets {
  LoadedSecret cluster;   // empty secret: an open cluster
  LoadedSecret observer;  // empty secret: no observers
};

/// Loads a node's cluster secret (`secret_file`, else OSGRID_SECRET) and
/// observer secret (`observer_secret_file`, else OSGRID_OBSERVER_SECRET) and
/// checks them together (CheckObserverSecret). Errors: those of LoadSecret,
/// and of CheckObserverSecret.
Result<NodeSecrets> LoadNodeSecrets(const std::string& secret_file, const std::string& observer_secret_file);

/// What a node logs at start about its secrets, one line each: "cluster
/// secret: HMAC-SHA256 authentication on every connection (secret from S)"
/// or "no cluster secret: open cluster, loopback only", then, with an
/// observer secret, "observer secret: its holders may watch, read-only
/// (secret from S)". Never the secrets themselves.
std::vector<std::string> DescribeSecrets(const NodeSecrets& secrets);

/// A server's secrets make sense together: an observer secret needs a
/// cluster secret (an open cluster has no use for it) and must differ from
/// it. Errors: BAD_REQUEST saying which rule, never showing a secret.
Status CheckObserverSecret(std::string_view cluster_secret, std::string_view observer_secret);

/// `osgrid-tracker --init` (and --init-observer): writes 32 random bytes as 64 hex characters and a
/// newline to `path`, created with mode 0600. Never overwrites.
/// Errors: BAD_REQUEST (the file exists), IO (cannot create or write),
/// INTERNAL (no randomness).
Status WriteNewSecretFile(const std::string& path);

/// `bytes` random bytes from OpenSSL's RAND_bytes, as lowercase hex (2 x bytes
/// characters). Errors: INTERNAL when the generator fails.
Result<std::string> RandomHex(std::size_t bytes);

/// HMAC-SHA256(key, data) as 64 lowercase hex characters (RFC 2104/4231).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

/// Equality that takes the same time wherever the strings differ
/// (CRYPTO_memcmp); different lengths are simply unequal.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// The server's proof for `credential`: HMAC(secret, "osgrid-server|" client_nonce "|" server_nonce)
/// for a member, with the label "osgrid-observer-server" for an observer.
std::string ServerProof(Access credential, std::string_view secret, std::string_view client_nonce,
                        std::string_view server_nonce);
/// The client's proof for `credential`: HMAC(secret, "osgrid-client|" server_nonce "|" client_nonce)
/// for a member, with the label "osgrid-observer-client" for an observer.
std::string ClientProof(Access credential, std::string_view secret, std::string_view server_nonce,
                        std::string_view client_nonce);

/// True for exactly 2 x kNonceBytes lowercase or uppercase hex characters.
bool IsNonce(std::string_view text);

/// How this process's clients reach the cluster. Each program sets it once
/// from its flags (SetDefaultClientSecurity); every ClientOptions starts from
/// it, so code deep in a program (a peer's forwarding, the scenario steps)
/// authenticates without passing the secret around.
struct ClientSecurity {
  std::string secret;           // the cluster secret; empty = none (only an open cluster will talk to us)
  std::string tls_ca;           // PEM file of the CA that signed the servers' certificates; empty = plain TCP
  std::string observer_secret;  // the observer secret: proved when `secret` is empty (member wins)
};

/// The credential a client proves in the handshake.
struct ClientCredential {
  Access access = Access::kMember;  // what it asks to be
  std::string secret;               // the secret that proves it; empty = none (open clusters only)
};

/// The credential of a client with `security`: the member's when it has the
/// cluster secret, else the observer's when it has the observer secret, else
/// none (a member of an open cluster).
ClientCredential ChooseCredential(const ClientSecurity& security);

/// Sets the process-wide default. Thread-safe; normally called once at start.
void SetDefaultClientSecurity(ClientSecurity security);
/// The process-wide default (empty fields until set).
ClientSecurity DefaultClientSecurity();

}  // namespace osgrid::net
