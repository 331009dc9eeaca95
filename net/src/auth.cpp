// Cluster and observer secrets, HMAC proofs, randomness (OpenSSL libcrypto). See auth.h.
#include "osgrid/net/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

namespace osgrid::net {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* bytes, std::size_t length) {
  std::string hex(2 * length, '0');
  for (std::size_t i = 0; i < length; ++i) {
    hex[2 * i] = kHex[bytes[i] >> 4];
    hex[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return hex;
}

Status TooShort(std::size_t length, const std::string& source, Access credential) {
  SecretNames kind = SecretNamesOf(credential);
  return Status::BadRequest(std::string("the ") + kind.what + " from " + source + " is " + std::to_string(length) +
                            " bytes; it must be at least " + std::to_string(kMinSecretBytes) +
                            " (make one with: osgrid-tracker " + kind.init + ")");
}

std::mutex default_mutex;
ClientSecurity& DefaultSecurity() {
  static ClientSecurity security;  // guarded by default_mutex
  return security;
}

}  // namespace

std::string_view AccessName(Access access) { return access == Access::kObserver ? "observer" : "member"; }

std::optional<Access> AccessFromName(std::string_view name) {
  if (name == "observer") return Access::kObserver;
  if (name == "member") return Access::kMember;
  return std::nullopt;
}

SecretNames SecretNamesOf(Access credential) {
  if (credential == Access::kObserver) {
    return {"observer secret", kObserverSecretEnv, "--observer-secret-file", "--init-observer"};
  }
  return {"cluster secret", kSecretEnv, "--secret-file", "--init"};
}

Result<LoadedSecret> ReadSecretFile(const std::string& path, Access credential) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Io(std::string("cannot read the ") + SecretNamesOf(credential).what + " file '" + path +
                      "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadedSecret loaded{text.str(), path, ""};
  if (!loaded.secret.empty() && loaded.secret.back() == '\n') loaded.secret.pop_back();
  if (!loaded.secret.empty() && loaded.secret.back() == '\r') loaded.secret.pop_back();
  if (loaded.secret.size() < kMinSecretBytes) return TooShort(loaded.secret.size(), "'" + path + "'", credential);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    loaded.warning = "the secret file '" + path + "' is readable by group or others; run: chmod 600 " + path;
  }
  return loaded;
}

Result<LoadedSecret> LoadSecret(const std::string& secret_file, Access credential) {
  if (!secret_file.empty()) return ReadSecretFile(secret_file, credential);
  const char* env_name = SecretNamesOf(credential).env;
  const char* env = std::getenv(env_name);
  if (env == nullptr || *env == '\0') return LoadedSecret{};
  LoadedSecret loaded{env, env_name, ""};
  if (loaded.secret.size() < kMinSecretBytes) return TooShort(loaded.secret.size(), env_name, credential);
  return loaded;
}

std::vector<std::string> DescribeSecrets(const NodeSecrets& secrets) {
  if (secrets.cluster.secret.empty()) return {"no cluster secret: open cluster, loopback only"};
  std::vector<std::string> lines = {"cluster secret: HMAC-SHA256 authentication on every connection (secret from " +
                                    secrets.cluster.source + ")"};
  if (!secrets.observer.secret.empty()) {
    lines.push_back("observer secret: its holders may watch, read-only (secret from " + secrets.observer.source + ")");
  }
  return lines;
}

Status CheckObserverSecret(std::string_view cluster_secret, std::string_view observer_secret) {
  if (observer_secret.empty()) return Status::Ok();
  if (cluster_secret.empty()) {
    return Status::BadRequest(
        "an observer secret needs a cluster secret: an open cluster (no secret) lets everyone on this machine "
        "in as a member, so it has no use for observers. Give the cluster secret too (OSGRID_SECRET or "
        "--secret-file), or drop the observer secret (OSGRID_OBSERVER_SECRET, --observer-secret-file)");
  }
  if (ConstantTimeEquals(cluster_secret, observer_secret)) {
    return Status::BadRequest(
        "the observer secret is the cluster secret: observers would be members. Make a separate one "
        "with: osgrid-tracker --init-observer");
  }
  return Status::Ok();
}

Result<NodeSecrets> LoadNodeSecrets(const std::string& secret_file, const std::string& observer_secret_file) {
  auto cluster = LoadSecret(secret_file, Access::kMember);
  if (!cluster.ok()) return cluster.status();
  auto observer = LoadSecret(observer_secret_file, Access::kObserver);
  if (!observer.ok()) return observer.status();
  if (Status s = CheckObserverSecret(cluster->secret, observer->secret); !s.ok()) return s;
  return NodeSecrets{std::move(cluster).value(), std::move(observer).value()};
}

Status WriteNewSecretFile(const std::string& path) {
  auto secret = RandomHex(32);
  if (!secret.ok()) return secret.status();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return Status::BadRequest("'" + path +
                              "' already exists; not overwriting it (remove it first, or choose another path)");
  }
  if (fd < 0) return Status::Io("cannot create '" + path + "': " + std::strerror(errno));
  std::string text = *secret + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int saved_errno = errno;
  bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(path.c_str());
    return Status::Io("cannot write '" + path + "': " + std::strerror(written ? errno : saved_errno));
  }
  return Status::Ok();
}

Result<std::string> RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  auto* data = reinterpret_cast<unsigned char*>(raw.data());
  if (RAND_bytes(data, static_cast<int>(bytes)) != 1) {
    return Status::Internal("OpenSSL RAND_bytes failed: no randomness available");
  }
  return ToHex(data, bytes);
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &length);
  return ToHex(digest, length);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ServerProof(Access credential, std::string_view secret, std::string_view client_nonce,
                        std::string_view server_nonce) {
  std::string label = credential == Access::kObserver ? "osgrid-observer-server|" : "osgrid-server|";
  return HmacSha256Hex(secret, label + std::string(client_nonce) + "|" + std::string(server_nonce));
}

std::string ClientProof(Access credential, std::string_view secret, std::string_view server_nonce,
                        std::string_view client_nonce) {
  std::string label = credential == Access::kObserver ? "osgrid-observer-client|" : "osgrid-client|";
  return HmacSha256Hex(secret, label + std::string(server_nonce) + "|" + std::string(client_nonce));
}

bool IsNonce(std::string_view text) {
  if (text.size() != 2 * kNonceBytes) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void SetDefaultClientSecurity(ClientSecurity security) {
  std::lock_guard<std::mutex> lock(default_mutex);
  DefaultSecurity() = std::move(security);
}

ClientCredential ChooseCredential(const ClientSecurity& security) {
  if (!security.secret.empty()) return {Access::kMember, security.secret};
  if (!security.observer_secret.empty()) return {Access::kObserver, security.observer_secret};
  return {Access::kMember, ""};
}

ClientSecurity DefaultClientSecurity() {
  std::lock_guard<std::mutex> lock(default_mutex);
  return DefaultSecurity();
}

}  // namespace osgrid::net
