#ifndef CASEBRIDGE_STORAGE_AUDIT_KEYS_H_
#define CASEBRIDGE_STORAGE_AUDIT_KEYS_H_

// The audit log's keys, kept outside the database so that whoever holds only
// database credentials can neither forge events nor rewrite the log's
// history unnoticed:
//  - one HMAC-SHA256 key authenticating every audit event (a row inserted
//    with SQL alone has no valid MAC);
//  - Ed25519 keys signing the Merkle tree heads (size, root, time) of the
//    log, with rotation: a head names its key, every key stays in the ring
//    for verification, the newest signs.
// Signed heads go to witnesses outside the database (tree_head_witness.h);
// an auditor checks them with the public keys alone (ExportPublicKeys,
// ParsePublicKeys, VerifyWithPublicKey).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace casebridge::storage {

inline constexpr int kTreeHeadRootBytes = 32;       // SHA-256.
inline constexpr int kTreeHeadSignatureBytes = 64;  // Ed25519.
inline constexpr int kEd25519PublicKeyBytes = 32;
inline constexpr int kEventMacBytes = 32;  // HMAC-SHA256.

// A Merkle tree head of the audit log, signed by one key of an AuditKeyRing.
struct SignedTreeHead {
  int64_t tree_size = 0;
  std::string root_hash;  // kTreeHeadRootBytes raw bytes.
  // Microsecond precision: what is signed (Sign truncates to it).
  absl::Time time;
  std::string key_id;     // KeyIdOf the signing key's public key.
  std::string signature;  // kTreeHeadSignatureBytes raw bytes.

  friend bool operator==(const SignedTreeHead&, const SignedTreeHead&) = default;
};

// The exact bytes a tree head's signature covers (everything but the
// signature):
//   "casebridge-tree-head-v1\n"
//   tree_size                               8 bytes, big-endian
//   root_hash                               32 bytes
//   time, microseconds since the Unix epoch 8 bytes, big-endian, signed
//   length of key_id                        8 bytes, big-endian
//   key_id
// The tag separates these signatures from any other use of the keys and
// versions the format: changing it makes every signed head unverifiable.
// Given a root of any other length the bytes are ambiguous; Verify refuses
// such heads and Sign never makes them.
std::string SignedTreeHeadMessage(const SignedTreeHead& head);

// The stable text form of a head, for witness files and the CLI: one line
// (no newline) of six fields separated by single spaces,
//   v1 <tree_size> <root base64> <time micros> <key_id> <signature base64>
// base64 being standard (RFC 4648 section 4, padded), time signed decimal.
std::string EncodeTreeHead(const SignedTreeHead& head);
// Parses what EncodeTreeHead makes, accepting one trailing "\n" and nothing
// else: INVALID_ARGUMENT naming the field for anything malformed (wrong
// field count or separators, another version, a size that is not a
// non-negative decimal, base64 that is not canonical or not 32/64 bytes, a
// time that is not a decimal int64, a key id that is not 32 lowercase hex
// digits). Checks the form only; Verify checks the signature.
absl::StatusOr<SignedTreeHead> DecodeTreeHead(absl::string_view line);

// A key's id: lowercase hex of the first 16 bytes of SHA-256 over the raw
// 32-byte Ed25519 public key.
std::string KeyIdOf(absl::string_view raw_public_key);

struct PublicKeyInfo {
  std::string key_id;
  std::string public_key;  // Raw, kEd25519PublicKeyBytes.
  absl::Time created;      // From the key file's name (whole seconds).

  friend bool operator==(const PublicKeyInfo&, const PublicKeyInfo&) = default;
};

// The keys in a directory (the server's --audit-key-dir):
//   signing-<created, UTC, YYYYMMDDTHHMMSSZ>.pem
//       an Ed25519 private key, PKCS#8 PEM, unencrypted; one or more;
//   event-mac.key
//       the HMAC key: 64 hex digits (32 random bytes) and a newline.
// Every key file must be a regular file no one but its owner may access
// (mode 0600 or stricter); any other is refused, so a key is never used
// after it may have leaked through its permissions. Names beginning with
// "." are ignored (LoadOrCreate and Rotate write into such temporary files
// before linking them into place); other unknown names are ignored too.
//
// Thread-safe: Sign, Verify, EventMac and the rest may run concurrently
// with one another and with Rotate. Key material is never logged and is
// wiped from memory when the ring is destroyed.
class AuditKeyRing {
 public:
  // Reads every key in `dir`. FAILED_PRECONDITION when the directory has no
  // signing key or no event-mac.key, or a key file's mode lets group or
  // others in (naming the file and its mode), or the directory is writable
  // by group or others (they could swap keys); INVALID_ARGUMENT naming the
  // file for a file that is not a valid key of its kind (a malformed
  // creation time in a signing key's name included: it would otherwise be
  // ignored, and the heads it signed fail to verify); NOT_FOUND when `dir`
  // does not exist.
  static absl::StatusOr<AuditKeyRing> Load(const std::string& dir);

  // Load, first creating what is missing: the directory (mode 0700; its
  // parent must exist), the HMAC key and a first signing key (mode 0600).
  // For the embedded default, where no operator made keys. A key is written
  // to a new temporary file (O_CREAT|O_EXCL), fsynced, then linked to its
  // name (which fails rather than replace an existing key: two servers
  // starting together keep one HMAC key) and the directory fsynced, so a
  // crash leaves either no key or a whole one, never half of one.
  static absl::StatusOr<AuditKeyRing> LoadOrCreate(const std::string& dir);

  AuditKeyRing(AuditKeyRing&&) noexcept;
  AuditKeyRing& operator=(AuditKeyRing&&) noexcept;
  ~AuditKeyRing();

  // Makes a new signing key in the directory (written as LoadOrCreate
  // writes keys) and makes it the active one; the older keys stay in the
  // ring and the directory, to verify the heads they signed. Returns the new
  // key's id. The new key is dated now, or one second after the newest key
  // if the clock reads no later than that, so it is always the newest.
  // UNAVAILABLE (naming the file and the error) when it cannot be written;
  // the ring is then unchanged.
  absl::StatusOr<std::string> Rotate();

  // The id of the key Sign uses: the newest by creation time.
  std::string ActiveKeyId() const;

  // Signs (size, root, time) with the active key; `time` is truncated to
  // whole microseconds (toward the past), which is what is signed and what
  // the head holds. `root` must be kTreeHeadRootBytes long and `size`
  // non-negative: the caller (the Merkle tree) always passes a SHA-256 and a
  // count, so anything else is a programming error, and the process aborts
  // rather than sign an ambiguous message.
  SignedTreeHead Sign(int64_t size, absl::string_view root, absl::Time time) const;

  // Whether `head` was signed by a key of this ring: OK; NOT_FOUND naming
  // the key id when no key in the ring has it; DATA_LOSS when the signature
  // does not match (the head or the signature was altered, or made
  // without the key); INVALID_ARGUMENT for a malformed head (negative size,
  // root or signature of the wrong length).
  absl::Status Verify(const SignedTreeHead& head) const;

  // HMAC-SHA256 of an audit event's canonical bytes
  // (CanonicalAuditContent), raw kEventMacBytes.
  std::string EventMac(absl::string_view canonical_bytes) const;
  // Whether `mac` is EventMac(canonical_bytes), compared in constant time
  // (CRYPTO_memcmp), so a forger learns nothing from how long a refusal
  // takes. A MAC of the wrong length is false.
  bool CheckEventMac(absl::string_view canonical_bytes, absl::string_view mac) const;

  // Every signing key's public half, oldest first (the active key last).
  std::vector<PublicKeyInfo> PublicKeys() const;

  // PublicKeys() as text for an offline verifier, one line per key, oldest
  // first, each ending in "\n":
  //   ed25519 <key_id> <raw public key, base64> <created, micros since epoch>
  std::string ExportPublicKeys() const;
  // Parses ExportPublicKeys' text; blank lines and lines starting with '#'
  // are skipped. INVALID_ARGUMENT naming the line number for a malformed
  // line, a key id that is not the id of its key (a copy-paste mix-up would
  // otherwise make good heads fail), or the same key id twice.
  static absl::StatusOr<std::vector<PublicKeyInfo>> ParsePublicKeys(absl::string_view text);

  // Verify with one public key and no ring, for the offline verifier (the
  // CLI, given ParsePublicKeys' output): as Verify, and INVALID_ARGUMENT
  // when `raw_public_key` is not kEd25519PublicKeyBytes long or is not the
  // key `head.key_id` names.
  static absl::Status VerifyWithPublicKey(const SignedTreeHead& head,
                                          absl::string_view raw_public_key);

 private:
  struct State;
  explicit AuditKeyRing(std::unique_ptr<State> state);

  // Never null but after a move.
  std::unique_ptr<State> state_;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_AUDIT_KEYS_H_
