// The rules of administration (domain/user_administration.h), stated again
// here independently of the code: who may manage which account, and which
// sets of roles an account may hold.
#include "domain/user_administration.h"

#include <vector>

#include "absl/strings/match.h"
#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using v1::AgencyKind;
using v1::Role;

constexpr AgencyKind kKinds[] = {
    v1::AGENCY_KIND_POLICE, v1::AGENCY_KIND_CPS, v1::AGENCY_KIND_COUNCIL,
    v1::AGENCY_KIND_HEALTH, v1::AGENCY_KIND_VICTIM_SERVICE,
};

bool Privileged(Role r) {
  return r == v1::ROLE_ADMINISTRATOR || r == v1::ROLE_SYSTEM_ADMINISTRATOR ||
         r == v1::ROLE_NATIONAL_AUDITOR || r == v1::ROLE_NATIONAL_ANALYST ||
         r == v1::ROLE_FRONT_END;
}

Principal Admin(Role role, const std::string& agency) {
  Principal p;
  p.user_id = "admin-" + agency;
  p.agency_id = agency;
  p.agency_name = agency == "sp" ? "Staffordshire Police" : "Stoke-on-Trent City Council";
  p.agency_kind = agency == "sp" ? v1::AGENCY_KIND_POLICE : v1::AGENCY_KIND_COUNCIL;
  p.roles = {role};
  return p;
}

Account Of(const std::string& agency, std::vector<Role> roles,
           v1::UserKind kind = v1::USER_KIND_PERSON) {
  return Account{"target", agency, kind, std::move(roles)};
}

TEST(PrivilegedRoleTest, AdministratorNationalAndFrontEndRolesOnly) {
  for (Role r : kAllRoles) EXPECT_EQ(IsPrivilegedRole(r), Privileged(r)) << v1::Role_Name(r);
  EXPECT_TRUE(IsAdministratorRole(v1::ROLE_ADMINISTRATOR));
  EXPECT_TRUE(IsAdministratorRole(v1::ROLE_SYSTEM_ADMINISTRATOR));
  EXPECT_FALSE(IsAdministratorRole(v1::ROLE_AUDITOR));
}

// Every role an account might hold x who acts x whose agency: the agency
// administrator manages its own agency's ordinary accounts; the system
// administrator every privileged account and nothing else; nobody else
// anything.
TEST(AuthorizeAccountManagementTest, WholeMatrix) {
  const std::vector<Role> actors = {
      v1::ROLE_ADMINISTRATOR, v1::ROLE_SYSTEM_ADMINISTRATOR, v1::ROLE_POLICE_OFFICER,
      v1::ROLE_POLICE_SUPERVISOR, v1::ROLE_AUDITOR, v1::ROLE_NATIONAL_AUDITOR};
  for (Role actor : actors) {
    const Principal admin = Admin(actor, "sp");
    for (Role held : kAllRoles) {
      for (const std::string agency : {"sp", "sotcc"}) {
        const v1::UserKind kind =
            held == v1::ROLE_FRONT_END ? v1::USER_KIND_SERVICE : v1::USER_KIND_PERSON;
        absl::Status s = AuthorizeAccountManagement(admin, Of(agency, {held}, kind));
        const bool want =
            (actor == v1::ROLE_ADMINISTRATOR && !Privileged(held) && agency == "sp") ||
            (actor == v1::ROLE_SYSTEM_ADMINISTRATOR && Privileged(held));
        EXPECT_EQ(s.ok(), want) << v1::Role_Name(actor) << " managing "
                                << v1::Role_Name(held) << " of " << agency << ": " << s;
        if (!s.ok()) {
          EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
        }
      }
    }
  }
}

TEST(AuthorizeAccountManagementTest, MessagesSayWhy) {
  absl::Status other = AuthorizeAccountManagement(
      Admin(v1::ROLE_ADMINISTRATOR, "sotcc"), Of("sp", {v1::ROLE_POLICE_OFFICER}));
  EXPECT_EQ(other.message(),
            "you manage the users of your own agency (Stoke-on-Trent City Council) only");
  absl::Status privileged = AuthorizeAccountManagement(
      Admin(v1::ROLE_ADMINISTRATOR, "sp"), Of("sp", {v1::ROLE_ADMINISTRATOR}));
  EXPECT_EQ(privileged.message(),
            "administrators, national roles and service accounts are managed by the "
            "system administrator");
}

TEST(AuthorizeAccountManagementTest, NobodyManagesThemselves) {
  Principal admin = Admin(v1::ROLE_SYSTEM_ADMINISTRATOR, "sp");
  Account self = Of("sp", {v1::ROLE_SYSTEM_ADMINISTRATOR});
  self.user_id = admin.user_id;
  absl::Status s = AuthorizeAccountManagement(admin, self);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "you cannot manage your own account; ask another administrator");
}

TEST(AuthorizeAccountManagementTest, BothStatesOfAChangeMustBeWithinReach) {
  const Principal agency_admin = Admin(v1::ROLE_ADMINISTRATOR, "sp");
  const Account officer = Of("sp", {v1::ROLE_POLICE_OFFICER});
  Account promoted = officer;
  promoted.roles = {v1::ROLE_ADMINISTRATOR};
  EXPECT_EQ(AuthorizeAccountManagement(agency_admin, officer, &promoted).code(),
            absl::StatusCode::kPermissionDenied);
  Account auditor = officer;
  auditor.roles = {v1::ROLE_AUDITOR};
  EXPECT_TRUE(AuthorizeAccountManagement(agency_admin, officer, &auditor).ok());
  // Nor the reverse: the system administrator cannot turn an administrator
  // into a police officer (and so gain a case role's account).
  const Principal system = Admin(v1::ROLE_SYSTEM_ADMINISTRATOR, "sp");
  EXPECT_EQ(AuthorizeAccountManagement(system, promoted, &officer).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ValidateRolesTest, PrivilegedRolesAreHeldAlone) {
  for (Role admin : {v1::ROLE_ADMINISTRATOR, v1::ROLE_SYSTEM_ADMINISTRATOR,
                     v1::ROLE_NATIONAL_AUDITOR, v1::ROLE_NATIONAL_ANALYST}) {
    EXPECT_TRUE(ValidateRoles("user.roles", {admin}, v1::AGENCY_KIND_POLICE,
                              v1::USER_KIND_PERSON)
                    .ok());
    for (Role other : kAllRoles) {
      if (other == admin) continue;
      absl::Status s = ValidateRoles("user.roles", {other, admin}, v1::AGENCY_KIND_POLICE,
                                     v1::USER_KIND_PERSON);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << v1::Role_Name(other);
      EXPECT_TRUE(absl::StartsWith(FieldOf(s).value_or(""), "user.roles[")) << s;
    }
  }
  absl::Status s = ValidateRoles("user.roles", {v1::ROLE_POLICE_OFFICER, v1::ROLE_ADMINISTRATOR},
                                 v1::AGENCY_KIND_POLICE, v1::USER_KIND_PERSON);
  EXPECT_EQ(s.message(),
            "user.roles[1]: ADMINISTRATOR is held alone: an administrator, a national role "
            "or a front end holds no other role (give the person a second account)");
}

TEST(ValidateRolesTest, FrontEndIsExactlyTheServiceAccountsRole) {
  EXPECT_TRUE(ValidateRoles("r", {v1::ROLE_FRONT_END}, v1::AGENCY_KIND_POLICE,
                            v1::USER_KIND_SERVICE)
                  .ok());
  EXPECT_FALSE(ValidateRoles("r", {v1::ROLE_FRONT_END}, v1::AGENCY_KIND_POLICE,
                             v1::USER_KIND_PERSON)
                   .ok());
  EXPECT_FALSE(ValidateRoles("r", {v1::ROLE_FRONT_END}, v1::AGENCY_KIND_POLICE,
                             v1::USER_KIND_UNSPECIFIED)
                   .ok());
  EXPECT_FALSE(ValidateRoles("r", {v1::ROLE_POLICE_OFFICER}, v1::AGENCY_KIND_POLICE,
                             v1::USER_KIND_SERVICE)
                   .ok());
}

TEST(ValidateRolesTest, EveryRoleOnEveryKindFollowsTheKindTable) {
  for (Role r : kAllRoles) {
    for (AgencyKind k : kKinds) {
      const v1::UserKind user_kind =
          r == v1::ROLE_FRONT_END ? v1::USER_KIND_SERVICE : v1::USER_KIND_PERSON;
      EXPECT_EQ(ValidateRoles("r", {r}, k, user_kind).ok(), RoleAllowedForAgencyKind(r, k))
          << v1::Role_Name(r) << " @ " << v1::AgencyKind_Name(k);
    }
  }
}

TEST(ValidateRolesTest, EmptyUnknownAndRepeatedRolesNameTheField) {
  EXPECT_EQ(FieldOf(ValidateRoles("roles", {}, v1::AGENCY_KIND_POLICE,
                                  v1::USER_KIND_PERSON))
                .value_or(""),
            "roles");
  EXPECT_EQ(FieldOf(ValidateRoles("roles", {static_cast<Role>(99)},
                                  v1::AGENCY_KIND_POLICE, v1::USER_KIND_PERSON))
                .value_or(""),
            "roles[0]");
  EXPECT_EQ(FieldOf(ValidateRoles("roles", {v1::ROLE_UNSPECIFIED},
                                  v1::AGENCY_KIND_POLICE, v1::USER_KIND_PERSON))
                .value_or(""),
            "roles[0]");
  EXPECT_EQ(FieldOf(ValidateRoles("roles",
                                  {v1::ROLE_POLICE_OFFICER, v1::ROLE_POLICE_OFFICER},
                                  v1::AGENCY_KIND_POLICE, v1::USER_KIND_PERSON))
                .value_or(""),
            "roles[1]");
}

TEST(ManagementActionForTest, PrivilegedOrServiceIsTheSystemAdministrators) {
  EXPECT_EQ(ManagementActionFor(Of("sp", {v1::ROLE_POLICE_OFFICER})), Action::kManageUsers);
  EXPECT_EQ(ManagementActionFor(Of("sp", {v1::ROLE_AUDITOR})), Action::kManageUsers);
  EXPECT_EQ(ManagementActionFor(Of("sp", {v1::ROLE_POLICE_OFFICER, v1::ROLE_NATIONAL_ANALYST})),
            Action::kManagePrivilegedUsers);
  EXPECT_EQ(ManagementActionFor(Of("sp", {v1::ROLE_FRONT_END}, v1::USER_KIND_SERVICE)),
            Action::kManagePrivilegedUsers);
}

TEST(ValidateNewUserTest, UsernameDisplayNameKind) {
  v1::User u;
  u.set_username("pc.jones");
  u.set_display_name("PC Sam Jones");
  u.add_roles(v1::ROLE_POLICE_OFFICER);
  EXPECT_TRUE(ValidateNewUser(u, v1::AGENCY_KIND_POLICE).ok());
  v1::User bad = u;
  bad.set_username("PC Jones");
  EXPECT_EQ(FieldOf(ValidateNewUser(bad, v1::AGENCY_KIND_POLICE)).value_or(""),
            "user.username");
  bad = u;
  bad.set_display_name("   ");
  EXPECT_EQ(FieldOf(ValidateNewUser(bad, v1::AGENCY_KIND_POLICE)).value_or(""),
            "user.display_name");
  bad = u;
  bad.set_kind(static_cast<v1::UserKind>(7));
  EXPECT_EQ(FieldOf(ValidateNewUser(bad, v1::AGENCY_KIND_POLICE)).value_or(""), "user.kind");
  bad = u;
  bad.add_roles(v1::ROLE_SYSTEM_ADMINISTRATOR);
  EXPECT_EQ(FieldOf(ValidateNewUser(bad, v1::AGENCY_KIND_POLICE)).value_or(""),
            "user.roles[1]");
}

TEST(ValidateAgencyTest, CodeKindAndProsecutingAgency) {
  v1::Agency a;
  a.set_display_name("West Mercia Police");
  a.set_kind(v1::AGENCY_KIND_POLICE);
  a.set_code("WMP");
  EXPECT_TRUE(ValidateAgency(a).ok());
  v1::Agency bad = a;
  bad.set_code("wmp");
  EXPECT_EQ(FieldOf(ValidateAgency(bad)).value_or(""), "agency.code");
  bad = a;
  bad.set_kind(v1::AGENCY_KIND_COUNCIL);
  bad.set_prosecuting_agency("agencies/x");
  EXPECT_EQ(FieldOf(ValidateAgency(bad)).value_or(""), "agency.prosecuting_agency");
}

}  // namespace
}  // namespace casebridge::domain
