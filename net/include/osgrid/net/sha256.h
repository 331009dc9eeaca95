// SHA-256 (OpenSSL libcrypto), for file and program integrity checks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "osgrid/net/status.h"

namespace osgrid::net {

/// Incremental SHA-256. Update() any number of times, then HexDigest() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void Update(std::string_view data);
  /// 64 lowercase hex characters. Ends the computation.
  std::string HexDigest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// SHA-256 of a string, as hex.
std::string Sha256Hex(std::string_view data);
/// SHA-256 of a file, streamed in 1 MiB reads. Errors: IO naming the path.
Result<std::string> Sha256File(const std::string& path);

}  // namespace osgrid::net
