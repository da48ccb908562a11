#include "domain/merkle_tree.h"

#include <openssl/sha.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace casebridge::domain {
namespace {

constexpr unsigned char kLeafPrefix = 0x00;
constexpr unsigned char kNodePrefix = 0x01;

std::string Sha256(const unsigned char* data, size_t size) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(data, size, digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

// SHA-256(prefix || a || b) without a heap allocation in the usual case (two
// 32-byte hashes): this runs about twice per appended leaf.
std::string PrefixedHash(unsigned char prefix, absl::string_view a,
                         absl::string_view b) {
  const size_t size = 1 + a.size() + b.size();
  unsigned char stack_buffer[1 + 2 * kMerkleHashSize];
  std::string heap_buffer;
  unsigned char* buffer = stack_buffer;
  if (size > sizeof(stack_buffer)) {
    heap_buffer.resize(size);
    buffer = reinterpret_cast<unsigned char*>(heap_buffer.data());
  }
  buffer[0] = prefix;
  std::copy(a.begin(), a.end(), buffer + 1);
  std::copy(b.begin(), b.end(), buffer + 1 + a.size());
  return Sha256(buffer, size);
}

// A run of leaves [start, start + count) visited by the RFC's recursion:
// start is always a multiple of a power of two >= count (see the header).
struct Span {
  uint64_t start;
  uint64_t count;
};

// The perfect nodes that make up `span`, leftmost (largest) first.
void AppendSpanNodes(Span span, std::vector<MerkleNodeId>& out) {
  uint64_t offset = span.start;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((span.count & width) == 0) continue;
    out.push_back(MerkleNodeId{level, static_cast<int64_t>(offset >> level)});
    offset += width;
  }
}

// RFC 9162's split point: the largest power of two smaller than n (n > 1).
uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

// PATH(m, D[n]) as spans, bottom first: the sibling of each subtree on the
// way from the root down to leaf m. Only the first right sibling can be
// imperfect (below it the subtree is perfect), so the spans hold O(log n)
// perfect nodes in all.
std::vector<Span> InclusionSpans(uint64_t m, uint64_t n) {
  std::vector<Span> spans;
  uint64_t start = 0;
  while (n > 1) {
    const uint64_t k = Split(n);
    if (m < k) {
      spans.push_back({start + k, n - k});
      n = k;
    } else {
      spans.push_back({start, k});
      start += k;
      m -= k;
      n -= k;
    }
  }
  std::reverse(spans.begin(), spans.end());
  return spans;
}

// SUBPROOF(m, D[n], true) as spans, in proof order: the recursion unrolled
// top-down, then reversed (the RFC appends each level's hash after the
// subproof below it).
std::vector<Span> ConsistencySpans(uint64_t m, uint64_t n) {
  std::vector<Span> spans;
  uint64_t start = 0;
  bool whole_old_tree = true;  // the RFC's b
  while (m != n) {
    const uint64_t k = Split(n);
    if (m <= k) {
      spans.push_back({start + k, n - k});
      n = k;
    } else {
      spans.push_back({start, k});
      start += k;
      m -= k;
      n -= k;
      whole_old_tree = false;
    }
  }
  // m == n: the subtree [start, start + m) is in both trees. Unless it is the
  // whole old tree (whose root the verifier already has), its hash is needed.
  // Reached only by a left step or at the top, so it is perfect.
  if (!whole_old_tree) spans.push_back({start, m});
  std::reverse(spans.begin(), spans.end());
  return spans;
}

std::vector<MerkleNodeId> NodesOf(const std::vector<Span>& spans) {
  std::vector<MerkleNodeId> ids;
  absl::flat_hash_set<MerkleNodeId> seen;
  std::vector<MerkleNodeId> span_ids;
  for (const Span& span : spans) {
    span_ids.clear();
    AppendSpanNodes(span, span_ids);
    for (const MerkleNodeId& id : span_ids) {
      if (seen.insert(id).second) ids.push_back(id);
    }
  }
  return ids;
}

// The hash of `span` from stored perfect nodes, folded from the right.
absl::StatusOr<std::string> SpanHash(Span span, const MerkleNodeMap& nodes) {
  std::vector<MerkleNodeId> ids;
  AppendSpanNodes(span, ids);
  std::string hash;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto found = nodes.find(*it);
    if (found == nodes.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("merkle node ", it->ToString(), " is missing"));
    }
    if (found->second.size() != kMerkleHashSize) {
      return absl::FailedPreconditionError(
          absl::StrCat("merkle node ", it->ToString(), " has ",
                       found->second.size(), " bytes, not ", kMerkleHashSize));
    }
    hash = it == ids.rbegin() ? found->second
                              : MerkleNodeHash(found->second, hash);
  }
  return hash;
}

absl::StatusOr<std::vector<std::string>> HashesOf(
    const std::vector<Span>& spans, const MerkleNodeMap& nodes) {
  std::vector<std::string> proof;
  proof.reserve(spans.size());
  for (const Span& span : spans) {
    absl::StatusOr<std::string> hash = SpanHash(span, nodes);
    if (!hash.ok()) return hash.status();
    proof.push_back(*std::move(hash));
  }
  return proof;
}

absl::Status CheckTreeSize(absl::string_view name, int64_t size) {
  if (size < 0 || size > kMaxMerkleTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " ", size, " is outside [0, ", kMaxMerkleTreeSize, "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckInclusionArguments(int64_t leaf_index, int64_t tree_size) {
  if (absl::Status status = CheckTreeSize("tree_size", tree_size);
      !status.ok()) {
    return status;
  }
  if (leaf_index < 0 || leaf_index >= tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf_index ", leaf_index, " is not a leaf of a tree of ",
                     "tree_size ", tree_size));
  }
  return absl::OkStatus();
}

absl::Status CheckConsistencyArguments(int64_t old_size, int64_t new_size) {
  if (absl::Status status = CheckTreeSize("new_size", new_size); !status.ok()) {
    return status;
  }
  if (old_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old_size ", old_size,
        " must be positive: no consistency proof from the empty tree"));
  }
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old_size ", old_size, " is larger than new_size ", new_size));
  }
  return absl::OkStatus();
}

}  // namespace

std::string MerkleLeafHash(absl::string_view entry) {
  return PrefixedHash(kLeafPrefix, entry, absl::string_view());
}

std::string MerkleNodeHash(absl::string_view left, absl::string_view right) {
  return PrefixedHash(kNodePrefix, left, right);
}

std::string MerkleEmptyRoot() { return Sha256(nullptr, 0); }

std::string MerkleNodeId::ToString() const {
  return absl::StrCat("level ", level, " index ", index);
}

// ---- MerkleFrontier ---------------------------------------------------------

absl::StatusOr<MerkleFrontier> MerkleFrontier::FromNodes(
    int64_t size, const std::vector<std::string>& right_edge_hashes) {
  if (absl::Status status = CheckTreeSize("size", size); !status.ok()) {
    return status;
  }
  const int expected = std::popcount(static_cast<uint64_t>(size));
  if (static_cast<int64_t>(right_edge_hashes.size()) != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("right_edge_hashes has ", right_edge_hashes.size(),
                     " hashes; a tree of size ", size, " has ", expected,
                     " right-edge nodes"));
  }
  for (size_t i = 0; i < right_edge_hashes.size(); ++i) {
    if (right_edge_hashes[i].size() != kMerkleHashSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "right_edge_hashes[", i, "] has ", right_edge_hashes[i].size(),
          " bytes, not ", kMerkleHashSize));
    }
  }
  MerkleFrontier frontier;
  frontier.size_ = size;
  frontier.right_edge_ = right_edge_hashes;
  return frontier;
}

std::vector<MerkleNodeId> MerkleFrontier::RightEdge(int64_t size) {
  std::vector<MerkleNodeId> ids;
  if (size <= 0 || size > kMaxMerkleTreeSize) return ids;
  AppendSpanNodes(Span{0, static_cast<uint64_t>(size)}, ids);
  return ids;
}

std::vector<MerkleNode> MerkleFrontier::Append(absl::string_view leaf_hash) {
  std::vector<MerkleNode> completed;
  MerkleNodeId id{0, size_};
  std::string hash(leaf_hash);
  completed.push_back(MerkleNode{id, hash});
  // Each trailing 1 bit of the old size is a perfect node on the right edge
  // of the same width as the one just completed, immediately to its left:
  // they merge into their parent, which may merge again.
  for (uint64_t bits = static_cast<uint64_t>(size_); (bits & 1) != 0;
       bits >>= 1) {
    hash = MerkleNodeHash(right_edge_.back(), hash);
    right_edge_.pop_back();
    id = MerkleNodeId{id.level + 1, id.index >> 1};
    completed.push_back(MerkleNode{id, hash});
  }
  right_edge_.push_back(std::move(hash));
  ++size_;
  return completed;
}

std::string MerkleFrontier::Root() const {
  if (right_edge_.empty()) return MerkleEmptyRoot();
  std::string root = right_edge_.back();
  for (auto it = right_edge_.rbegin() + 1; it != right_edge_.rend(); ++it) {
    root = MerkleNodeHash(*it, root);
  }
  return root;
}

// ---- Proofs -----------------------------------------------------------------

std::vector<MerkleNodeId> NodesForRoot(int64_t tree_size) {
  return MerkleFrontier::RightEdge(tree_size);
}

absl::StatusOr<std::string> RootFromNodes(int64_t tree_size,
                                          const MerkleNodeMap& nodes) {
  if (absl::Status status = CheckTreeSize("tree_size", tree_size);
      !status.ok()) {
    return status;
  }
  if (tree_size == 0) return MerkleEmptyRoot();
  return SpanHash(Span{0, static_cast<uint64_t>(tree_size)}, nodes);
}

std::vector<MerkleNodeId> NodesForInclusionProof(int64_t leaf_index,
                                                 int64_t tree_size) {
  if (!CheckInclusionArguments(leaf_index, tree_size).ok()) return {};
  return NodesOf(InclusionSpans(static_cast<uint64_t>(leaf_index),
                                static_cast<uint64_t>(tree_size)));
}

absl::StatusOr<std::vector<std::string>> InclusionProof(
    int64_t leaf_index, int64_t tree_size, const MerkleNodeMap& nodes) {
  if (absl::Status status = CheckInclusionArguments(leaf_index, tree_size);
      !status.ok()) {
    return status;
  }
  return HashesOf(InclusionSpans(static_cast<uint64_t>(leaf_index),
                                 static_cast<uint64_t>(tree_size)),
                  nodes);
}

std::vector<MerkleNodeId> NodesForConsistencyProof(int64_t old_size,
                                                   int64_t new_size) {
  if (!CheckConsistencyArguments(old_size, new_size).ok()) return {};
  return NodesOf(ConsistencySpans(static_cast<uint64_t>(old_size),
                                  static_cast<uint64_t>(new_size)));
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(
    int64_t old_size, int64_t new_size, const MerkleNodeMap& nodes) {
  if (absl::Status status = CheckConsistencyArguments(old_size, new_size);
      !status.ok()) {
    return status;
  }
  return HashesOf(ConsistencySpans(static_cast<uint64_t>(old_size),
                                   static_cast<uint64_t>(new_size)),
                  nodes);
}

}  // namespace casebridge::domain
