#ifndef CASEBRIDGE_TESTS_SUPPORT_TEST_SERVER_H_
#define CASEBRIDGE_TESTS_SUPPORT_TEST_SERVER_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/server_app.h"
#include "tests/support/temp_dir.h"
#include "services/clock.h"

namespace casebridge::test_support {

// When fake-clock tests start (2026-11-21 10:00 UTC, a Saturday): one fixed
// time, so dates the tests compute agree across fixtures.
inline absl::Time TestStartTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 21, 10, 0, 0), absl::UTCTimeZone());
}

struct TestServerOptions {
  // Use a FakeClock (starting at `start_time`, default now) the test moves.
  bool fake_clock = false;
  absl::Time start_time = absl::InfinitePast();
  int pool_size = 8;
  bool enable_echo = false;
  // Where the audit keys (keys/) and the witness (witness/) live; empty: a
  // new directory of the server's own, removed with it. Given, a restarted
  // server finds the same keys and witnessed heads.
  std::string audit_dir = {};
  // Cache token lookups; 0 (the default here) looks every call up.
  absl::Duration auth_cache_ttl = absl::ZeroDuration();
  std::string tls_cert_file = {};
  std::string tls_key_file = {};
  std::string tls_client_ca_file = {};
  // ServerOptions' bounds on what callers can make the server hold.
  int max_concurrent_streams = server::ServerOptions().max_concurrent_streams;
  int max_request_bytes = server::ServerOptions().max_request_bytes;
  int max_threads = server::ServerOptions().max_threads;
  // Generous by default, so tests that make concurrent calls as one user
  // test what they test; the fair-share tests set their own.
  services::FairShareOptions fair_share = {.max_calls_per_user = 64,
                                           .max_calls_per_agency = 256,
                                           .max_anonymous_calls = 64};
  // ServerOptions::refusal_summary_window.
  absl::Duration refusal_summary_window = server::ServerOptions().refusal_summary_window;
  // AuditLogOptions::verify_chunk_size.
  int64_t audit_verify_chunk_size = storage::AuditLogOptions().verify_chunk_size;
};

// A whole Casebridge server in the test process, on 127.0.0.1 with a free
// port, over a fresh migrated database from the PostgresEnvironment, seeded
// with the demo world (services/provisioning.h) plus a second police force:
//   pc.hughes (SP officer), sgt.khan (SP supervisor), cps.okafor (CPS West
//   Midlands prosecutor), council.patel (Stoke-on-Trent City Council),
//   county.evans (Staffordshire County Council), nhs.morgan (North Staffs
//   Combined Healthcare NHS Trust), isac.lewis (Staffordshire Victim
//   Gateway advocate), auditor.shah, admin, and pc.west (West Mercia Police
//   officer, another force).
// Tests talk to it through real gRPC channels.
class TestServer {
 public:
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      TestServerOptions options = {});
  ~TestServer();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::string address() const;
  int port() const { return app_->port(); }

  // Bearer token of a demo user or one made with AddUser.
  const std::string& Token(absl::string_view username) const;
  // A client context carrying the user's token and a 30-second deadline.
  // Every context handed out (and every call the helpers below make) is
  // counted as one call: tests compare calls with audit events.
  std::unique_ptr<grpc::ClientContext> Context(absl::string_view username) const;
  int64_t calls() const { return calls_.load(); }
  // agencies/{id} of an agency by code (SP, CPSWM, SOTCC, SCC, NSCHT, SVG, WMP).
  const std::string& Agency(absl::string_view code) const;
  // users/{id} of a user.
  const std::string& User(absl::string_view username) const;

  // Makes a user through AdminService the way an organisation would: the
  // system administrator ("admin") makes the agency if the code is new and
  // an agency administrator ("admin.<code in lower case>") if it has none;
  // whoever manages the account (the agency administrator, or the system
  // administrator for privileged roles) makes the user and an enrolment
  // code, and the user redeems it. Returns the user's token.
  absl::StatusOr<std::string> AddUser(absl::string_view username,
                                      absl::string_view agency_code,
                                      absl::string_view agency_name,
                                      v1::AgencyKind kind, v1::Role role);
  absl::StatusOr<std::string> AddUserWithRoles(absl::string_view username,
                                               absl::string_view agency_code,
                                               absl::string_view agency_name,
                                               v1::AgencyKind kind,
                                               const std::vector<v1::Role>& roles);
  // The username of the agency's administrator, made if missing.
  absl::StatusOr<std::string> AgencyAdministrator(absl::string_view agency_code);
  // An enrolment code for the user made by `manager`, redeemed: the token.
  absl::StatusOr<std::string> Enrol(absl::string_view manager,
                                    absl::string_view user_name);

  // Superuser connection string of this server's database, for checking rows.
  const std::string& database() const { return database_; }
  // The directory of the audit keys (keys/) and witness (witness/).
  const std::string& audit_dir() const { return audit_dir_; }
  server::ServerApp& app() { return *app_; }
  // Null unless started with fake_clock.
  services::FakeClock* clock() { return clock_.get(); }

  // SELECT count(*) FROM audit_events WHERE <where_sql>. Test-only SQL.
  absl::StatusOr<int64_t> CountAuditEvents(absl::string_view where_sql = "true") const;
  // The calls the audit accounts for: the sum of call_count (an event that
  // summarises refused calls counts each of them), after the server has
  // written its pending summaries.
  absl::StatusOr<int64_t> CountAuditedCalls(absl::string_view where_sql = "true");
  // Runs SQL as the superuser and returns the first column of the first row.
  absl::StatusOr<std::string> Query(absl::string_view sql) const;

  // Stops the server (drains the audit log). The destructor calls it.
  void Stop();

 private:
  TestServer() = default;

  std::string database_;
  std::string audit_dir_;
  // The audit directory when the test gave none: removed with the server.
  std::optional<TempDir> own_audit_dir_;
  std::unique_ptr<services::FakeClock> clock_;
  std::unique_ptr<server::ServerApp> app_;
  std::shared_ptr<grpc::Channel> channel_;
  std::map<std::string, std::string, std::less<>> tokens_;
  std::map<std::string, std::string, std::less<>> agencies_;
  std::map<std::string, std::string, std::less<>> users_;
  mutable std::atomic<int64_t> calls_{0};
};

// The trailing "casebridge-field" metadata of a failed call ("" if none).
std::string FieldOf(const grpc::ClientContext& context);

// A realistic case to create: victim Sarah (restricted address when asked),
// one suspect, one protected person, ex-intimate relationship.
v1::Case SampleCase(bool restricted_address = true);

// Creates SampleCase() (or `input`) as `username`; fails the test on error.
v1::Case CreateCaseAs(TestServer& server, absl::string_view username,
                      const v1::Case& input = SampleCase());

// Audit keys in <dir>/keys (made on first start) and a witness in
// <dir>/<witness>: servers sharing one database share the keys (the event
// key authenticates every server's events) but each has its own witness.
void UseAuditDir(server::ServerOptions& options, const std::string& dir,
                 absl::string_view witness = "witness");

// Audit keys in a directory of their own and an in-memory witness, for
// tests that build an AuditLog themselves.
class TestAuditTrust {
 public:
  TestAuditTrust();
  TestAuditTrust(const TestAuditTrust&) = delete;
  TestAuditTrust& operator=(const TestAuditTrust&) = delete;

  storage::AuditTrust trust() { return {.keys = &*keys_, .witnesses = {&witness_}}; }
  const storage::AuditKeyRing& keys() const { return *keys_; }
  storage::MemoryWitness& witness() { return witness_; }
  // New keys in place of these (an attacker's, or lost ones).
  void ReplaceKeys();

 private:
  void LoadKeys();

  TempDir dir_;
  std::optional<storage::AuditKeyRing> keys_;
  storage::MemoryWitness witness_;
};

}  // namespace casebridge::test_support

// gRPC status assertions that print the server's message.
#define EXPECT_GRPC_OK(expr)                                              \
  do {                                                                    \
    const ::grpc::Status cb_s_ = (expr);                                  \
    EXPECT_TRUE(cb_s_.ok()) << cb_s_.error_code() << ": "                 \
                            << cb_s_.error_message();                     \
  } while (0)
#define ASSERT_GRPC_OK(expr)                                              \
  do {                                                                    \
    const ::grpc::Status cb_s_ = (expr);                                  \
    ASSERT_TRUE(cb_s_.ok()) << cb_s_.error_code() << ": "                 \
                            << cb_s_.error_message();                     \
  } while (0)
#define EXPECT_GRPC_CODE(expr, code)                                      \
  do {                                                                    \
    const ::grpc::Status cb_s_ = (expr);                                  \
    EXPECT_EQ(cb_s_.error_code(), (code)) << cb_s_.error_message();       \
  } while (0)

#endif  // CASEBRIDGE_TESTS_SUPPORT_TEST_SERVER_H_
