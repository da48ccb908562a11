#include "tests/support/postgres_environment.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "pqxx/pqxx"

namespace casebridge::test_support {
namespace {

namespace fs = std::filesystem;

constexpr char kTempPrefix[] = "cbpg-";

std::atomic<PostgresEnvironment*> g_current{nullptr};

std::string RandomHex(int bytes) {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < bytes; ++i) absl::StrAppendFormat(&out, "%02x", rd() & 0xff);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Fields of /proc/<pid>/stat after the command name (which may contain
// spaces): index 0 is field 3 (state), index 19 is field 22 (start time).
std::vector<std::string> ProcStatFields(pid_t pid) {
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  return absl::StrSplit(absl::string_view(stat).substr(paren + 1), ' ',
                        absl::SkipEmpty());
}

// "<pid> <start time>": identifies a process even after its pid is reused.
std::string ProcessIdentity(pid_t pid) {
  std::vector<std::string> f = ProcStatFields(pid);
  if (f.size() < 20 || f[0] == "Z") return "";
  return absl::StrCat(pid, " ", f[19]);
}

// Kills (immediate shutdown) the server a dead test process left in `dir`
// and removes the directory. Only directories we own, with an owner file
// naming a process that no longer exists.
}  // namespace

void ReapOrphanedTestClusters() {
  // As root the directories are chowned to the server user.
  uid_t server_uid = geteuid();
  if (geteuid() == 0) {
    absl::StatusOr<storage::RunAsUser> pg = storage::LookUpUser("postgres");
    if (pg.ok()) server_uid = pg->uid;
  }
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator("/tmp", ec)) {
    std::string name = e.path().filename().string();
    if (!absl::StartsWith(name, kTempPrefix)) continue;
    struct stat st;
    std::string dir = e.path().string();
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        (st.st_uid != geteuid() && st.st_uid != server_uid)) {
      continue;
    }
    std::string owner(absl::StripAsciiWhitespace(ReadFile(dir + "/owner")));
    int owner_pid = 0;
    if (owner.empty() ||
        !absl::SimpleAtoi(owner.substr(0, owner.find(' ')), &owner_pid) ||
        ProcessIdentity(owner_pid) == owner) {
      continue;  // still running, or not (yet) one of ours
    }
    std::string pid_text = ReadFile(dir + "/d/pg/postmaster.pid");
    int pm = 0;
    if (absl::SimpleAtoi(pid_text.substr(0, pid_text.find('\n')), &pm) && pm > 0) {
      std::string comm(absl::StripAsciiWhitespace(
          ReadFile(absl::StrCat("/proc/", pm, "/comm"))));
      fs::path cwd = fs::read_symlink(absl::StrCat("/proc/", pm, "/cwd"), ec);
      if (comm == "postgres" && !ec && cwd == fs::path(dir) / "d" / "pg") {
        kill(pm, SIGQUIT);  // immediate shutdown
        absl::Time deadline = absl::Now() + absl::Seconds(5);
        while (!ProcessIdentity(pm).empty() && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(50));
        }
      }
    }
    fprintf(stderr, "[postgres env] removing %s left by dead process %d\n",
            dir.c_str(), owner_pid);
    fs::remove_all(dir, ec);
  }
}

namespace {

absl::Status FromException(absl::string_view what, const std::exception& e) {
  return absl::InternalError(absl::StrCat(what, ": ", e.what()));
}

// Runs statements outside a transaction (CREATE/DROP DATABASE need that).
absl::Status Execute(const std::string& conn_string,
                     const std::vector<std::string>& statements) {
  try {
    pqxx::connection conn(conn_string);
    pqxx::nontransaction tx(conn);
    for (const std::string& sql : statements) tx.exec0(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return FromException(absl::StrJoin(statements, "; "), e);
  }
}

}  // namespace

absl::StatusOr<std::string> QueryValue(const std::string& conn_string,
                                       const std::string& sql) {
  try {
    pqxx::connection conn(conn_string);
    pqxx::work tx(conn);
    pqxx::row row = tx.exec1(sql);
    tx.commit();
    return std::string(row[0].is_null() ? "NULL" : row[0].c_str());
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  }
}

absl::StatusOr<std::string> MakeReapableTempDir() {
  char path[] = "/tmp/cbpg-XXXXXX";
  if (mkdtemp(path) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  std::string dir = path;
  {
    std::ofstream owner(dir + "/owner");
    owner << ProcessIdentity(getpid()) << "\n";
    if (!owner) return absl::InternalError(absl::StrCat("cannot write ", dir, "/owner"));
  }
  if (geteuid() == 0) {
    // PostgreSQL runs as postgres and must be able to enter the directory.
    absl::StatusOr<storage::RunAsUser> pg = storage::LookUpUser("postgres");
    if (!pg.ok()) return pg.status();
    if (chown(path, pg->uid, pg->gid) != 0) {
      return absl::InternalError(
          absl::StrCat("chown ", dir, ": ", std::strerror(errno)));
    }
  }
  return dir;
}

PostgresEnvironment::PostgresEnvironment(TemplateHook prepare_template)
    : prepare_template_(std::move(prepare_template)) {}

PostgresEnvironment::~PostgresEnvironment() {
  absl::Status s = Shutdown();
  if (!s.ok()) fprintf(stderr, "[postgres env] %s\n", s.ToString().c_str());
}

void PostgresEnvironment::SetUp() {
  g_current.store(this);
  absl::Status s = Init();
  if (!s.ok()) {
    GTEST_FAIL() << "PostgreSQL test environment: " << s.ToString();
  }
}

void PostgresEnvironment::TearDown() {
  absl::Status s = Shutdown();
  PostgresEnvironment* self = this;
  g_current.compare_exchange_strong(self, nullptr);
  if (!s.ok()) ADD_FAILURE() << "PostgreSQL test environment: " << s.ToString();
}

absl::Status PostgresEnvironment::Init() {
  name_prefix_ = absl::StrCat("casebridge_test_", RandomHex(4), "_");
  const char* url = getenv(kDatabaseUrlVariable);
  if (url != nullptr && *url != '\0') {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url, &err);
    if (opts == nullptr) {
      std::string message = err != nullptr ? err : "out of memory";
      PQfreemem(err);
      return absl::InvalidArgumentError(absl::StrCat(
          kDatabaseUrlVariable, " is not a libpq connection string: ", message));
    }
    external_params_.clear();
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (o->val != nullptr && std::strcmp(o->keyword, "dbname") != 0) {
        external_params_.emplace_back(o->keyword, o->val);
      }
    }
    PQconninfoFree(opts);
    // Unique: other runs may share this server.
    template_name_ = absl::StrCat(kTemplateDatabase, "_", RandomHex(4));
    return BuildTemplate();
  }

  ReapOrphanedTestClusters();
  absl::StatusOr<std::string> dir = MakeReapableTempDir();
  if (!dir.ok()) return dir.status();
  temp_dir_ = *dir;
  storage::EmbeddedPostgresOptions options;
  options.data_dir = temp_dir_ + "/d";
  options.fsync = false;
  absl::StatusOr<std::unique_ptr<storage::EmbeddedPostgres>> pg =
      storage::EmbeddedPostgres::Start(options);
  if (!pg.ok()) return pg.status();
  embedded_ = *std::move(pg);
  template_name_ = kTemplateDatabase;
  return BuildTemplate();
}

absl::Status PostgresEnvironment::BuildTemplate() {
  std::string admin = ConnectionStringFor("postgres");
  std::string quoted = absl::StrCat("\"", template_name_, "\"");
  if (absl::Status s = Execute(admin, {absl::StrCat("CREATE DATABASE ", quoted)});
      !s.ok()) {
    return s;
  }
  {
    absl::MutexLock lock(&mu_);
    created_.push_back(template_name_);
  }
  if (prepare_template_) {
    absl::Status s = prepare_template_(ConnectionStringFor(template_name_));
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("preparing the template database ",
                                       template_name_, ": ", s.message()));
    }
  }
  // Nobody may connect to it any more, so copies cannot be blocked by a
  // stray session.
  return Execute(admin, {absl::StrCat("ALTER DATABASE ", quoted,
                                      " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")});
}

absl::Status PostgresEnvironment::Shutdown() {
  absl::Status result;
  std::vector<std::string> created;
  {
    absl::MutexLock lock(&mu_);
    created.swap(created_);
  }
  if (!external_params_.empty() && !created.empty()) {
    std::vector<std::string> drops;
    for (const std::string& db : created) {
      std::string quoted = absl::StrCat("\"", db, "\"");
      if (db == template_name_) {
        drops.push_back(absl::StrCat("ALTER DATABASE ", quoted,
                                     " WITH IS_TEMPLATE false"));
      }
      drops.push_back(absl::StrCat("DROP DATABASE IF EXISTS ", quoted,
                                   " WITH (FORCE)"));
    }
    result.Update(Execute(ConnectionStringFor("postgres"), drops));
  }
  if (embedded_ != nullptr) {
    result.Update(embedded_->Stop());
    embedded_.reset();
  }
  if (!temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
    if (ec) {
      result.Update(absl::InternalError(
          absl::StrCat("removing ", temp_dir_, ": ", ec.message())));
    }
    temp_dir_.clear();
  }
  return result;
}

absl::StatusOr<std::string> PostgresEnvironment::CreateDatabase() {
  std::string name;
  {
    absl::MutexLock lock(&mu_);
    name = absl::StrCat(name_prefix_, ++next_database_);
  }
  // One copy at a time: concurrent copies of one template contend anyway.
  static absl::Mutex create_mu(absl::kConstInit);
  absl::MutexLock create_lock(&create_mu);
  absl::Status s = Execute(
      ConnectionStringFor("postgres"),
      {absl::StrCat("CREATE DATABASE \"", name, "\" TEMPLATE \"", template_name_,
                    "\"")});
  if (!s.ok()) {
    if (absl::StrContains(s.message(), "being accessed by other users")) {
      return absl::FailedPreconditionError(absl::StrCat(
          s.message(), " (the template hook must close its connections)"));
    }
    return s;
  }
  absl::MutexLock lock(&mu_);
  created_.push_back(name);
  return ConnectionStringFor(name);
}

std::string PostgresEnvironment::ConnectionStringFor(
    absl::string_view dbname) const {
  if (embedded_ != nullptr) return embedded_->ConnectionString(dbname);
  std::vector<std::string> parts;
  for (const auto& [key, value] : external_params_) {
    parts.push_back(
        absl::StrCat(key, "=", storage::QuoteConnectionValue(value)));
  }
  parts.push_back(absl::StrCat("dbname=", storage::QuoteConnectionValue(dbname)));
  return absl::StrJoin(parts, " ");
}

PostgresEnvironment* PostgresEnvironment::Current() { return g_current.load(); }

absl::StatusOr<std::string> PostgresEnvironment::FreshDatabase() {
  PostgresEnvironment* env = Current();
  if (env == nullptr) {
    return absl::FailedPreconditionError(
        "no PostgresEnvironment is set up (register it in main())");
  }
  return env->CreateDatabase();
}

absl::StatusOr<std::string> PostgresEnvironment::SuperuserConnectionString(
    absl::string_view dbname) {
  PostgresEnvironment* env = Current();
  if (env == nullptr) {
    return absl::FailedPreconditionError(
        "no PostgresEnvironment is set up (register it in main())");
  }
  return env->ConnectionStringFor(dbname);
}

bool PostgresEnvironment::IsEmbedded() {
  PostgresEnvironment* env = Current();
  return env != nullptr && env->embedded_ != nullptr;
}

absl::Status PostgresEnvironment::StopServer() {
  if (!IsEmbedded()) {
    return absl::FailedPreconditionError(
        "the test server is not embedded (CASEBRIDGE_TEST_DATABASE is set)");
  }
  return Current()->embedded_->Stop();
}

absl::Status PostgresEnvironment::RestartServer() {
  if (!IsEmbedded()) {
    return absl::FailedPreconditionError(
        "the test server is not embedded (CASEBRIDGE_TEST_DATABASE is set)");
  }
  return Current()->embedded_->StartAgain();
}

}  // namespace casebridge::test_support
