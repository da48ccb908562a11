#ifndef CASEBRIDGE_STORAGE_MIGRATIONS_H_
#define CASEBRIDGE_STORAGE_MIGRATIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace casebridge::storage {

struct Migration {
  int version;
  const char* file_name;
  const char* sql;
};

// The numbered storage/migrations/*.sql files, compiled in, in order.
const std::vector<Migration>& Migrations();

// The session advisory lock (pg_advisory_lock) migrations run under.
inline constexpr int64_t kMigrationLockKey = 0x43617365427269;  // "CaseBri"

struct MigrationOptions {
  // How long to wait for another session's migration lock (another server
  // migrating, or one stuck doing so) before giving up.
  absl::Duration lock_timeout = absl::Seconds(60);
};

// Applies the migrations the database has not seen yet, each in its own
// transaction recorded in schema_migrations, under the migration lock so
// several servers starting at once migrate exactly once. Connects with
// `owner_connection_string` as the schema owner (not the runtime role).
//  - UNAVAILABLE when the lock is still held after options.lock_timeout,
//    naming the holder (pid, application_name, client, connected since,
//    state, last statement) and what to do.
//  - FAILED_PRECONDITION, applying nothing, when the database has a
//    migration newer than this build's newest (a newer server migrated it),
//    naming both; or one applied under another file name than this build's.
absl::Status ApplyMigrations(const std::string& owner_connection_string,
                             const MigrationOptions& options);
// The same with the default options.
absl::Status ApplyMigrations(const std::string& owner_connection_string);

// Where a database's schema stands against this build's migrations.
struct SchemaStatus {
  // The newest migration the database has applied; 0 and "" for none.
  int database_version = 0;
  std::string database_file;
  // This build's newest.
  int build_version = 0;
  std::string build_file;
  // File names of this build's migrations the database has not applied, in
  // the order they would be.
  std::vector<std::string> pending;
  // File names of migrations the database has applied that are newer than
  // this build's newest: a newer server migrated it, and this one refuses
  // to run on it.
  std::vector<std::string> newer;

  bool up_to_date() const { return pending.empty() && newer.empty(); }
};

// Reads schema_migrations (read only, without the migration lock). A
// migration applied under another file name than this build's is
// FAILED_PRECONDITION naming both, as ApplyMigrations would report it.
absl::StatusOr<SchemaStatus> ReadSchemaStatus(const std::string& owner_connection_string);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_MIGRATIONS_H_
