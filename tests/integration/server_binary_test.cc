// The real casebridge-server binary as a child process: what an operator
// sees for bad flags, and what survives a crash (kill -9) mid-load.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/provisioning.h"
#include "pqxx/pqxx"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/subprocess.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/server_process.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::PostgresEnvironment;
using test_support::QueryValue;
using test_support::ServerBinary;
using test_support::ServerProcess;
using test_support::TestServer;
using ::testing::HasSubstr;

// A TCP socket bound and listening on 127.0.0.1:<free port>, as another
// program holding the port would be.
class HeldPort {
 public:
  HeldPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~HeldPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class ServerBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
    ASSERT_TRUE(db.ok()) << db.status();
    database_ = *db;
    char dir[] = "/tmp/cb-data-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    data_dir_ = dir;
  }
  void TearDown() override { rmdir(data_dir_.c_str()); }

  // Runs the binary to completion (it must not keep running).
  storage::SubprocessResult Run(std::vector<std::string> flags) {
    flags.insert(flags.begin(), ServerBinary());
    storage::SubprocessOptions options;
    options.timeout = absl::Seconds(60);
    absl::StatusOr<storage::SubprocessResult> r = storage::RunSubprocess(flags, options);
    EXPECT_TRUE(r.ok()) << r.status();  // DEADLINE_EXCEEDED: it kept running
    return r.value_or(storage::SubprocessResult{});
  }

  // The test server, but a database that does not exist on it.
  static std::string NoSuchDatabase() {
    return *PostgresEnvironment::SuperuserConnectionString("cb_no_such_database");
  }

  std::string DatabaseFlag() const { return absl::StrCat("--database=", database_); }
  std::string DataDirFlag() const { return absl::StrCat("--data_dir=", data_dir_); }

  std::string database_;
  std::string data_dir_;
};

TEST_F(ServerBinaryTest, BadStartsExitNonZeroNamingTheProblem) {
  HeldPort held;
  struct Bad {
    std::string what;
    std::vector<std::string> flags;
    std::string expect;
  } cases[] = {
      {"pool size 0", {"--pool_size=0"}, "--pool_size"},
      {"pool size not a number", {"--pool_size=many"}, "pool_size"},
      {"too few threads", {"--max_threads=3"}, "--max_threads"},
      {"no concurrent streams", {"--max_concurrent_streams=0"}, "--max_concurrent_streams"},
      {"unknown flag", {"--nonexistent_flag"}, "nonexistent_flag"},
      {"unknown command", {"serve-everything"}, "unknown command"},
      {"port in use",
       {absl::StrCat("--listen=127.0.0.1:", held.port())},
       absl::StrCat("127.0.0.1:", held.port())},
      {"listen address invalid", {"--listen=not-an-address"}, "not-an-address"},
      {"unreachable database", {"--database=host=/nonexistent dbname=x"}, "/nonexistent"},
      {"no such database",
       {absl::StrCat("--database=", NoSuchDatabase())},
       "cb_no_such_database"},
      {"missing certificate",
       {"--tls_cert=/nonexistent/cert.pem", "--tls_key=/nonexistent/key.pem"},
       "/nonexistent/cert.pem"},
      {"certificate without key", {"--tls_cert=/etc/hostname"}, "--tls_key"},
      {"certificate not PEM",
       {"--tls_cert=/etc/hostname", "--tls_key=/etc/hostname"},
       "/etc/hostname"},
  };
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.what);
    std::vector<std::string> flags = {"--listen=127.0.0.1:0", DatabaseFlag(),
                                      DataDirFlag()};
    // Later flags win: the case's own --listen/--database replace these.
    flags.insert(flags.end(), bad.flags.begin(), bad.flags.end());
    storage::SubprocessResult r = Run(flags);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_LT(r.exit_code, 128) << "crashed rather than exiting:\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(bad.expect));
  }
}

TEST_F(ServerBinaryTest, PortOfAnotherCasebridgeServerIsBusyToo) {
  // gRPC would share a port with another gRPC server (SO_REUSEPORT) and
  // split the traffic between them: a second server must refuse instead.
  auto other = TestServer::Start();
  ASSERT_TRUE(other.ok()) << other.status();
  storage::SubprocessResult r = Run(
      {absl::StrCat("--listen=", (*other)->address()), DatabaseFlag(), DataDirFlag()});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr((*other)->address()));
}

TEST_F(ServerBinaryTest, HelpExitsWithoutStarting) {
  storage::SubprocessResult r = Run({"--help", DataDirFlag()});
  EXPECT_THAT(r.output, HasSubstr("--pool_size"));
  // The bounds on what callers can make the server hold, with defaults.
  EXPECT_THAT(r.output, HasSubstr("--max_threads"));
  EXPECT_THAT(r.output, HasSubstr("--max_concurrent_streams"));
  EXPECT_THAT(r.output, HasSubstr("default: 256"));
  EXPECT_THAT(r.output, HasSubstr("default: 100"));
  // The operators' commands, their exit codes, and the migration lock bound.
  EXPECT_THAT(r.output, HasSubstr("casebridge-server migrate"));
  EXPECT_THAT(r.output, HasSubstr("casebridge-server status"));
  EXPECT_THAT(r.output, HasSubstr("3 migrations pending"));
  EXPECT_THAT(r.output, HasSubstr("--migration_lock_timeout"));
  EXPECT_EQ(*QueryValue(database_, "SELECT count(*) FROM audit_events"), "0");
}

// `migrate` and `status` for operators: status names what is pending (exit
// 3), migrate applies it (exit 0), status then says up to date (exit 0); a
// database migrated by a newer server is exit 4 for status, and migrate and
// serve refuse it naming both versions.
TEST_F(ServerBinaryTest, MigrateAndStatusCommands) {
  const std::string empty = absl::StrCat("cb_binary_empty_", getpid());
  const std::string admin = *PostgresEnvironment::SuperuserConnectionString("postgres");
  {  // CREATE DATABASE runs outside a transaction.
    pqxx::connection c(admin);
    pqxx::nontransaction n(c);
    n.exec(absl::StrCat("DROP DATABASE IF EXISTS \"", empty, "\""));
    n.exec(absl::StrCat("CREATE DATABASE \"", empty, "\" TEMPLATE template0"));
  }
  const std::string conn = *PostgresEnvironment::SuperuserConnectionString(empty);
  const std::string database = absl::StrCat("--database=", conn);
  const storage::Migration& first = storage::Migrations().front();
  const storage::Migration& newest = storage::Migrations().back();

  storage::SubprocessResult r = Run({"status", database, DataDirFlag()});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("pending migrations"));
  EXPECT_THAT(r.output, HasSubstr(first.file_name));
  EXPECT_THAT(r.output, HasSubstr(newest.file_name));

  r = Run({"migrate", database, DataDirFlag()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(*QueryValue(conn, "SELECT max(version) FROM schema_migrations"),
            absl::StrCat(newest.version));

  r = Run({"status", database, DataDirFlag()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("up to date"));
  EXPECT_THAT(r.output, HasSubstr(newest.file_name));

  ASSERT_TRUE(QueryValue(conn, "INSERT INTO schema_migrations (version, file_name) "
                               "VALUES (9999, '9999_from_a_newer_build.sql'); SELECT 1")
                  .ok());
  r = Run({"status", database, DataDirFlag()});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("9999_from_a_newer_build.sql"));
  for (const char* command : {"migrate", "serve"}) {
    SCOPED_TRACE(command);
    r = Run({command, database, DataDirFlag(), "--listen=127.0.0.1:0"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("9999 (9999_from_a_newer_build.sql)"));
    EXPECT_THAT(r.output,
                HasSubstr(absl::StrCat(newest.version, " (", newest.file_name, ")")));
  }

  pqxx::connection c(admin);
  pqxx::nontransaction n(c);
  n.exec(absl::StrCat("DROP DATABASE IF EXISTS \"", empty, "\" WITH (FORCE)"));
}

TEST_F(ServerBinaryTest, EveryReadAClientReceivedSurvivesKillNine) {
  // The demo world, seeded directly (the server is not running yet).
  std::string token, auditor_token;
  {
    storage::DatabaseOptions options;
    options.connection_string = database_;
    options.pool_size = 1;
    auto db = storage::Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    // With the keys the server will find in its --data_dir.
    auto keys = storage::AuditKeyRing::LoadOrCreate(absl::StrCat(data_dir_, "/audit-keys"));
    ASSERT_TRUE(keys.ok()) << keys.status();
    auto tokens = services::SeedDemoWorld(**db, *keys, absl::Now(), true);
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    for (const auto& t : *tokens) {
      if (t.username == "pc.hughes") token = t.secret;
      if (t.username == "auditor.shah") auditor_token = t.secret;
    }
  }
  ASSERT_FALSE(token.empty());
  ASSERT_FALSE(auditor_token.empty());
  const std::vector<std::string> flags = {"--listen=127.0.0.1:0", DatabaseFlag(),
                                          DataDirFlag(), "--pool_size=4",
                                          // Many reads as one user at once:
                                          // not what fair share is for.
                                          "--max_calls_per_user=64"};
  auto first = ServerProcess::Start(flags);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<int> port = (*first)->WaitForPort(absl::Seconds(60));
  ASSERT_TRUE(port.ok()) << port.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", *port),
                                     grpc::InsecureChannelCredentials());
  auto cases = v1::CaseService::NewStub(channel);
  auto context = [&] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return c;
  };
  v1::CreateCaseRequest create;
  *create.mutable_case_() = test_support::SampleCase();
  v1::Case created;
  ASSERT_GRPC_OK(cases->CreateCase(context().get(), create, &created));

  // Readers until the server dies under them.
  constexpr int kClients = 6;
  std::atomic<int64_t> received{0};
  std::atomic<bool> server_gone{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      v1::GetCaseRequest get;
      get.set_name(created.name());
      while (true) {
        v1::Case got;
        grpc::Status s = cases->GetCase(context().get(), get, &got);
        if (s.ok()) {
          ASSERT_EQ(got.name(), created.name());
          ++received;
        } else if (server_gone.load()) {
          return;
        } else {
          ADD_FAILURE() << "before the crash: " << s.error_code() << " "
                        << s.error_message();
          return;
        }
      }
    });
  }
  // Mid-load: once plenty of reads have come back, with more in flight.
  while (received.load() < 300) absl::SleepFor(absl::Milliseconds(5));
  server_gone = true;
  (*first)->Signal(SIGKILL);
  for (std::thread& t : clients) t.join();
  EXPECT_EQ((*first)->Wait(absl::Seconds(30)).value_or(-1), 128 + SIGKILL);
  const int64_t reads = received.load();

  // Every read a client got has its event: the response waited for it.
  const std::string user =
      *QueryValue(database_, "SELECT id FROM users WHERE username = 'pc.hughes'");
  auto ok_reads = [&] {
    return std::stoll(*QueryValue(
        database_,
        absl::StrCat("SELECT count(*) FROM audit_events WHERE user_id = '", user,
                     "' AND method = '/casebridge.v1.CaseService/GetCase' "
                     "AND outcome = 'OK'")));
  };
  EXPECT_GE(ok_reads(), reads);

  // A restart picks up where the dead server left off: events it committed
  // but never chained are chained now, and the whole log verifies.
  auto second = ServerProcess::Start(flags);
  ASSERT_TRUE(second.ok()) << second.status();
  port = (*second)->WaitForPort(absl::Seconds(60));
  ASSERT_TRUE(port.ok()) << port.status();
  channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", *port),
                                grpc::InsecureChannelCredentials());
  cases = v1::CaseService::NewStub(channel);
  v1::GetCaseRequest get;
  get.set_name(created.name());
  v1::Case again;
  ASSERT_GRPC_OK(cases->GetCase(context().get(), get, &again));
  EXPECT_GE(ok_reads(), reads + 1);

  auto audit = v1::AuditService::NewStub(channel);
  grpc::ClientContext verify_context;
  verify_context.AddMetadata("authorization", absl::StrCat("Bearer ", auditor_token));
  v1::VerifyAuditLogResponse verified;
  ASSERT_GRPC_OK(
      audit->VerifyAuditLog(&verify_context, v1::VerifyAuditLogRequest(), &verified));
  EXPECT_TRUE(verified.ok()) << verified.detail();
  EXPECT_GE(verified.events_checked(), reads + 2);
  // Only the verify call's own event can still be waiting for its seal.
  EXPECT_EQ(*QueryValue(database_,
                        "SELECT count(*) FROM audit_events e WHERE NOT EXISTS "
                        "(SELECT 1 FROM audit_seals s WHERE s.event_id = e.id) "
                        "AND e.method <> '/casebridge.v1.AuditService/VerifyAuditLog'"),
            "0");

  // And a graceful stop (SIGTERM) exits 0.
  (*second)->Signal(SIGTERM);
  EXPECT_EQ((*second)->Wait(absl::Seconds(60)).value_or(-1), 0) << (*second)->Output();
}

TEST_F(ServerBinaryTest, DemoTokensAreWrittenOwnerOnlyAndNeverThroughALink) {
  const std::string path = absl::StrCat(data_dir_, "/demo-tokens.json");
  const std::string tmp = absl::StrCat(path, ".tmp");
  // Another file, and a link to it where the server writes its temporary
  // file (as a stale leftover or a planted link would be).
  const std::string elsewhere = absl::StrCat(data_dir_, "/elsewhere");
  { std::ofstream create(elsewhere); }
  ASSERT_EQ(chmod(elsewhere.c_str(), 0644), 0);
  ASSERT_EQ(symlink(elsewhere.c_str(), tmp.c_str()), 0);
  // The most permissive umask an operator could run with.
  const mode_t saved = umask(0);
  auto server = ServerProcess::Start(
      {"--listen=127.0.0.1:0", DatabaseFlag(), DataDirFlag(), "--seed_demo"});
  umask(saved);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->WaitForPort(absl::Seconds(60)).ok()) << (*server)->Output();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  struct stat st;
  while (lstat(path.c_str(), &st) != 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  (*server)->Signal(SIGTERM);
  EXPECT_EQ((*server)->Wait(absl::Seconds(60)).value_or(-1), 0) << (*server)->Output();

  ASSERT_EQ(lstat(path.c_str(), &st), 0) << (*server)->Output();
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the tokens file is a link";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream tokens(path);
  const std::string json((std::istreambuf_iterator<char>(tokens)),
                         std::istreambuf_iterator<char>());
  EXPECT_THAT(json, HasSubstr("pc.hughes"));
  ASSERT_EQ(stat(elsewhere.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0) << "tokens were written through the link";
  EXPECT_NE(lstat(tmp.c_str(), &st), 0) << "the temporary name is left behind";
  unlink(path.c_str());
  unlink(tmp.c_str());
  unlink(elsewhere.c_str());
}

}  // namespace
}  // namespace casebridge
