#ifndef CASEBRIDGE_VERIFY_TREE_HEAD_H_
#define CASEBRIDGE_VERIFY_TREE_HEAD_H_

// Offline checking of the audit log's signed tree heads, for the
// `casebridge` CLI: given the public keys an auditor keeps (the file
// `casebridge audit keys --save` writes), is this head signed by one of
// them?
//
// Written from the formats docs/AUDIT.md gives, not from the server's code
// (storage/audit_keys.cc), like merkle_proof.h: only OpenSSL is common.
//   signed bytes: "casebridge-tree-head-v1\n", tree size (8 bytes big
//     endian), root (32 bytes), time in microseconds since the epoch
//     (8 bytes big endian, signed), length of the key id (8 bytes big
//     endian), the key id;
//   a head on one line: v1 <size> <root base64> <time micros> <key id>
//     <signature base64>;
//   a public key on one line: ed25519 <key id> <raw key base64> <created
//     micros>; blank lines and lines starting with "#" are ignored.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casebridge::verify {

struct TreeHead {
  int64_t tree_size = 0;
  std::string root_hash;  // 32 raw bytes.
  int64_t time_micros = 0;
  std::string key_id;
  std::string signature;  // 64 raw bytes.
};

struct PublicKey {
  std::string key_id;
  std::string raw;  // 32 bytes.
};

// Parses one head line; INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<TreeHead> ParseTreeHead(absl::string_view line);
// The head as one line (ParseTreeHead's input).
std::string FormatTreeHead(const TreeHead& head);
// Parses a public keys file; INVALID_ARGUMENT naming the line.
absl::StatusOr<std::vector<PublicKey>> ParsePublicKeys(absl::string_view text);

// OK when `head` is signed by the key of `keys` it names (and that key's id
// is its public key's: the first 16 bytes of SHA-256 over it, in hex).
// NOT_FOUND for a key not in `keys`, DATA_LOSS for a bad signature.
absl::Status VerifyTreeHead(const TreeHead& head, const std::vector<PublicKey>& keys);

}  // namespace casebridge::verify

#endif  // CASEBRIDGE_VERIFY_TREE_HEAD_H_
