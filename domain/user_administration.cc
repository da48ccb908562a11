#include "domain/user_administration.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

std::string RoleWords(v1::Role role) {
  return ShortEnumName(v1::Role_descriptor(), role);
}

std::string KindWords(v1::AgencyKind kind) {
  return ShortEnumName(v1::AgencyKind_descriptor(), kind);
}

bool HoldsPrivilegedRole(const std::vector<v1::Role>& roles) {
  for (v1::Role r : roles) {
    if (IsPrivilegedRole(r)) return true;
  }
  return false;
}

// One state of the account against the caller's reach.
absl::Status WithinReach(const Principal& admin, const Account& account) {
  const Action action = ManagementActionFor(account);
  Decision decision = Decide(admin, Relationship::kNoCase, action);
  if (!decision.allowed) {
    if (action == Action::kManagePrivilegedUsers &&
        Decide(admin, Relationship::kNoCase, Action::kManageUsers).allowed) {
      return absl::PermissionDeniedError(
          "administrators, national roles and service accounts are managed "
          "by the system administrator");
    }
    return absl::PermissionDeniedError(
        absl::StrCat("your roles may not ", ActionName(action)));
  }
  if (decision.reach == Reach::kOwnAgency && account.agency_id != admin.agency_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "you manage the users of your own agency (",
        admin.agency_name.empty() ? admin.agency_id : admin.agency_name,
        ") only"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsAdministratorRole(v1::Role role) {
  return role == v1::ROLE_ADMINISTRATOR || role == v1::ROLE_SYSTEM_ADMINISTRATOR;
}

bool IsPrivilegedRole(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMINISTRATOR:
    case v1::ROLE_SYSTEM_ADMINISTRATOR:
    case v1::ROLE_NATIONAL_AUDITOR:
    case v1::ROLE_NATIONAL_ANALYST:
    case v1::ROLE_FRONT_END:
      return true;
    default:
      return false;
  }
}

v1::UserKind KindOf(v1::UserKind kind) {
  return kind == v1::USER_KIND_UNSPECIFIED ? v1::USER_KIND_PERSON : kind;
}

Account AccountOf(const v1::User& user) {
  Account a;
  a.user_id = IdOf(user.name());
  a.agency_id = IdOf(user.agency());
  a.kind = KindOf(user.kind());
  for (int r : user.roles()) a.roles.push_back(static_cast<v1::Role>(r));
  return a;
}

Action ManagementActionFor(const Account& account) {
  if (account.kind == v1::USER_KIND_SERVICE || HoldsPrivilegedRole(account.roles)) {
    return Action::kManagePrivilegedUsers;
  }
  return Action::kManageUsers;
}

absl::Status AuthorizeAccountManagement(const Principal& admin,
                                        const Account& account,
                                        const Account* after) {
  if (!account.user_id.empty() && account.user_id == admin.user_id) {
    // An administrator who could change their own roles or agency could
    // grant themselves anything; another administrator must do it.
    return absl::PermissionDeniedError(
        "you cannot manage your own account; ask another administrator");
  }
  CB_RETURN_IF_ERROR(WithinReach(admin, account));
  if (after != nullptr) CB_RETURN_IF_ERROR(WithinReach(admin, *after));
  return absl::OkStatus();
}

absl::Status ValidateRoles(absl::string_view field,
                           const std::vector<v1::Role>& roles,
                           v1::AgencyKind agency_kind, v1::UserKind kind) {
  kind = KindOf(kind);
  if (roles.empty()) return FieldError(field, "at least one role is required");
  for (size_t i = 0; i < roles.size(); ++i) {
    const std::string at = FieldIndex(field, static_cast<int>(i));
    CB_RETURN_IF_ERROR(CheckEnum(at, roles[i], v1::Role_IsValid, false));
    for (size_t j = 0; j < i; ++j) {
      if (roles[j] == roles[i]) return FieldError(at, "is listed twice");
    }
    if (!RoleAllowedForAgencyKind(roles[i], agency_kind)) {
      return FieldError(at, absl::StrCat(RoleWords(roles[i]), " is not a role of a ",
                                         KindWords(agency_kind), " agency"));
    }
    if (IsPrivilegedRole(roles[i]) && roles.size() > 1) {
      // Whoever manages a privileged account (the system administrator)
      // must never be able to give it a case role.
      return FieldError(
          at, absl::StrCat(RoleWords(roles[i]),
                           " is held alone: an administrator, a national role or a "
                           "front end holds no other role (give the person a "
                           "second account)"));
    }
    if (roles[i] == v1::ROLE_FRONT_END && kind != v1::USER_KIND_SERVICE) {
      return FieldError(at, "FRONT_END is the role of a service account, not a person");
    }
  }
  if (kind == v1::USER_KIND_SERVICE &&
      (roles.size() != 1 || roles[0] != v1::ROLE_FRONT_END)) {
    return FieldError(field, "a service account holds the FRONT_END role and no other");
  }
  return absl::OkStatus();
}

absl::Status ValidateAgency(const v1::Agency& a) {
  CB_RETURN_IF_ERROR(
      CheckText("agency.display_name", a.display_name(), kMaxShortText, true));
  CB_RETURN_IF_ERROR(CheckEnum("agency.kind", a.kind(), v1::AgencyKind_IsValid, false));
  if (a.code().empty() || a.code().size() > 8) {
    return FieldError("agency.code", "must be 1 to 8 capital letters or digits");
  }
  for (char c : a.code()) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return FieldError("agency.code", "must be 1 to 8 capital letters or digits");
    }
  }
  if (!a.prosecuting_agency().empty()) {
    if (a.kind() != v1::AGENCY_KIND_POLICE) {
      return FieldError("agency.prosecuting_agency", "only a police force has one");
    }
    CB_RETURN_IF_ERROR(ParseTopLevelName(a.prosecuting_agency(), "agencies",
                                         "agency.prosecuting_agency")
                           .status());
  }
  return absl::OkStatus();
}

absl::Status ValidateNewUser(const v1::User& u, v1::AgencyKind agency_kind) {
  const std::string& name = u.username();
  if (name.size() < 3 || name.size() > 64) {
    return FieldError("user.username", "must be 3 to 64 characters");
  }
  for (char c : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' &&
        c != '_') {
      return FieldError("user.username",
                        "may hold lower-case letters, digits, '.', '-' and '_'");
    }
  }
  CB_RETURN_IF_ERROR(
      CheckText("user.display_name", u.display_name(), kMaxShortText, true));
  CB_RETURN_IF_ERROR(CheckEnum("user.kind", u.kind(), v1::UserKind_IsValid, true));
  std::vector<v1::Role> roles;
  for (int r : u.roles()) roles.push_back(static_cast<v1::Role>(r));
  return ValidateRoles("user.roles", roles, agency_kind, u.kind());
}

}  // namespace casebridge::domain
