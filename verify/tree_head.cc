#include "verify/tree_head.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace casebridge::verify {
namespace {

constexpr absl::string_view kTag = "casebridge-tree-head-v1\n";

void AppendBigEndian(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

bool Base64Of(absl::string_view text, size_t size, std::string* out) {
  return absl::Base64Unescape(text, out) && out->size() == size;
}

std::string KeyIdOf(absl::string_view raw) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), 16));
}

}  // namespace

absl::StatusOr<TreeHead> ParseTreeHead(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
  if (f.size() != 6 || f[0] != "v1") {
    return absl::InvalidArgumentError(
        "not a tree head: expected \"v1 <size> <root> <time micros> <key id> <signature>\"");
  }
  TreeHead h;
  if (!absl::SimpleAtoi(f[1], &h.tree_size) || h.tree_size < 0) {
    return absl::InvalidArgumentError("tree head: the size is not a number");
  }
  if (!Base64Of(f[2], 32, &h.root_hash)) {
    return absl::InvalidArgumentError("tree head: the root is not 32 bytes of base64");
  }
  if (!absl::SimpleAtoi(f[3], &h.time_micros)) {
    return absl::InvalidArgumentError("tree head: the time is not a number");
  }
  h.key_id = std::string(f[4]);
  if (!Base64Of(f[5], 64, &h.signature)) {
    return absl::InvalidArgumentError("tree head: the signature is not 64 bytes of base64");
  }
  return h;
}

std::string FormatTreeHead(const TreeHead& h) {
  return absl::StrCat("v1 ", h.tree_size, " ", absl::Base64Escape(h.root_hash), " ",
                      h.time_micros, " ", h.key_id, " ", absl::Base64Escape(h.signature));
}

absl::StatusOr<std::vector<PublicKey>> ParsePublicKeys(absl::string_view text) {
  std::vector<PublicKey> keys;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    PublicKey k;
    if (f.size() != 4 || f[0] != "ed25519" || !Base64Of(f[2], 32, &k.raw)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "public keys, line ", number,
          ": expected \"ed25519 <key id> <public key base64> <created micros>\""));
    }
    k.key_id = std::string(f[1]);
    keys.push_back(std::move(k));
  }
  if (keys.empty()) return absl::InvalidArgumentError("public keys: the file has none");
  return keys;
}

absl::Status VerifyTreeHead(const TreeHead& head, const std::vector<PublicKey>& keys) {
  const PublicKey* key = nullptr;
  for (const PublicKey& k : keys) {
    if (k.key_id == head.key_id) key = &k;
  }
  if (key == nullptr) {
    return absl::NotFoundError(absl::StrCat("the head is signed by key ", head.key_id,
                                            ", which is not among the keys you keep"));
  }
  if (KeyIdOf(key->raw) != key->key_id) {
    return absl::DataLossError(
        absl::StrCat("key ", key->key_id, " in your keys file is not that key's id"));
  }
  if (head.root_hash.size() != 32 || head.signature.size() != 64) {
    return absl::DataLossError("the head's root or signature has the wrong length");
  }
  std::string message(kTag);
  AppendBigEndian(&message, static_cast<uint64_t>(head.tree_size));
  message += head.root_hash;
  AppendBigEndian(&message, static_cast<uint64_t>(head.time_micros));
  AppendBigEndian(&message, head.key_id.size());
  message += head.key_id;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(key->raw.data()),
                                  key->raw.size()),
      &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free);
  if (pkey == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return absl::InternalError("cannot start Ed25519 verification");
  }
  if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(head.signature.data()),
                       head.signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1) {
    return absl::DataLossError(absl::StrCat("the signature of the head of ", head.tree_size,
                                            " events does not verify with key ", head.key_id));
  }
  return absl::OkStatus();
}

}  // namespace casebridge::verify
