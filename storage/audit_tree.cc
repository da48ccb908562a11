#include "storage/audit_tree.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/status_macros.h"

namespace casebridge::storage {
namespace {

using domain::MerkleNode;
using domain::MerkleNodeId;

constexpr Statement kInsertNodes = {
    "cb_audit_tree_insert_nodes",
    "INSERT INTO audit_tree_nodes (level, idx, hash) "
    "SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])"};

constexpr Statement kFetchNodes = {
    "cb_audit_tree_fetch_nodes",
    "SELECT n.level, n.idx, n.hash FROM audit_tree_nodes n "
    "JOIN unnest($1::smallint[], $2::bigint[]) AS want(level, idx) "
    "ON n.level = want.level AND n.idx = want.idx"};

constexpr Statement kInsertHead = {
    "cb_audit_tree_insert_head",
    "INSERT INTO audit_tree_heads (tree_size, root_hash, head_time, key_id, signature) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING"};

constexpr Statement kTreeSize = {
    "cb_audit_tree_size",
    "SELECT coalesce(max(idx) + 1, 0) AS leaves FROM audit_tree_nodes WHERE level = 0"};

#define CB_HEAD_COLUMNS \
  "tree_size, root_hash, cb_micros(head_time) AS head_micros, key_id, signature"

constexpr Statement kNewestHead = {
    "cb_audit_tree_newest_head",
    "SELECT " CB_HEAD_COLUMNS " FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1"};
constexpr Statement kOldestHead = {
    "cb_audit_tree_oldest_head",
    "SELECT " CB_HEAD_COLUMNS " FROM audit_tree_heads ORDER BY tree_size LIMIT 1"};
constexpr Statement kHeadOfSize = {
    "cb_audit_tree_head_of_size",
    "SELECT " CB_HEAD_COLUMNS " FROM audit_tree_heads WHERE tree_size = $1"};
constexpr Statement kHeadsBetween = {
    "cb_audit_tree_heads_between",
    "SELECT " CB_HEAD_COLUMNS " FROM audit_tree_heads "
    "WHERE tree_size >= $1 AND tree_size <= $2 ORDER BY tree_size"};

SignedTreeHead HeadFromRow(const pqxx::row& r) {
  SignedTreeHead h;
  h.tree_size = r["tree_size"].as<int64_t>();
  h.root_hash = BytesFromField(r["root_hash"]);
  h.time = absl::FromUnixMicros(r["head_micros"].as<int64_t>());
  h.key_id = r["key_id"].c_str();
  h.signature = BytesFromField(r["signature"]);
  return h;
}

std::optional<SignedTreeHead> OneHead(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return HeadFromRow(r[0]);
}

// Binds node ids as two parallel arrays.
Params NodeIdParams(const std::vector<MerkleNodeId>& ids) {
  std::vector<std::string> levels, indexes;
  levels.reserve(ids.size());
  indexes.reserve(ids.size());
  for (const MerkleNodeId& id : ids) {
    levels.push_back(absl::StrCat(id.level));
    indexes.push_back(absl::StrCat(id.index));
  }
  Params p;
  p.TextArray(levels).TextArray(indexes);
  return p;
}

absl::flat_hash_map<MerkleNodeId, std::string> FetchAll(
    Tx& tx, const std::vector<MerkleNodeId>& ids) {
  absl::flat_hash_map<MerkleNodeId, std::string> out;
  if (ids.empty()) return out;
  for (const pqxx::row& r : tx.Exec(kFetchNodes, NodeIdParams(ids))) {
    out[MerkleNodeId{r["level"].as<int>(), r["idx"].as<int64_t>()}] =
        BytesFromField(r["hash"]);
  }
  return out;
}

}  // namespace

absl::StatusOr<domain::MerkleFrontier> LoadFrontier(Tx& tx, int64_t size) {
  const std::vector<MerkleNodeId> edge = domain::MerkleFrontier::RightEdge(size);
  absl::flat_hash_map<MerkleNodeId, std::string> nodes = FetchAll(tx, edge);
  std::vector<std::string> hashes;
  hashes.reserve(edge.size());
  for (const MerkleNodeId& id : edge) {
    auto it = nodes.find(id);
    if (it == nodes.end()) {
      return absl::DataLossError(absl::StrCat(
          "the audit tree's node at level ", id.level, ", index ", id.index,
          " is missing: the tree of ", size, " events cannot be continued"));
    }
    hashes.push_back(std::move(it->second));
  }
  return domain::MerkleFrontier::FromNodes(size, hashes);
}

int64_t StoredTreeSize(Tx& tx) { return tx.ExecOne(kTreeSize)["leaves"].as<int64_t>(); }

void InsertTreeNodes(Tx& tx, const std::vector<MerkleNode>& nodes) {
  if (nodes.empty()) return;
  std::vector<MerkleNodeId> ids;
  std::vector<std::string> hashes;
  ids.reserve(nodes.size());
  hashes.reserve(nodes.size());
  for (const MerkleNode& n : nodes) {
    ids.push_back(n.id);
    hashes.push_back(absl::StrCat("\\x", absl::BytesToHexString(n.hash)));
  }
  Params p = NodeIdParams(ids);
  p.TextArray(hashes);
  tx.Exec(kInsertNodes, p);
}

absl::flat_hash_map<MerkleNodeId, std::string> FetchTreeNodes(
    Tx& tx, const std::vector<MerkleNodeId>& ids) {
  return FetchAll(tx, ids);
}

void InsertTreeHead(Tx& tx, const SignedTreeHead& head) {
  tx.Exec(kInsertHead, Params()
                           .Int(head.tree_size)
                           .Bytes(head.root_hash)
                           .Time(head.time)
                           .Text(head.key_id)
                           .Bytes(head.signature));
}

std::optional<SignedTreeHead> NewestTreeHead(Tx& tx) { return OneHead(tx.Exec(kNewestHead)); }
std::optional<SignedTreeHead> OldestTreeHead(Tx& tx) { return OneHead(tx.Exec(kOldestHead)); }
std::optional<SignedTreeHead> TreeHeadOfSize(Tx& tx, int64_t size) {
  return OneHead(tx.Exec(kHeadOfSize, Params().Int(size)));
}

std::vector<SignedTreeHead> TreeHeadsBetween(Tx& tx, int64_t lo, int64_t hi) {
  std::vector<SignedTreeHead> out;
  for (const pqxx::row& r : tx.Exec(kHeadsBetween, Params().Int(lo).Int(hi))) {
    out.push_back(HeadFromRow(r));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> InclusionProofFromStore(Tx& tx, int64_t leaf_index,
                                                                 int64_t tree_size) {
  return domain::InclusionProof(
      leaf_index, tree_size,
      FetchAll(tx, domain::NodesForInclusionProof(leaf_index, tree_size)));
}

absl::StatusOr<std::vector<std::string>> ConsistencyProofFromStore(Tx& tx, int64_t old_size,
                                                                   int64_t new_size) {
  return domain::ConsistencyProof(
      old_size, new_size,
      FetchAll(tx, domain::NodesForConsistencyProof(old_size, new_size)));
}

absl::StatusOr<std::string> RootFromStore(Tx& tx, int64_t size) {
  return domain::RootFromNodes(
      size, FetchAll(tx, domain::MerkleFrontier::RightEdge(size)));
}

}  // namespace casebridge::storage
