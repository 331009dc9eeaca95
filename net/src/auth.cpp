// Cluster secret, HMAC proofs, randomness (OpenSSL libcrypto). See auth.h.
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

Status TooShort(std::size_t length, const std::string& source) {
  return Status::BadRequest("the cluster secret from " + source + " is " + std::to_string(length) +
                            " bytes; it must be at least " + std::to_string(kMinSecretBytes) +
                            " (make one with: osgrid-tracker --init)");
}

std::mutex default_mutex;
ClientSecurity& DefaultSecurity() {
  static ClientSecurity security;  // guarded by default_mutex
  return security;
}

}  // namespace

Result<LoadedSecret> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read the secret file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  LoadedSecret loaded{text.str(), path, ""};
  if (!loaded.secret.empty() && loaded.secret.back() == '\n') loaded.secret.pop_back();
  if (!loaded.secret.empty() && loaded.secret.back() == '\r') loaded.secret.pop_back();
  if (loaded.secret.size() < kMinSecretBytes) return TooShort(loaded.secret.size(), "'" + path + "'");
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    loaded.warning = "the secret file '" + path + "' is readable by group or others; run: chmod 600 " + path;
  }
  return loaded;
}

Result<LoadedSecret> LoadSecret(const std::string& secret_file) {
  if (!secret_file.empty()) return ReadSecretFile(secret_file);
  const char* env = std::getenv(kSecretEnv);
  if (env == nullptr || *env == '\0') return LoadedSecret{};
  LoadedSecret loaded{env, kSecretEnv, ""};
  if (loaded.secret.size() < kMinSecretBytes) return TooShort(loaded.secret.size(), kSecretEnv);
  return loaded;
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

std::string ServerProof(std::string_view secret, std::string_view client_nonce, std::string_view server_nonce) {
  return HmacSha256Hex(secret, "osgrid-server|" + std::string(client_nonce) + "|" + std::string(server_nonce));
}

std::string ClientProof(std::string_view secret, std::string_view server_nonce, std::string_view client_nonce) {
  return HmacSha256Hex(secret, "osgrid-client|" + std::string(server_nonce) + "|" + std::string(client_nonce));
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

ClientSecurity DefaultClientSecurity() {
  std::lock_guard<std::mutex> lock(default_mutex);
  return DefaultSecurity();
}

}  // namespace osgrid::net
