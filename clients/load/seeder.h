#ifndef CASEBRIDGE_CLIENTS_LOAD_SEEDER_H_
#define CASEBRIDGE_CLIENTS_LOAD_SEEDER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace casebridge::load {

struct SeedOptions {
  // libpq connection string of the database, as its owner.
  std::string database;
  // Seeded cases wanted in total; a later run with a larger number adds the
  // difference (10k, then top up to 1M). Case n has the id
  // md5('cb-bench-case-' || n)::uuid, so pgbench scripts can name it.
  int64_t cases = 10000;
  // Average incidents per case (each case has between half and 1.5x).
  int incidents_per_case = 10;
  // Seeded audit events wanted in total (appended and left pending; `seal`
  // chains them).
  int64_t audit_events = 0;
  // Cases per transaction.
  int64_t chunk = 20000;
  // The audit keys of the server that will serve the database (its
  // --audit_key_dir): the demo world's audit event is authenticated with
  // them. Made when missing.
  std::string audit_key_dir = ".casebridge/audit-keys";
  // Demo tokens file to write (the demo agencies and users are created if
  // missing and issued new tokens). Empty: none.
  std::string tokens_out;
  // targets.json to write: a random sample of the case ids each demo agency
  // can see, and of the owning force's open cases. Empty: none.
  std::string targets_out;
  int targets_per_agency = 20000;
};

// Fills the database fast with set-based SQL (INSERT ... SELECT over
// generate_series, one statement per table per chunk), then VACUUM ANALYZE.
// Applies migrations first.
absl::Status Seed(const SeedOptions& options);

// Chains every pending audit event with the server's own sealer
// (storage::AuditLog::SealPending), printing progress.
absl::Status Seal(const std::string& database, const std::string& audit_key_dir);

}  // namespace casebridge::load

#endif  // CASEBRIDGE_CLIENTS_LOAD_SEEDER_H_
