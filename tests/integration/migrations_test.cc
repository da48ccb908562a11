// Migrations against a real PostgreSQL: applied once, idempotent, and safe
// when several servers start on one empty database at the same moment.
#include "storage/migrations.h"

#include <future>
#include <iterator>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "domain/protection_order_lifecycle.h"
#include "server/server_app.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/postgres_environment.h"

namespace casebridge {
namespace {

using test_support::PostgresEnvironment;
using test_support::QueryValue;
using ::testing::HasSubstr;

// An empty database (copied from template0, not from the migrated test
// template), dropped at the end of the test.
class EmptyDatabase {
 public:
  EmptyDatabase() {
    static int counter = 0;
    name_ = absl::StrCat("cb_empty_", getpid(), "_", ++counter);
    absl::StatusOr<std::string> admin =
        PostgresEnvironment::SuperuserConnectionString("postgres");
    EXPECT_TRUE(admin.ok()) << admin.status();
    admin_ = *admin;
    Exec(absl::StrCat("CREATE DATABASE \"", name_, "\" TEMPLATE template0"));
    conn_ = *PostgresEnvironment::SuperuserConnectionString(name_);
  }
  ~EmptyDatabase() {
    Exec(absl::StrCat("DROP DATABASE IF EXISTS \"", name_, "\" WITH (FORCE)"));
  }

  const std::string& conn() const { return conn_; }

 private:
  void Exec(const std::string& sql) {
    try {
      pqxx::connection c(admin_);
      pqxx::nontransaction n(c);
      n.exec0(sql);
    } catch (const std::exception& e) {
      ADD_FAILURE() << sql << ": " << e.what();
    }
  }

  std::string name_;
  std::string admin_;
  std::string conn_;
};

// version:file_name of every applied migration, in order.
std::string AppliedMigrations(const std::string& conn) {
  absl::StatusOr<std::string> v = QueryValue(conn,
                                             "SELECT coalesce(string_agg(version || ':' "
                                             "|| file_name, ',' ORDER BY version), '') "
                                             "FROM schema_migrations");
  EXPECT_TRUE(v.ok()) << v.status();
  return v.value_or("");
}

// The same plus when each was applied: changes if anything is re-applied.
std::string MigrationRecord(const std::string& conn) {
  absl::StatusOr<std::string> v = QueryValue(
      conn,
      "SELECT string_agg(version || ':' || file_name || '@' || applied_at, ',' "
      "ORDER BY version) FROM schema_migrations");
  EXPECT_TRUE(v.ok()) << v.status();
  return v.value_or("");
}

// Tables, columns, triggers and grants of the public schema.
std::string SchemaFingerprint(const std::string& conn) {
  absl::StatusOr<std::string> v = QueryValue(conn, R"sql(
SELECT md5(
  (SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ','
                     ORDER BY table_name, column_name)
   FROM information_schema.columns WHERE table_schema = 'public') ||
  (SELECT coalesce(string_agg(tgrelid::regclass || '.' || tgname, ',' ORDER BY 1), '')
   FROM pg_trigger WHERE NOT tgisinternal) ||
  (SELECT string_agg(grantee || ':' || table_name || ':' || privilege_type, ','
                     ORDER BY 1)
   FROM information_schema.role_table_grants WHERE table_schema = 'public'))
)sql");
  EXPECT_TRUE(v.ok()) << v.status();
  return v.value_or("");
}

std::string ExpectedMigrations() {
  std::string out;
  for (const storage::Migration& m : storage::Migrations()) {
    if (!out.empty()) out += ",";
    absl::StrAppend(&out, m.version, ":", m.file_name);
  }
  return out;
}

// One migration per number, from 1, with no gap: a gap on main means a
// branch's migration was lost in a merge.
TEST(MigrationsTest, CompiledInMigrationsAreNumberedInOrder) {
  const auto& all = storage::Migrations();
  ASSERT_GE(all.size(), 2u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i) + 1) << all[i].file_name;
  }
}

TEST(MigrationsTest, EmptyDatabaseIsMigratedOnceAndAgainChangesNothing) {
  EmptyDatabase db;
  ASSERT_TRUE(storage::ApplyMigrations(db.conn()).ok());
  EXPECT_EQ(AppliedMigrations(db.conn()), ExpectedMigrations());
  EXPECT_EQ(*QueryValue(db.conn(), "SELECT to_regclass('audit_events') IS NOT NULL"),
            "t");
  const std::string record = MigrationRecord(db.conn());
  const std::string schema = SchemaFingerprint(db.conn());

  absl::Status again = storage::ApplyMigrations(db.conn());
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_EQ(MigrationRecord(db.conn()), record);
  EXPECT_EQ(SchemaFingerprint(db.conn()), schema);
  // The advisory lock was released: nothing still holds it.
  EXPECT_EQ(*QueryValue(db.conn(),
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())"),
            "0");
}

TEST(MigrationsTest, MigratedDatabaseIsLeftAlone) {
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(AppliedMigrations(*db), ExpectedMigrations());
  const std::string record = MigrationRecord(*db);
  const std::string schema = SchemaFingerprint(*db);
  ASSERT_TRUE(storage::ApplyMigrations(*db).ok());
  EXPECT_EQ(MigrationRecord(*db), record);
  EXPECT_EQ(SchemaFingerprint(*db), schema);
}

TEST(MigrationsTest, ServersStartingTogetherOnAnEmptyDatabaseMigrateOnce) {
  EmptyDatabase db;
  constexpr int kServers = 4;
  absl::Barrier start(kServers);
  std::vector<absl::Status> results(kServers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      results[i] = storage::ApplyMigrations(db.conn());
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kServers; ++i) {
    EXPECT_TRUE(results[i].ok()) << "server " << i << ": " << results[i];
  }
  EXPECT_EQ(AppliedMigrations(db.conn()), ExpectedMigrations());
  EXPECT_EQ(*QueryValue(db.conn(), "SELECT count(*) FROM schema_migrations"),
            absl::StrCat(storage::Migrations().size()));
  // One audit table, one set of triggers: nothing ran twice.
  EXPECT_EQ(*QueryValue(db.conn(),
                        "SELECT count(*) FROM pg_trigger "
                        "WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal"),
            "2");
}

TEST(MigrationsTest, TwoServersStartingOnOneEmptyDatabaseBothServe) {
  EmptyDatabase db;
  const test_support::TempDir audit_dir_holder;
  const std::string& audit_dir = audit_dir_holder.path();
  absl::Barrier start(2);
  std::vector<absl::StatusOr<std::unique_ptr<server::ServerApp>>> apps(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      server::ServerOptions options;
      options.listen = "127.0.0.1:0";
      options.database = db.conn();
      options.pool_size = 2;
      options.shutdown_grace = absl::Seconds(1);
      test_support::UseAuditDir(options, audit_dir, absl::StrCat("witness-", i));
      start.Block();
      apps[i] = server::ServerApp::Start(options);
    });
  }
  for (std::thread& t : threads) t.join();
  for (auto& app : apps) {
    ASSERT_TRUE(app.ok()) << app.status();
    EXPECT_TRUE((*app)->database().Ping(absl::Now() + absl::Seconds(10)).ok());
  }
  EXPECT_NE((*apps[0])->port(), (*apps[1])->port());
  EXPECT_EQ(AppliedMigrations(db.conn()), ExpectedMigrations());
  for (auto& app : apps) (*app)->Shutdown();
}

// 0008 moves recorded notification deadlines from trigger + 72 hours to
// domain::NotificationDueTime (the end of the third UK day beginning with
// the trigger's day), across both clock changes. Run against a temporary
// table of the same name, which shadows the real one in this transaction.
// Migrations are applied by number; one applied under another name (a
// database migrated by a build whose migrations were numbered differently)
// stops the start with both names, rather than this one being skipped.
TEST(MigrationsTest, AMigrationAppliedUnderAnotherNameStopsTheStart) {
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  const storage::Migration& last = storage::Migrations().back();
  ASSERT_TRUE(QueryValue(*db, absl::StrCat("UPDATE schema_migrations SET file_name = "
                                           "'0099_from_another_branch.sql' WHERE version = ",
                                           last.version, "; SELECT 1"))
                  .ok());
  absl::Status s = storage::ApplyMigrations(*db);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("0099_from_another_branch.sql"));
  EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(last.file_name)));
}

// A database migrated by a newer build (a migration this one does not know)
// is refused, applying nothing, naming both versions; a server does not
// start on it.
TEST(MigrationsTest, ANewerSchemaIsRefusedNamingBothVersions) {
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(QueryValue(*db, "INSERT INTO schema_migrations (version, file_name) "
                              "VALUES (9999, '9999_from_a_newer_build.sql'); SELECT 1")
                  .ok());
  const std::string record = MigrationRecord(*db);
  const storage::Migration& newest = storage::Migrations().back();
  absl::Status s = storage::ApplyMigrations(*db);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("9999 (9999_from_a_newer_build.sql)"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(absl::StrCat(newest.version, " (", newest.file_name, ")")));
  EXPECT_THAT(std::string(s.message()), HasSubstr("newer"));
  EXPECT_EQ(MigrationRecord(*db), record);

  server::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.database = *db;
  absl::StatusOr<std::unique_ptr<server::ServerApp>> app = server::ServerApp::Start(options);
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(app.status().message()), HasSubstr("9999_from_a_newer_build.sql"));
}

// The wait for another session's migration lock is bounded; at the bound
// the error names the holder and what to do.
TEST(MigrationsTest, TheMigrationLockWaitIsBoundedAndNamesTheHolder) {
  EmptyDatabase db;
  pqxx::connection holder(db.conn());
  pqxx::nontransaction lock(holder);
  lock.exec("SET application_name = 'migration holder under test'");
  const int pid = lock.exec1("SELECT pg_backend_pid()")[0].as<int>();
  lock.exec(absl::StrCat("SELECT pg_advisory_lock(", storage::kMigrationLockKey, ")"));

  const absl::Time start = absl::Now();
  auto migrating = std::async(std::launch::async, [&] {
    return storage::ApplyMigrations(db.conn(), {.lock_timeout = absl::Seconds(1)});
  });
  if (migrating.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    // Waiting without a bound: let it go, so the test fails instead of hanging.
    lock.exec(absl::StrCat("SELECT pg_advisory_unlock(", storage::kMigrationLockKey, ")"));
    migrating.wait();
    FAIL() << "the wait for the migration lock was not bounded";
  }
  absl::Status s = migrating.get();
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("pid ", pid)));
  EXPECT_THAT(std::string(s.message()), HasSubstr("migration holder under test"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("local socket"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("connected "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("state \"idle\""));
  EXPECT_THAT(std::string(s.message()), HasSubstr("pg_terminate_backend"));
  EXPECT_EQ(*QueryValue(db.conn(), "SELECT to_regclass('schema_migrations') IS NULL"),
            "t")
      << "migrated without the lock";

  // Released, the next start migrates.
  lock.exec(absl::StrCat("SELECT pg_advisory_unlock(", storage::kMigrationLockKey, ")"));
  EXPECT_TRUE(storage::ApplyMigrations(db.conn()).ok());
  EXPECT_EQ(AppliedMigrations(db.conn()), ExpectedMigrations());
}

// What `casebridge-server status` reports: the database's version, this
// build's, what is pending and what is newer.
TEST(MigrationsTest, SchemaStatusSaysWhatIsPendingAndWhatIsNewer) {
  const storage::Migration& newest = storage::Migrations().back();
  EmptyDatabase empty;
  absl::StatusOr<storage::SchemaStatus> status = storage::ReadSchemaStatus(empty.conn());
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->database_version, 0);
  EXPECT_EQ(status->build_version, newest.version);
  EXPECT_EQ(status->build_file, newest.file_name);
  EXPECT_EQ(status->pending.size(), storage::Migrations().size());
  EXPECT_EQ(status->pending.front(), storage::Migrations().front().file_name);
  EXPECT_TRUE(status->newer.empty());
  EXPECT_FALSE(status->up_to_date());
  EXPECT_EQ(*QueryValue(empty.conn(), "SELECT to_regclass('schema_migrations') IS NULL"),
            "t")
      << "reading changed something";

  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  status = storage::ReadSchemaStatus(*db);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->database_version, newest.version);
  EXPECT_EQ(status->database_file, newest.file_name);
  EXPECT_TRUE(status->up_to_date());

  ASSERT_TRUE(QueryValue(*db, "INSERT INTO schema_migrations (version, file_name) "
                              "VALUES (9999, '9999_from_a_newer_build.sql'); SELECT 1")
                  .ok());
  status = storage::ReadSchemaStatus(*db);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->database_version, 9999);
  EXPECT_EQ(status->newer, std::vector<std::string>{"9999_from_a_newer_build.sql"});
  EXPECT_TRUE(status->pending.empty());
  EXPECT_FALSE(status->up_to_date());
}

TEST(MigrationsTest, NotificationDeadlinesAreMovedToTheEndOfTheThirdUkDay) {
  const storage::Migration* migration = nullptr;
  for (const storage::Migration& m : storage::Migrations()) {
    if (absl::StrContains(m.file_name, "spo_notification_due")) migration = &m;
  }
  ASSERT_NE(migration, nullptr);
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time triggers[] = {
      absl::FromCivil(absl::CivilSecond(2026, 3, 2, 23, 30, 0), utc),    // GMT
      absl::FromCivil(absl::CivilSecond(2026, 3, 3, 0, 0, 0), utc),      // midnight
      absl::FromCivil(absl::CivilSecond(2026, 3, 27, 23, 30, 0), utc),   // into BST
      absl::FromCivil(absl::CivilSecond(2026, 3, 31, 23, 30, 0), utc),   // 00:30 BST
      absl::FromCivil(absl::CivilSecond(2026, 10, 23, 9, 0, 0), utc),    // into GMT
      absl::FromCivil(absl::CivilSecond(2026, 10, 24, 22, 30, 0), utc),  // 23:30 BST
  };
  std::string rows;
  std::string expected;
  for (size_t i = 0; i < std::size(triggers); ++i) {
    const absl::Time t = triggers[i];
    absl::StrAppend(&rows, i == 0 ? "" : ", ", "(", i, ", to_timestamp(",
                    absl::ToUnixSeconds(t), "), to_timestamp(",
                    absl::ToUnixSeconds(t + absl::Hours(72)), "), NULL)");
    absl::StrAppend(&expected, i == 0 ? "" : ",",
                    absl::ToUnixMillis(domain::NotificationDueTime(t)));
  }
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  // A notified obligation keeps the deadline it was judged against.
  const absl::Time notified_trigger = triggers[0];
  absl::StrAppend(&rows, ", (", std::size(triggers), ", to_timestamp(",
                  absl::ToUnixSeconds(notified_trigger), "), to_timestamp(",
                  absl::ToUnixSeconds(notified_trigger + absl::Hours(72)),
                  "), to_timestamp(", absl::ToUnixSeconds(notified_trigger + absl::Hours(60)),
                  "))");
  absl::StrAppend(&expected, ",",
                  absl::ToUnixMillis(notified_trigger + absl::Hours(72)));
  absl::StatusOr<std::string> got = QueryValue(
      *db, absl::StrCat("CREATE TEMP TABLE protection_order_notifications "
                        "(n int, trigger_time timestamptz, due_time timestamptz, "
                        "notify_time timestamptz) ON COMMIT DROP; "
                        "INSERT INTO protection_order_notifications VALUES ",
                        rows, "; ", migration->sql,
                        "; SELECT string_agg((extract(epoch FROM due_time) * 1000)"
                        "::bigint::text, ',' ORDER BY n) "
                        "FROM pg_temp.protection_order_notifications"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, expected);
}

TEST(MigrationsTest, UnreachableDatabaseIsAClearError) {
  absl::Status s = storage::ApplyMigrations("host=/nonexistent dbname=x");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  // libpq's reason, naming what it tried.
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("/nonexistent"));
}

}  // namespace
}  // namespace casebridge
