#include "storage/migrations.h"

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "spdlog/spdlog.h"
#include "storage/database.h"

namespace casebridge::storage {
namespace {

// pg_advisory_lock key: any constant unique to Casebridge migrations.
constexpr int64_t kMigrationLockKey = 0x43617365427269;  // "CaseBri"

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

}  // namespace

absl::Status ApplyMigrations(const std::string& owner_connection_string) {
  try {
    pqxx::connection conn(owner_connection_string);
    {
      pqxx::nontransaction lock(conn);
      lock.exec(absl::StrCat("SELECT pg_advisory_lock(", kMigrationLockKey, ")"));
    }
    absl::Status result;
    try {
      {
        pqxx::work w(conn);
        w.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version int PRIMARY KEY,"
            " file_name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        w.commit();
      }
      for (const Migration& m : Migrations()) {
        pqxx::work w(conn);
        pqxx::result done = w.exec_params(
            "SELECT file_name FROM schema_migrations WHERE version = $1", m.version);
        if (!done.empty()) {
          // Applied by number: a database that ran another migration under
          // this number (a renumbered branch) would silently skip this one.
          const std::string applied = done[0][0].c_str();
          if (applied != m.file_name) {
            result = absl::FailedPreconditionError(absl::StrCat(
                "the database has migration ", m.version, " applied as ", applied,
                ", but this server's migration ", m.version, " is ", m.file_name,
                "; it was migrated by a different build. Restore it from a "
                "backup or migrate it by hand before starting this server"));
            break;
          }
          continue;
        }
        spdlog::info("applying migration {}", m.file_name);
        w.exec(m.sql);
        w.exec_params(
            "INSERT INTO schema_migrations (version, file_name) VALUES ($1, $2)",
            m.version, std::string(m.file_name));
        w.commit();
      }
    } catch (const std::exception& e) {
      // Operators need the database's own words here.
      result = absl::InternalError(e.what());
    }
    {
      pqxx::nontransaction unlock(conn);
      unlock.exec(
          absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLockKey, ")"));
    }
    if (!result.ok()) {
      return absl::Status(result.code(),
                          absl::StrCat("migration failed: ", result.message()));
    }
    return absl::OkStatus();
  } catch (const pqxx::broken_connection& e) {
    // At start-up the operator needs libpq's own reason (no such host,
    // socket or database, authentication failed), not just "unreachable".
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to the database to migrate it: ", OneLine(e.what())));
  } catch (...) {
    absl::Status s = StatusFromCurrentException();
    return absl::Status(s.code(), absl::StrCat("cannot migrate the database: ",
                                               s.message()));
  }
}

}  // namespace casebridge::storage
