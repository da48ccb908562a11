#ifndef CASEBRIDGE_DOMAIN_USER_ADMINISTRATION_H_
#define CASEBRIDGE_DOMAIN_USER_ADMINISTRATION_H_

// The rules of administration (docs/ADMINISTRATION.md), apart from the
// policy table that decides who may act at all:
//  - a privileged role (administrator, system administrator, national
//    auditor, national analyst, front end) is held alone, never beside
//    another role: no administrator can read cases through their own
//    account, and the system administrator, who manages privileged
//    accounts, can never give one a case role;
//  - a service account (a front end) holds ROLE_FRONT_END and nothing else,
//    and no person holds it;
//  - administrator roles, national roles and service accounts are
//    "privileged": only the system administrator grants them or manages
//    their holders; an agency administrator manages the other users of its
//    own agency;
//  - nobody manages their own account (no one enables, re-roles or moves
//    themselves).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casebridge/v1/admin.pb.h"
#include "casebridge/v1/common.pb.h"
#include "domain/access_policy.h"
#include "domain/principal.h"

namespace casebridge::domain {

// ROLE_ADMINISTRATOR and ROLE_SYSTEM_ADMINISTRATOR.
bool IsAdministratorRole(v1::Role role);
// Roles only the system administrator grants: the administrator roles, the
// national roles (they reach every agency) and ROLE_FRONT_END.
bool IsPrivilegedRole(v1::Role role);

// USER_KIND_UNSPECIFIED read as a person.
v1::UserKind KindOf(v1::UserKind kind);

// An account as administration reasons about it.
struct Account {
  std::string user_id;    // bare id
  std::string agency_id;  // bare id
  v1::UserKind kind = v1::USER_KIND_PERSON;
  std::vector<v1::Role> roles;
};

Account AccountOf(const v1::User& user);

// The action that managing this account is: kManagePrivilegedUsers for a
// service account or one holding a privileged role, kManageUsers otherwise.
Action ManagementActionFor(const Account& account);

// Whether `admin` may manage `account` — and, when `after` is given (a role
// change or a move), make it into `after`: both states must be within the
// caller's reach. PERMISSION_DENIED with a message saying why: another
// agency's user, an account only the system administrator manages, or the
// caller's own account.
absl::Status AuthorizeAccountManagement(const Principal& admin,
                                        const Account& account,
                                        const Account* after = nullptr);

// The roles an account may hold, each named by `field` ("user.roles"): at
// least one, none twice, none UNSPECIFIED or unknown, each allowed for the
// agency kind; a privileged role alone; ROLE_FRONT_END exactly for a service
// account. INVALID_ARGUMENT naming the field.
absl::Status ValidateRoles(absl::string_view field,
                           const std::vector<v1::Role>& roles,
                           v1::AgencyKind agency_kind, v1::UserKind kind);

// A new agency: display name, kind, code (1 to 8 capital letters or
// digits), and a prosecuting agency only for a police force.
absl::Status ValidateAgency(const v1::Agency& agency);

// A new user's username (3-64 of a-z 0-9 . - _), display name, kind and
// roles for an agency of `agency_kind`.
absl::Status ValidateNewUser(const v1::User& user, v1::AgencyKind agency_kind);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_USER_ADMINISTRATION_H_
