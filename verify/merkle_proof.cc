#include "verify/merkle_proof.h"

#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace casebridge::verify {
namespace {

// SHA-256(prefix || a || b). The parts are copied into one buffer for
// OpenSSL's one-shot SHA256() (its streaming SHA256_* calls are deprecated in
// OpenSSL 3); a verifier hashes a few dozen nodes, so the copy is free.
std::string Hash(unsigned char prefix, absl::string_view a,
                 absl::string_view b) {
  std::string input;
  input.reserve(1 + a.size() + b.size());
  input.push_back(static_cast<char>(prefix));
  input.append(a.data(), a.size());
  input.append(b.data(), b.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

// HASH(0x01 || left || right), the RFC's interior node.
std::string NodeHash(absl::string_view left, absl::string_view right) {
  return Hash(0x01, left, right);
}

bool Lsb(uint64_t x) { return (x & 1) != 0; }

bool AllHashSized(const std::vector<std::string>& hashes) {
  for (const std::string& hash : hashes) {
    if (hash.size() != kProofHashSize) return false;
  }
  return true;
}

}  // namespace

std::string LeafHash(absl::string_view entry) {
  return Hash(0x00, entry, absl::string_view());
}

bool VerifyInclusion(absl::string_view leaf_hash, int64_t leaf_index,
                     int64_t tree_size, const std::vector<std::string>& proof,
                     absl::string_view root) {
  if (leaf_index < 0 || tree_size < 0) return false;
  if (leaf_hash.size() != kProofHashSize || root.size() != kProofHashSize ||
      !AllHashSized(proof)) {
    return false;
  }
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (leaf_index >= tree_size) return false;
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  uint64_t fn = static_cast<uint64_t>(leaf_index);
  uint64_t sn = static_cast<uint64_t>(tree_size) - 1;
  // 3. Set r to hash.
  std::string r(leaf_hash);
  // 4. For each value p in the inclusion_path array:
  for (const std::string& p : proof) {
    // a. If sn is 0, stop the iteration and fail.
    if (sn == 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (Lsb(fn) || fn == sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = NodeHash(p, r);
      // ii. If LSB(fn) is not set, right-shift both fn and sn equally until
      //     either LSB(fn) is set or fn is 0.
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // Otherwise: i. Set r to HASH(0x01 || r || p).
      r = NodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn >>= 1;
    sn >>= 1;
  }
  // 5. Compare sn to 0 and r against root_hash: fail unless sn is 0 and they
  //    are equal.
  return sn == 0 && r == root;
}

bool VerifyConsistency(int64_t old_size, int64_t new_size,
                       absl::string_view old_root, absl::string_view new_root,
                       const std::vector<std::string>& proof) {
  if (old_root.size() != kProofHashSize || new_root.size() != kProofHashSize ||
      !AllHashSized(proof)) {
    return false;
  }
  if (old_size <= 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;

  // 0 < first < second: RFC 9162 section 2.1.4.2.
  const uint64_t first = static_cast<uint64_t>(old_size);
  const uint64_t second = static_cast<uint64_t>(new_size);
  // 1. If consistency_path is an empty array, stop and fail.
  if (proof.empty()) return false;
  // 2. If first is an exact power of 2, then prepend first_hash to the
  //    consistency_path array.
  std::vector<std::string> path;
  path.reserve(proof.size() + 1);
  if ((first & (first - 1)) == 0) path.emplace_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  // 3. Set fn to first - 1 and sn to second - 1.
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until
  //    LSB(fn) is not set.
  while (Lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  std::string fr = path[0];
  std::string sr = path[0];
  // 6. For each subsequent value c in the consistency_path array:
  for (size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    // a. If sn is 0, then stop the iteration and fail.
    if (sn == 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (Lsb(fn) || fn == sn) {
      // i. Set fr to HASH(0x01 || c || fr).
      fr = NodeHash(c, fr);
      // ii. Set sr to HASH(0x01 || c || sr).
      sr = NodeHash(c, sr);
      // iii. If LSB(fn) is not set, then right-shift both fn and sn equally
      //      until either LSB(fn) is set or fn is 0.
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // Otherwise: i. Set sr to HASH(0x01 || sr || c).
      sr = NodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn >>= 1;
    sn >>= 1;
  }
  // 7. Verify that fr equals first_hash, sr equals second_hash and sn is 0.
  return fr == old_root && sr == new_root && sn == 0;
}

}  // namespace casebridge::verify
