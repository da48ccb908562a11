#ifndef CASEBRIDGE_VERIFY_MERKLE_PROOF_H_
#define CASEBRIDGE_VERIFY_MERKLE_PROOF_H_

// Offline checking of the audit log's Merkle proofs, for the `casebridge`
// CLI and anyone else holding a signed tree head: does an event belong to
// the log (inclusion), and is a later log an extension of an earlier one
// (consistency)?
//
// Written from the text of RFC 9162 (Certificate Transparency 2.0):
// section 2.1.3.2 "Verifying an Inclusion Proof" and section 2.1.4.2
// "Verifying Consistency between Two Tree Heads", the iterative algorithms
// over fn, sn and r (fr, sr), step for step. It DELIBERATELY SHARES NO CODE
// with the server's domain/merkle_tree (and does not link casebridge_domain):
// only OpenSSL's SHA-256 is common. A mistake in the server's proof builder
// then shows up as a proof that fails here, instead of being mirrored by the
// same mistake in the check.
//
// Hashes are raw 32-byte SHA-256 values: leaf hash = SHA-256(0x00 || entry),
// interior node = SHA-256(0x01 || left || right). Any hash of another length
// (a root, the leaf hash, a proof element) makes a proof fail, as does a
// negative size or index. The functions answer only true or false: a proof
// either checks out or it does not, and the caller reports which.
//
// A root does not by itself fix its tree size: another size whose path has
// the same shape (e.g. leaf 0 of 5 leaves and of 6) gives the same answer
// with the same proof, in this and every RFC 9162 verifier. Take the size
// and the root together from one signed tree head, never the size from the
// proof's supplier.
//
// Pure computation and thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace casebridge::verify {

// Bytes in every hash.
inline constexpr size_t kProofHashSize = 32;

// SHA-256(0x00 || entry): the leaf hash of an audit entry. Always compute
// the leaf hash passed to VerifyInclusion with this, from the entry itself:
// a "leaf hash" taken from whoever supplies the proof could be an interior
// node's hash, which the algorithm cannot tell apart.
std::string LeafHash(absl::string_view entry);

// Whether `proof` (the inclusion path, bottom first) shows that the leaf
// with hash `leaf_hash` is leaf number `leaf_index` (0-based; the audit
// sequence minus 1) of the tree of `tree_size` leaves whose root is `root`.
// RFC 9162 section 2.1.3.2: false if leaf_index >= tree_size, if the path is
// too long or too short for the position, or if the computed root differs.
bool VerifyInclusion(absl::string_view leaf_hash, int64_t leaf_index,
                     int64_t tree_size, const std::vector<std::string>& proof,
                     absl::string_view root);

// Whether `proof` shows that the tree of `old_size` leaves with root
// `old_root` is a prefix of the tree of `new_size` leaves with root
// `new_root`. RFC 9162 section 2.1.4.2 when 0 < old_size < new_size.
// Beyond the RFC's range: old_size == new_size holds exactly when the proof
// is empty and the roots are equal; old_size == 0 is always false (every
// tree extends the empty one, so there is nothing to check: a caller without
// an earlier tree head should not call this); old_size > new_size is false.
bool VerifyConsistency(int64_t old_size, int64_t new_size,
                       absl::string_view old_root, absl::string_view new_root,
                       const std::vector<std::string>& proof);

}  // namespace casebridge::verify

#endif  // CASEBRIDGE_VERIFY_MERKLE_PROOF_H_
