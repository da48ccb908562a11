#include "tests/support/postgres_environment.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::test_support {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(PostgresEnvironmentTest, FreshDatabasesAreSeparate) {
  absl::StatusOr<std::string> a = PostgresEnvironment::FreshDatabase();
  absl::StatusOr<std::string> b = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  std::string name_a = QueryValue(*a, "SELECT current_database()").value_or("?");
  std::string name_b = QueryValue(*b, "SELECT current_database()").value_or("?");
  EXPECT_NE(name_a, name_b);
  EXPECT_THAT(name_a, ::testing::StartsWith("casebridge_test_"));

  ASSERT_TRUE(QueryValue(*a, "CREATE TABLE only_in_a (v int); SELECT 1").ok());
  EXPECT_EQ(QueryValue(*a, "SELECT to_regclass('only_in_a') IS NOT NULL")
                .value_or("?"),
            "t");
  EXPECT_EQ(QueryValue(*b, "SELECT to_regclass('only_in_a') IS NOT NULL")
                .value_or("?"),
            "f");
}

TEST(PostgresEnvironmentTest, SuperuserCanCreateDatabases) {
  absl::StatusOr<std::string> conn =
      PostgresEnvironment::SuperuserConnectionString();
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_EQ(QueryValue(*conn, "SELECT rolcreatedb FROM pg_roles "
                            "WHERE rolname = current_user")
                .value_or("?"),
            "t");
}

TEST(PostgresEnvironmentTest, TemplateCannotBeConnectedTo) {
  absl::StatusOr<std::string> conn =
      PostgresEnvironment::SuperuserConnectionString(
          PostgresEnvironment::kTemplateDatabase);
  ASSERT_TRUE(conn.ok());
  if (!PostgresEnvironment::IsEmbedded()) GTEST_SKIP() << "template name differs";
  absl::StatusOr<std::string> r = QueryValue(*conn, "SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("not currently accepting"));
}

TEST(PostgresEnvironmentTest, ServerCanBeStoppedAndRestarted) {
  if (!PostgresEnvironment::IsEmbedded()) GTEST_SKIP() << "external server";
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(PostgresEnvironment::StopServer().ok());
  EXPECT_FALSE(QueryValue(*db, "SELECT 1").ok());
  ASSERT_TRUE(PostgresEnvironment::RestartServer().ok());
  EXPECT_EQ(QueryValue(*db, "SELECT 1").value_or("?"), "1");
  // Databases made after a restart work as well.
  absl::StatusOr<std::string> later = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(QueryValue(*later, "SELECT 1").value_or("?"), "1");
}

TEST(PostgresEnvironmentTest, HookPreparesTheTemplateOfEveryFreshDatabase) {
  int calls = 0;
  PostgresEnvironment env([&calls](const std::string& conn) {
    ++calls;
    absl::StatusOr<std::string> r = QueryValue(
        conn, "CREATE TABLE migrated (v text); "
              "INSERT INTO migrated VALUES ('from the hook'); SELECT 1");
    return r.ok() ? absl::OkStatus() : r.status();
  });
  absl::Status init = env.Init();
  ASSERT_TRUE(init.ok()) << init;
  EXPECT_EQ(calls, 1);
  std::string data_dir;
  if (env.embedded() != nullptr) data_dir = env.embedded()->cluster_dir();

  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::string> db = env.CreateDatabase();
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(QueryValue(*db, "SELECT v FROM migrated").value_or("?"),
              "from the hook");
  }
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(env.Shutdown().ok());
  if (!data_dir.empty()) {
    EXPECT_FALSE(fs::exists(data_dir));
  }
  EXPECT_TRUE(env.Shutdown().ok());  // idempotent
}

TEST(PostgresEnvironmentTest, FailingHookIsReported) {
  PostgresEnvironment env([](const std::string&) {
    return absl::InternalError("migration 7 failed");
  });
  absl::Status init = env.Init();
  ASSERT_FALSE(init.ok());
  EXPECT_EQ(init.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(init.message(), HasSubstr("migration 7 failed"));
  EXPECT_THAT(init.message(), HasSubstr("template"));
  EXPECT_TRUE(env.Shutdown().ok());
}

TEST(PostgresEnvironmentTest, ReapsTheClusterOfADeadTestProcess) {
  absl::StatusOr<std::string> dir = MakeReapableTempDir();
  ASSERT_TRUE(dir.ok()) << dir.status();
  // A child starts a server there and dies without cleaning up, as a
  // crashed or killed test binary would.
  pid_t child = fork();
  if (child == 0) {
    absl::StatusOr<std::string> own = MakeReapableTempDir();
    std::error_code ec;
    if (!own.ok()) _exit(2);
    fs::remove_all(*dir + "/owner", ec);
    fs::copy_file(*own + "/owner", *dir + "/owner", ec);
    fs::remove_all(*own, ec);
    storage::EmbeddedPostgresOptions options;
    options.data_dir = *dir + "/d";
    options.fsync = false;
    auto pg = storage::EmbeddedPostgres::Start(options);
    _exit(pg.ok() ? 0 : 1);  // no destructors: the server stays up
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream pid_file(*dir + "/d/pg/postmaster.pid");
  pid_t postmaster = 0;
  pid_file >> postmaster;
  ASSERT_GT(postmaster, 0);
  ASSERT_EQ(kill(postmaster, 0), 0) << "the orphaned server should be running";

  ReapOrphanedTestClusters();
  EXPECT_FALSE(fs::exists(*dir));
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (kill(postmaster, 0) == 0 && absl::Now() < deadline) {
    std::ifstream stat(absl::StrCat("/proc/", postmaster, "/stat"));
    std::string line;
    std::getline(stat, line);
    if (line.find(") Z") != std::string::npos) break;  // zombie: dead
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_LT(absl::Now(), deadline) << "orphaned server still running";

  // Our own (live) environment was not touched.
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(QueryValue(*db, "SELECT 1").value_or("?"), "1");
}

}  // namespace
}  // namespace casebridge::test_support
