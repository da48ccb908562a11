// The audit log through the real server: one event per call under
// concurrency, writes and their events commit together, tampering is
// detected and named, and "who has seen this case".
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/dates.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/audit_log.h"
#include "storage/crypto.h"
#include "storage/database.h"
#include "server/server_app.h"
#include "tests/support/grpc_probes.h"
#include "tests/support/test_server.h"
#include "verify/merkle_proof.h"
#include "verify/tree_head.h"

namespace casebridge {
namespace {

using test_support::CreateCaseAs;
using test_support::SampleCase;
using test_support::TestServer;
using ::testing::HasSubstr;

constexpr char kCaseService[] = "/casebridge.v1.CaseService/";

// `verify_chunk_size`: seals per query of the verification walk. The tamper
// tests make it small, so that their few events span several chunks read
// ahead of the walk, and tampering lands on chunk boundaries.
std::unique_ptr<TestServer> StartServer(
    int64_t verify_chunk_size = storage::AuditLogOptions().verify_chunk_size) {
  auto started = TestServer::Start(
      {.fake_clock = true,
       .start_time = test_support::TestStartTime(),
       .audit_verify_chunk_size = verify_chunk_size});
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

void Share(TestServer& server, const std::string& case_name, absl::string_view agency) {
  auto sharing = v1::SharingService::NewStub(server.channel());
  v1::ShareCaseRequest req;
  req.set_parent(case_name);
  req.mutable_share()->set_agency(server.Agency(agency));
  req.mutable_share()->set_purpose("Safeguarding the victim");
  req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare share;
  ASSERT_GRPC_OK(sharing->ShareCase(server.Context("pc.hughes").get(), req, &share));
}

// Rows of a test-only query, each as strings.
std::vector<std::vector<std::string>> Rows(const TestServer& server,
                                           const std::string& sql) {
  std::vector<std::vector<std::string>> out;
  try {
    pqxx::connection c(server.database());
    pqxx::nontransaction n(c);
    for (const pqxx::row& row : n.exec(sql)) {
      std::vector<std::string> values;
      for (const pqxx::field& f : row) values.push_back(f.is_null() ? "NULL" : f.c_str());
      out.push_back(std::move(values));
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << sql << ": " << e.what();
  }
  return out;
}

// --- Exactly one event per call ----------------------------------------------

using CallKey =
    std::tuple<std::string, std::string, std::string>;  // method, outcome, user

TEST(AuditTest, ExactlyOneEventPerCallUnderConcurrentMixedLoad) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  const v1::Case shared = CreateCaseAs(*server, "pc.hughes");
  const v1::Case unshared = CreateCaseAs(*server, "pc.hughes");
  Share(*server, shared.name(), "SOTCC");
  const std::string baseline =
      *server->Query("SELECT coalesce(max(id), 0) FROM audit_events");

  constexpr int kClients = 8;
  constexpr int kCallsPerClient = 500;
  std::vector<std::map<CallKey, int>> observed(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // Each client its own channel: independent connections, as real
      // clients would have.
      grpc::ChannelArguments args;
      args.SetInt("cb-client", c);  // distinct args: a channel of its own
      auto channel = grpc::CreateCustomChannel(server->address(),
                                               grpc::InsecureChannelCredentials(), args);
      auto cases = v1::CaseService::NewStub(channel);
      const std::string officer = c % 2 == 0 ? "pc.hughes" : "sgt.khan";
      for (int k = 0; k < kCallsPerClient; ++k) {
        std::string method, user = officer;
        grpc::Status s;
        switch ((k + c) % 9) {
          case 0: {  // read
            v1::GetCaseRequest req;
            req.set_name(shared.name());
            v1::Case out;
            method = "GetCase";
            s = cases->GetCase(server->Context(user).get(), req, &out);
            break;
          }
          case 1: {  // list read
            v1::ListCasesRequest req;
            req.set_page_size(5);
            v1::ListCasesResponse out;
            method = "ListCases";
            s = cases->ListCases(server->Context(user).get(), req, &out);
            break;
          }
          case 2: {  // write
            v1::AddIncidentRequest req;
            req.set_parent(shared.name());
            *req.mutable_incident()->mutable_occur_time() =
                domain::ToProtoTime(server->clock()->Now() - absl::Hours(k % 48 + 1));
            req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_FOLLOWING);
            req.mutable_incident()->set_location(absl::StrCat("client ", c, " call ", k));
            v1::Incident out;
            method = "AddIncident";
            s = cases->AddIncident(server->Context(user).get(), req, &out);
            break;
          }
          case 3: {  // invisible case: NOT_FOUND
            v1::GetCaseRequest req;
            req.set_name(unshared.name());
            v1::Case out;
            method = "GetCase";
            user = "council.patel";
            s = cases->GetCase(server->Context(user).get(), req, &out);
            break;
          }
          case 4: {  // visible case, forbidden act: PERMISSION_DENIED
            v1::AddIncidentRequest req;
            req.set_parent(shared.name());
            *req.mutable_incident()->mutable_occur_time() =
                domain::ToProtoTime(server->clock()->Now() - absl::Hours(1));
            req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_FOLLOWING);
            v1::Incident out;
            method = "AddIncident";
            user = "council.patel";
            s = cases->AddIncident(server->Context(user).get(), req, &out);
            break;
          }
          case 5: {  // bad token: UNAUTHENTICATED, nobody
            grpc::ClientContext context;
            context.AddMetadata("authorization", absl::StrCat("Bearer cbt_forged", k));
            v1::GetCaseRequest req;
            req.set_name(shared.name());
            v1::Case out;
            method = "GetCase";
            user = "";
            s = cases->GetCase(&context, req, &out);
            break;
          }
          case 6: {  // invalid name: INVALID_ARGUMENT
            v1::GetCaseRequest req;
            req.set_name(absl::StrCat("incidents/", k));
            v1::Case out;
            method = "GetCase";
            s = cases->GetCase(server->Context(user).get(), req, &out);
            break;
          }
          case 7: {  // invalid write: INVALID_ARGUMENT, nothing written
            v1::AddIncidentRequest req;
            req.set_parent(shared.name());
            v1::Incident out;
            method = "AddIncident";
            s = cases->AddIncident(server->Context(user).get(), req, &out);
            break;
          }
          case 8: {  // partner read of a shared case
            v1::GetCaseRequest req;
            req.set_name(shared.name());
            v1::Case out;
            method = "GetCase";
            user = "council.patel";
            s = cases->GetCase(server->Context(user).get(), req, &out);
            break;
          }
        }
        ++observed[c][{
            absl::StrCat(kCaseService, method),
            absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())),
            user}];
      }
    });
  }
  for (std::thread& t : clients) t.join();

  std::map<CallKey, int> expected;
  int total = 0;
  for (const auto& per_client : observed) {
    for (const auto& [key, n] : per_client) {
      expected[key] += n;
      total += n;
    }
  }
  ASSERT_EQ(total, kClients * kCallsPerClient);
  // Every kind of outcome happened.
  std::set<std::string> outcomes;
  for (const auto& [key, n] : expected) outcomes.insert(std::get<1>(key));
  EXPECT_THAT(outcomes, ::testing::IsSupersetOf({"OK", "NOT_FOUND", "PERMISSION_DENIED",
                                                 "UNAUTHENTICATED", "INVALID_ARGUMENT"}));

  // Refused calls without a valid credential may be summarised (one event
  // with a count): the audit accounts for calls by the sum of the counts.
  server->app().FlushRefusalSummaries();
  std::map<CallKey, int> logged;
  for (const auto& row :
       Rows(*server, absl::StrCat("SELECT method, outcome, username, sum(call_count) "
                                  "FROM audit_events WHERE id > ",
                                  baseline, " GROUP BY 1, 2, 3"))) {
    logged[{row[0], row[1], row[2]}] = std::stoi(row[3]);
  }
  EXPECT_EQ(logged, expected);

  // Each OK write left exactly one incident, and nothing else did.
  int ok_writes =
      expected[{absl::StrCat(kCaseService, "AddIncident"), "OK", "pc.hughes"}] +
      expected[{absl::StrCat(kCaseService, "AddIncident"), "OK", "sgt.khan"}];
  EXPECT_EQ(*server->Query("SELECT count(*) FROM incidents"), absl::StrCat(ok_writes));
  // And the log, all of it, verifies.
  auto audit = v1::AuditService::NewStub(server->channel());
  v1::VerifyAuditLogResponse verified;
  ASSERT_GRPC_OK(audit->VerifyAuditLog(server->Context("auditor.shah").get(),
                                       v1::VerifyAuditLogRequest(), &verified));
  EXPECT_TRUE(verified.ok()) << verified.detail();
  EXPECT_GE(verified.events_checked(),
            std::stoll(*server->Query(absl::StrCat(
                "SELECT count(*) FROM audit_events WHERE id > ", baseline))));
}

// --- A write and its event commit together ----------------------------------

class AuditAtomicityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer();
    ASSERT_NE(server_, nullptr);
    cases_ = v1::CaseService::NewStub(server_->channel());
  }

  // Superuser SQL (installing a failure the server knows nothing about).
  void Sql(const std::string& sql) {
    absl::StatusOr<std::string> r = server_->Query(absl::StrCat(sql, "; SELECT 1"));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  int64_t Events(const std::string& where) { return *server_->CountAuditEvents(where); }

  grpc::Status AddIncident(const std::string& parent, const std::string& location,
                           const std::string& request_id, v1::Incident* out) {
    v1::AddIncidentRequest req;
    req.set_parent(parent);
    req.set_request_id(request_id);
    *req.mutable_incident()->mutable_occur_time() =
        domain::ToProtoTime(server_->clock()->Now() - absl::Hours(2));
    req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_LOITERING);
    req.mutable_incident()->set_location(location);
    return cases_->AddIncident(server_->Context("pc.hughes").get(), req, out);
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
};

TEST_F(AuditAtomicityTest, WriteFailingAfterItsChangeLeavesNeitherChangeNorOkEvent) {
  const v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  // A failure in the last statement of AddIncident before the audit append:
  // the timeline entry, written after the incident itself.
  Sql("CREATE FUNCTION test_fail_marked() RETURNS trigger LANGUAGE plpgsql AS $$ "
      "BEGIN IF EXISTS (SELECT 1 FROM incidents WHERE case_id = NEW.case_id "
      "AND location = 'FAIL-AFTER-CHANGE') THEN "
      "RAISE EXCEPTION 'injected failure after the change'; END IF; RETURN NEW; END $$");
  Sql("CREATE TRIGGER test_fail_marked AFTER INSERT ON case_timeline "
      "FOR EACH ROW EXECUTE FUNCTION test_fail_marked()");
  const std::string timeline_before =
      *server_->Query("SELECT count(*) FROM case_timeline");

  v1::Incident out;
  grpc::Status s = AddIncident(c.name(), "FAIL-AFTER-CHANGE", "retry-1", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL) << s.error_message();
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("injected")))
      << "database internals leaked to the caller";

  EXPECT_EQ(*server_->Query("SELECT count(*) FROM incidents"), "0");
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM case_timeline"), timeline_before);
  EXPECT_EQ(
      *server_->Query("SELECT count(*) FROM request_ids WHERE request_id = 'retry-1'"),
      "0");
  const std::string add = "method = '/casebridge.v1.CaseService/AddIncident'";
  EXPECT_EQ(Events(add + " AND outcome = 'OK'"), 0);
  EXPECT_EQ(Events(add + " AND outcome = 'INTERNAL'"), 1);
  EXPECT_EQ(Events(add + " AND outcome = 'INTERNAL' AND request_id = 'retry-1' "
                         "AND changed_fields = '{}' AND new_etag = ''"),
            1);

  // The same request succeeds once the fault is gone: nothing of the failed
  // attempt (not even its request_id) was kept.
  Sql("DROP TRIGGER test_fail_marked ON case_timeline");
  ASSERT_GRPC_OK(AddIncident(c.name(), "FAIL-AFTER-CHANGE", "retry-1", &out));
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM incidents"), "1");
  EXPECT_EQ(Events(add + " AND outcome = 'OK' AND changed_fields = '{incident}'"), 1);
}

TEST_F(AuditAtomicityTest, CreateCaseFailingAfterItsChangeLeavesNoCaseAndNoReference) {
  Sql("CREATE FUNCTION test_fail_case() RETURNS trigger LANGUAGE plpgsql AS $$ "
      "BEGIN IF EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id "
      "AND summary LIKE '%FAIL-AFTER-CHANGE%') THEN "
      "RAISE EXCEPTION 'injected failure after the change'; END IF; RETURN NEW; END $$");
  Sql("CREATE TRIGGER test_fail_case AFTER INSERT ON case_timeline "
      "FOR EACH ROW EXECUTE FUNCTION test_fail_case()");
  v1::Case input = SampleCase();
  input.set_summary("FAIL-AFTER-CHANGE: this case must not exist");
  v1::CreateCaseRequest req;
  *req.mutable_case_() = input;
  v1::Case out;
  EXPECT_GRPC_CODE(cases_->CreateCase(server_->Context("pc.hughes").get(), req, &out),
                   grpc::StatusCode::INTERNAL);
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM cases"), "0");
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM case_people"), "0");
  const std::string create = "method = '/casebridge.v1.CaseService/CreateCase'";
  EXPECT_EQ(Events(create + " AND outcome = 'OK'"), 0);
  EXPECT_EQ(Events(create + " AND outcome = 'INTERNAL'"), 1);
  // Its case reference was not used up either.
  EXPECT_EQ(CreateCaseAs(*server_, "pc.hughes").reference(), "SP-2026-000001");
}

TEST_F(AuditAtomicityTest, WriteWhoseAuditEventCannotBeWrittenDoesNotHappen) {
  const v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  // The audit append is the last statement of every write.
  Sql("CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ "
      "BEGIN IF NEW.method LIKE '%/AddIncident' AND NEW.outcome = 'OK' THEN "
      "RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END $$");
  Sql("CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_events "
      "FOR EACH ROW EXECUTE FUNCTION test_fail_audit()");
  v1::Incident out;
  EXPECT_GRPC_CODE(AddIncident(c.name(), "outside work", "", &out),
                   grpc::StatusCode::INTERNAL);
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM incidents"), "0");
  const std::string add = "method = '/casebridge.v1.CaseService/AddIncident'";
  EXPECT_EQ(Events(add + " AND outcome = 'OK'"), 0);
  EXPECT_EQ(Events(add + " AND outcome = 'INTERNAL'"), 1);
}

TEST_F(AuditAtomicityTest, FailedUpdateEventClaimsNoChange) {
  const v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  // The update has run (the handler noted its change) when the OK event
  // cannot be written: the failure event must not claim that change.
  Sql("CREATE FUNCTION test_fail_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
      "BEGIN IF NEW.method LIKE '%/UpdateCase' AND NEW.outcome = 'OK' THEN "
      "RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END $$");
  Sql("CREATE TRIGGER test_fail_update BEFORE INSERT ON audit_events "
      "FOR EACH ROW EXECUTE FUNCTION test_fail_update()");
  v1::UpdateCaseRequest req;
  req.mutable_case_()->set_name(c.name());
  req.mutable_case_()->set_etag(c.etag());
  req.mutable_case_()->set_summary("changed");
  req.mutable_update_mask()->add_paths("summary");
  v1::Case out;
  EXPECT_GRPC_CODE(cases_->UpdateCase(server_->Context("pc.hughes").get(), req, &out),
                   grpc::StatusCode::INTERNAL);
  EXPECT_EQ(*server_->Query("SELECT version FROM cases"), "1") << "nothing changed";
  const std::string update = "method = '/casebridge.v1.CaseService/UpdateCase'";
  EXPECT_EQ(Events(update + " AND outcome = 'INTERNAL'"), 1);
  EXPECT_EQ(Events(update + " AND outcome = 'INTERNAL' AND changed_fields = '{}' "
                            "AND old_etag = '' AND new_etag = '' "
                            "AND NOT content_disclosed"),
            1);
}

// --- Tampering ----------------------------------------------------------------

class AuditTamperTest : public ::testing::Test {
 protected:
  // Chunks of the walk: 1-4, 5-8, 9-12, ...
  static constexpr int64_t kVerifyChunk = 4;

  void SetUp() override {
    server_ = StartServer(kVerifyChunk);
    ASSERT_NE(server_, nullptr);
    audit_ = v1::AuditService::NewStub(server_->channel());
    auto cases = v1::CaseService::NewStub(server_->channel());
    const v1::Case c = CreateCaseAs(*server_, "pc.hughes");
    for (int i = 0; i < 12; ++i) {
      v1::GetCaseRequest req;
      req.set_name(c.name());
      v1::Case out;
      ASSERT_GRPC_OK(cases->GetCase(
          server_->Context(i % 2 ? "pc.hughes" : "sgt.khan").get(), req, &out));
    }
    // Everything so far sealed, and nothing waiting to be.
    checkpoint_ = Checkpoint();
    ASSERT_GE(checkpoint_.sequence(), 14);
    WaitUntilSealed();
    ASSERT_TRUE(Verify().ok());
  }

  v1::AuditCheckpoint Checkpoint() {
    v1::AuditCheckpoint out;
    EXPECT_GRPC_OK(audit_->GetAuditCheckpoint(server_->Context("auditor.shah").get(),
                                              v1::GetAuditCheckpointRequest(), &out));
    return out;
  }

  v1::VerifyAuditLogResponse Verify(const v1::AuditCheckpoint* checkpoint = nullptr) {
    v1::VerifyAuditLogRequest req;
    if (checkpoint != nullptr) *req.mutable_checkpoint() = *checkpoint;
    v1::VerifyAuditLogResponse out;
    EXPECT_GRPC_OK(
        audit_->VerifyAuditLog(server_->Context("auditor.shah").get(), req, &out));
    return out;
  }

  // The sealer chains each call's own event shortly after it; tampering
  // waits for that so it does not race the sealer.
  void WaitUntilSealed() {
    for (int i = 0; i < 600; ++i) {
      if (*server_->Query("SELECT count(*) FROM audit_pending") == "0") return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "the sealer never drained audit_pending";
  }

  // Runs `sql` as the owner with the append-only triggers off, as someone
  // with the database owner's password could.
  void Tamper(const std::string& sql) {
    WaitUntilSealed();
    absl::StatusOr<std::string> r = server_->Query(
        absl::StrCat("ALTER TABLE audit_events DISABLE TRIGGER USER; "
                     "ALTER TABLE audit_seals DISABLE TRIGGER USER; ",
                     sql,
                     "; ALTER TABLE audit_events ENABLE TRIGGER USER; "
                     "ALTER TABLE audit_seals ENABLE TRIGGER USER; SELECT 1"));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::string EventAt(int64_t seq) {
    return *server_->Query(
        absl::StrCat("SELECT event_id FROM audit_seals WHERE seq = ", seq));
  }
  std::string ChainHashAt(int64_t seq) {
    return absl::HexStringToBytes(*server_->Query(absl::StrCat(
        "SELECT encode(chain_hash, 'hex') FROM audit_seals WHERE seq = ", seq)));
  }

  // Inserts a forged event into the chain at `seq`, moving the later seals
  // up by one. With `valid_hashes` its seal carries the right content hash
  // and a chain hash continuing from seq - 1 (the algorithm is no secret);
  // without, the hashes of the seal it displaces.
  void InsertIntoChain(int64_t seq, bool valid_hashes) {
    WaitUntilSealed();
    storage::AuditEvent forged;
    forged.time =
        absl::FromCivil(absl::CivilSecond(2026, 11, 21, 9, 0, 0), absl::UTCTimeZone());
    forged.username = "pc.hughes";
    forged.method = "/casebridge.v1.CaseService/GetCase";
    forged.outcome = "OK";
    const std::string id = *server_->Query("SELECT nextval('audit_events_id_seq')");
    std::string content_hex, chain_hex;
    if (valid_hashes) {
      std::string content =
          storage::Sha256(storage::CanonicalAuditContent(std::stoll(id), forged));
      content_hex = absl::BytesToHexString(content);
      chain_hex =
          absl::BytesToHexString(storage::ChainHash(ChainHashAt(seq - 1), seq, content));
    } else {
      content_hex = *server_->Query(absl::StrCat(
          "SELECT encode(content_hash, 'hex') FROM audit_seals WHERE seq = ", seq));
      chain_hex = *server_->Query(absl::StrCat(
          "SELECT encode(chain_hash, 'hex') FROM audit_seals WHERE seq = ", seq));
    }
    Tamper(absl::StrCat(
        "INSERT INTO audit_events (id, event_time, username, method, outcome) VALUES (",
        id,
        ", '2026-11-21 09:00:00+00', 'pc.hughes', "
        "'/casebridge.v1.CaseService/GetCase', 'OK')"
        "; UPDATE audit_seals SET seq = -(seq + 1) WHERE seq >= ",
        seq,
        "; UPDATE audit_seals SET seq = -seq WHERE seq < 0"
        "; INSERT INTO audit_seals (seq, event_id, content_hash, chain_hash) VALUES (",
        seq, ", ", id, ", decode('", content_hex, "', 'hex'), decode('", chain_hex,
        "', 'hex'))"));
  }

  void ExpectProblem(const v1::VerifyAuditLogResponse& v, v1::AuditProblem problem,
                     int64_t sequence) {
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v1::AuditProblem_Name(v.problem()), v1::AuditProblem_Name(problem))
        << v.detail();
    EXPECT_EQ(v.first_bad_sequence(), sequence) << v.detail();
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  v1::AuditCheckpoint checkpoint_;
};

TEST_F(AuditTamperTest, UntouchedLogVerifies) {
  v1::VerifyAuditLogResponse v = Verify(&checkpoint_);
  EXPECT_TRUE(v.ok()) << v.detail();
  EXPECT_EQ(v.problem(), v1::AUDIT_PROBLEM_UNSPECIFIED);
  EXPECT_EQ(v.events_checked(), v.head().sequence());
  EXPECT_GT(v.head().sequence(), checkpoint_.sequence());
  // A part of the log verifies on its own.
  v1::VerifyAuditLogRequest part;
  part.set_from_sequence(3);
  part.set_to_sequence(8);
  v1::VerifyAuditLogResponse partial;
  ASSERT_GRPC_OK(
      audit_->VerifyAuditLog(server_->Context("auditor.shah").get(), part, &partial));
  EXPECT_TRUE(partial.ok()) << partial.detail();
  EXPECT_EQ(partial.events_checked(), 6);
}

TEST_F(AuditTamperTest, AlteredEventIsNamed) {
  struct Edit {
    const char* column;
    const char* forged;  // SQL for the new value
  } edits[] = {
      {"message", "'nothing to see'"},
      {"username", "'somebody.else'"},
      {"outcome", "'PERMISSION_DENIED'"},
      {"content_disclosed", "NOT content_disclosed"},
      {"event_time", "event_time + interval '1 hour'"},
      {"resources", "'{}'"},
      {"peer", "'ipv4:10.0.0.1:4242'"},
      // Shapes no server writes: read as such, never flattened into the
      // value they once held.
      {"resources", "ARRAY[resources, resources]"},
      {"roles", "array_fill(roles[1], ARRAY[1], ARRAY[0])"},
      {"changed_fields", "ARRAY[NULL]::text[]"},
  };
  const std::string id = EventAt(6);
  for (const Edit& e : edits) {
    SCOPED_TRACE(e.column);
    const std::string original = *server_->Query(
        absl::StrCat("SELECT ", e.column, "::text FROM audit_events WHERE id = ", id));
    Tamper(absl::StrCat("UPDATE audit_events SET ", e.column, " = ", e.forged,
                        " WHERE id = ", id));
    v1::VerifyAuditLogResponse v = Verify();
    ExpectProblem(v, v1::AUDIT_PROBLEM_ALTERED, 6);
    EXPECT_THAT(v.detail(), HasSubstr(absl::StrCat("event ", id)));
    // Put back exactly as it was, the chain is whole again.
    Tamper(absl::StrCat("UPDATE audit_events SET ", e.column, " = '", original,
                        "' WHERE id = ", id));
    v1::VerifyAuditLogResponse fixed = Verify();
    EXPECT_TRUE(fixed.ok()) << fixed.detail();
  }
}

TEST_F(AuditTamperTest, DeletedEventIsNamed) {
  const std::string id = EventAt(5);
  Tamper(absl::StrCat("DELETE FROM audit_events WHERE id = ", id));
  v1::VerifyAuditLogResponse v = Verify();
  ExpectProblem(v, v1::AUDIT_PROBLEM_REMOVED, 5);
  EXPECT_THAT(v.detail(), HasSubstr(absl::StrCat("event ", id)));
}

TEST_F(AuditTamperTest, DeletedSealIsNamed) {
  Tamper("DELETE FROM audit_seals WHERE seq = 5");
  ExpectProblem(Verify(), v1::AUDIT_PROBLEM_REMOVED, 5);
}

TEST_F(AuditTamperTest, DeletedEventWithTheGapClosedIsNamed) {
  // Remove event and seal, and renumber the later seals so no number is
  // missing.
  const std::string id = EventAt(5);
  Tamper(absl::StrCat("DELETE FROM audit_events WHERE id = ", id,
                      "; DELETE FROM audit_seals WHERE seq = 5"
                      "; UPDATE audit_seals SET seq = -(seq - 1) WHERE seq > 5"
                      "; UPDATE audit_seals SET seq = -seq WHERE seq < 0"));
  ExpectProblem(Verify(), v1::AUDIT_PROBLEM_REMOVED, 5);
}

TEST_F(AuditTamperTest, EventInsertedBesideTheChainIsNamed) {
  // The naive insert: a row in audit_events and nothing else.
  Tamper(
      "INSERT INTO audit_events (event_time, username, method, outcome) "
      "VALUES ('2026-11-21 09:00:00+00', 'pc.hughes', "
      "'/casebridge.v1.CaseService/GetCase', 'OK')");
  const std::string id = *server_->Query(
      "SELECT max(id) FROM audit_events "
      "WHERE event_time = '2026-11-21 09:00:00+00'");
  v1::VerifyAuditLogResponse v = Verify();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v1::AuditProblem_Name(v.problem()), "AUDIT_PROBLEM_INSERTED") << v.detail();
  EXPECT_EQ(v.first_bad_sequence(), 0) << "it has no place in the chain";
  EXPECT_THAT(v.detail(), HasSubstr(absl::StrCat("event ", id)));
  // So does the everyday walk from a saved head (audit verify --since).
  v1::VerifyAuditLogRequest since;
  since.set_from_sequence(Checkpoint().sequence() - 2);
  v1::VerifyAuditLogResponse partial;
  ASSERT_GRPC_OK(
      audit_->VerifyAuditLog(server_->Context("auditor.shah").get(), since, &partial));
  EXPECT_FALSE(partial.ok());
  EXPECT_EQ(v1::AuditProblem_Name(partial.problem()), "AUDIT_PROBLEM_INSERTED")
      << partial.detail();
  EXPECT_THAT(partial.detail(), HasSubstr(absl::StrCat("event ", id)));
}

TEST_F(AuditTamperTest, EventInsertedIntoTheChainWithValidHashesIsNamed) {
  // Hashes anyone can compute; the MACs only a server can.
  InsertIntoChain(7, /*valid_hashes=*/true);
  v1::VerifyAuditLogResponse v = Verify();
  ExpectProblem(v, v1::AUDIT_PROBLEM_FORGED, 7);
  EXPECT_THAT(v.detail(), HasSubstr("no server wrote it"));
}

TEST_F(AuditTamperTest, EventInsertedIntoTheChainWithCopiedHashesIsNamed) {
  InsertIntoChain(7, /*valid_hashes=*/false);
  ExpectProblem(Verify(), v1::AUDIT_PROBLEM_INSERTED, 7);
}

TEST_F(AuditTamperTest, SwappedEventsAreNamed) {
  // The seals stay where they are; the events they point at trade places.
  const std::string a = EventAt(5), b = EventAt(6);
  Tamper(
      absl::StrCat("UPDATE audit_seals SET event_id = -1 WHERE seq = 5"
                   "; UPDATE audit_seals SET event_id = ",
                   a,
                   " WHERE seq = 6"
                   "; UPDATE audit_seals SET event_id = ",
                   b, " WHERE seq = 5"));
  ExpectProblem(Verify(), v1::AUDIT_PROBLEM_REORDERED, 5);
}

TEST_F(AuditTamperTest, EventsSwappedAcrossChunksAreNamed) {
  // Seals 4 and 5 are read by different queries, perhaps on different
  // threads; the walk still tells a swap from an edit.
  const std::string a = EventAt(4), b = EventAt(5);
  Tamper(absl::StrCat("UPDATE audit_seals SET event_id = -1 WHERE seq = 4"
                      "; UPDATE audit_seals SET event_id = ", a, " WHERE seq = 5"
                      "; UPDATE audit_seals SET event_id = ", b, " WHERE seq = 4"));
  v1::VerifyAuditLogResponse v = Verify();
  ExpectProblem(v, v1::AUDIT_PROBLEM_REORDERED, 4);
  EXPECT_THAT(v.detail(), HasSubstr("holds the content sealed at 5"));
}

TEST_F(AuditTamperTest, SealsMissingAtAChunksEdgeAreNamed) {
  // A whole chunk's seals gone (9-12): its query finds nothing.
  Tamper("DELETE FROM audit_seals WHERE seq BETWEEN 9 AND 12");
  ExpectProblem(Verify(), v1::AUDIT_PROBLEM_REMOVED, 9);
  // A walk from 13 needs the seal before it; from 14, the rest verifies.
  auto verify_from = [&](int64_t from) {
    v1::VerifyAuditLogRequest part;
    part.set_from_sequence(from);
    v1::VerifyAuditLogResponse out;
    EXPECT_GRPC_OK(
        audit_->VerifyAuditLog(server_->Context("auditor.shah").get(), part, &out));
    return out;
  };
  v1::VerifyAuditLogResponse from_13 = verify_from(13);
  ExpectProblem(from_13, v1::AUDIT_PROBLEM_REMOVED, 12);
  v1::VerifyAuditLogResponse from_14 = verify_from(14);
  EXPECT_TRUE(from_14.ok()) << from_14.detail();
  EXPECT_EQ(from_14.events_checked(), from_14.head().sequence() - 13);
}

TEST_F(AuditTamperTest, SwappedSealsAreNamed) {
  // Whole seals (and so their events) trade places in the chain.
  Tamper(
      "UPDATE audit_seals SET seq = -1 WHERE seq = 5"
      "; UPDATE audit_seals SET seq = 5 WHERE seq = 6"
      "; UPDATE audit_seals SET seq = 6 WHERE seq = -1");
  ExpectProblem(Verify(), v1::AUDIT_PROBLEM_REORDERED, 5);
}

// The attack the hash chain alone missed: a database superuser alters an
// event and recomputes its content hash and every chain hash after it (the
// algorithm is no secret). The event's MAC, made with a key the database
// never held, no longer checks: named without any checkpoint.
TEST_F(AuditTamperTest, RewriteAndRehashIsNamedWithoutACheckpoint) {
  const std::string id = EventAt(3);
  Tamper(absl::StrCat("UPDATE audit_events SET username = 'somebody.else' WHERE id = ", id));
  const int64_t head = std::stoll(*server_->Query("SELECT max(seq) FROM audit_seals"));
  std::string previous = ChainHashAt(2);
  std::string sql;
  for (int64_t seq = 3; seq <= head; ++seq) {
    // The content hash of each event as it now is (the altered one's
    // included), computed the way anyone can: the canonical form is public.
    auto entry = server_->app().audit_log().EntryAt(seq, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(entry.ok()) << entry.status();
    const std::string new_content = storage::Sha256(entry->first);
    const std::string chain = storage::ChainHash(previous, seq, new_content);
    absl::StrAppend(&sql, "UPDATE audit_seals SET content_hash = decode('",
                    absl::BytesToHexString(new_content), "', 'hex'), chain_hash = decode('",
                    absl::BytesToHexString(chain), "', 'hex') WHERE seq = ", seq, "; ");
    previous = chain;
  }
  Tamper(sql + "SELECT 1");
  v1::VerifyAuditLogResponse v = Verify();
  ExpectProblem(v, v1::AUDIT_PROBLEM_ALTERED, 3);
  EXPECT_THAT(v.detail(), HasSubstr(absl::StrCat("event ", id)));
}

// A row put in through the sealer's queue with database credentials alone
// (the runtime role's: it may insert events) is refused by the sealer and
// named by verification; it never gets a place in the log.
TEST_F(AuditTamperTest, ForgedInsertThroughTheQueueIsNamed) {
  WaitUntilSealed();
  const int64_t before = std::stoll(*server_->Query("SELECT max(seq) FROM audit_seals"));
  ASSERT_TRUE(server_
                  ->Query("SET ROLE casebridge_app; "
                          "WITH e AS (INSERT INTO audit_events (event_time, username, method, "
                          "outcome) VALUES (now() - interval '1 day', 'pc.hughes', "
                          "'/casebridge.v1.CaseService/GetCase', 'OK') RETURNING id) "
                          "INSERT INTO audit_pending (event_id) SELECT id FROM e; "
                          "RESET ROLE; SELECT 1")
                  .ok());
  const std::string forged = *server_->Query("SELECT max(id) FROM audit_events");
  v1::VerifyAuditLogResponse v = Verify();
  ExpectProblem(v, v1::AUDIT_PROBLEM_FORGED, 0);
  EXPECT_THAT(v.detail(), HasSubstr(absl::StrCat("event ", forged)));
  EXPECT_EQ(*server_->Query(absl::StrCat("SELECT count(*) FROM audit_seals WHERE event_id = ",
                                         forged)),
            "0")
      << "the forged event was sealed";
  // Sealing goes on for real events.
  WaitUntilSealed();
  EXPECT_GT(std::stoll(*server_->Query("SELECT max(seq) FROM audit_seals")), before);
}

// Cutting off the newest events and their seals leaves a shorter chain that
// is whole in itself; the witness holds a signed head of the longer log.
TEST_F(AuditTamperTest, CutOffTailIsNamedWithoutACheckpoint) {
  v1::AuditTreeHead witnessed;
  ASSERT_GRPC_OK(audit_->GetAuditTreeHead(server_->Context("auditor.shah").get(),
                                          v1::GetAuditTreeHeadRequest(), &witnessed));
  const int64_t cut = witnessed.tree_size() - 2;
  Tamper(absl::StrCat(
      "DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_seals WHERE seq >= ",
      cut, "); DELETE FROM audit_seals WHERE seq >= ", cut));
  v1::VerifyAuditLogResponse v = Verify();
  ExpectProblem(v, v1::AUDIT_PROBLEM_TRUNCATED, cut);
  EXPECT_EQ(v.witnessed_head().tree_size(), witnessed.tree_size());
  // And the sealer does not reuse the numbers cut off.
  EXPECT_EQ(*server_->Query(absl::StrCat("SELECT count(*) FROM audit_seals WHERE seq >= ",
                                         cut)),
            "0");
}

// Tampering the sealer meets (seals cut off under its tree) stops sealing;
// the health service says so under its own name while calls go on being
// answered and recorded.
TEST_F(AuditTamperTest, ASealerThatRefusesIsReportedByTheHealthService) {
  auto audit_health = [&] {
    return test_support::CheckHealth(server_->channel(), server::kAuditHealthService);
  };
  ASSERT_EQ(*audit_health(), test_support::kServing);
  const int64_t cut = Checkpoint().sequence() - 1;
  Tamper(absl::StrCat(
      "DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_seals WHERE seq >= ",
      cut, "); DELETE FROM audit_seals WHERE seq >= ", cut));
  // A call for the sealer to seal: it finds more leaves than seals.
  Checkpoint();
  absl::StatusOr<int> status = audit_health();
  for (int i = 0; i < 200 && status.ok() && *status == test_support::kServing; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    status = audit_health();
  }
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, test_support::kNotServing);
  EXPECT_EQ(*test_support::CheckHealth(server_->channel()), test_support::kServing)
      << "the server still answers";
  v1::VerifyAuditLogResponse v = Verify();
  EXPECT_FALSE(v.ok());
}

// Signed heads and proofs, checked with the client's own verifier.
TEST_F(AuditTamperTest, InclusionAndConsistencyProofsCheckOffline) {
  v1::ListAuditSigningKeysResponse keys;
  ASSERT_GRPC_OK(audit_->ListAuditSigningKeys(server_->Context("auditor.shah").get(),
                                              v1::ListAuditSigningKeysRequest(), &keys));
  absl::StatusOr<std::vector<verify::PublicKey>> public_keys =
      verify::ParsePublicKeys(keys.encoded());
  ASSERT_TRUE(public_keys.ok()) << public_keys.status();
  v1::AuditTreeHead first;
  ASSERT_GRPC_OK(audit_->GetAuditTreeHead(server_->Context("auditor.shah").get(),
                                          v1::GetAuditTreeHeadRequest(), &first));
  auto head_of = [](const v1::AuditTreeHead& h) {
    absl::StatusOr<verify::TreeHead> parsed = verify::ParseTreeHead(h.encoded());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : verify::TreeHead();
  };
  ASSERT_TRUE(verify::VerifyTreeHead(head_of(first), *public_keys).ok());
  // More calls; a later head.
  for (int i = 0; i < 5; ++i) Checkpoint();
  WaitUntilSealed();
  v1::AuditTreeHead later;
  ASSERT_GRPC_OK(audit_->GetAuditTreeHead(server_->Context("auditor.shah").get(),
                                          v1::GetAuditTreeHeadRequest(), &later));
  ASSERT_GT(later.tree_size(), first.tree_size());
  // Events within the auditor's reach (its force's case), first and last.
  const std::string reach = absl::StrCat(
      "FROM audit_seals s JOIN audit_events e ON e.id = s.event_id "
      "WHERE e.username = 'pc.hughes' AND e.case_id IS NOT NULL AND s.seq <= ",
      first.tree_size());
  const int64_t low = std::stoll(*server_->Query("SELECT min(s.seq) " + reach));
  const int64_t high = std::stoll(*server_->Query("SELECT max(s.seq) " + reach));
  for (int64_t seq : {low, high}) {
    SCOPED_TRACE(seq);
    v1::ProveAuditEventRequest req;
    req.set_sequence(seq);
    v1::AuditEventProof proof;
    ASSERT_GRPC_OK(audit_->ProveAuditEvent(server_->Context("auditor.shah").get(), req, &proof));
    const verify::TreeHead h = head_of(proof.tree_head());
    ASSERT_TRUE(verify::VerifyTreeHead(h, *public_keys).ok());
    std::vector<std::string> path(proof.inclusion_proof().begin(),
                                  proof.inclusion_proof().end());
    EXPECT_TRUE(verify::VerifyInclusion(verify::LeafHash(proof.entry()), seq - 1, h.tree_size,
                                        path, h.root_hash));
    // Another entry, or another place, does not check.
    EXPECT_FALSE(verify::VerifyInclusion(verify::LeafHash(proof.entry() + " "), seq - 1,
                                         h.tree_size, path, h.root_hash));
    if (h.tree_size > 1) {
      EXPECT_FALSE(verify::VerifyInclusion(verify::LeafHash(proof.entry()),
                                           seq % h.tree_size, h.tree_size, path, h.root_hash));
    }
  }
  v1::GetAuditConsistencyProofRequest creq;
  creq.set_old_size(first.tree_size());
  v1::AuditConsistencyProof consistency;
  ASSERT_GRPC_OK(audit_->GetAuditConsistencyProof(server_->Context("auditor.shah").get(), creq,
                                                  &consistency));
  const verify::TreeHead old_head = head_of(first), new_head = head_of(consistency.new_head());
  std::vector<std::string> path(consistency.proof().begin(), consistency.proof().end());
  EXPECT_TRUE(verify::VerifyConsistency(old_head.tree_size, new_head.tree_size,
                                        old_head.root_hash, new_head.root_hash, path));
  EXPECT_FALSE(verify::VerifyConsistency(old_head.tree_size, new_head.tree_size,
                                         new_head.root_hash, old_head.root_hash, path));
  // An agency's auditor proves only what its reach covers; a supervisor none.
  v1::ProveAuditEventRequest req;
  req.set_sequence(1);
  v1::AuditEventProof proof;
  EXPECT_GRPC_CODE(audit_->ProveAuditEvent(server_->Context("sgt.khan").get(), req, &proof),
                   grpc::StatusCode::PERMISSION_DENIED);
  req.set_sequence(later.tree_size() + 100);
  EXPECT_GRPC_CODE(
      audit_->ProveAuditEvent(server_->Context("auditor.shah").get(), req, &proof),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditTamperTest, OnlyAuditorsVerify) {
  v1::VerifyAuditLogResponse out;
  EXPECT_GRPC_CODE(audit_->VerifyAuditLog(server_->Context("sgt.khan").get(),
                                          v1::VerifyAuditLogRequest(), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(audit_->VerifyAuditLog(server_->Context("admin").get(),
                                          v1::VerifyAuditLogRequest(), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  v1::VerifyAuditLogRequest bad;
  bad.mutable_checkpoint()->set_sequence(3);
  bad.mutable_checkpoint()->set_chain_hash("not hex");
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", server_->Token("auditor.shah")));
  EXPECT_GRPC_CODE(audit_->VerifyAuditLog(&context, bad, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(context), "checkpoint.chain_hash");
}

// --- Sealing -------------------------------------------------------------------

TEST(AuditSealTest, CheckpointAndVerifyWaitForAnotherSealerInsteadOfSkipping) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto cases = v1::CaseService::NewStub(server->channel());
  auto audit = v1::AuditService::NewStub(server->channel());
  const v1::Case c = CreateCaseAs(*server, "pc.hughes");

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "GetAuditCheckpoint" : "VerifyAuditLog");
    // Another sealer (another server's, say) holds the sealing lock while
    // calls commit events that wait for their seals.
    pqxx::connection other(server->database());
    pqxx::nontransaction lock(other);
    lock.exec(
        absl::StrCat("SELECT pg_advisory_lock(", storage::kAuditSealerLockKey, ")"));
    for (int i = 0; i < 5; ++i) {
      v1::GetCaseRequest req;
      req.set_name(c.name());
      v1::Case out;
      ASSERT_GRPC_OK(cases->GetCase(server->Context("pc.hughes").get(), req, &out));
    }
    const int64_t committed = *server->CountAuditEvents();

    auto call = std::async(std::launch::async, [&]() -> int64_t {
      if (round == 0) {
        v1::AuditCheckpoint out;
        EXPECT_GRPC_OK(audit->GetAuditCheckpoint(server->Context("auditor.shah").get(),
                                                 v1::GetAuditCheckpointRequest(), &out));
        return out.sequence();
      }
      v1::VerifyAuditLogResponse out;
      EXPECT_GRPC_OK(audit->VerifyAuditLog(server->Context("auditor.shah").get(),
                                           v1::VerifyAuditLogRequest(), &out));
      EXPECT_TRUE(out.ok()) << out.detail();
      return out.events_checked();
    });
    // The call waits for the lock (rather than answering from a stale head)...
    EXPECT_EQ(call.wait_for(std::chrono::seconds(2)), std::future_status::timeout)
        << "answered without waiting for the other sealer";
    lock.exec(
        absl::StrCat("SELECT pg_advisory_unlock(", storage::kAuditSealerLockKey, ")"));
    // ...and then covers every event committed before it.
    EXPECT_GE(call.get(), committed);
  }
}

// A server frozen (SIGSTOP, say) while its sealer held the sealing lock: a
// session of the runtime role, as a server's is, that takes the lock in a
// transaction and then sits idle in it. Its own short
// idle_in_transaction_session_timeout stands in for the role's, so that
// PostgreSQL ends it within the test.
class FrozenSealer {
 public:
  FrozenSealer(const std::string& owner_conn, absl::Duration idle_timeout) {
    storage::DatabaseOptions options;
    options.connection_string = owner_conn;
    conn_ = std::make_unique<pqxx::connection>(storage::RuntimeConnectionString(options));
    {
      pqxx::nontransaction setup(*conn_);
      setup.exec("SET application_name = 'frozen casebridge-server'");
      setup.exec(absl::StrCat("SET idle_in_transaction_session_timeout = ",
                              absl::ToInt64Milliseconds(idle_timeout)));
      pid_ = setup.exec1("SELECT pg_backend_pid()")[0].as<int>();
      role_ = setup.exec1("SELECT current_user")[0].c_str();
    }
    work_ = std::make_unique<pqxx::work>(*conn_);
    work_->exec(
        absl::StrCat("SELECT pg_advisory_xact_lock(", storage::kAuditSealerLockKey, ")"));
  }
  ~FrozenSealer() {
    try {
      work_.reset();  // its session may be gone: nothing to roll back then
    } catch (...) {
    }
  }

  int pid() const { return pid_; }
  const std::string& role() const { return role_; }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> work_;
  int pid_ = 0;
  std::string role_;
};

// Measured before: a server stopped while its sealer held the lock stopped
// chaining on every server, and VerifyAuditLog hung to its deadline saying
// nothing. Now the call answers at its deadline naming the holder, and once
// PostgreSQL ends the frozen session the other servers chain again, without
// a restart.
TEST(AuditSealTest, AFrozenSealerIsNamedAtTheDeadlineAndChainingResumesWhenItEnds) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto cases = v1::CaseService::NewStub(server->channel());
  auto audit = v1::AuditService::NewStub(server->channel());
  const v1::Case c = CreateCaseAs(*server, "pc.hughes");

  // Long enough for the calls below on a busy machine; PostgreSQL ends it after.
  FrozenSealer frozen(server->database(), absl::Seconds(8));
  EXPECT_EQ(frozen.role(), "casebridge_app");
  for (int i = 0; i < 5; ++i) {
    v1::GetCaseRequest req;
    req.set_name(c.name());
    v1::Case out;
    ASSERT_GRPC_OK(cases->GetCase(server->Context("pc.hughes").get(), req, &out));
  }
  EXPECT_GE(std::stoll(*server->Query("SELECT count(*) FROM audit_pending")), 5);

  // (a) While it is held: DEADLINE_EXCEEDED at the call's deadline, naming
  // the holder.
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", server->Token("auditor.shah")));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(1500)));
  v1::VerifyAuditLogResponse refused;
  const absl::Time start = absl::Now();
  const grpc::Status s =
      audit->VerifyAuditLog(&context, v1::VerifyAuditLogRequest(), &refused);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(absl::StrCat("pid ", frozen.pid())));
  EXPECT_THAT(s.error_message(), HasSubstr("frozen casebridge-server"));
  EXPECT_THAT(s.error_message(), HasSubstr("idle in transaction"));
  EXPECT_THAT(s.error_message(), HasSubstr("sealing lock"));
  EXPECT_NE(*server->Query("SELECT count(*) FROM audit_pending"), "0");

  // (b) PostgreSQL ends the frozen session; this server chains again.
  const std::string gone =
      absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE pid = ", frozen.pid());
  for (int i = 0; i < 300 && *server->Query(gone) != "0"; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(*server->Query(gone), "0") << "the frozen session was never ended";
  for (int i = 0; i < 300 && *server->Query("SELECT count(*) FROM audit_pending") != "0";
       ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(*server->Query("SELECT count(*) FROM audit_pending"), "0");
  v1::VerifyAuditLogResponse verified;
  ASSERT_GRPC_OK(audit->VerifyAuditLog(server->Context("auditor.shah").get(),
                                       v1::VerifyAuditLogRequest(), &verified));
  EXPECT_TRUE(verified.ok()) << verified.detail();
}

// --- Who has seen this case ---------------------------------------------------

TEST(CaseAccessTest, ListsEveryAgencyThatLookedWithCounts) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto cases = v1::CaseService::NewStub(server->channel());
  auto audit = v1::AuditService::NewStub(server->channel());
  const v1::Case c = CreateCaseAs(*server, "pc.hughes");
  const v1::Case other = CreateCaseAs(*server, "pc.hughes");
  auto get = [&](absl::string_view user, const std::string& name) {
    v1::GetCaseRequest req;
    req.set_name(name);
    v1::Case out;
    return cases->GetCase(server->Context(user).get(), req, &out);
  };
  ASSERT_GRPC_OK(get("pc.hughes", c.name()));
  ASSERT_GRPC_OK(get("pc.hughes", c.name()));
  // Before it is shared, the council cannot see it: not an access.
  EXPECT_GRPC_CODE(get("council.patel", c.name()), grpc::StatusCode::NOT_FOUND);
  Share(*server, c.name(), "CPSWM");
  Share(*server, c.name(), "SOTCC");
  ASSERT_GRPC_OK(get("cps.okafor", c.name()));
  for (int i = 0; i < 3; ++i) ASSERT_GRPC_OK(get("council.patel", c.name()));
  EXPECT_GRPC_CODE(get("nhs.morgan", c.name()), grpc::StatusCode::NOT_FOUND);
  ASSERT_GRPC_OK(get("pc.hughes", other.name()));  // another case

  struct Access {
    std::string username, agency, agency_name, method;
    v1::AgencyKind kind;
    int64_t count;
    bool operator==(const Access&) const = default;
  };
  auto list = [&](absl::string_view user, const std::string& name, int page_size,
                  std::vector<Access>* out) -> grpc::Status {
    std::string token;
    do {
      v1::ListCaseAccessRequest req;
      req.set_name(name);
      req.set_page_size(page_size);
      req.set_page_token(token);
      v1::ListCaseAccessResponse resp;
      grpc::Status s = audit->ListCaseAccess(server->Context(user).get(), req, &resp);
      if (!s.ok()) return s;
      for (const v1::CaseAccess& a : resp.accesses()) {
        out->push_back({a.username(), a.agency(), a.agency_display_name(),
                        a.method().substr(a.method().rfind('/') + 1), a.agency_kind(),
                        a.count()});
        EXPECT_EQ(a.user(), server->User(a.username()));
        EXPECT_TRUE(a.has_first_time());
        EXPECT_LE(a.first_time().seconds(), a.last_time().seconds());
      }
      token = resp.next_page_token();
    } while (!token.empty());
    return grpc::Status::OK;
  };

  std::vector<Access> accesses;
  ASSERT_GRPC_OK(list("auditor.shah", c.name(), 50, &accesses));
  const std::string sp = server->Agency("SP");
  auto name_of = [&](absl::string_view code) {
    return *server->Query(
        absl::StrCat("SELECT display_name FROM agencies WHERE code = '", code, "'"));
  };
  EXPECT_THAT(
      accesses,
      ::testing::UnorderedElementsAre(
          Access{"pc.hughes", sp, name_of("SP"), "CreateCase", v1::AGENCY_KIND_POLICE, 1},
          Access{"pc.hughes", sp, name_of("SP"), "GetCase", v1::AGENCY_KIND_POLICE, 2},
          Access{"cps.okafor", server->Agency("CPSWM"), name_of("CPSWM"), "GetCase",
                 v1::AGENCY_KIND_CPS, 1},
          Access{"council.patel", server->Agency("SOTCC"), name_of("SOTCC"), "GetCase",
                 v1::AGENCY_KIND_COUNCIL, 3}));

  // By reference, a page at a time, and by the owning force's supervisor:
  // the same answer.
  std::vector<Access> paged;
  ASSERT_GRPC_OK(list("auditor.shah", absl::StrCat("cases/", c.reference()), 1, &paged));
  EXPECT_THAT(paged, ::testing::UnorderedElementsAreArray(accesses));
  std::vector<Access> supervisor;
  ASSERT_GRPC_OK(list("sgt.khan", c.name(), 2, &supervisor));
  EXPECT_THAT(supervisor, ::testing::UnorderedElementsAreArray(accesses));

  // A partner who can see the case may not see who else did.
  std::vector<Access> denied;
  EXPECT_GRPC_CODE(list("council.patel", c.name(), 50, &denied),
                   grpc::StatusCode::PERMISSION_DENIED);
}

// Lists across cases answer with content of each case listed: "who has
// seen this case" shows them, named by the case, like a read of the case.
TEST(CaseAccessTest, ListsAcrossCasesCountAsSeeingEachCaseListed) {
  std::unique_ptr<TestServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto audit = v1::AuditService::NewStub(server->channel());
  auto sg = v1::SafeguardingService::NewStub(server->channel());
  auto orders = v1::ProtectionOrderService::NewStub(server->channel());
  const v1::Case c = CreateCaseAs(*server, "pc.hughes");
  const v1::Case other = CreateCaseAs(*server, "pc.hughes");
  for (const v1::Case* kase : {&c, &other}) {
    v1::CreateSafeguardingActionRequest req;
    req.set_parent(kase->name());
    auto* a = req.mutable_safeguarding_action();
    a->set_type(v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE);
    a->set_assigned_agency(server->Agency("SCC"));
    *a->mutable_due_date() =
        domain::ToProtoDate(domain::UkDay(server->clock()->Now()) + 7);
    a->set_description("Fit an alarm");
    a->set_rationale("Threats of violence");
    v1::SafeguardingAction made;
    ASSERT_GRPC_OK(
        sg->CreateSafeguardingAction(server->Context("pc.hughes").get(), req, &made));
  }
  v1::CreateProtectionOrderRequest consider;
  consider.set_parent(c.name());
  consider.mutable_protection_order()->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
  consider.mutable_protection_order()->set_defendant("Mark Doyle");
  consider.mutable_protection_order()->add_protected_persons("Sarah Bennett");
  consider.mutable_protection_order()->set_consideration_notes("Escalating");
  v1::ProtectionOrder order;
  ASSERT_GRPC_OK(orders->CreateProtectionOrder(server->Context("pc.hughes").get(),
                                               consider, &order));

  v1::ListMyWorkResponse work;
  ASSERT_GRPC_OK(
      sg->ListMyWork(server->Context("county.evans").get(), v1::ListMyWorkRequest(), &work));
  ASSERT_EQ(work.items_size(), 2);
  v1::ListSafeguardingActionsRequest across;
  across.set_parent("cases/-");
  across.set_filter(absl::StrCat("case=", c.reference()));
  v1::ListSafeguardingActionsResponse listed;
  ASSERT_GRPC_OK(sg->ListSafeguardingActions(server->Context("nhs.morgan").get(),
                                             across, &listed));  // sees nothing
  ASSERT_EQ(listed.safeguarding_actions_size(), 0);
  ASSERT_GRPC_OK(sg->ListSafeguardingActions(server->Context("county.evans").get(),
                                             across, &listed));
  ASSERT_EQ(listed.safeguarding_actions_size(), 1);
  v1::ListProtectionOrdersRequest every;
  every.set_parent("cases/-");
  v1::ListProtectionOrdersResponse orders_out;
  ASSERT_GRPC_OK(
      orders->ListProtectionOrders(server->Context("sgt.khan").get(), every, &orders_out));
  ASSERT_EQ(orders_out.protection_orders_size(), 1);

  auto accesses = [&](const v1::Case& kase) {
    v1::ListCaseAccessRequest req;
    req.set_name(kase.name());
    v1::ListCaseAccessResponse resp;
    EXPECT_GRPC_OK(audit->ListCaseAccess(server->Context("auditor.shah").get(), req, &resp));
    std::map<std::string, int64_t> out;  // "user method" -> count
    for (const v1::CaseAccess& a : resp.accesses()) {
      out[absl::StrCat(a.username(), " ", a.method().substr(a.method().rfind('/') + 1))] =
          a.count();
    }
    return out;
  };
  const std::map<std::string, int64_t> seen = accesses(c);
  EXPECT_EQ(seen.count("county.evans ListMyWork"), 1u);
  EXPECT_EQ(seen.count("county.evans ListSafeguardingActions"), 1u);
  EXPECT_EQ(seen.count("sgt.khan ListProtectionOrders"), 1u);
  EXPECT_EQ(seen.count("nhs.morgan ListSafeguardingActions"), 0u) << "saw nothing";
  // The other case: listed in the work list only.
  const std::map<std::string, int64_t> seen_other = accesses(other);
  EXPECT_EQ(seen_other.count("county.evans ListMyWork"), 1u);
  EXPECT_EQ(seen_other.count("county.evans ListSafeguardingActions"), 0u);
  EXPECT_EQ(seen_other.count("sgt.khan ListProtectionOrders"), 0u);
  // Each case named once per call, beside the items.
  EXPECT_EQ(*server->CountAuditEvents(absl::StrCat(
                "method LIKE '%/ListMyWork' AND resources @> ARRAY['", c.name(),
                "', '", other.name(), "']")),
            1);
}

}  // namespace
}  // namespace casebridge
