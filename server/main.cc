// casebridge-server: the Casebridge gRPC server.
//
//   casebridge-server [serve] [flags]         serve
//   casebridge-server migrate [flags]         apply the migrations and exit
//   casebridge-server status [flags]          the schema against this build's
//   casebridge-server bootstrap-admin [flags] make the first administrator
//
// Flags may be written with dashes or underscores (--data-dir, --data_dir).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"
#include "server/server_app.h"
#include "services/provisioning.h"
#include "spdlog/spdlog.h"
#include "storage/embedded_postgres.h"
#include "storage/migrations.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to serve gRPC on");
ABSL_FLAG(std::string, database, "",
          "libpq connection string or postgresql:// URL of the database, as "
          "its owner; empty: the embedded PostgreSQL under --data_dir");
ABSL_FLAG(std::string, app_database, "",
          "connection string the server's requests use, logging in as the "
          "runtime role casebridge_app (which cannot alter the audit log); "
          "empty: --database with user=casebridge_app");
ABSL_FLAG(std::string, data_dir, ".casebridge",
          "where the embedded PostgreSQL and the demo tokens file live");
ABSL_FLAG(std::string, audit_key_dir, "",
          "directory of the audit log's keys (Ed25519 tree-head signing keys and "
          "the event MAC key), which the database roles must not be able to read; "
          "empty: <data_dir>/audit-keys. Made on first start when missing");
ABSL_FLAG(std::vector<std::string>, audit_witness_dir, {},
          "directories (comma-separated) of append-only files every signed audit "
          "tree head goes to; keep one on another disk or machine. Empty: "
          "<data_dir>/audit-witness");
ABSL_FLAG(int, pool_size, 16, "database connections in the pool");
ABSL_FLAG(bool, seed_demo, false,
          "create the demo agencies and users on first start and write their "
          "tokens to <data_dir>/demo-tokens.json");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate (turns TLS on)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA that client certificates must chain to (mutual TLS)");
ABSL_FLAG(absl::Duration, auth_cache_ttl, absl::Seconds(2),
          "how long a token lookup is reused; revocations made on another "
          "server take effect within this time");
ABSL_FLAG(int, max_threads, 256,
          "most threads gRPC may use for calls in progress (its resource "
          "quota); calls beyond are refused RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_concurrent_streams, 100,
          "most calls at once on one client connection (HTTP/2 streams)");
ABSL_FLAG(int, max_request_bytes, 4 * 1024 * 1024,
          "largest request message accepted; a larger one is refused "
          "RESOURCE_EXHAUSTED and audited (beyond 4x this and 16 MiB, gRPC "
          "refuses it before the server can see it)");
ABSL_FLAG(int, max_calls_per_user, 0,
          "fair share: calls one signed-in user may have in progress on this "
          "server; more are refused RESOURCE_EXHAUSTED at once (0: a quarter "
          "of --pool_size)");
ABSL_FLAG(int, max_calls_per_agency, 0,
          "fair share: calls one agency's users together may have in progress "
          "(0: three quarters of --pool_size)");
ABSL_FLAG(int, max_anonymous_calls, 0,
          "fair share: calls without a valid credential in progress at once "
          "(0: a quarter of --pool_size)");
ABSL_FLAG(int, max_expensive_calls, 2,
          "fair share: expensive calls (verifying the whole audit log) at once; "
          "one per user");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long shutdown waits for calls in flight");
ABSL_FLAG(bool, enable_echo, false,
          "also serve casebridge.v1.EchoService (the benchmark baseline)");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn or error");
ABSL_FLAG(absl::Duration, migration_lock_timeout, absl::Seconds(60),
          "how long to wait for another session's migration lock (another "
          "server migrating) before giving up, naming that session");
// bootstrap-admin
ABSL_FLAG(std::string, admin_username, "admin", "bootstrap-admin: username");
ABSL_FLAG(std::string, admin_display_name, "Casebridge administrator",
          "bootstrap-admin: display name");
ABSL_FLAG(std::string, agency_code, "",
          "bootstrap-admin: code of the administrator's agency (created if "
          "missing, with --agency_name and --agency_kind)");
ABSL_FLAG(std::string, agency_name, "", "bootstrap-admin: agency display name");
ABSL_FLAG(std::string, agency_kind, "POLICE",
          "bootstrap-admin: POLICE, CPS, COUNCIL, HEALTH or VICTIM_SERVICE");

namespace {

using casebridge::server::ServerApp;
using casebridge::server::ServerOptions;

// Exit codes (--help lists them). `status` also uses 0 for "up to date".
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitMigrationsPending = 3;
constexpr int kExitDatabaseNewer = 4;

int Fail(const absl::Status& status, absl::string_view what) {
  std::cerr << "casebridge-server: " << what << ": " << status.message() << "\n";
  return kExitError;
}

casebridge::storage::MigrationOptions MigrationOptionsFromFlags() {
  return {.lock_timeout = absl::GetFlag(FLAGS_migration_lock_timeout)};
}

// `migrate`: what a deployment runs before starting new servers.
int Migrate(const std::string& database) {
  absl::Status migrated =
      casebridge::storage::ApplyMigrations(database, MigrationOptionsFromFlags());
  if (!migrated.ok()) return Fail(migrated, "migrating");
  absl::StatusOr<casebridge::storage::SchemaStatus> status =
      casebridge::storage::ReadSchemaStatus(database);
  if (!status.ok()) return Fail(status.status(), "reading the schema version");
  std::cout << "the database's schema is up to date: " << status->database_file
            << "\n";
  return 0;
}

// `status`: the database's schema against this build's, for operators and
// scripts (the exit code says which).
int Status(const std::string& database) {
  absl::StatusOr<casebridge::storage::SchemaStatus> status =
      casebridge::storage::ReadSchemaStatus(database);
  if (!status.ok()) return Fail(status.status(), "reading the schema version");
  const casebridge::storage::SchemaStatus& s = *status;
  std::cout << "database schema:   "
            << (s.database_version == 0
                    ? std::string("none (no migration applied)")
                    : absl::StrCat(s.database_version, " (", s.database_file, ")"))
            << "\nthis server's:     " << s.build_version << " (" << s.build_file
            << ")\n";
  if (!s.newer.empty()) {
    std::cout << "newer than this server (" << s.newer.size()
              << "): " << absl::StrJoin(s.newer, ", ")
              << "\nthis server refuses to start on this database: run the "
                 "casebridge-server that migrated it, or a newer one\n";
    return kExitDatabaseNewer;
  }
  if (!s.pending.empty()) {
    std::cout << "pending migrations (" << s.pending.size() << "):\n";
    for (const std::string& file : s.pending) std::cout << "  " << file << "\n";
    std::cout << "apply them with `casebridge-server migrate` (serving also "
                 "applies them)\n";
    return kExitMigrationsPending;
  }
  std::cout << "up to date\n";
  return 0;
}

// --data-dir=x -> --data_dir=x, so both spellings work.
std::vector<char*> NormaliseFlagNames(int argc, char** argv,
                                      std::vector<std::string>& storage) {
  storage.reserve(argc);
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && absl::StartsWith(arg, "--")) {
      size_t end = arg.find('=');
      for (size_t k = 2; k < std::min(end, arg.size()); ++k) {
        if (arg[k] == '-') arg[k] = '_';
      }
    }
    storage.push_back(std::move(arg));
  }
  for (std::string& s : storage) out.push_back(s.data());
  return out;
}

// The embedded default: a private cluster under <data_dir>/pg.
absl::StatusOr<std::unique_ptr<casebridge::storage::EmbeddedPostgres>>
StartEmbedded(const std::string& data_dir) {
  casebridge::storage::EmbeddedPostgresOptions options;
  options.data_dir = data_dir;
  options.fsync = true;  // Real data.
  return casebridge::storage::EmbeddedPostgres::Start(options);
}

// Writes the demo tokens (bearer secrets) owner-only from the first byte:
// the temporary file is created 0600 by open(2) itself, never with the
// default umask and chmod-ed afterwards, and O_EXCL|O_NOFOLLOW make sure it
// is a new file of ours, not a leftover or a link planted at its name.
absl::Status WriteTokensFile(const std::string& path,
                             const std::vector<casebridge::services::IssuedToken>& t) {
  const std::string tmp = path + ".tmp";
  const std::string json = casebridge::services::IssuedTokensJson(t);
  if (unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    return absl::UnavailableError(absl::StrCat("cannot remove stale ", tmp));
  }
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot create ", tmp));
  size_t written = 0;
  while (written < json.size()) {
    const ssize_t n = write(fd, json.data() + written, json.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool complete = written == json.size() && fsync(fd) == 0;
  if (close(fd) != 0 || !complete) {
    unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

std::string AuditKeyDir(const std::string& data_dir) {
  const std::string given = absl::GetFlag(FLAGS_audit_key_dir);
  return given.empty() ? absl::StrCat(data_dir, "/audit-keys") : given;
}

std::vector<std::string> AuditWitnessDirs(const std::string& data_dir) {
  std::vector<std::string> given = absl::GetFlag(FLAGS_audit_witness_dir);
  if (given.empty()) given.push_back(absl::StrCat(data_dir, "/audit-witness"));
  return given;
}

absl::Status SeedDemo(const std::string& database, const std::string& data_dir,
                      const casebridge::storage::AuditKeyRing& keys) {
  casebridge::storage::DatabaseOptions options;
  options.connection_string = database;
  options.runtime_connection_string = absl::GetFlag(FLAGS_app_database);
  options.pool_size = 1;
  absl::StatusOr<std::unique_ptr<casebridge::storage::Database>> db =
      casebridge::storage::Database::Open(options);
  if (!db.ok()) return db.status();
  const std::string path = absl::StrCat(data_dir, "/demo-tokens.json");
  absl::StatusOr<bool> complete =
      casebridge::services::DemoWorldComplete(**db, absl::Now());
  if (!complete.ok()) return complete.status();
  if (*complete && std::filesystem::exists(path)) {
    spdlog::info("demo world already seeded; tokens in {}", path);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<casebridge::services::IssuedToken>> tokens =
      casebridge::services::SeedDemoWorld(**db, keys, absl::Now(), /*issue_tokens=*/true);
  if (!tokens.ok()) return tokens.status();
  absl::Status written = WriteTokensFile(path, *tokens);
  if (!written.ok()) return written;
  spdlog::info("demo world seeded; tokens for {} users in {}", tokens->size(), path);
  return absl::OkStatus();
}

int BootstrapAdmin(const std::string& database, const std::string& data_dir) {
  absl::StatusOr<casebridge::storage::AuditKeyRing> keys =
      casebridge::storage::AuditKeyRing::LoadOrCreate(AuditKeyDir(data_dir));
  if (!keys.ok()) return Fail(keys.status(), "loading the audit keys");
  absl::Status migrated =
      casebridge::storage::ApplyMigrations(database, MigrationOptionsFromFlags());
  if (!migrated.ok()) return Fail(migrated, "migrating");
  casebridge::storage::DatabaseOptions options;
  options.connection_string = database;
  options.runtime_connection_string = absl::GetFlag(FLAGS_app_database);
  options.pool_size = 1;
  auto db = casebridge::storage::Database::Open(options);
  if (!db.ok()) return Fail(db.status(), "opening the database");
  casebridge::services::BootstrapAdminOptions admin;
  admin.username = absl::GetFlag(FLAGS_admin_username);
  admin.display_name = absl::GetFlag(FLAGS_admin_display_name);
  admin.agency_code = absl::GetFlag(FLAGS_agency_code);
  admin.agency_name = absl::GetFlag(FLAGS_agency_name);
  std::optional<int> kind = casebridge::domain::ParseEnumName(
      casebridge::v1::AgencyKind_descriptor(), absl::GetFlag(FLAGS_agency_kind));
  if (!kind.has_value() || *kind == 0) {
    std::cerr << "casebridge-server: --agency_kind must be POLICE, CPS, COUNCIL, "
                 "HEALTH or VICTIM_SERVICE\n";
    return kExitUsage;
  }
  admin.agency_kind = static_cast<casebridge::v1::AgencyKind>(*kind);
  if (admin.agency_code.empty()) {
    std::cerr << "casebridge-server: bootstrap-admin needs --agency_code\n";
    return kExitUsage;
  }
  auto token = casebridge::services::BootstrapAdmin(**db, *keys, admin, absl::Now());
  if (!token.ok()) return Fail(token.status(), "bootstrap-admin");
  std::cout << "administrator " << token->username << " (" << token->user_name
            << ") created.\ntoken (shown once, keep it safe):\n"
            << token->secret << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // --help lists the flags of this file (absl's default looks for files
  // named after the program, which this one is not).
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "server/main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "Casebridge: multi-agency stalking case server.\n\n"
      "  casebridge-server [serve] [flags]          migrate the database, then serve\n"
      "  casebridge-server migrate [flags]          apply the migrations and exit\n"
      "  casebridge-server status [flags]           the database's schema version,\n"
      "                                             this server's, and what is pending\n"
      "  casebridge-server bootstrap-admin [flags]  make the first administrator\n\n"
      "With no --database it runs a private PostgreSQL under --data_dir.\n"
      "Flags may be spelled with dashes or underscores.\n\n"
      "Exit codes: 0 done (status: up to date), 1 error, 2 usage error;\n"
      "status also: 3 migrations pending, 4 the database's schema is newer than\n"
      "this server's (which refuses to serve or migrate it).");
  std::vector<std::string> arg_storage;
  std::vector<char*> args = NormaliseFlagNames(argc, argv, arg_storage);
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::string command = positional.size() > 1 ? positional[1] : "serve";
  if (positional.size() > 2 ||
      (command != "serve" && command != "bootstrap-admin" && command != "migrate" &&
       command != "status")) {
    std::cerr << "casebridge-server: unknown command '" << command
              << "'; commands: serve (default), migrate, status, bootstrap-admin. "
                 "See --help.\n";
    return kExitUsage;
  }
  spdlog::set_level(spdlog::level::from_str(absl::GetFlag(FLAGS_log_level)));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  if (absl::GetFlag(FLAGS_pool_size) < 1 || absl::GetFlag(FLAGS_pool_size) > 500) {
    std::cerr << "casebridge-server: --pool_size must be between 1 and 500\n";
    return kExitUsage;
  }

  // Signals are taken by one thread with sigwait, so no handler runs in the
  // middle of gRPC or libpq. Block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::string database = absl::GetFlag(FLAGS_database);
  std::unique_ptr<casebridge::storage::EmbeddedPostgres> embedded;
  if (database.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
      return Fail(absl::UnavailableError(ec.message()),
                  absl::StrCat("creating --data_dir ", data_dir));
    }
    auto started = StartEmbedded(data_dir);
    if (!started.ok()) return Fail(started.status(), "starting the embedded PostgreSQL");
    embedded = *std::move(started);
    database = embedded->ConnectionString("postgres");
    spdlog::info("embedded PostgreSQL in {}/pg", data_dir);
  }

  if (command == "bootstrap-admin") return BootstrapAdmin(database, data_dir);
  if (command == "migrate") return Migrate(database);
  if (command == "status") return Status(database);

  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.database = database;
  options.app_database = absl::GetFlag(FLAGS_app_database);
  options.pool_size = absl::GetFlag(FLAGS_pool_size);
  options.migration_lock_timeout = absl::GetFlag(FLAGS_migration_lock_timeout);
  options.auth_cache_ttl = absl::GetFlag(FLAGS_auth_cache_ttl);
  options.max_threads = absl::GetFlag(FLAGS_max_threads);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  options.fair_share.max_calls_per_user = absl::GetFlag(FLAGS_max_calls_per_user);
  options.fair_share.max_calls_per_agency = absl::GetFlag(FLAGS_max_calls_per_agency);
  options.fair_share.max_anonymous_calls = absl::GetFlag(FLAGS_max_anonymous_calls);
  options.fair_share.max_expensive_calls = absl::GetFlag(FLAGS_max_expensive_calls);
  options.enable_echo = absl::GetFlag(FLAGS_enable_echo);
  options.audit_key_dir = AuditKeyDir(data_dir);
  // Keys are made on first start, except for a database given by flag
  // whose keys someone else keeps: then a missing key is an error, not a
  // new key that makes every earlier head unverifiable here.
  options.create_audit_keys =
      absl::GetFlag(FLAGS_database).empty() || absl::GetFlag(FLAGS_audit_key_dir).empty();
  options.audit_witness_dirs = AuditWitnessDirs(data_dir);
  absl::StatusOr<std::unique_ptr<ServerApp>> app = ServerApp::Start(options);
  if (!app.ok()) return Fail(app.status(), "starting");

  if (absl::GetFlag(FLAGS_seed_demo)) {
    absl::Status seeded = SeedDemo(database, data_dir, (*app)->audit_log().keys());
    if (!seeded.ok()) {
      (*app)->Shutdown();
      return Fail(seeded, "seeding the demo world");
    }
  }
  std::cout << "casebridge-server listening on " << options.listen
            << (options.tls_cert_file.empty() ? "" : " (TLS)") << "\n";
  if (absl::GetFlag(FLAGS_seed_demo)) {
    std::cout << "demo tokens: " << data_dir << "/demo-tokens.json"
              << "  (try: casebridge --as pc.hughes case list)\n";
  }
  std::cout << "press Ctrl-C to stop" << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: stopping", sig);
    (*app)->Shutdown();
  });
  (*app)->Wait();
  waiter.join();
  if (embedded != nullptr) {
    absl::Status stopped = embedded->Stop();
    if (!stopped.ok()) return Fail(stopped, "stopping the embedded PostgreSQL");
  }
  spdlog::info("stopped");
  return 0;
}
