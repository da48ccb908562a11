#ifndef CASEBRIDGE_SERVICES_PROVISIONING_H_
#define CASEBRIDGE_SERVICES_PROVISIONING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"
#include "storage/audit_keys.h"
#include "storage/database.h"

namespace casebridge::services {

// Identity set up outside the API: the first administrator of an empty
// database, and the demo world of the default run. Both write through the
// same repositories as AdminService and append an audit event for what they
// did in the same transaction.

struct IssuedToken {
  std::string username;
  std::string agency;  // Display name.
  std::string agency_code;
  std::vector<std::string> roles;  // Short names, e.g. POLICE_OFFICER.
  std::string user_name;          // users/{id}
  std::string secret;
};

struct BootstrapAdminOptions {
  std::string username = "admin";
  std::string display_name = "Casebridge administrator";
  // The agency the administrator belongs to: found by code, or created with
  // the name and kind below.
  std::string agency_code;
  std::string agency_name;
  v1::AgencyKind agency_kind = v1::AGENCY_KIND_UNSPECIFIED;
};

// FAILED_PRECONDITION when an administrator already exists: after the first,
// administrators are made through AdminService.
absl::StatusOr<IssuedToken> BootstrapAdmin(storage::Database& db,
                                           const storage::AuditKeyRing& audit_keys,
                                           const BootstrapAdminOptions& options,
                                           absl::Time now);

// The agencies of the demo world (README "Walkthrough") and a user for each role.
// Creates what is missing; with `issue_tokens`, issues a new token for every
// demo user and returns them.
absl::StatusOr<std::vector<IssuedToken>> SeedDemoWorld(storage::Database& db,
                                                       const storage::AuditKeyRing& audit_keys,
                                                       absl::Time now,
                                                       bool issue_tokens);

// Whether every demo user exists (so a saved tokens file may still be good).
absl::StatusOr<bool> DemoWorldComplete(storage::Database& db, absl::Time now);

// The demo tokens file: a JSON array of {user, agency, roles, token}.
std::string IssuedTokensJson(const std::vector<IssuedToken>& tokens);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_PROVISIONING_H_
