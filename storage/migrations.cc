#include "storage/migrations.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/status_macros.h"
#include "pqxx/pqxx"
#include "spdlog/spdlog.h"
#include "storage/connection_string.h"
#include "storage/database.h"
#include "storage/lock_holder.h"

namespace casebridge::storage {
namespace {

// Run on the migration's own connection (not a pool), unprepared: each runs
// once per start.
constexpr Statement kCreateMigrationsTable = {
    "cb_migrations_table",
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version int PRIMARY KEY,"
    " file_name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())"};
constexpr Statement kMigrationsTableExists = {
    "cb_migrations_table_exists",
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present"};
constexpr Statement kAppliedMigrations = {
    "cb_applied_migrations",
    "SELECT version, file_name FROM schema_migrations ORDER BY version"};
constexpr Statement kRecordMigration = {
    "cb_record_migration",
    "INSERT INTO schema_migrations (version, file_name) VALUES ($1, $2)"};
// A session lock, so it spans the migrations' several transactions; it goes
// with the session if this process dies. Polled rather than waited for in
// the database, so the wait is bounded and its end can name the holder.
constexpr Statement kTryMigrationLock = {
    "cb_migration_try_lock", "SELECT pg_try_advisory_lock($1::bigint) AS locked"};
constexpr Statement kMigrationUnlock = {"cb_migration_unlock",
                                        "SELECT pg_advisory_unlock($1::bigint)"};

// libpq's multi-line messages as one line.
std::string OneLine(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The exception in flight, from connecting to or reading the database, as a
// status: "cannot <what>: ...". At start-up the operator needs libpq's own
// reason (no such host, socket or database, authentication failed), not just
// "unreachable".
absl::Status FailureFromCurrentException(absl::string_view what) {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to the database to ", what, ": ", OneLine(e.what())));
  } catch (...) {
    absl::Status s = StatusFromCurrentException();
    return absl::Status(s.code(), absl::StrCat("cannot ", what, ": ", s.message()));
  }
}

// The owner's connection, named for `purpose` in pg_stat_activity.
std::unique_ptr<pqxx::connection> Connect(const std::string& owner_connection_string,
                                          absl::string_view purpose) {
  return std::make_unique<pqxx::connection>(WithConnectionParameter(
      owner_connection_string, "application_name", ProcessApplicationName(purpose)));
}

// version -> file name of every migration the database has applied.
std::map<int, std::string> AppliedMigrations(pqxx::transaction_base& tx) {
  std::map<int, std::string> applied;
  if (!tx.exec(kMigrationsTableExists.sql)[0]["present"].as<bool>()) return applied;
  for (const pqxx::row& row : tx.exec(kAppliedMigrations.sql)) {
    applied[row["version"].as<int>()] = row["file_name"].c_str();
  }
  return applied;
}

// Where `applied` stands against this build.
absl::StatusOr<SchemaStatus> Compare(const std::map<int, std::string>& applied) {
  SchemaStatus status;
  const Migration& newest = Migrations().back();
  status.build_version = newest.version;
  status.build_file = newest.file_name;
  if (!applied.empty()) {
    status.database_version = applied.rbegin()->first;
    status.database_file = applied.rbegin()->second;
  }
  for (const Migration& m : Migrations()) {
    auto it = applied.find(m.version);
    if (it == applied.end()) {
      status.pending.push_back(m.file_name);
    } else if (it->second != m.file_name) {
      // Applied by number: a database that ran another migration under this
      // number (a renumbered branch) would silently skip this one.
      return absl::FailedPreconditionError(absl::StrCat(
          "the database has migration ", m.version, " applied as ", it->second,
          ", but this server's migration ", m.version, " is ", m.file_name,
          "; it was migrated by a different build. Restore it from a "
          "backup or migrate it by hand before starting this server"));
    }
  }
  for (const auto& [version, file] : applied) {
    if (version > status.build_version) status.newer.push_back(file);
  }
  return status;
}

absl::Status NewerSchemaError(const SchemaStatus& s) {
  return absl::FailedPreconditionError(absl::StrCat(
      "the database's schema is newer than this server's: its newest "
      "migration is ",
      s.database_version, " (", s.database_file, "), this server's newest is ",
      s.build_version, " (", s.build_file, "); it does not know ",
      absl::StrJoin(s.newer, ", "),
      ". A newer casebridge-server migrated this database: run that version "
      "(or a newer one), or restore the database from a backup taken before "
      "it was migrated. Nothing was changed"));
}

// Takes the migration lock, trying until `timeout` has passed.
absl::Status LockMigrations(pqxx::connection& conn, absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const absl::Time give_up = start + timeout;
  absl::Duration pause = absl::Milliseconds(20);
  bool logged = false;
  while (true) {
    {
      pqxx::nontransaction n(conn);
      if (n.exec_params(kTryMigrationLock.sql, kMigrationLockKey)[0]["locked"]
              .as<bool>()) {
        return absl::OkStatus();
      }
    }
    const absl::Time now = absl::Now();
    if (now >= give_up) break;
    if (!logged && now - start >= absl::Seconds(1)) {
      logged = true;  // Another server migrating: normal, but say why we wait.
      spdlog::info("waiting up to {} for another session's migration lock",
                   absl::FormatDuration(timeout));
    }
    absl::SleepFor(std::min(pause, give_up - now));
    pause = std::min(pause * 2, absl::Milliseconds(500));
  }
  std::optional<LockHolder> holder;
  {
    pqxx::nontransaction n(conn);
    holder = FindAdvisoryLockHolder(n, kMigrationLockKey);
  }
  const std::string who =
      holder.has_value()
          ? absl::StrCat(
                "It is held by ", DescribeLockHolder(*holder),
                ". If that is a server still migrating, let it finish and "
                "start again (or raise --migration_lock_timeout); if it is "
                "stuck, end it with SELECT pg_terminate_backend(",
                holder->pid, ") and start again")
          : "It was released just now: start again";
  return absl::UnavailableError(absl::StrCat(
      "another database session has held the migration lock for over ",
      absl::FormatDuration(timeout), ", so this server did not migrate. ", who));
}

// Under the migration lock: refuses a newer schema, then applies what is
// missing.
absl::Status MigrateLocked(pqxx::connection& conn) {
  {
    pqxx::work w(conn);
    w.exec(kCreateMigrationsTable.sql);
    w.commit();
  }
  std::map<int, std::string> applied;
  {
    pqxx::read_transaction r(conn);
    applied = AppliedMigrations(r);
  }
  CB_ASSIGN_OR_RETURN(SchemaStatus status, Compare(applied));
  if (!status.newer.empty()) return NewerSchemaError(status);
  for (const Migration& m : Migrations()) {
    if (applied.contains(m.version)) continue;
    spdlog::info("applying migration {}", m.file_name);
    try {
      pqxx::work w(conn);
      w.exec(m.sql);
      w.exec_params(kRecordMigration.sql, m.version, std::string(m.file_name));
      w.commit();
    } catch (const std::exception& e) {
      // Operators need the database's own words here.
      return absl::InternalError(
          absl::StrCat("migration ", m.file_name, " failed: ", e.what()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyMigrations(const std::string& owner_connection_string,
                             const MigrationOptions& options) {
  try {
    std::unique_ptr<pqxx::connection> conn = Connect(owner_connection_string, "migrate");
    CB_RETURN_IF_ERROR(LockMigrations(*conn, options.lock_timeout));
    absl::Status result = MigrateLocked(*conn);
    {
      pqxx::nontransaction unlock(*conn);
      unlock.exec_params(kMigrationUnlock.sql, kMigrationLockKey);
    }
    if (result.code() == absl::StatusCode::kInternal) {
      return absl::InternalError(absl::StrCat("migration failed: ", result.message()));
    }
    return result;
  } catch (...) {
    return FailureFromCurrentException("migrate the database");
  }
}

absl::Status ApplyMigrations(const std::string& owner_connection_string) {
  return ApplyMigrations(owner_connection_string, MigrationOptions());
}

absl::StatusOr<SchemaStatus> ReadSchemaStatus(
    const std::string& owner_connection_string) {
  std::map<int, std::string> applied;
  try {
    std::unique_ptr<pqxx::connection> conn = Connect(owner_connection_string, "status");
    pqxx::read_transaction r(*conn);
    applied = AppliedMigrations(r);
  } catch (...) {
    return FailureFromCurrentException("read the database's schema version");
  }
  return Compare(applied);
}

}  // namespace casebridge::storage
