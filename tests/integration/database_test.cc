// storage::Database against a real PostgreSQL: the pool under exhaustion,
// error mapping at the storage edge, and what the runtime role may do to the
// audit log.
#include "storage/database.h"

#include <atomic>
#include <future>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/audit_log.h"
#include "tests/support/log_capture.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using storage::Database;
using storage::Tx;
using test_support::PostgresEnvironment;
using test_support::QueryValue;
using test_support::TestServer;
using ::testing::HasSubstr;

// Holds `n` connections of a pool, each inside a Transact whose function
// runs `sql` and then blocks until Release().
class PoolHolder {
 public:
  PoolHolder(Database& db, int n, std::string sql = "SELECT 1") : inside_(n) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, &db, sql] {
        absl::Status s = db.Transact(absl::Now() + absl::Minutes(2), [this, &sql](Tx& tx) {
          tx.raw().exec(sql);
          inside_.DecrementCount();
          release_.WaitForNotification();
          return absl::OkStatus();
        });
        absl::MutexLock lock(&mu_);
        statuses_.push_back(s);
      });
    }
    inside_.Wait();  // Every connection is taken.
  }
  ~PoolHolder() { Release(); }

  // Lets the held transactions finish; their statuses.
  std::vector<absl::Status> Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    absl::MutexLock lock(&mu_);
    return statuses_;
  }

 private:
  absl::BlockingCounter inside_;
  absl::Notification release_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::vector<absl::Status> statuses_ ABSL_GUARDED_BY(mu_);
};

// Runs `fn` on another thread; fails the test instead of hanging if it has
// not returned after a minute (far beyond any deadline used here).
template <typename Fn>
auto WithoutHanging(Fn fn) -> decltype(fn()) {
  auto future = std::async(std::launch::async, fn);
  if (future.wait_for(std::chrono::minutes(1)) != std::future_status::ready) {
    ADD_FAILURE() << "the call hung";
    std::abort();  // A hung call cannot be abandoned safely.
  }
  return future.get();
}

// GetCurrentUser with `authorization` as its header and a deadline
// `timeout` from now, failing the test rather than hanging.
grpc::Status GetCurrentUserWith(TestServer& server, const std::string& authorization,
                                absl::Duration timeout) {
  auto admin = v1::AdminService::NewStub(server.channel());
  grpc::ClientContext context;
  context.AddMetadata("authorization", authorization);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::User me;
  return WithoutHanging(
      [&] { return admin->GetCurrentUser(&context, v1::GetCurrentUserRequest(), &me); });
}

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conn = PostgresEnvironment::FreshDatabase();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *conn;
  }

  std::unique_ptr<Database> Open(int pool_size) {
    storage::DatabaseOptions options;
    options.connection_string = conn_;
    options.pool_size = pool_size;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  // Events and their seals, written the way the server writes them.
  static void AppendSealedEvents(Database& db, int n) {
    test_support::TestAuditTrust audit;
    storage::AuditLog log(&db, audit.trust());
    storage::AuditEvent event;
    event.time = absl::Now();
    event.username = "pc.hughes";
    event.method = "/casebridge.v1.CaseService/GetCase";
    event.outcome = "OK";
    for (int i = 0; i < n; ++i) ASSERT_TRUE(log.AppendDurably(event).ok());
    ASSERT_TRUE(log.SealPending(absl::Now() + absl::Seconds(10)).ok());
  }

  // Runs one raw SQL statement in a pooled transaction.
  static absl::Status Exec(Database& db, const std::string& sql) {
    return db.Transact(absl::Now() + absl::Seconds(30), [&](Tx& tx) {
      tx.raw().exec(sql);
      return absl::OkStatus();
    });
  }

  std::string conn_;
};

TEST_F(DatabaseTest, ExhaustedPoolGivesUnavailableBeforeTheDeadline) {
  std::unique_ptr<Database> db = Open(2);
  ASSERT_NE(db, nullptr);
  PoolHolder hold(*db, 2);

  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  absl::Status s = WithoutHanging([&] {
    return db->Transact(deadline, [](Tx&) {
      ADD_FAILURE() << "ran without a connection";
      return absl::OkStatus();
    });
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("busy"));
  EXPECT_LT(absl::Now(), deadline) << "gave up only at (or after) the deadline";

  // The held calls were not disturbed, and the pool works once they finish.
  for (const absl::Status& held : hold.Release()) EXPECT_TRUE(held.ok()) << held;
  EXPECT_TRUE(db->Ping(absl::Now() + absl::Seconds(10)).ok());
}

TEST_F(DatabaseTest, DeadlineAlreadyPassedRunsNothing) {
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  bool ran = false;
  absl::Status s = db->Transact(absl::Now() - absl::Seconds(1), [&](Tx&) {
    ran = true;
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_FALSE(ran);
}

TEST_F(DatabaseTest, ErrorsAreMappedAtTheStorageEdge) {
  std::unique_ptr<Database> db = Open(2);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Exec(*db, "CREATE TEMP TABLE IF NOT EXISTS t (k int PRIMARY KEY)").ok());

  // Unique violation -> ALREADY_EXISTS, and the transaction rolls back.
  absl::Status dup = db->Transact(absl::Now() + absl::Seconds(30), [](Tx& tx) {
    tx.raw().exec("CREATE TEMP TABLE IF NOT EXISTS u (k int PRIMARY KEY)");
    tx.raw().exec("INSERT INTO u VALUES (1)");
    tx.raw().exec("INSERT INTO u VALUES (1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;

  // A statement still running at the call's deadline -> DEADLINE_EXCEEDED.
  absl::Status slow = WithoutHanging([&] {
    return db->Transact(absl::Now() + absl::Milliseconds(500), [](Tx& tx) {
      tx.raw().exec("SELECT pg_sleep(30)");
      return absl::OkStatus();
    });
  });
  EXPECT_EQ(slow.code(), absl::StatusCode::kDeadlineExceeded) << slow;

  // Any other SQL error -> INTERNAL naming the SQLSTATE, not the SQL.
  absl::Status bad = Exec(*db, "SELECT * FROM no_such_table");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal) << bad;
  EXPECT_THAT(std::string(bad.message()), HasSubstr("42P01"));

  // A function that fails rolls its transaction back.
  absl::Status failed = db->Transact(absl::Now() + absl::Seconds(30), [](Tx& tx) {
    tx.raw().exec(
        "INSERT INTO agencies (display_name, kind, code) "
        "VALUES ('Rolled back', 1, 'ROLLBACK')");
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM agencies WHERE code = 'ROLLBACK'"),
            "0");

  // Every error above left its connection usable.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(db->Ping(absl::Now() + absl::Seconds(10)).ok());
}

// A lock wait that runs into lock_timeout (the runtime role has one, so a
// frozen session cannot hold calls up) is UNAVAILABLE: retry. Not INTERNAL.
TEST_F(DatabaseTest, ALockTimeoutIsUnavailableNotInternal) {
  std::unique_ptr<Database> db = Open(2);
  ASSERT_NE(db, nullptr);
  auto holder = std::make_unique<PoolHolder>(*db, 1, "SELECT pg_advisory_xact_lock(4242)");
  absl::Status s = WithoutHanging([&] {
    return db->Transact(absl::Now() + absl::Seconds(30), [](Tx& tx) {
      tx.raw().exec("SET LOCAL lock_timeout = '200ms'");
      tx.raw().exec("SELECT pg_advisory_xact_lock(4242)");
      return absl::OkStatus();
    });
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("lock_timeout"));
  holder.reset();
  EXPECT_TRUE(db->Ping(absl::Now() + absl::Seconds(10)).ok());
}

// A transaction left idle past idle_in_transaction_session_timeout (what
// PostgreSQL does to a frozen server's session) has its session ended: the
// call is UNAVAILABLE saying so and that nothing was saved (not "the
// database is unreachable"), and the connection is replaced.
TEST_F(DatabaseTest, ASessionEndedMidTransactionSaysSoAndThatNothingWasSaved) {
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  absl::Status s = db->Transact(absl::Now() + absl::Seconds(30), [](Tx& tx) {
    tx.raw().exec("SET LOCAL idle_in_transaction_session_timeout = '100ms'");
    absl::SleepFor(absl::Seconds(1));  // frozen
    tx.raw().exec("SELECT 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("ended this connection"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("nothing was saved"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("idle_in_transaction_session_timeout"));
  EXPECT_TRUE(db->Ping(absl::Now() + absl::Seconds(10)).ok());
}

// The runtime role carries the bounds (migration 0012) that end a frozen
// server's session and stop others waiting on its locks for ever.
TEST_F(DatabaseTest, TheRuntimeRoleHasLockAndIdleInTransactionTimeouts) {
  EXPECT_EQ(QueryValue(conn_,
                       "SELECT coalesce(array_to_string(array(SELECT unnest(setconfig) "
                       "ORDER BY 1), ','), 'none') FROM pg_db_role_setting "
                       "WHERE setrole = 'casebridge_app'::regrole AND setdatabase = 0 "
                       "UNION ALL SELECT 'none' LIMIT 1")
                .value_or("error"),
            "idle_in_transaction_session_timeout=15s,lock_timeout=10s");
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  absl::StatusOr<std::string> seen = db->TransactFor<std::string>(
      absl::Now() + absl::Seconds(10), [](Tx& tx) -> absl::StatusOr<std::string> {
        return absl::StrCat(
            tx.raw().exec1("SHOW idle_in_transaction_session_timeout")[0].c_str(), " ",
            tx.raw().exec1("SHOW lock_timeout")[0].c_str());
      });
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(*seen, "15s 10s");
}

// The background sealer, kept from the sealing lock by another session,
// says so (naming it) once it has been kept long, and then only now and
// then, not at every attempt.
TEST_F(DatabaseTest, TheSealerWarnsNowAndThenWhileAnotherSessionKeepsTheLock) {
  std::unique_ptr<Database> db = Open(1);
  std::unique_ptr<Database> writer_db = Open(1);
  std::unique_ptr<Database> sealer_db = Open(1);
  ASSERT_NE(sealer_db, nullptr);
  pqxx::connection stuck(conn_);
  {
    pqxx::nontransaction setup(stuck);
    setup.exec("SET application_name = 'stuck session'");
  }
  auto held = std::make_unique<pqxx::work>(stuck);
  held->exec(absl::StrCat("SELECT pg_advisory_xact_lock(", storage::kAuditSealerLockKey,
                          ")"));
  const int pid = held->exec1("SELECT pg_backend_pid()")[0].as<int>();

  test_support::LogCapture logs;
  storage::AuditLogOptions options;
  options.seal_interval = absl::Milliseconds(20);
  options.sealer_lock_warning_after = absl::Milliseconds(300);
  test_support::TestAuditTrust audit;
  storage::AuditLog log(db.get(), audit.trust(), options, writer_db.get(), sealer_db.get());
  ASSERT_TRUE(log.Start().ok());
  absl::SleepFor(absl::Seconds(2));
  held.reset();  // let go, so Stop() can seal
  log.Stop();
  std::vector<std::string> warnings = logs.Lines("kept the sealing lock");
  ASSERT_EQ(warnings.size(), 1u) << logs.All();
  EXPECT_THAT(warnings[0], HasSubstr(absl::StrCat("pid ", pid)));
  EXPECT_THAT(warnings[0], HasSubstr("stuck session"));
}

// The call's deadline travels with BEGIN as SET LOCAL statement_timeout: it
// bounds reads too, and ends with its transaction (the next call on the same
// pooled connection has the connection default again).
TEST_F(DatabaseTest, CallTimeoutBoundsItsTransactionOnly) {
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  absl::Status slow_read = WithoutHanging([&] {
    return db->Transact(
        absl::Now() + absl::Milliseconds(500),
        [](Tx& tx) {
          tx.raw().exec("SELECT pg_sleep(30)");
          return absl::OkStatus();
        },
        Database::Mode::kReadOnly);
  });
  EXPECT_EQ(slow_read.code(), absl::StatusCode::kDeadlineExceeded) << slow_read;

  std::string inside, after;
  ASSERT_TRUE(db->Transact(absl::Now() + absl::Seconds(5), [&](Tx& tx) {
                  inside = tx.raw().exec("SHOW statement_timeout")[0][0].c_str();
                  return absl::OkStatus();
                }).ok());
  ASSERT_TRUE(db->Transact(absl::Now() + absl::Minutes(10), [&](Tx& tx) {
                  after = tx.raw().exec("SHOW statement_timeout")[0][0].c_str();
                  return absl::OkStatus();
                }).ok());
  EXPECT_NE(inside, after);
  EXPECT_EQ(after, "30s");  // DatabaseOptions::default_statement_timeout.
}

// Autocommit runs each statement as its own transaction: one that succeeds
// stays committed even when the function then fails (callers use it for
// exactly one statement, atomic by itself).
TEST_F(DatabaseTest, AutocommitCommitsEachStatement) {
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  absl::Status s = db->Transact(
      absl::Now() + absl::Seconds(30),
      [](Tx& tx) {
        tx.raw().exec(
            "INSERT INTO agencies (display_name, kind, code) "
            "VALUES ('Autocommitted', 1, 'AUTOCOMMIT')");
        tx.raw().exec("SELECT * FROM no_such_table");
        return absl::OkStatus();
      },
      Database::Mode::kAutocommit);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM agencies WHERE code = 'AUTOCOMMIT'"),
            "1");
  EXPECT_TRUE(db->Ping(absl::Now() + absl::Seconds(10)).ok());
}

// The backend process behind the pool's only connection.
std::string BackendPid(Database& db) {
  std::string pid;
  absl::Status s = db.Transact(absl::Now() + absl::Seconds(10), [&](Tx& tx) {
    pid = tx.raw().exec("SELECT pg_backend_pid()")[0][0].c_str();
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return pid;
}

// Ends a backend as the superuser; true once it is gone.
bool TerminateBackend(const std::string& pid) {
  absl::StatusOr<std::string> superuser = PostgresEnvironment::SuperuserConnectionString();
  if (!superuser.ok()) return false;
  absl::StatusOr<std::string> ended = QueryValue(
      *superuser, absl::StrCat("SELECT pg_terminate_backend(", pid, ", 10000)"));
  return ended.ok() && *ended == "t";
}

// A pooled connection whose server closed it while idle is replaced before an
// autocommitted statement is sent: the statement runs once, and succeeds.
TEST_F(DatabaseTest, AutocommitReplacesAConnectionClosedWhileIdle) {
  if (!PostgresEnvironment::SuperuserConnectionString().ok()) {
    GTEST_SKIP() << "needs the superuser to end a backend";
  }
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  const std::string pid = BackendPid(*db);
  ASSERT_TRUE(TerminateBackend(pid));
  absl::SleepFor(absl::Milliseconds(100));  // the goodbye reaches the socket

  absl::Status s = db->Transact(
      absl::Now() + absl::Seconds(30),
      [](Tx& tx) {
        tx.raw().exec(
            "INSERT INTO agencies (display_name, kind, code) "
            "VALUES ('After the restart', 1, 'IDLEDEAD')");
        return absl::OkStatus();
      },
      Database::Mode::kAutocommit);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM agencies WHERE code = 'IDLEDEAD'"),
            "1");
  EXPECT_NE(BackendPid(*db), pid);
}

// A connection that breaks while an autocommitted statement runs leaves the
// statement in doubt: UNKNOWN, never UNAVAILABLE (which callers, such as the
// audit log's group commit, retry and would then run twice).
TEST_F(DatabaseTest, AutocommitBrokenMidStatementIsInDoubt) {
  if (!PostgresEnvironment::SuperuserConnectionString().ok()) {
    GTEST_SKIP() << "needs the superuser to end a backend";
  }
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  const std::string pid = BackendPid(*db);
  std::thread terminator([&] {
    absl::SleepFor(absl::Milliseconds(500));
    EXPECT_TRUE(TerminateBackend(pid));
  });
  absl::Status s = WithoutHanging([&] {
    return db->Transact(
        absl::Now() + absl::Seconds(30),
        [](Tx& tx) {
          tx.raw().exec("SELECT pg_sleep(10)");
          return absl::OkStatus();
        },
        Database::Mode::kAutocommit);
  });
  terminator.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("may or may not"));
  EXPECT_TRUE(db->Ping(absl::Now() + absl::Seconds(10)).ok());
}

TEST_F(DatabaseTest, RuntimeRoleCannotAlterOrRemoveAuditRows) {
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  AppendSealedEvents(*db, 1);
  ASSERT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_seals"), "1");

  // The pool's connections run as the runtime role...
  absl::StatusOr<std::string> role = db->TransactFor<std::string>(
      absl::Now() + absl::Seconds(10), [](Tx& tx) -> absl::StatusOr<std::string> {
        return std::string(tx.raw().exec1("SELECT current_user")[0].c_str());
      });
  ASSERT_TRUE(role.ok()) << role.status();
  EXPECT_EQ(*role, "casebridge_app");
  // ...logged in as itself, so no RESET ROLE gets the owner's rights back.
  absl::StatusOr<std::string> session = db->TransactFor<std::string>(
      absl::Now() + absl::Seconds(10), [](Tx& tx) -> absl::StatusOr<std::string> {
        tx.raw().exec("RESET ROLE");
        return std::string(tx.raw().exec1("SELECT session_user")[0].c_str());
      });
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(*session, "casebridge_app");
  EXPECT_FALSE(Exec(*db, "SET ROLE casebridge").ok());

  struct Table {
    const char* name;
    const char* update;
  } tables[] = {{"audit_events", "UPDATE audit_events SET message = 'forged'"},
                {"audit_seals", "UPDATE audit_seals SET seq = seq + 100"}};
  for (const Table& table : tables) {
    SCOPED_TRACE(table.name);
    // ...which was never granted these...
    for (const char* privilege : {"UPDATE", "DELETE", "TRUNCATE"}) {
      EXPECT_EQ(*QueryValue(conn_, absl::StrCat("SELECT has_table_privilege("
                                                "'casebridge_app', '",
                                                table.name, "', '", privilege, "')")),
                "f")
          << privilege;
    }
    // ...so PostgreSQL refuses them (42501), as it refuses turning the
    // triggers off to someone who is not the owner.
    for (const std::string& sql :
         {std::string(table.update), absl::StrCat("DELETE FROM ", table.name),
          absl::StrCat("TRUNCATE ", table.name),
          absl::StrCat("ALTER TABLE ", table.name, " DISABLE TRIGGER USER")}) {
      absl::Status s = Exec(*db, sql);
      EXPECT_FALSE(s.ok()) << sql;
      EXPECT_THAT(std::string(s.message()), HasSubstr("42501")) << sql;
    }
  }

  // Nothing changed.
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_events WHERE message = ''"),
            "1");
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_seals"), "1");
}

TEST_F(DatabaseTest, OwnerCanAlterTheAuditLogOnlyAfterDisablingItsTriggers) {
  std::unique_ptr<Database> db = Open(1);
  ASSERT_NE(db, nullptr);
  AppendSealedEvents(*db, 3);

  // conn_ is the owner (the superuser of the test cluster, who ran the
  // migrations): even it is refused while the triggers are on.
  for (const char* sql :
       {"UPDATE audit_events SET message = 'forged'", "DELETE FROM audit_events",
        "TRUNCATE audit_events", "UPDATE audit_seals SET seq = seq + 100",
        "DELETE FROM audit_seals", "TRUNCATE audit_seals"}) {
    absl::StatusOr<std::string> r = QueryValue(conn_, absl::StrCat(sql, "; SELECT 1"));
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("append-only")) << sql;
  }
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_events WHERE message = ''"),
            "3");
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_seals"), "3");

  // With the triggers disabled (which the owner alone may do) it can.
  ASSERT_TRUE(QueryValue(conn_,
                         "ALTER TABLE audit_events DISABLE TRIGGER USER; "
                         "ALTER TABLE audit_seals DISABLE TRIGGER USER; "
                         "UPDATE audit_events SET message = 'forged' WHERE id = "
                         "(SELECT min(id) FROM audit_events); "
                         "DELETE FROM audit_seals WHERE seq = 3; "
                         "TRUNCATE audit_pending; "
                         "ALTER TABLE audit_events ENABLE TRIGGER USER; "
                         "ALTER TABLE audit_seals ENABLE TRIGGER USER; "
                         "SELECT 1")
                  .ok());
  EXPECT_EQ(
      *QueryValue(conn_, "SELECT count(*) FROM audit_events WHERE message = 'forged'"),
      "1");
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_seals"), "2");
}

TEST(ServerPoolTest, ExhaustedPoolGivesUnavailableToTheCallerAndIsAudited) {
  auto started = TestServer::Start({.pool_size = 2});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  auto admin = v1::AdminService::NewStub(server->channel());
  // Warm: the call works when the pool is free.
  {
    v1::User me;
    ASSERT_GRPC_OK(admin->GetCurrentUser(server->Context("pc.hughes").get(),
                                         v1::GetCurrentUserRequest(), &me));
  }
  ASSERT_EQ(*server->CountAuditEvents("outcome = 'UNAVAILABLE'"), 0);

  PoolHolder hold(server->app().database(), 2);
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", server->Token("pc.hughes")));
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(8));
  v1::User me;
  grpc::Status s = WithoutHanging(
      [&] { return admin->GetCurrentUser(&context, v1::GetCurrentUserRequest(), &me); });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("busy"));
  // Its audit event was written while the pool was still exhausted (the
  // call returns only after that).
  EXPECT_EQ(
      *server->CountAuditEvents("outcome = 'UNAVAILABLE' AND "
                                "method = '/casebridge.v1.AdminService/GetCurrentUser'"),
      1);

  for (const absl::Status& held : hold.Release()) EXPECT_TRUE(held.ok()) << held;
  ASSERT_GRPC_OK(admin->GetCurrentUser(server->Context("pc.hughes").get(),
                                       v1::GetCurrentUserRequest(), &me));
}

// --max_concurrent_streams bounds the calls one client connection has in
// the server at once: past it, a call waits in the client (and, at its
// deadline, fails there) without reaching a handler.
TEST(ServerPoolTest, ConcurrentStreamsPerConnectionAreBounded) {
  for (int streams : {1, 100}) {
    SCOPED_TRACE(absl::StrCat("max_concurrent_streams ", streams));
    auto started = TestServer::Start({.pool_size = 1, .max_concurrent_streams = streams});
    ASSERT_TRUE(started.ok()) << started.status();
    std::unique_ptr<TestServer> server = *std::move(started);
    auto call = [&](const std::string& user, int seconds) {
      return GetCurrentUserWith(*server, absl::StrCat("Bearer ", server->Token(user)),
                                absl::Seconds(seconds));
    };
    {
      // The first call holds its stream, waiting for the (held) pool.
      PoolHolder hold(server->app().database(), 1);
      std::thread first([&] { call("pc.hughes", 3).error_code(); });
      absl::SleepFor(absl::Milliseconds(500));
      EXPECT_NE(call("sgt.khan", 1).error_code(), grpc::StatusCode::OK);
      first.join();
    }
    // Each call that reached the server is audited (the pool refused both
    // their token lookups, so neither names its user).
    const std::string reached = "method = '/casebridge.v1.AdminService/GetCurrentUser'";
    const int64_t expected = streams == 1 ? 1 : 2;
    for (int i = 0; i < 50 && *server->CountAuditEvents(reached) < expected; ++i) {
      absl::SleepFor(absl::Milliseconds(100));
    }
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_EQ(*server->CountAuditEvents(reached), expected);
  }
}

// A read whose audit event is not written by the call's deadline returns
// DEADLINE_EXCEEDED at that deadline; its event, queued, is still written,
// as what the caller got.
TEST(ServerPoolTest, AStalledAuditLogFailsReadsAtTheirDeadlineAndRecordsThem) {
  auto started = TestServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  const int writers = storage::AuditLogOptions().writers;
  auto hold = std::make_unique<PoolHolder>(server->app().audit_database(), writers);
  // One call per writer, each taken by a writer that cannot commit; then one
  // that stays queued.
  std::vector<std::string> users = {"pc.hughes", "sgt.khan", "nhs.morgan"};
  ASSERT_EQ(writers + 1, static_cast<int>(users.size()));
  for (const std::string& user : users) {
    grpc::Status s = GetCurrentUserWith(
        *server, absl::StrCat("Bearer ", server->Token(user)), absl::Seconds(1));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << user;
  }
  // The server's deadline of the last call falls a moment after its
  // client's: let it pass before the log is unstuck.
  absl::SleepFor(absl::Milliseconds(500));
  for (const absl::Status& held : hold->Release()) EXPECT_TRUE(held.ok()) << held;
  hold.reset();
  // The writers commit once they have connections again.
  const std::string all_three =
      "username IN ('pc.hughes', 'sgt.khan', 'nhs.morgan') AND "
      "method = '/casebridge.v1.AdminService/GetCurrentUser'";
  for (int i = 0; i < 300 && *server->CountAuditEvents(all_three) < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(*server->CountAuditEvents(all_three), 3);
  auto recorded = [&](const std::string& user, const std::string& outcome) {
    return *server->CountAuditEvents(absl::StrCat(
        "username = '", user, "' AND outcome = '", outcome,
        "' AND method = '/casebridge.v1.AdminService/GetCurrentUser'"));
  };
  // Taken by a writer before the deadline: written as it was.
  EXPECT_EQ(recorded("pc.hughes", "OK"), 1);
  EXPECT_EQ(recorded("sgt.khan", "OK"), 1);
  // Still queued at the deadline: written as what the caller got.
  EXPECT_EQ(recorded("nhs.morgan", "DEADLINE_EXCEEDED"), 1);
  EXPECT_EQ(recorded("nhs.morgan", "OK"), 0);
}

storage::AuditEvent SampleAuditEvent(absl::string_view message) {
  storage::AuditEvent event;
  event.time = absl::Now();
  event.username = "pc.hughes";
  event.method = "/casebridge.v1.CaseService/GetCase";
  event.outcome = "OK";
  event.message = std::string(message);
  return event;
}

// A witness that cannot record signed heads (a full disk): the server stops
// acknowledging calls, recording each as refused, until it can again.
TEST_F(DatabaseTest, AWitnessThatCannotRecordHeadsStopsAcknowledgingCalls) {
  std::unique_ptr<Database> db = Open(2);
  ASSERT_NE(db, nullptr);
  storage::AuditLogOptions options;
  options.seal_interval = absl::Milliseconds(20);
  options.tree_head_interval = absl::Milliseconds(20);
  test_support::TestAuditTrust audit;
  storage::AuditLog log(db.get(), audit.trust(), options);
  ASSERT_TRUE(log.Start().ok());
  ASSERT_TRUE(log.AppendDurably(SampleAuditEvent("before")).ok());

  audit.witness().SetFailure(absl::UnavailableError("No space left on device"));
  absl::Status refused;
  for (int i = 0; i < 200 && refused.ok(); ++i) {
    refused = log.AppendDurably(SampleAuditEvent("during"));
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("No space left on device"));
  EXPECT_EQ(log.Acknowledging().code(), absl::StatusCode::kUnavailable);

  audit.witness().SetFailure(absl::OkStatus());
  absl::Status again = refused;
  for (int i = 0; i < 200 && !again.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    again = log.AppendDurably(SampleAuditEvent("after"));
  }
  EXPECT_TRUE(again.ok()) << again;
  log.Stop();
  // Every call is on the record, the refused ones as refused (the calls
  // answered before the sealer's next head found the witness down, at most
  // tree_head_interval's worth, are covered by the head made once it is
  // back); the witness holds the log's newest head.
  EXPECT_NE(*QueryValue(conn_, "SELECT count(*) FROM audit_events WHERE outcome = "
                               "'UNAVAILABLE'"),
            "0");
  const std::vector<storage::SignedTreeHead> heads = audit.witness().Heads();
  ASSERT_FALSE(heads.empty());
  EXPECT_EQ(absl::StrCat(heads.back().tree_size),
            *QueryValue(conn_, "SELECT max(seq) FROM audit_seals"));
}

// A database shorter than the newest witnessed head (its tail cut off, or
// an older backup restored), or one signed with other keys: the server
// starts, says so, and seals nothing into it.
TEST_F(DatabaseTest, AServerRefusesToSealADatabaseBehindItsWitness) {
  std::unique_ptr<Database> db = Open(2);
  ASSERT_NE(db, nullptr);
  test_support::TestAuditTrust audit;
  {
    storage::AuditLog log(db.get(), audit.trust());
    ASSERT_TRUE(log.Start().ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(log.AppendDurably(SampleAuditEvent("x")).ok());
    log.Stop();  // seals and witnesses a head of every event
  }
  const std::string sealed = *QueryValue(conn_, "SELECT max(seq) FROM audit_seals");
  ASSERT_EQ(absl::StrCat(audit.witness().Heads().back().tree_size), sealed);
  // The tail cut off, nodes and all.
  ASSERT_TRUE(QueryValue(conn_,
                         "ALTER TABLE audit_events DISABLE TRIGGER USER; "
                         "ALTER TABLE audit_seals DISABLE TRIGGER USER; "
                         "ALTER TABLE audit_tree_nodes DISABLE TRIGGER USER; "
                         "DELETE FROM audit_events WHERE id IN (SELECT event_id FROM "
                         "audit_seals WHERE seq >= 3); DELETE FROM audit_seals WHERE seq >= 3; "
                         "DELETE FROM audit_tree_nodes WHERE level = 0 AND idx >= 2; "
                         "DELETE FROM audit_tree_nodes WHERE level > 0 AND "
                         "(idx + 1) * (1 << level) > 2; "
                         "ALTER TABLE audit_events ENABLE TRIGGER USER; "
                         "ALTER TABLE audit_seals ENABLE TRIGGER USER; "
                         "ALTER TABLE audit_tree_nodes ENABLE TRIGGER USER; SELECT 1")
                  .ok());
  test_support::LogCapture logs;
  storage::AuditLog restarted(db.get(), audit.trust());
  absl::Status started = restarted.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;
  EXPECT_THAT(std::string(started.message()), HasSubstr("ends at event 2"));
  EXPECT_FALSE(logs.Lines("ends at event 2").empty()) << "said loudly, in the log";
  ASSERT_TRUE(restarted.AppendDurably(SampleAuditEvent("after the cut")).ok());
  EXPECT_EQ(restarted.SealPending(absl::Now() + absl::Seconds(5)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<storage::AuditVerification> v =
      restarted.Verify(0, 0, nullptr, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->problem, storage::AuditProblem::kTruncated) << v->detail;
  EXPECT_EQ(v->first_bad_sequence, 3);
  restarted.Stop();
  EXPECT_EQ(*QueryValue(conn_, "SELECT max(seq) FROM audit_seals"), "2")
      << "no sequence number reused";
}

// Keys swapped (an attacker's own, to sign a rewritten history): the
// witnessed head does not check against them, and no event's MAC does.
TEST_F(DatabaseTest, SwappedKeysAreRefusedAndEveryEventNamed) {
  std::unique_ptr<Database> db = Open(2);
  ASSERT_NE(db, nullptr);
  test_support::TestAuditTrust audit;
  {
    storage::AuditLog log(db.get(), audit.trust());
    ASSERT_TRUE(log.Start().ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.AppendDurably(SampleAuditEvent("x")).ok());
    log.Stop();
  }
  audit.ReplaceKeys();
  EXPECT_EQ(storage::CheckAuditEventKey(*db, audit.keys(), absl::Now() + absl::Seconds(5))
                .code(),
            absl::StatusCode::kFailedPrecondition)
      << "a server with other keys does not start";
  storage::AuditLog swapped(db.get(), audit.trust());
  absl::Status started = swapped.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;
  absl::StatusOr<storage::AuditVerification> v =
      swapped.Verify(0, 0, nullptr, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_sequence, 1) << v->detail;
  swapped.Stop();
}

// A call's audit event waits for room in the group-commit queue only until
// the call's deadline: then the call fails (DEADLINE_EXCEEDED) instead of
// blocking for as long as the log is stuck, and its event is still written,
// as what the caller got.
TEST_F(DatabaseTest, AFullAuditQueueFailsTheCallAtItsDeadlineAndStillRecordsIt) {
  std::unique_ptr<Database> db = Open(1);
  std::unique_ptr<Database> writer_db = Open(1);
  ASSERT_NE(db, nullptr);
  ASSERT_NE(writer_db, nullptr);
  storage::AuditLogOptions options;
  options.max_batch = 1;  // room for 8 queued events
  options.writers = 1;
  test_support::TestAuditTrust audit;
  storage::AuditLog log(db.get(), audit.trust(), options, writer_db.get());
  ASSERT_TRUE(log.Start().ok());
  storage::AuditEvent event;
  event.time = absl::Now();
  event.username = "pc.hughes";
  event.method = "/casebridge.v1.CaseService/GetCase";
  event.outcome = "OK";
  event.message = "queued";

  // The writer cannot commit (its only connection is taken): the queue
  // fills with callers that may wait for ever.
  auto hold = std::make_unique<PoolHolder>(*writer_db, 1);
  std::vector<std::thread> waiting;
  for (int i = 0; i < 20; ++i) {
    waiting.emplace_back([&log, event] { log.AppendDurably(event).IgnoreError(); });
  }
  absl::SleepFor(absl::Seconds(1));

  storage::AuditEvent refused = event;
  refused.message = "refused";
  const absl::Time deadline = absl::Now() + absl::Milliseconds(300);
  absl::Status s =
      WithoutHanging([&] { return log.AppendDurably(refused, deadline); });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("queue is full")) << "why, in words";
  EXPECT_GE(absl::Now(), deadline) << "gave up before the deadline";
  EXPECT_LT(absl::Now(), deadline + absl::Seconds(5)) << "waited past the deadline";

  // Unstuck, every event is written, the refused call's as what it got.
  hold.reset();
  for (std::thread& t : waiting) t.join();
  log.Stop();
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_events WHERE "
                               "username = 'pc.hughes' AND outcome = 'DEADLINE_EXCEEDED' "
                               "AND NOT content_disclosed"),
            "1");
  EXPECT_EQ(*QueryValue(conn_, "SELECT count(*) FROM audit_events WHERE message = 'queued'"),
            "20");
}

// Queued, an event is written even when its caller gives up at its deadline
// (DEADLINE_EXCEEDED): a rejected call is still on the record. A read that
// said OK is recorded as what its caller got: DEADLINE_EXCEEDED, nothing
// disclosed.
TEST_F(DatabaseTest, AQueuedEventOutlivesItsCallersDeadline) {
  std::unique_ptr<Database> db = Open(1);
  std::unique_ptr<Database> writer_db = Open(1);
  ASSERT_NE(db, nullptr);
  ASSERT_NE(writer_db, nullptr);
  storage::AuditLogOptions options;
  options.max_batch = 1;
  options.writers = 1;
  test_support::TestAuditTrust audit;
  storage::AuditLog log(db.get(), audit.trust(), options, writer_db.get());
  ASSERT_TRUE(log.Start().ok());
  storage::AuditEvent event;
  event.time = absl::Now();
  event.method = "/casebridge.v1.CaseService/GetCase";
  event.outcome = "OK";
  event.content_disclosed = true;

  // The writer takes the first event and is stuck writing it.
  auto hold = std::make_unique<PoolHolder>(*writer_db, 1);
  storage::AuditEvent first = event;
  first.username = "first";
  std::thread writing([&log, first] { EXPECT_TRUE(log.AppendDurably(first).ok()); });
  absl::SleepFor(absl::Milliseconds(500));

  storage::AuditEvent read = event;
  read.username = "late.read";
  storage::AuditEvent denied = event;
  denied.username = "late.denied";
  denied.outcome = "UNAUTHENTICATED";
  denied.content_disclosed = false;
  denied.message = "unknown token";
  for (const storage::AuditEvent& e : {read, denied}) {
    const absl::Time deadline = absl::Now() + absl::Milliseconds(300);
    absl::Status s = WithoutHanging([&] { return log.AppendDurably(e, deadline); });
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << e.username << ": " << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("still queued")) << e.username;
    EXPECT_GE(absl::Now(), deadline) << e.username;
    EXPECT_LT(absl::Now(), deadline + absl::Seconds(5)) << e.username;
  }

  hold.reset();
  writing.join();
  log.Stop();
  EXPECT_EQ(*QueryValue(conn_, "SELECT outcome || ' ' || content_disclosed FROM "
                               "audit_events WHERE username = 'first'"),
            "OK true");
  EXPECT_EQ(*QueryValue(conn_, "SELECT outcome || ' ' || content_disclosed FROM "
                               "audit_events WHERE username = 'late.read'"),
            "DEADLINE_EXCEEDED false");
  EXPECT_EQ(*QueryValue(conn_, "SELECT outcome || ' ' || message FROM audit_events "
                               "WHERE username = 'late.denied'"),
            "UNAUTHENTICATED unknown token");
}

// A caller whose record a writer has taken but cannot commit hears that at
// its deadline: the writer is waiting on the database.
TEST_F(DatabaseTest, AnAuditDeadlineSaysTheWriterIsWaitingOnTheDatabase) {
  std::unique_ptr<Database> db = Open(1);
  std::unique_ptr<Database> writer_db = Open(1);
  ASSERT_NE(writer_db, nullptr);
  storage::AuditLogOptions options;
  options.max_batch = 1;
  options.writers = 1;
  test_support::TestAuditTrust audit;
  storage::AuditLog log(db.get(), audit.trust(), options, writer_db.get());
  ASSERT_TRUE(log.Start().ok());
  auto hold = std::make_unique<PoolHolder>(*writer_db, 1);
  storage::AuditEvent event;
  event.time = absl::Now();
  event.username = "taken";
  event.method = "/casebridge.v1.CaseService/GetCase";
  event.outcome = "OK";
  absl::Status s = WithoutHanging(
      [&] { return log.AppendDurably(event, absl::Now() + absl::Milliseconds(300)); });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("waiting on the database")) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("writer")) << s;
  hold.reset();
  log.Stop();
}

// Every connection a server makes names the server (host and pid) and its
// pool in pg_stat_activity, so whoever holds a lock others wait on can be
// traced.
TEST(ServerPoolTest, EveryConnectionNamesItsServerAndPool) {
  auto started = TestServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  EXPECT_THAT(storage::ProcessApplicationName("requests"),
              ::testing::EndsWith(absl::StrCat(":", getpid(), " requests")));
  for (const char* pool : {"requests", "audit", "sealer"}) {
    EXPECT_EQ(*server->Query(absl::StrCat(
                  "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = "
                  "current_database() AND usename = 'casebridge_app' AND "
                  "application_name = '",
                  storage::ProcessApplicationName(pool), "'")),
              "t")
        << pool;
  }
  EXPECT_EQ(*server->Query("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND usename = 'casebridge_app' AND "
                           "application_name = ''"),
            "0");
}

// A flood of bad credentials costs no database work: a token that is not of
// the form the server issues is refused without a lookup, so even with every
// connection of the pool taken, and each refusal is still audited.
TEST(ServerPoolTest, MalformedTokensAreRefusedWithoutADatabaseLookup) {
  auto started = TestServer::Start({.pool_size = 2});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  auto call = [&](const std::string& header) {
    return GetCurrentUserWith(*server, header, absl::Seconds(2));
  };
  const std::string valid = server->Token("pc.hughes");
  ASSERT_EQ(valid.size(), 4u + 43u);
  const std::string malformed[] = {
      "Bearer cbt_forged1",
      "Bearer " + valid.substr(4),                 // no prefix
      "Bearer CBT_" + valid.substr(4),             // another prefix
      "Bearer " + valid.substr(0, valid.size() - 1),  // a character short
      "Bearer " + valid + "A",                     // a character long
      "Bearer " + valid.substr(0, valid.size() - 1) + "=",  // padding
      "Bearer " + valid.substr(0, valid.size() - 1) + "+",  // standard base64
      "Bearer " + valid.substr(0, 20) + " " + valid.substr(21),
      "Bearer " + std::string(4096, 'x'),
  };

  PoolHolder hold(server->app().database(), 2);
  for (const std::string& header : malformed) {
    const absl::Time started_at = absl::Now();
    grpc::Status s = call(header);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << header.substr(0, 60) << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("malformed"));
    EXPECT_LT(absl::Now() - started_at, absl::Seconds(1)) << "waited for the pool";
  }
  // A well-formed token must be looked up, which cannot happen now.
  EXPECT_EQ(call("Bearer cbt_" + std::string(43, 'A')).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(*server->CountAuditedCalls("outcome = 'UNAUTHENTICATED' AND user_id IS NULL "
                                       "AND message LIKE '%malformed%'"),
            static_cast<int64_t>(std::size(malformed)));

  for (const absl::Status& held : hold.Release()) EXPECT_TRUE(held.ok()) << held;
  grpc::Status s = call("Bearer cbt_" + std::string(43, 'A'));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("unknown token"));
  EXPECT_GRPC_OK(call("Bearer " + valid));
}

// A well-formed token the database does not know is remembered as unknown
// for the cache TTL: repeating it is refused from memory. Invalidate() and
// issuing a token forget it.
// A flood of distinct well-formed tokens, each needing a lookup: the lookups
// take at most half the pool, so a signed-in user's calls still get
// connections while they wait.
TEST(ServerPoolTest, TokenLookupsTakeAtMostHalfThePool) {
  auto started = TestServer::Start(
      {.fake_clock = true, .pool_size = 4, .auth_cache_ttl = absl::Minutes(10)});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  // Signed in before the flood (the token is cached).
  auto cases = v1::CaseService::NewStub(server->channel());
  auto list_cases = [&] {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + server->Token("pc.hughes"));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
    v1::ListCasesResponse listed;
    return cases->ListCases(&context, v1::ListCasesRequest(), &listed);
  };
  ASSERT_GRPC_OK(list_cases());

  // Every lookup stalls: the tokens table is locked.
  absl::Notification locked, release;
  std::thread locker([&] {
    pqxx::connection c(server->database());
    pqxx::work w(c);
    w.exec("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");
    locked.Notify();
    release.WaitForNotification();
  });
  locked.WaitForNotification();
  std::vector<std::thread> flood;
  std::atomic<int> unauthenticated{0};
  for (int i = 0; i < 8; ++i) {
    flood.emplace_back([&, i] {
      const std::string token = absl::StrCat("cbt_", std::string(42, static_cast<char>('C' + i)), "A");
      grpc::Status s = GetCurrentUserWith(*server, "Bearer " + token, absl::Seconds(10));
      if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) ++unauthenticated;
    });
  }
  absl::SleepFor(absl::Seconds(1));  // the flood is waiting on its lookups

  grpc::Status during = list_cases();
  EXPECT_GRPC_OK(during);
  release.Notify();
  locker.join();
  for (std::thread& t : flood) t.join();
  // Once the lock is gone every flooded token is refused as unknown.
  EXPECT_EQ(unauthenticated.load(), 8);
}

TEST(ServerPoolTest, UnknownTokensAreRememberedForTheCacheTtl) {
  auto started = TestServer::Start(
      {.fake_clock = true, .pool_size = 2, .auth_cache_ttl = absl::Minutes(1)});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  auto admin = v1::AdminService::NewStub(server->channel());
  auto call = [&](const std::string& token) {
    return GetCurrentUserWith(*server, "Bearer " + token, absl::Seconds(2));
  };
  // Looked up while the pool is free; refused from memory while it is not.
  auto expect_remembered = [&](const std::string& token, const char* when) {
    PoolHolder hold(server->app().database(), 2);
    grpc::Status s = call(token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << when << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("unknown token")) << when;
  };
  auto expect_looked_up = [&](const std::string& token, const char* when) {
    PoolHolder hold(server->app().database(), 2);
    EXPECT_EQ(call(token).error_code(), grpc::StatusCode::UNAVAILABLE) << when;
  };
  auto look_up = [&](const std::string& token) {
    grpc::Status s = call(token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("unknown token"));
  };
  const std::string unknown = "cbt_" + std::string(42, 'B') + "A";

  look_up(unknown);
  expect_remembered(unknown, "just looked up");
  server->clock()->Advance(absl::Seconds(59));
  expect_remembered(unknown, "59 s later");
  server->clock()->Advance(absl::Seconds(1));
  expect_looked_up(unknown, "a TTL later");

  look_up(unknown);
  server->app().authenticator().Invalidate();
  expect_looked_up(unknown, "after Invalidate");

  look_up(unknown);
  v1::IssueTokenRequest issue;
  issue.set_user(server->User("pc.west"));
  v1::IssueTokenResponse issued;
  ASSERT_GRPC_OK(admin->IssueToken(server->Context("pc.west").get(), issue, &issued));
  expect_looked_up(unknown, "after a token was issued");
  // Every refusal was audited, from memory or not.
  EXPECT_EQ(*server->CountAuditedCalls("outcome = 'UNAUTHENTICATED' AND user_id IS NULL"), 5);
}

}  // namespace
}  // namespace casebridge
