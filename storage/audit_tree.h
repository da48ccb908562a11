#ifndef CASEBRIDGE_STORAGE_AUDIT_TREE_H_
#define CASEBRIDGE_STORAGE_AUDIT_TREE_H_

// The Merkle tree over sealed audit events, as stored: the hash of every
// perfect subtree (audit_tree_nodes) and every signed tree head
// (audit_tree_heads). The tree logic is domain/merkle_tree.h; this is only
// where its nodes live and how a proof's nodes are fetched (one query each).
//
// Nothing here is trusted by a verifier: proofs are checked against signed
// heads, and heads against the witnesses and the signing keys.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/merkle_tree.h"
#include "storage/audit_keys.h"
#include "storage/database.h"

namespace casebridge::storage {

// The frontier (right edge) of the stored tree of `size` leaves, restored
// from its perfect-subtree nodes. DATA_LOSS naming the node when one is
// missing.
absl::StatusOr<domain::MerkleFrontier> LoadFrontier(Tx& tx, int64_t size);

// How many leaves the stored tree has.
int64_t StoredTreeSize(Tx& tx);

// Stores nodes an append completed (MerkleFrontier::Append).
void InsertTreeNodes(Tx& tx, const std::vector<domain::MerkleNode>& nodes);

// The stored hashes of `ids`; ids with no row are absent from the map.
absl::flat_hash_map<domain::MerkleNodeId, std::string> FetchTreeNodes(
    Tx& tx, const std::vector<domain::MerkleNodeId>& ids);

void InsertTreeHead(Tx& tx, const SignedTreeHead& head);
// The newest stored head, the head of exactly `size`, the oldest one, and
// every head with lo <= size <= hi (oldest first).
std::optional<SignedTreeHead> NewestTreeHead(Tx& tx);
std::optional<SignedTreeHead> TreeHeadOfSize(Tx& tx, int64_t size);
std::optional<SignedTreeHead> OldestTreeHead(Tx& tx);
std::vector<SignedTreeHead> TreeHeadsBetween(Tx& tx, int64_t lo, int64_t hi);

// RFC 9162 proofs from the stored nodes: of leaf `leaf_index` in the tree of
// `tree_size`, and of the tree of `old_size` being a prefix of `new_size`.
absl::StatusOr<std::vector<std::string>> InclusionProofFromStore(Tx& tx, int64_t leaf_index,
                                                                 int64_t tree_size);
absl::StatusOr<std::vector<std::string>> ConsistencyProofFromStore(Tx& tx, int64_t old_size,
                                                                   int64_t new_size);
// The root of the stored tree of `size` leaves.
absl::StatusOr<std::string> RootFromStore(Tx& tx, int64_t size);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_AUDIT_TREE_H_
