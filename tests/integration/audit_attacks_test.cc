// Adversarial review of the verifiable audit log (docs/AUDIT.md). The
// attacker holds database credentials (the runtime role casebridge_app, or
// the owner) but neither the key directory nor the witness file. Each test
// states what the log promises; a failing test is an attack that works.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "domain/merkle_tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/audit_log.h"
#include "storage/crypto.h"
#include "tests/support/test_server.h"
#include "verify/merkle_proof.h"
#include "verify/tree_head.h"

namespace casebridge {
namespace {

using test_support::CreateCaseAs;
using test_support::TestServer;

class AuditAttacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test_support::TestServerOptions options;
    options.fake_clock = true;
    options.start_time =
        test_support::TestStartTime();
    auto started = TestServer::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    audit_ = v1::AuditService::NewStub(server_->channel());
    cases_ = v1::CaseService::NewStub(server_->channel());
    case_ = CreateCaseAs(*server_, "pc.hughes");
    Reads(12);
    WaitUntilSealed();
    ASSERT_TRUE(Verify().ok());
  }

  void Reads(int n) {
    for (int i = 0; i < n; ++i) {
      v1::GetCaseRequest req;
      req.set_name(case_.name());
      v1::Case out;
      ASSERT_GRPC_OK(cases_->GetCase(
          server_->Context(i % 2 ? "pc.hughes" : "sgt.khan").get(), req, &out));
    }
  }

  v1::VerifyAuditLogResponse Verify() {
    v1::VerifyAuditLogResponse out;
    EXPECT_GRPC_OK(audit_->VerifyAuditLog(server_->Context("auditor.shah").get(),
                                          v1::VerifyAuditLogRequest(), &out));
    return out;
  }

  v1::AuditTreeHead Head() {
    v1::AuditTreeHead out;
    EXPECT_GRPC_OK(audit_->GetAuditTreeHead(server_->Context("auditor.shah").get(),
                                            v1::GetAuditTreeHeadRequest(), &out));
    return out;
  }

  bool SealedWithin(absl::Duration d, absl::string_view where = "true") {
    const absl::Time until = absl::Now() + d;
    while (absl::Now() < until) {
      if (*server_->Query(absl::StrCat("SELECT count(*) FROM audit_pending WHERE ", where)) ==
          "0") {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }
  void WaitUntilSealed() { ASSERT_TRUE(SealedWithin(absl::Seconds(30))); }

  int64_t SealedHead() {
    return std::stoll(*server_->Query("SELECT coalesce(max(seq), 0) FROM audit_seals"));
  }

  // As the owner, every append-only trigger of the audit tables off.
  void Tamper(const std::string& sql) {
    static constexpr const char* kTables[] = {"audit_events", "audit_seals",
                                              "audit_tree_nodes", "audit_tree_heads",
                                              "audit_rejected"};
    std::string off, on;
    for (const char* t : kTables) {
      absl::StrAppend(&off, "ALTER TABLE ", t, " DISABLE TRIGGER USER; ");
      absl::StrAppend(&on, "; ALTER TABLE ", t, " ENABLE TRIGGER USER");
    }
    absl::StatusOr<std::string> r = server_->Query(absl::StrCat(off, sql, on, "; SELECT 1"));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  // As the runtime role, which the server itself runs as.
  void AsRuntimeRole(const std::string& sql) {
    absl::StatusOr<std::string> r =
        server_->Query(absl::StrCat("SET ROLE casebridge_app; ", sql, "; RESET ROLE; SELECT 1"));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  // Alters the event sealed at 3 (username, MAC dropped) and recomputes its
  // seal's hashes and every chain hash after it; with `rebuild_tree`, also
  // replaces audit_tree_nodes with the tree of the altered history.
  void RewriteEvent3(bool rebuild_tree) {
    const std::string id = *server_->Query("SELECT event_id FROM audit_seals WHERE seq = 3");
    Tamper(absl::StrCat(
        "UPDATE audit_events SET username = 'somebody.else', mac = NULL WHERE id = ", id));
    const int64_t head = SealedHead();
    std::string previous = absl::HexStringToBytes(
        *server_->Query("SELECT encode(chain_hash, 'hex') FROM audit_seals WHERE seq = 2"));
    std::string sql;
    domain::MerkleFrontier tree;
    std::vector<domain::MerkleNode> nodes;
    for (int64_t seq = 1; seq <= head; ++seq) {
      auto entry = server_->app().audit_log().EntryAt(seq, absl::Now() + absl::Seconds(10));
      ASSERT_TRUE(entry.ok()) << entry.status();
      for (domain::MerkleNode& n : tree.Append(domain::MerkleLeafHash(entry->first))) {
        nodes.push_back(std::move(n));
      }
      if (seq < 3) continue;
      const std::string content = storage::Sha256(entry->first);
      const std::string chain = storage::ChainHash(previous, seq, content);
      absl::StrAppend(&sql, "UPDATE audit_seals SET content_hash = decode('",
                      absl::BytesToHexString(content), "', 'hex'), chain_hash = decode('",
                      absl::BytesToHexString(chain), "', 'hex') WHERE seq = ", seq, "; ");
      previous = chain;
    }
    if (rebuild_tree) {
      absl::StrAppend(&sql,
                      "DELETE FROM audit_tree_nodes; INSERT INTO audit_tree_nodes VALUES ");
      for (size_t i = 0; i < nodes.size(); ++i) {
        absl::StrAppend(&sql, i ? ", " : "", "(", nodes[i].id.level, ", ", nodes[i].id.index,
                        ", decode('", absl::BytesToHexString(nodes[i].hash), "', 'hex'))");
      }
    } else {
      sql += "SELECT 1";
    }
    Tamper(sql);
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  v1::Case case_;
};

// ATTACK (owner, no keys): cut the log back below the newest witnessed head
// while the server runs, keeping seals, tree nodes and heads consistent with
// the shorter log. The server seals on from there (the sealer only compares
// leaves with seals), signs heads over the new history (the witness refuses
// those smaller than its head, and MakeTreeHead ignores FAILED_PRECONDITION),
// and once the log is longer than the old witnessed head the witness takes
// the new head: it checks only size and same-size root, never consistency.
// Verify looks only at the newest witnessed head, so the witnessed events
// that were cut off are gone without a trace.
TEST_F(AuditAttacksTest, CutBelowTheWitnessedHeadThenRegrowPastItIsCaught) {
  const v1::AuditTreeHead witnessed = Head();
  WaitUntilSealed();
  const int64_t cut_after = witnessed.tree_size() - 4;
  ASSERT_GT(cut_after, 2);
  const std::string removed_ids = *server_->Query(absl::StrCat(
      "SELECT string_agg(event_id::text, ',') FROM audit_seals WHERE seq > ", cut_after,
      " AND seq <= ", witnessed.tree_size()));
  Tamper(absl::StrCat(
      "DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_seals WHERE seq > ",
      cut_after, "); DELETE FROM audit_seals WHERE seq > ", cut_after,
      "; DELETE FROM audit_tree_nodes WHERE ((idx + 1) << level) > ", cut_after,
      "; DELETE FROM audit_tree_heads WHERE tree_size > ", cut_after));
  // Ordinary traffic would carry the log past the witnessed size; the server
  // refuses to sign a head that does not extend the witnessed one, so the
  // cut can never be hidden under a newer head.
  Reads(10);
  v1::AuditTreeHead regrown;
  grpc::Status signed_status = audit_->GetAuditTreeHead(
      server_->Context("auditor.shah").get(), v1::GetAuditTreeHeadRequest(), &regrown);
  EXPECT_EQ(signed_status.error_code(), grpc::StatusCode::DATA_LOSS)
      << "signed a head of " << regrown.tree_size() << " over a cut log";
  const v1::VerifyAuditLogResponse v = Verify();
  EXPECT_FALSE(v.ok()) << "events " << removed_ids << " (sealed at " << cut_after + 1
                       << ".." << witnessed.tree_size()
                       << ", under a witnessed head) were removed, yet verification says "
                          "the log is whole; witnessed head now "
                       << v.witnessed_head().tree_size();
}

// ATTACK (owner, no keys): rewrite an event's content under a root the
// server itself signs. The server signs RootFromStore (audit_tree_nodes as
// the database has them) without checking that the new head extends the
// previous one; verification accepts MAC-less events up to the *oldest head
// left in the database*, which the owner chooses by deleting older heads.
TEST_F(AuditAttacksTest, RewriteUnderAServerSignedRootIsCaught) {
  const v1::AuditTreeHead before = Head();
  WaitUntilSealed();
  const std::string id = *server_->Query("SELECT event_id FROM audit_seals WHERE seq = 3");
  const std::string original_user =
      *server_->Query(absl::StrCat("SELECT username FROM audit_events WHERE id = ", id));
  // 1-2. Alter event 3, drop its MAC, recompute the hashes after it and
  // the tree nodes (no key needed for any of it).
  RewriteEvent3(/*rebuild_tree=*/true);
  // 3. Any later call: the server would seal on and sign the forged root;
  // it refuses, since the tree no longer extends the witnessed head.
  Reads(2);
  v1::AuditTreeHead forged;
  grpc::Status signed_status = audit_->GetAuditTreeHead(
      server_->Context("auditor.shah").get(), v1::GetAuditTreeHeadRequest(), &forged);
  EXPECT_EQ(signed_status.error_code(), grpc::StatusCode::DATA_LOSS)
      << "signed a head of " << forged.tree_size() << " over a rewritten log";
  // 4. Heads older than any forged one go, so it would be the "first".
  Tamper(absl::StrCat("DELETE FROM audit_tree_heads WHERE tree_size <= ", before.tree_size()));

  const v1::VerifyAuditLogResponse v = Verify();
  EXPECT_FALSE(v.ok()) << "event " << id << " at 3 was rewritten from " << original_user
                       << " to somebody.else, yet verification says the log is whole";

  // And offline: the auditor's own verifier proves the rewritten event.
  v1::ListAuditSigningKeysResponse keys;
  ASSERT_GRPC_OK(audit_->ListAuditSigningKeys(server_->Context("auditor.shah").get(),
                                              v1::ListAuditSigningKeysRequest(), &keys));
  auto public_keys = verify::ParsePublicKeys(keys.encoded());
  ASSERT_TRUE(public_keys.ok());
  v1::ProveAuditEventRequest req;
  req.set_sequence(3);
  v1::AuditEventProof proof;
  grpc::Status proved_status =
      audit_->ProveAuditEvent(server_->Context("auditor.shah").get(), req, &proof);
  if (!proved_status.ok()) {
    // The server will not prove anything against a log it cannot sign.
    EXPECT_EQ(proved_status.error_code(), grpc::StatusCode::DATA_LOSS)
        << proved_status.error_message();
    return;
  }
  auto h = verify::ParseTreeHead(proof.tree_head().encoded());
  ASSERT_TRUE(h.ok());
  std::vector<std::string> path(proof.inclusion_proof().begin(), proof.inclusion_proof().end());
  const bool proved = verify::VerifyTreeHead(*h, *public_keys).ok() &&
                      verify::VerifyInclusion(verify::LeafHash(proof.entry()), 2, h->tree_size,
                                              path, h->root_hash);
  EXPECT_FALSE(proved && proof.event().username() == "somebody.else")
      << "`audit prove 3` proves the rewritten event (username "
      << proof.event().username() << ") in a head signed by the server's own key";
}

// ATTACK (runtime role only): fill the low end of the sealer's queue with
// ids of no event. kPendingEvents takes the lowest max_seal_batch pending
// ids and joins them to their events: none, so every batch is empty and
// "nothing to seal" is the answer, forever, with no log line. Calls are
// still answered; nothing after is sealed or witnessed, and verification
// says the log is whole.
TEST_F(AuditAttacksTest, JunkInTheSealersQueueDoesNotStopSealing) {
  AsRuntimeRole(
      "INSERT INTO audit_pending (event_id) SELECT -g FROM generate_series(1, 10000) g");
  Reads(3);
  EXPECT_TRUE(SealedWithin(absl::Seconds(5), "event_id > 0"))
      << "the events of calls answered since are never sealed";
  const bool stuck = !SealedWithin(absl::Milliseconds(1), "event_id > 0");
  const v1::VerifyAuditLogResponse v = Verify();
  EXPECT_FALSE(stuck && v.ok())
      << "verification says the log is whole (" << v.events_checked()
      << " events checked) while " << *server_->Query(
             "SELECT count(*) FROM audit_pending WHERE event_id > 0")
      << " answered calls' events wait unsealed and unwitnessed";
}

// ATTACK (runtime role only: it may INSERT into audit_tree_nodes): one stray
// leaf makes the tree "longer" than the seals; the sealer refuses for good
// (DATA_LOSS, one critical log line), calls go on being answered, and
// VerifyAuditLog tolerates the refusal and reports the log whole.
TEST_F(AuditAttacksTest, AStrayTreeLeafThatStopsSealingIsReported) {
  AsRuntimeRole(
      "INSERT INTO audit_tree_nodes (level, idx, hash) VALUES "
      "(0, 1000000, decode(repeat('00', 32), 'hex'))");
  Reads(3);
  const bool sealed = SealedWithin(absl::Seconds(3));
  const v1::VerifyAuditLogResponse v = Verify();
  EXPECT_TRUE(sealed || !v.ok())
      << "sealing has stopped (" << *server_->Query("SELECT count(*) FROM audit_pending")
      << " events wait) and verification says the log is whole: " << v.events_checked()
      << " events checked";
}

// ATTACK (runtime role only): an event whose roles array holds a NULL.
// ReadStoredEvent calls std::stoi("null") and throws before the sealer gets
// to check the MAC, so the forgery is never refused into audit_rejected:
// every sealing batch fails, forever, and every later event stays unsealed.
TEST_F(AuditAttacksTest, AForgedEventWithANullRoleIsRefusedAndSealingGoesOn) {
  AsRuntimeRole(
      "WITH e AS (INSERT INTO audit_events (event_time, username, method, outcome, roles) "
      "VALUES (now(), 'pc.hughes', '/casebridge.v1.CaseService/GetCase', 'OK', "
      "'{NULL}') RETURNING id) INSERT INTO audit_pending (event_id) SELECT id FROM e");
  const std::string forged = *server_->Query("SELECT max(id) FROM audit_events");
  Reads(3);
  EXPECT_TRUE(SealedWithin(absl::Seconds(5)))
      << "sealing is stuck behind forged event " << forged;
  EXPECT_EQ(*server_->Query(absl::StrCat(
                "SELECT count(*) FROM audit_rejected WHERE event_id = ", forged)),
            "1");
}

// HELD (for the record): deleting older heads alone, without a forged
// root, only moves "unauthenticated_until" up to a real head, whose root
// still covers every event before it.
TEST_F(AuditAttacksTest, DroppingOldHeadsAloneDoesNotHideARewrite) {
  Head();
  WaitUntilSealed();
  const int64_t newest =
      std::stoll(*server_->Query("SELECT max(tree_size) FROM audit_tree_heads"));
  Tamper(absl::StrCat("DELETE FROM audit_tree_heads WHERE tree_size < ", newest));
  RewriteEvent3(/*rebuild_tree=*/false);
  const v1::VerifyAuditLogResponse v = Verify();
  EXPECT_FALSE(v.ok());
}

}  // namespace
}  // namespace casebridge
