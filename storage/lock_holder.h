#ifndef CASEBRIDGE_STORAGE_LOCK_HOLDER_H_
#define CASEBRIDGE_STORAGE_LOCK_HOLDER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "pqxx/pqxx"

namespace casebridge::storage {

// The session holding a PostgreSQL advisory lock that others wait for (a
// frozen server's sealer, a migration that never ends), as an operator needs
// it to find and, if need be, end that session. Fields PostgreSQL does not
// show the looking role (another role's session, without
// pg_read_all_stats) are empty.
struct LockHolder {
  int pid = 0;
  std::string application_name;
  // Client address, "local socket", or empty.
  std::string client;
  // UTC, ISO 8601; empty when unknown.
  std::string backend_start;      // when it connected
  std::string transaction_start;  // empty outside a transaction
  std::string query_start;        // its last (or current) statement
  std::string state;              // "active", "idle in transaction", ...
  std::string state_change;       // when it entered `state`
};

// Who holds the advisory lock taken with the single bigint `key`
// (pg_advisory_lock(key) or pg_advisory_xact_lock(key)) in the current
// database; nullopt when nobody does (any more). Runs one statement in
// `tx`; throws like any statement.
std::optional<LockHolder> FindAdvisoryLockHolder(pqxx::transaction_base& tx,
                                                 int64_t key);

// One line for messages and logs:
//   pid 4242 (application_name "casebridge-server host:77 sealer", client
//   local socket, connected 2026-..Z, in a transaction since 2026-..Z,
//   state "idle in transaction" since 2026-..Z, last statement started ..Z)
std::string DescribeLockHolder(const LockHolder& holder);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_LOCK_HOLDER_H_
