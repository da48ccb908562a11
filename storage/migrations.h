#ifndef CASEBRIDGE_STORAGE_MIGRATIONS_H_
#define CASEBRIDGE_STORAGE_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace casebridge::storage {

struct Migration {
  int version;
  const char* file_name;
  const char* sql;
};

// The numbered storage/migrations/*.sql files, compiled in, in order.
const std::vector<Migration>& Migrations();

// Applies the migrations the database has not seen yet, each in its own
// transaction recorded in schema_migrations, under a session advisory lock so
// several servers starting at once migrate exactly once. Connects with
// `owner_connection_string` as the schema owner (not the runtime role).
absl::Status ApplyMigrations(const std::string& owner_connection_string);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_MIGRATIONS_H_
