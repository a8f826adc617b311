#include "provenance/digest.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace converge::provenance {
namespace {

struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;

Context NewContext() {
  Context context(EVP_MD_CTX_new());
  CHECK(context != nullptr && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1,
        "OpenSSL SHA-256");
  return context;
}

std::string Finish(EVP_MD_CTX* context) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  CHECK(EVP_DigestFinal_ex(context, digest.data(), &size) == 1, "OpenSSL SHA-256");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  Context context = NewContext();
  CHECK(EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) == 1, "OpenSSL SHA-256");
  return Finish(context.get());
}

Result<std::string> FileSha256Hex(int fd, size_t max_bytes) {
  Context context = NewContext();
  std::array<char, 1 << 16> buffer;
  size_t total = 0;
  for (;;) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status(Code::kInternal, std::string("read: ") + std::strerror(errno));
    if (got == 0) break;
    total += static_cast<size_t>(got);
    if (total > max_bytes) {
      return Status::Invalid("file", "larger than " + std::to_string(max_bytes) + " bytes");
    }
    CHECK(EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(got)) == 1,
          "OpenSSL SHA-256");
  }
  return Finish(context.get());
}

}  // namespace converge::provenance
