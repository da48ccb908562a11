#ifndef CASEBRIDGE_DOMAIN_MERKLE_TREE_H_
#define CASEBRIDGE_DOMAIN_MERKLE_TREE_H_

// The audit log's Merkle tree, server side: RFC 9162 (Certificate
// Transparency 2.0) section 2.1 hashing, an append-only frontier, and
// inclusion and consistency proofs built from stored perfect subtrees.
//
// Hashing (RFC 9162 section 2.1.1), SHA-256 throughout:
//   MTH({})        = SHA-256("")
//   leaf hash      = SHA-256(0x00 || entry)
//   node hash      = SHA-256(0x01 || left || right)
//   MTH(D[n]), n>1 = node hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power
//                    of two smaller than n.
// The two prefixes keep a leaf from ever hashing like an interior node, so
// no one can present two child hashes as an "entry" (a second preimage).
// Audit events are leaves in sealing order: leaf index = sequence - 1.
//
// Storage model. At national scale the log holds ~1e8 leaves, so the server
// never loads them. It stores instead the hash of every PERFECT subtree as it
// completes: node (level L, index i) covers leaves [i*2^L, (i+1)*2^L) and
// exists once leaf (i+1)*2^L - 1 has been appended. A tree of n leaves has
// 2n - popcount(n) of them (under two per leaf), and a node never changes
// once written, so the table is append-only like the log.
//
// Every subtree the RFC's recursion visits is a run of leaves [s, s+m) whose
// start s is a multiple of a power of two >= m. Such a run is the
// concatenation of one perfect node per set bit of m (largest first), and
// its hash folds them from the right: H(n1, H(n2, ... H(nk-1, nk))). So the
// root of any size, and every element of every proof, is computed from
// O(log n) stored nodes: the proof functions below first say which nodes
// they need (NodesFor...: storage fetches them in one query), then build the
// proof from exactly those.
//
// MerkleFrontier is the in-memory state of the writer: the perfect nodes on
// the right edge of the current tree (one per set bit of the size; RFC 9162
// calls a set of such nodes a compact range). Appending a leaf completes the
// leaf node and possibly a chain of parents; Append returns all of them so
// the caller writes them in the same transaction as the event.
//
// Everything here is pure computation: no I/O, no clock, no globals. The
// offline verifier (verify/merkle_proof.h) deliberately shares no code with
// this file, so a bug here cannot make a bad proof check out there.
//
// Sizes and indices are int64_t (the database's bigint); anything negative,
// or past 2^62 leaves, is an invalid argument.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casebridge::domain {

// Bytes in every hash below (raw SHA-256, not hex).
inline constexpr size_t kMerkleHashSize = 32;

// Largest tree size accepted anywhere here: far beyond any log, and small
// enough that index << level never overflows.
inline constexpr int64_t kMaxMerkleTreeSize = int64_t{1} << 62;

// SHA-256(0x00 || entry): the hash of audit event `entry` as a leaf.
std::string MerkleLeafHash(absl::string_view entry);
// SHA-256(0x01 || left || right): the hash of an interior node.
std::string MerkleNodeHash(absl::string_view left, absl::string_view right);
// SHA-256(""): the root of the empty tree.
std::string MerkleEmptyRoot();

// A perfect subtree: level L, index i covers leaves [i*2^L, (i+1)*2^L).
// Level 0 nodes are the leaf hashes themselves (index = leaf index).
struct MerkleNodeId {
  int level = 0;
  int64_t index = 0;

  // First leaf covered, and one past the last.
  int64_t begin() const { return index << level; }
  int64_t end() const { return (index + 1) << level; }

  // "level 3 index 5", for messages.
  std::string ToString() const;

  friend bool operator==(const MerkleNodeId& a, const MerkleNodeId& b) {
    return a.level == b.level && a.index == b.index;
  }
  friend bool operator!=(const MerkleNodeId& a, const MerkleNodeId& b) {
    return !(a == b);
  }
  template <typename H>
  friend H AbslHashValue(H h, const MerkleNodeId& id) {
    return H::combine(std::move(h), id.level, id.index);
  }
};

struct MerkleNode {
  MerkleNodeId id;
  std::string hash;  // kMerkleHashSize bytes
};

// Stored perfect-node hashes by id: what the proof functions read. It may
// hold more nodes than asked for; extra ones are ignored.
using MerkleNodeMap = absl::flat_hash_map<MerkleNodeId, std::string>;

class MerkleFrontier {
 public:
  // The empty tree.
  MerkleFrontier() = default;

  // The frontier of a tree of `size` leaves, restored from storage:
  // `right_edge_hashes` are the hashes of the nodes RightEdge(size) names, in
  // the same order (highest level first). INVALID_ARGUMENT if size is
  // negative or too large, if the count is not popcount(size), or if a hash
  // is not kMerkleHashSize bytes. (That the hashes are the right ones cannot
  // be checked without the leaves: compare Root() with a signed tree head.)
  static absl::StatusOr<MerkleFrontier> FromNodes(
      int64_t size, const std::vector<std::string>& right_edge_hashes);

  // The perfect nodes a tree of `size` leaves splits into, one per set bit of
  // size, highest level (leftmost) first; empty for size <= 0. Their hashes,
  // folded from the right, are MTH(D[size]).
  static std::vector<MerkleNodeId> RightEdge(int64_t size);

  // Leaves appended so far.
  int64_t size() const { return size_; }

  // Appends the leaf with hash `leaf_hash` (MerkleLeafHash of the entry) as
  // leaf size(), and returns every perfect node this completes, lowest level
  // first: the leaf itself (level 0, index = old size), then one parent per
  // trailing 1 bit of the old size. Persist exactly these; over n appends
  // they are every perfect node of the tree, each once. The leaf hash is
  // taken as given (any bytes; the audit log always passes 32).
  std::vector<MerkleNode> Append(absl::string_view leaf_hash);

  // MTH of the current tree (MerkleEmptyRoot() when empty).
  std::string Root() const;

  // The hashes of RightEdge(size()), highest level first: what FromNodes
  // takes back.
  const std::vector<std::string>& right_edge_hashes() const {
    return right_edge_;
  }

 private:
  int64_t size_ = 0;
  std::vector<std::string> right_edge_;  // highest level first
};

// ---- Proofs from stored perfect nodes ---------------------------------------
//
// Each proof comes in two steps: NodesFor... names every perfect node the
// proof reads (each once, all complete within the tree size asked for, at
// most about 2*log2(size) of them), and the proof function builds the proof
// from a map holding at least those. The NodesFor... functions return an
// empty list for invalid arguments; the proof functions report them.

// Nodes RootFromNodes(tree_size) reads: RightEdge(tree_size).
std::vector<MerkleNodeId> NodesForRoot(int64_t tree_size);
// MTH(D[tree_size]) of an earlier (or the current) tree size.
// INVALID_ARGUMENT for a negative or too large tree_size; FAILED_PRECONDITION
// naming the node if one is missing from `nodes` or not kMerkleHashSize
// bytes. tree_size 0 gives MerkleEmptyRoot().
absl::StatusOr<std::string> RootFromNodes(int64_t tree_size,
                                          const MerkleNodeMap& nodes);

// Nodes InclusionProof(leaf_index, tree_size) reads.
std::vector<MerkleNodeId> NodesForInclusionProof(int64_t leaf_index,
                                                 int64_t tree_size);
// PATH(leaf_index, D[tree_size]) of RFC 9162 section 2.1.3.1: the sibling
// hashes from the leaf up to the root, bottom first (empty for a tree of one
// leaf). INVALID_ARGUMENT unless 0 <= leaf_index < tree_size <=
// kMaxMerkleTreeSize; FAILED_PRECONDITION naming a missing or malformed node.
absl::StatusOr<std::vector<std::string>> InclusionProof(
    int64_t leaf_index, int64_t tree_size, const MerkleNodeMap& nodes);

// Nodes ConsistencyProof(old_size, new_size) reads.
std::vector<MerkleNodeId> NodesForConsistencyProof(int64_t old_size,
                                                   int64_t new_size);
// PROOF(old_size, D[new_size]) = SUBPROOF(old_size, D[new_size], true) of RFC
// 9162 section 2.1.4.1: that the tree of old_size leaves is a prefix of the
// tree of new_size leaves. Empty when old_size == new_size (the two roots
// must simply be equal). INVALID_ARGUMENT unless 0 < old_size <= new_size <=
// kMaxMerkleTreeSize (the RFC defines no proof from the empty tree: every
// tree extends it, so there is nothing to prove); FAILED_PRECONDITION naming
// a missing or malformed node.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(
    int64_t old_size, int64_t new_size, const MerkleNodeMap& nodes);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_MERKLE_TREE_H_
