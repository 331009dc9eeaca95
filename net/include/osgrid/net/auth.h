// Cluster authentication: the shared secret, the HMAC-SHA256 proofs of the
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
// The handshake (docs/protocol.md, "Handshake"), inside TLS when it is on:
//
//   client -> HELLO   {version, role, node, nonce: Nc}              Nc, Ns: 32 random bytes, hex
//   server -> HELLO   {version, role, node, auth: "hmac-sha256", challenge: Ns,
//                      proof: HMAC(secret, "osgrid-server|" Nc "|" Ns)}
//   client -> AUTH    {proof: HMAC(secret, "osgrid-client|" Ns "|" Nc)}   (after checking the server's proof)
//   server -> AUTH_OK
//
// Both sides prove they know the secret over fresh nonces, so a recorded
// handshake cannot be replayed, and the two labels keep one side's proof from
// being reflected as the other's. Without TLS the messages after the handshake
// are not protected against a man in the middle on the path (use TLS there).
// The state machines are in net/src/handshake.h; this header is their toolbox.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "osgrid/net/status.h"

namespace osgrid::net {

inline constexpr const char* kSecretEnv = "OSGRID_SECRET";
inline constexpr const char* kDefaultSecretFile = "osgrid.secret";  // osgrid-tracker --init
inline constexpr std::size_t kMinSecretBytes = 16;
inline constexpr std::size_t kNonceBytes = 32;           // each side's nonce, before hex
inline constexpr std::size_t kPreAuthFrameBytes = 4096;  // largest frame before AUTH_OK
inline constexpr const char* kAuthHmac = "hmac-sha256";  // HELLO "auth" of a server with a secret
inline constexpr const char* kAuthNone = "none";         // ... of an open server (loopback only)

/// The cluster secret a program runs with.
struct LoadedSecret {
  std::string secret;   // the bytes; empty = none configured (open cluster)
  std::string source;   // "OSGRID_SECRET" or the file's path; "" when none
  std::string warning;  // not empty: log it (e.g. the file is readable by group or others)
};

/// The secret from `secret_file` if not empty (wins), else from OSGRID_SECRET,
/// else none. Errors: IO (the file cannot be read; names it), BAD_REQUEST
/// (shorter than kMinSecretBytes; names where it came from, never the secret).
Result<LoadedSecret> LoadSecret(const std::string& secret_file);

/// Reads one secret file: its content with one trailing "\n" (or "\r\n")
/// trimmed. Warns when the file is readable by group or others.
/// Errors: IO, BAD_REQUEST (too short).
Result<LoadedSecret> ReadSecretFile(const std::string& path);

/// `osgrid-tracker --init`: writes 32 random bytes as 64 hex characters and a
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

/// The server's proof: HMAC(secret, "osgrid-server|" client_nonce "|" server_nonce).
std::string ServerProof(std::string_view secret, std::string_view client_nonce, std::string_view server_nonce);
/// The client's proof: HMAC(secret, "osgrid-client|" server_nonce "|" client_nonce).
std::string ClientProof(std::string_view secret, std::string_view server_nonce, std::string_view client_nonce);

/// True for exactly 2 x kNonceBytes lowercase or uppercase hex characters.
bool IsNonce(std::string_view text);

/// How this process's clients reach the cluster. Each program sets it once
/// from its flags (SetDefaultClientSecurity); every ClientOptions starts from
/// it, so code deep in a program (a peer's forwarding, the scenario steps)
/// authenticates without passing the secret around.
struct ClientSecurity {
  std::string secret;  // the cluster secret; empty = none (only an open cluster will talk to us)
  std::string tls_ca;  // PEM file of the CA that signed the servers' certificates; empty = plain TCP
};

/// Sets the process-wide default. Thread-safe; normally called once at start.
void SetDefaultClientSecurity(ClientSecurity security);
/// The process-wide default (empty fields until set).
ClientSecurity DefaultClientSecurity();

}  // namespace osgrid::net
