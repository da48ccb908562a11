#include "storage/embedded_postgres.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/server_app.h"
#include "services/provisioning.h"
#include "storage/audit_log.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/log_capture.h"
#include "tests/support/postgres_environment.h"

namespace casebridge::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using test_support::QueryValue;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t PostmasterPid(const EmbeddedPostgres& pg) {
  std::string text = ReadFile(pg.cluster_dir() + "/postmaster.pid");
  return static_cast<pid_t>(std::atoi(text.c_str()));
}

bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'Z';
}

// Writes a postmaster.pid that looks like the server's but names `pid`: what
// a crash leaves behind, with the pid now dead or used by something else.
void WriteStalePidFile(const EmbeddedPostgres& pg, const std::string& saved,
                       pid_t pid) {
  std::vector<std::string> lines = absl::StrSplit(saved, '\n');
  lines[0] = absl::StrCat(pid);
  std::string path = pg.cluster_dir() + "/postmaster.pid";
  {
    std::ofstream out(path);
    out << absl::StrJoin(lines, "\n");
  }
  if (geteuid() == 0) {
    absl::StatusOr<RunAsUser> user = LookUpUser("postgres");
    ASSERT_TRUE(user.ok());
    ASSERT_EQ(chown(path.c_str(), user->uid, user->gid), 0);
  }
}

class EmbeddedPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = test_support::MakeReapableTempDir();
    ASSERT_TRUE(dir.ok()) << dir.status();
    root_ = *dir;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  EmbeddedPostgresOptions Options() const {
    EmbeddedPostgresOptions options;
    options.data_dir = root_ + "/d";
    options.fsync = false;
    return options;
  }

  std::unique_ptr<EmbeddedPostgres> StartOrDie(
      const EmbeddedPostgresOptions& options) {
    absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> pg =
        EmbeddedPostgres::Start(options);
    EXPECT_TRUE(pg.ok()) << pg.status();
    return pg.ok() ? *std::move(pg) : nullptr;
  }

  std::string root_;
};

TEST_F(EmbeddedPostgresTest, StartsAndAnswersQueriesOverItsPrivateSocket) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  EXPECT_TRUE(pg->started_by_this());
  EXPECT_EQ(pg->cluster_dir(), root_ + "/d/pg");
  EXPECT_EQ(pg->socket_dir(), root_ + "/d/sock");
  EXPECT_THAT(pg->ConnectionString(),
              HasSubstr(absl::StrCat("host=", root_, "/d/sock")));

  std::string conn = pg->ConnectionString();
  EXPECT_EQ(QueryValue(conn, "SELECT 1").value_or("error"), "1");
  EXPECT_EQ(QueryValue(conn, "SELECT current_user").value_or("error"),
            "casebridge");
  EXPECT_EQ(QueryValue(conn, "SHOW listen_addresses").value_or("error"), "");
  EXPECT_EQ(QueryValue(conn, "SHOW fsync").value_or("error"), "off");
  EXPECT_EQ(QueryValue(conn, "SHOW max_connections").value_or("error"), "200");
  EXPECT_EQ(QueryValue(conn, "SHOW server_encoding").value_or("error"), "UTF8");
  EXPECT_EQ(QueryValue(conn, "SHOW lc_collate").value_or("error"), "C");
  EXPECT_EQ(QueryValue(conn, "SELECT lower('ZOË')").value_or("error"), "zoë");
  EXPECT_EQ(QueryValue(conn, "SHOW unix_socket_permissions").value_or("error"),
            "0700");

  struct stat st;
  ASSERT_EQ(stat(pg->socket_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  if (geteuid() == 0) {
    absl::StatusOr<RunAsUser> user = LookUpUser("postgres");
    ASSERT_TRUE(user.ok());
    EXPECT_EQ(st.st_uid, user->uid);
    ASSERT_EQ(stat(pg->cluster_dir().c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, user->uid);
    // The server runs as postgres, not root.
    EXPECT_THAT(ReadFile(absl::StrCat("/proc/", PostmasterPid(*pg), "/status")),
                HasSubstr(absl::StrCat("Uid:\t", user->uid, "\t")));
  }
  EXPECT_TRUE(fs::exists(pg->log_file()));
  EXPECT_TRUE(pg->Stop().ok());
}

TEST_F(EmbeddedPostgresTest, DefaultOptionsKeepFsyncOn) {
  EmbeddedPostgresOptions options = Options();
  options.fsync = true;
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(options);
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(QueryValue(pg->ConnectionString(), "SHOW fsync").value_or("error"),
            "on");
  EXPECT_TRUE(EmbeddedPostgresOptions().fsync);
}

TEST_F(EmbeddedPostgresTest, DataPersistsAcrossStopAndStart) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  std::string conn = pg->ConnectionString();
  ASSERT_TRUE(QueryValue(conn,
                       "CREATE TABLE kept (v text); "
                       "INSERT INTO kept VALUES ('before stop'); SELECT 1")
                  .ok());
  ASSERT_TRUE(pg->Stop().ok());
  EXPECT_FALSE(QueryValue(conn, "SELECT 1").ok()) << "server still up after Stop";

  ASSERT_TRUE(pg->StartAgain().ok());
  EXPECT_TRUE(pg->started_by_this());
  EXPECT_EQ(QueryValue(conn, "SELECT v FROM kept").value_or("error"),
            "before stop");
  pg.reset();  // the destructor stops what it started
  EXPECT_FALSE(QueryValue(conn, "SELECT 1").ok()) << "destructor did not stop";

  // A new object on the same directory finds the data too.
  std::unique_ptr<EmbeddedPostgres> again = StartOrDie(Options());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(QueryValue(again->ConnectionString(), "SELECT v FROM kept")
                .value_or("error"),
            "before stop");
}

TEST_F(EmbeddedPostgresTest, ReusesARunningClusterAndLeavesItRunning) {
  std::unique_ptr<EmbeddedPostgres> first = StartOrDie(Options());
  ASSERT_NE(first, nullptr);
  pid_t pid = PostmasterPid(*first);

  std::unique_ptr<EmbeddedPostgres> second = StartOrDie(Options());
  ASSERT_NE(second, nullptr);
  EXPECT_FALSE(second->started_by_this());
  EXPECT_EQ(second->ConnectionString(), first->ConnectionString());
  EXPECT_EQ(PostmasterPid(*second), pid);
  EXPECT_EQ(QueryValue(second->ConnectionString(), "SELECT 1").value_or("error"),
            "1");
  EXPECT_TRUE(second->Stop().ok());  // not ours to stop: a no-op
  second.reset();
  EXPECT_EQ(QueryValue(first->ConnectionString(), "SELECT 1").value_or("error"),
            "1");
  EXPECT_TRUE(first->Stop().ok());
  EXPECT_FALSE(QueryValue(first->ConnectionString(), "SELECT 1").ok());
}

TEST_F(EmbeddedPostgresTest, StopTwiceIsHarmless) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  EXPECT_TRUE(pg->Stop().ok());
  EXPECT_FALSE(pg->started_by_this());
  EXPECT_TRUE(pg->Stop().ok());
  EXPECT_TRUE(pg->StartAgain().ok());
  EXPECT_TRUE(pg->StartAgain().ok());  // already running: fine
  EXPECT_TRUE(pg->started_by_this());
  EXPECT_TRUE(pg->Stop().ok());
}

TEST_F(EmbeddedPostgresTest, FileWhereTheDataDirShouldBeFailsClearly) {
  std::string file = root_ + "/not-a-dir";
  std::ofstream(file) << "x";
  EmbeddedPostgresOptions options = Options();
  options.data_dir = file;
  absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> pg =
      EmbeddedPostgres::Start(options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pg.status().message(), HasSubstr(file));
  EXPECT_THAT(pg.status().message(), HasSubstr("not a directory"));

  // A file in the way further down gives a clear error too.
  options.data_dir = file + "/below";
  pg = EmbeddedPostgres::Start(options);
  ASSERT_FALSE(pg.ok());
  EXPECT_THAT(pg.status().message(), HasSubstr(options.data_dir));
}

TEST_F(EmbeddedPostgresTest, DirectoryWithoutAClusterWhereItShouldBeFails) {
  fs::create_directories(root_ + "/d/pg");
  std::ofstream(root_ + "/d/pg/notes.txt") << "not a cluster";
  absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> pg =
      EmbeddedPostgres::Start(Options());
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pg.status().message(), HasSubstr("holds no PostgreSQL cluster"));
  EXPECT_TRUE(fs::exists(root_ + "/d/pg/notes.txt")) << "must not delete it";
}

TEST_F(EmbeddedPostgresTest, EmptyExistingDataDirGetsACluster) {
  fs::create_directories(root_ + "/d");
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(QueryValue(pg->ConnectionString(), "SELECT 1").value_or("error"), "1");
}

TEST_F(EmbeddedPostgresTest, NonEmptyDataDirKeepsItsOtherFiles) {
  // Like .casebridge/ holding the CLI's token file before the first start.
  fs::create_directories(root_ + "/d");
  ASSERT_EQ(chmod((root_ + "/d").c_str(), 0755), 0);
  std::ofstream(root_ + "/d/tokens") << "secret";
  ASSERT_EQ(chmod((root_ + "/d/tokens").c_str(), 0600), 0);
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(pg->cluster_dir(), root_ + "/d/pg");
  EXPECT_EQ(QueryValue(pg->ConnectionString(), "SELECT 1").value_or("error"), "1");
  EXPECT_EQ(ReadFile(root_ + "/d/tokens"), "secret");
  struct stat st;
  ASSERT_EQ(stat((root_ + "/d/tokens").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid()) << "must not hand our files to postgres";
}

TEST_F(EmbeddedPostgresTest, RejectsBadOptionsWithoutTouchingDisk) {
  EmbeddedPostgresOptions options = Options();
  options.data_dir = "";
  EXPECT_EQ(EmbeddedPostgres::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = Options();
  options.data_dir = root_ + "/has$dollar";
  EXPECT_EQ(EmbeddedPostgres::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = Options();
  options.superuser = "robert'); DROP";
  EXPECT_EQ(EmbeddedPostgres::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = Options();
  options.bin_dir = root_ + "/no-such-bin";
  EXPECT_EQ(EmbeddedPostgres::Start(options).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(root_ + "/d/pg"));
}

TEST_F(EmbeddedPostgresTest, StartsDespiteStalePidFileOfADeadProcess) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  std::string saved = ReadFile(pg->cluster_dir() + "/postmaster.pid");
  ASSERT_TRUE(pg->Stop().ok());

  pid_t dead = fork();
  if (dead == 0) _exit(0);
  int status;
  ASSERT_EQ(waitpid(dead, &status, 0), dead);
  WriteStalePidFile(*pg, saved, dead);

  ASSERT_TRUE(pg->StartAgain().ok());
  EXPECT_TRUE(pg->started_by_this());
  EXPECT_NE(PostmasterPid(*pg), dead);
  EXPECT_EQ(QueryValue(pg->ConnectionString(), "SELECT 1").value_or("error"), "1");
}

TEST_F(EmbeddedPostgresTest, StartsDespiteStalePidFileNamingAnotherProcess) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  std::string saved = ReadFile(pg->cluster_dir() + "/postmaster.pid");
  ASSERT_TRUE(pg->Stop().ok());

  // After a reboot the old pid may belong to anything: here a sleep.
  pid_t other = fork();
  if (other == 0) {
    execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    _exit(127);
  }
  WriteStalePidFile(*pg, saved, other);
  absl::Status started = pg->StartAgain();
  kill(other, SIGKILL);
  int status;
  waitpid(other, &status, 0);
  ASSERT_TRUE(started.ok()) << started;
  EXPECT_EQ(QueryValue(pg->ConnectionString(), "SELECT 1").value_or("error"), "1");
}

TEST_F(EmbeddedPostgresTest, RestartsAfterTheServerWasKilled) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  std::string conn = pg->ConnectionString();
  ASSERT_TRUE(QueryValue(conn,
                       "CREATE TABLE kept (v text); "
                       "INSERT INTO kept VALUES ('committed'); SELECT 1")
                  .ok());
  pid_t pid = PostmasterPid(*pg);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!ProcessGone(pid) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(ProcessGone(pid));

  // Stop() of a server that died is OK, and a new start recovers.
  EXPECT_TRUE(pg->Stop().ok());
  std::unique_ptr<EmbeddedPostgres> again = StartOrDie(Options());
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->started_by_this());
  EXPECT_EQ(QueryValue(conn, "SELECT v FROM kept").value_or("error"), "committed");
}

TEST_F(EmbeddedPostgresTest, DeepDataDirGetsAShortSocketDir) {
  EmbeddedPostgresOptions options = Options();
  options.data_dir = root_ + "/" + std::string(100, 'x');
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(options);
  ASSERT_NE(pg, nullptr);
  EXPECT_THAT(pg->socket_dir(), StartsWith("/tmp/casebridge-pg-"));
  EXPECT_EQ(QueryValue(pg->ConnectionString(), "SELECT 1").value_or("error"), "1");
  ASSERT_TRUE(pg->Stop().ok());
  // The same directory maps to the same socket dir, so a restart (or a
  // reuse by another process) finds it.
  std::unique_ptr<EmbeddedPostgres> again = StartOrDie(options);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->socket_dir(), pg->socket_dir());
  ASSERT_TRUE(again->Stop().ok());
  std::error_code ec;
  fs::remove_all(again->socket_dir(), ec);
}

TEST_F(EmbeddedPostgresTest, AsRootADataDirPostgresCannotEnterMovesTheCluster) {
  if (geteuid() != 0) GTEST_SKIP() << "only root hands the cluster to postgres";
  // A private parent, like /root: postgres cannot get through it.
  std::string parent = root_ + "/private";
  ASSERT_TRUE(fs::create_directory(parent));
  ASSERT_EQ(chmod(parent.c_str(), 0700), 0);
  EmbeddedPostgresOptions options = Options();
  options.data_dir = parent + "/data";

  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(options);
  ASSERT_NE(pg, nullptr);
  EXPECT_THAT(pg->cluster_dir(), StartsWith("/var/lib/casebridge/clusters/"));
  EXPECT_TRUE(fs::is_symlink(options.data_dir + "/pg"));
  std::string conn = pg->ConnectionString();
  ASSERT_TRUE(QueryValue(conn, "CREATE TABLE t (v int); SELECT 1").ok());
  ASSERT_TRUE(pg->Stop().ok());

  std::unique_ptr<EmbeddedPostgres> again = StartOrDie(options);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->cluster_dir(), pg->cluster_dir());
  EXPECT_EQ(QueryValue(conn, "SELECT count(*) FROM t").value_or("error"), "0");
  ASSERT_TRUE(again->Stop().ok());
  std::error_code ec;
  fs::remove_all(fs::path(pg->cluster_dir()).parent_path(), ec);
}

// "*:*:*:<role>:<password>" lines of a password file: role -> password.
std::map<std::string, std::string> Passwords(const std::string& path) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(ReadFile(path), '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, ':');
    if (f.size() == 5 && f[0] == "*") out[f[3]] = f[4];
  }
  return out;
}

// A connection string to `pg` as `role` that names no password file (one
// that does not exist), so libpq has no password to offer.
std::string WithoutPasswordFile(const EmbeddedPostgres& pg, const std::string& role,
                                const std::string& root) {
  return absl::StrCat("host=", pg.socket_dir(), " port=5432 dbname=postgres user=",
                      role, " passfile=", root, "/no-such-file");
}

TEST_F(EmbeddedPostgresTest, LoginsNeedTheirPasswordFromThePasswordFile) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  const std::string conn = pg->ConnectionString();
  EXPECT_EQ(pg->password_file(), root_ + "/d/pgpass");
  EXPECT_THAT(conn, HasSubstr(absl::StrCat("passfile=", pg->password_file())));

  // With the file: the superuser, and the runtime role the server's pool
  // logs in as.
  EXPECT_EQ(QueryValue(conn, "SELECT current_user").value_or("error"), "casebridge");
  EXPECT_EQ(QueryValue(absl::StrCat(conn, " user=casebridge_app"), "SELECT current_user")
                .value_or("error"),
            "casebridge_app");
  // Without it, nobody gets in: no trust anywhere.
  for (const std::string role : {"casebridge", "casebridge_app"}) {
    absl::StatusOr<std::string> r =
        QueryValue(WithoutPasswordFile(*pg, role, root_), "SELECT 1");
    ASSERT_FALSE(r.ok()) << role << " got in without a password";
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("password")) << role;
  }
  EXPECT_EQ(QueryValue(conn, "SELECT string_agg(DISTINCT type || ' ' || auth_method, ',') "
                             "FROM pg_hba_file_rules")
                .value_or("error"),
            "local scram-sha-256");

  // The file: ours, private (so as root, the postgres user running the
  // cluster cannot read it), one password per role, none of them in a
  // connection string or the server's log. initdb's copy is gone.
  struct stat st;
  ASSERT_EQ(stat(pg->password_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());
  std::map<std::string, std::string> passwords = Passwords(pg->password_file());
  ASSERT_EQ(passwords.size(), 2u) << ReadFile(pg->password_file());
  EXPECT_NE(passwords["casebridge"], passwords["casebridge_app"]);
  for (const auto& [role, password] : passwords) {
    EXPECT_GE(password.size(), 32u) << role;
    EXPECT_THAT(conn, Not(HasSubstr(password))) << role;
    EXPECT_THAT(ReadFile(pg->log_file()), Not(HasSubstr(password))) << role;
  }
  EXPECT_FALSE(fs::exists(root_ + "/d/initdb-password"));
  if (geteuid() == 0) {
    absl::StatusOr<RunAsUser> postgres = LookUpUser("postgres");
    ASSERT_TRUE(postgres.ok());
    SubprocessOptions as_postgres;
    as_postgres.run_as = *postgres;
    absl::StatusOr<SubprocessResult> cat =
        RunSubprocess({"/bin/cat", pg->password_file()}, as_postgres);
    ASSERT_TRUE(cat.ok()) << cat.status();
    EXPECT_NE(cat->exit_code, 0) << "the postgres user read the password file";
  }

  // A restart keeps the passwords (and the file) as they are.
  ASSERT_TRUE(pg->Stop().ok());
  ASSERT_TRUE(pg->StartAgain().ok());
  EXPECT_EQ(Passwords(pg->password_file()), passwords);
  EXPECT_EQ(QueryValue(absl::StrCat(conn, " user=casebridge_app"), "SELECT 1")
                .value_or("error"),
            "1");
}

// The whole server on an embedded cluster: it migrates as the superuser and
// serves with its pools logging in as the runtime role, by password.
TEST_F(EmbeddedPostgresTest, AServerRunsOnItEndToEnd) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  server::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.database = pg->ConnectionString();
  options.pool_size = 2;
  options.shutdown_grace = absl::Seconds(1);
  test_support::TempDir audit_dir;
  test_support::UseAuditDir(options, audit_dir.path());
  absl::StatusOr<std::unique_ptr<server::ServerApp>> app =
      server::ServerApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  absl::StatusOr<std::string> role = (*app)->database().TransactFor<std::string>(
      absl::Now() + absl::Seconds(10), [](Tx& tx) -> absl::StatusOr<std::string> {
        return std::string(tx.raw().exec1("SELECT current_user")[0].c_str());
      });
  EXPECT_EQ(role.value_or("error"), "casebridge_app");
  // ...by password: it has one (a SCRAM verifier), and nothing else lets it in.
  EXPECT_EQ(QueryValue(pg->ConnectionString(),
                       "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                       "WHERE rolname = 'casebridge_app'")
                .value_or("error"),
            "t");
  EXPECT_FALSE(
      QueryValue(WithoutPasswordFile(*pg, "casebridge_app", root_), "SELECT 1").ok());

  auto tokens = services::SeedDemoWorld((*app)->database(), (*app)->audit_log().keys(), absl::Now(), true);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  std::string token;
  for (const auto& t : *tokens) {
    if (t.username == "pc.hughes") token = t.secret;
  }
  auto admin = v1::AdminService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*app)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::User me;
  grpc::Status s = admin->GetCurrentUser(&context, v1::GetCurrentUserRequest(), &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.username(), "pc.hughes");
  // Its call was audited and chains.
  ASSERT_TRUE((*app)->audit_log().SealPending(absl::Now() + absl::Seconds(10)).ok());
  absl::StatusOr<AuditVerification> verified =
      (*app)->audit_log().Verify(0, 0, nullptr, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok) << verified->detail;
  EXPECT_GE(verified->events_checked, 1);
  (*app)->Shutdown();
}

// What an earlier version made: `local all all trust` and no password file
// (reloaded into a running server).
void MakeItATrustCluster(const EmbeddedPostgres& pg, const std::string& root,
                         bool running) {
  std::string hba = pg.cluster_dir() + "/pg_hba.conf";
  {
    std::ofstream out(hba, std::ios::trunc);
    out << "# Written by casebridge. Connections only through the Unix socket,\n"
           "# whose directory only the server's user can enter.\n"
           "local all all trust\n";
  }
  if (geteuid() == 0) {
    absl::StatusOr<RunAsUser> user = LookUpUser("postgres");
    ASSERT_TRUE(user.ok());
    ASSERT_EQ(chown(hba.c_str(), user->uid, user->gid), 0);
  }
  if (running) {
    ASSERT_TRUE(QueryValue(pg.ConnectionString(), "SELECT pg_reload_conf()").ok());
    for (int i = 0; i < 100; ++i) {
      if (QueryValue(WithoutPasswordFile(pg, "casebridge", root), "SELECT 1").ok()) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  ASSERT_EQ(unlink(pg.password_file().c_str()), 0);
}

void ExpectPasswordsOnly(const EmbeddedPostgres& pg, const std::string& root) {
  EXPECT_TRUE(fs::exists(pg.password_file()));
  const std::string hba = ReadFile(pg.cluster_dir() + "/pg_hba.conf");
  EXPECT_THAT(hba, HasSubstr("local all all scram-sha-256"));
  EXPECT_THAT(hba, Not(HasSubstr("trust")));
  for (const std::string role : {"casebridge", "casebridge_app"}) {
    EXPECT_FALSE(QueryValue(WithoutPasswordFile(pg, role, root), "SELECT 1").ok())
        << role << " still gets in without a password";
    EXPECT_EQ(QueryValue(absl::StrCat(pg.ConnectionString(), " user=", role),
                         "SELECT current_user")
                  .value_or("error"),
              role);
  }
}

TEST_F(EmbeddedPostgresTest, AnOldTrustClusterIsUpgradedOnStart) {
  std::unique_ptr<EmbeddedPostgres> pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  ASSERT_TRUE(QueryValue(pg->ConnectionString(),
                         "ALTER ROLE casebridge PASSWORD NULL; "
                         "ALTER ROLE casebridge_app PASSWORD NULL; SELECT 1")
                  .ok());
  ASSERT_TRUE(pg->Stop().ok());
  MakeItATrustCluster(*pg, root_, /*running=*/false);

  test_support::LogCapture logs;
  // Stopped: started and upgraded.
  pg = StartOrDie(Options());
  ASSERT_NE(pg, nullptr);
  ExpectPasswordsOnly(*pg, root_);
  EXPECT_EQ(logs.Lines("upgraded").size(), 1u) << logs.All();
  // Said once: a start on an upgraded cluster has nothing to say.
  ASSERT_TRUE(pg->Stop().ok());
  ASSERT_TRUE(pg->StartAgain().ok());
  EXPECT_EQ(logs.Lines("upgraded").size(), 1u) << logs.All();

  // Running (an old server still up): upgraded in place, with a reload.
  MakeItATrustCluster(*pg, root_, /*running=*/true);
  ASSERT_TRUE(QueryValue(WithoutPasswordFile(*pg, "casebridge", root_), "SELECT 1").ok())
      << "the old server does not trust";
  std::unique_ptr<EmbeddedPostgres> reused = StartOrDie(Options());
  ASSERT_NE(reused, nullptr);
  EXPECT_FALSE(reused->started_by_this());
  ExpectPasswordsOnly(*reused, root_);
  EXPECT_EQ(logs.Lines("upgraded").size(), 2u) << logs.All();
}

TEST(QuoteConnectionValueTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(QuoteConnectionValue("/tmp/cbpg-1/d/sock"), "/tmp/cbpg-1/d/sock");
  EXPECT_EQ(QuoteConnectionValue(""), "''");
  EXPECT_EQ(QuoteConnectionValue("a b"), "'a b'");
  EXPECT_EQ(QuoteConnectionValue("it's"), "'it\\'s'");
  EXPECT_EQ(QuoteConnectionValue("back\\slash"), "'back\\\\slash'");
}

}  // namespace
}  // namespace casebridge::storage
