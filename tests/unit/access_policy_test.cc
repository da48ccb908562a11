// The whole access matrix: every role x agency kind x relationship x action.
// ExpectedView below restates the rules of docs/DESIGN.md "Identity and
// access" and the issues independently of the table in
// domain/access_policy.cc, so a change to either that the other does not
// share fails here.
#include "domain/access_policy.h"

#include <set>

#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using v1::AgencyKind;
using v1::CaseView;
using v1::Role;

const auto& kRoles = kAllRoles;
constexpr AgencyKind kKinds[] = {
    v1::AGENCY_KIND_POLICE, v1::AGENCY_KIND_CPS, v1::AGENCY_KIND_COUNCIL,
    v1::AGENCY_KIND_HEALTH, v1::AGENCY_KIND_VICTIM_SERVICE,
};

constexpr CaseView kDeny = static_cast<CaseView>(-1);
constexpr CaseView kNone = v1::CASE_VIEW_UNSPECIFIED;
constexpr CaseView kFull = v1::CASE_VIEW_FULL;
constexpr CaseView kPros = v1::CASE_VIEW_PROSECUTION;
constexpr CaseView kSafe = v1::CASE_VIEW_SAFEGUARDING;

bool IsPolice(Role r, AgencyKind k) {
  return (r == v1::ROLE_POLICE_OFFICER || r == v1::ROLE_POLICE_SUPERVISOR) &&
         k == v1::AGENCY_KIND_POLICE;
}
bool IsProsecutor(Role r, AgencyKind k) {
  return r == v1::ROLE_PROSECUTOR && k == v1::AGENCY_KIND_CPS;
}
bool IsPartner(Role r, AgencyKind k) {
  bool partner_kind = k == v1::AGENCY_KIND_COUNCIL ||
                      k == v1::AGENCY_KIND_HEALTH ||
                      k == v1::AGENCY_KIND_VICTIM_SERVICE;
  return partner_kind &&
         (r == v1::ROLE_SAFEGUARDING_LEAD || r == v1::ROLE_VICTIM_ADVOCATE);
}

// The rules as the design states them, cell by cell. kDeny = forbidden;
// otherwise the view the caller gets (kNone: allowed, no case content).
CaseView ExpectedView(Role role, AgencyKind kind, Relationship rel,
                      Action action) {
  const bool police = IsPolice(role, kind);
  const bool cps = IsProsecutor(role, kind);
  const bool partner = IsPartner(role, kind);
  const bool owner = rel == Relationship::kOwningForce;
  const bool shared =
      rel == Relationship::kShared || rel == Relationship::kAssignedAgency;
  const bool assigned = rel == Relationship::kAssignedAgency;
  const bool no_case = rel == Relationship::kNoCase;

  switch (action) {
    // Only police open cases; police, CPS and partners list what they see.
    case Action::kCreateCase:
      return police && no_case ? kNone : kDeny;
    case Action::kListCases:
      return (police || cps || partner) && no_case ? kNone : kDeny;
    // Filtering by who a case is shared with tells who else holds it: only
    // those who read the shares (police) may.
    case Action::kListCasesBySharing:
      return police && no_case ? kNone : kDeny;

    // Reading the case: police of the owning force, or a force it is shared
    // with, see all; the CPS the prosecution view of referred cases;
    // partners the safeguarding view of cases shared with them.
    case Action::kReadCase:
    case Action::kReadTimeline:
    case Action::kReadProtectionOrders:
      if (police && (owner || shared)) return kFull;
      if (cps && shared) return kPros;
      if (partner && shared) return kSafe;
      return kDeny;

    // Incident narratives, risk detail and order hearings stay with police
    // and the CPS.
    case Action::kReadIncidents:
    case Action::kReadRiskAssessments:
    case Action::kReadProtectionOrderHistory:
      if (police && (owner || shared)) return kFull;
      if (cps && shared) return kPros;
      return kDeny;

    // The owning force keeps the record and applies for orders.
    case Action::kUpdateCase:
    case Action::kCloseCase:
    case Action::kReopenCase:
    case Action::kSetVictimServicesReferral:
    case Action::kAddIncident:
    case Action::kUpdateIncident:
    case Action::kRecordRiskAssessment:
    case Action::kFlagCase:
    case Action::kShareCase:
    case Action::kUnshareCase:
    case Action::kManageProtectionOrders:
    case Action::kSubmitChargingFile:
    case Action::kRespondToActionPlan:
    case Action::kReferToMarac:
      return police && owner ? kFull : kDeny;

    case Action::kReadShares:
      return police && (owner || shared) ? kFull : kDeny;

    // The officer in charge is police of the force that owns the case; not
    // of a force it is shared with, and nobody else.
    case Action::kBeOfficerInCharge:
      return police && owner ? kFull : kDeny;

    // A force reads its own measures (reach: own agency); a national
    // analyst any force's.
    case Action::kReadOrderMeasures:
      return (police || role == v1::ROLE_NATIONAL_ANALYST) && no_case ? kNone : kDeny;

    // Only the CPS decides charge; partners see nothing of charging; police
    // see their own force's files only.
    case Action::kRecordProsecutionDecision:
      return cps && shared ? kPros : kDeny;
    case Action::kReadCharging:
      if (police && owner) return kFull;
      if (cps && shared) return kPros;
      return kDeny;
    case Action::kListChargingFiles:
      return (police || cps) && no_case ? kNone : kDeny;

    // Safeguarding: police of the owning force run it; a partner works on
    // the actions assigned to its own agency.
    case Action::kCreateSafeguardingAction:
    case Action::kUpdateSafeguardingAction:
      if (police && owner) return kFull;
      if (partner && assigned) return kSafe;
      return kDeny;
    case Action::kReadSafeguardingActions:
      if (police && (owner || shared)) return kFull;
      if (partner && shared) return kSafe;
      return kDeny;
    case Action::kListMyWork:
      return (police || partner) && no_case ? kNone : kDeny;

    // The audit: an agency's auditor of the cases its agency holds (and,
    // with no case named, of its own users and cases); a national auditor
    // of any; a supervisor of its own force's cases.
    case Action::kReadAuditLog:
      if (role == v1::ROLE_AUDITOR && (no_case || owner || shared)) return kNone;
      if (role == v1::ROLE_NATIONAL_AUDITOR) return kNone;
      if (role == v1::ROLE_POLICE_SUPERVISOR &&
          kind == v1::AGENCY_KIND_POLICE && owner) {
        return kNone;
      }
      return kDeny;
    case Action::kReadCaseAccess:
      if (role == v1::ROLE_AUDITOR && (owner || shared)) return kNone;
      if (role == v1::ROLE_NATIONAL_AUDITOR && !no_case) return kNone;
      if (role == v1::ROLE_POLICE_SUPERVISOR &&
          kind == v1::AGENCY_KIND_POLICE && owner) {
        return kNone;
      }
      return kDeny;
    case Action::kVerifyAuditLog:
      return (role == v1::ROLE_AUDITOR || role == v1::ROLE_NATIONAL_AUDITOR) && no_case
                 ? kNone
                 : kDeny;

    // Administration: the system administrator makes agencies, manages
    // administrators, national roles and service accounts, and moves users;
    // an agency administrator manages its own agency's other users.
    case Action::kManageAgencies:
    case Action::kManagePrivilegedUsers:
    case Action::kMoveUsers:
      return role == v1::ROLE_SYSTEM_ADMINISTRATOR && no_case ? kNone : kDeny;
    case Action::kManageUsers:
      return role == v1::ROLE_ADMINISTRATOR && no_case ? kNone : kDeny;
    case Action::kReadUsers:
      return (role == v1::ROLE_ADMINISTRATOR ||
              role == v1::ROLE_SYSTEM_ADMINISTRATOR) &&
                     no_case
                 ? kNone
                 : kDeny;
    // Every person manages their own tokens and reads the directory; a
    // service account (a front end) acts only for people.
    case Action::kManageOwnTokens:
    case Action::kReadDirectory:
      return role != v1::ROLE_FRONT_END && no_case ? kNone : kDeny;
    case Action::kReadSelf:
      return no_case ? kNone : kDeny;
  }
  return kDeny;
}

TEST(AccessPolicyTest, EveryCellOfTheMatrixMatchesTheDesign) {
  int cells = 0;
  for (Role role : kRoles) {
    for (AgencyKind kind : kKinds) {
      for (Relationship rel : kAllRelationships) {
        for (Action action : kAllActions) {
          ++cells;
          Decision got = DecideForRole(role, kind, rel, action);
          CaseView want = ExpectedView(role, kind, rel, action);
          SCOPED_TRACE(testing::Message()
                       << v1::Role_Name(role) << " @ "
                       << v1::AgencyKind_Name(kind) << ", "
                       << RelationshipName(rel) << ", " << ActionName(action));
          if (want == kDeny) {
            EXPECT_FALSE(got.allowed);
          } else {
            EXPECT_TRUE(got.allowed);
            EXPECT_EQ(got.view, want);
          }
        }
      }
    }
  }
  EXPECT_EQ(cells, static_cast<int>(std::size(kAllRoles)) * 5 * 5 *
                      static_cast<int>(std::size(kAllActions)));
}

// Invariants that must hold whatever the table says.
TEST(AccessPolicyTest, AdministratorsAuditorsAndNationalRolesNeverSeeCaseContent) {
  for (Role role : {v1::ROLE_ADMINISTRATOR, v1::ROLE_SYSTEM_ADMINISTRATOR,
                    v1::ROLE_AUDITOR, v1::ROLE_NATIONAL_AUDITOR,
                    v1::ROLE_NATIONAL_ANALYST, v1::ROLE_FRONT_END}) {
    for (AgencyKind kind : kKinds) {
      for (Relationship rel : kAllRelationships) {
        for (Action action : kAllActions) {
          Decision d = DecideForRole(role, kind, rel, action);
          EXPECT_EQ(d.view, v1::CASE_VIEW_UNSPECIFIED)
              << v1::Role_Name(role) << " " << ActionName(action);
        }
      }
    }
  }
}

TEST(AccessPolicyTest, NothingOfACaseNotSharedWithTheCallerExceptAudit) {
  for (Role role : kRoles) {
    for (AgencyKind kind : kKinds) {
      for (Action action : kAllActions) {
        Decision d =
            DecideForRole(role, kind, Relationship::kNotShared, action);
        if (d.allowed) {
          EXPECT_EQ(role, v1::ROLE_NATIONAL_AUDITOR) << ActionName(action);
          EXPECT_EQ(d.view, v1::CASE_VIEW_UNSPECIFIED);
        }
      }
    }
  }
}

TEST(AccessPolicyTest, PartnersOnlyEverGetTheSafeguardingView) {
  for (Role role : {v1::ROLE_SAFEGUARDING_LEAD, v1::ROLE_VICTIM_ADVOCATE}) {
    for (AgencyKind kind : kKinds) {
      for (Relationship rel : kAllRelationships) {
        for (Action action : kAllActions) {
          Decision d = DecideForRole(role, kind, rel, action);
          EXPECT_NE(d.view, v1::CASE_VIEW_FULL);
          EXPECT_NE(d.view, v1::CASE_VIEW_PROSECUTION);
        }
      }
    }
  }
}

TEST(AccessPolicyTest, RolesOutsideTheirAgencyKindGetNothingButThemselves) {
  for (Role role : kRoles) {
    for (AgencyKind kind : kKinds) {
      if (RoleAllowedForAgencyKind(role, kind)) continue;
      for (Relationship rel : kAllRelationships) {
        for (Action action : kAllActions) {
          if (action == Action::kReadSelf || action == Action::kReadDirectory ||
              action == Action::kManageOwnTokens) {
            continue;
          }
          EXPECT_FALSE(DecideForRole(role, kind, rel, action).allowed)
              << v1::Role_Name(role) << " @ " << v1::AgencyKind_Name(kind)
              << " " << ActionName(action);
        }
      }
    }
  }
}

TEST(AccessPolicyTest, EveryCaseContentActionImpliesTheCaseIsReadable) {
  for (Role role : kRoles) {
    for (AgencyKind kind : kKinds) {
      for (Relationship rel : kAllRelationships) {
        for (Action action : kAllActions) {
          Decision d = DecideForRole(role, kind, rel, action);
          if (!d.allowed || d.view == v1::CASE_VIEW_UNSPECIFIED) continue;
          Decision read = DecideForRole(role, kind, rel, Action::kReadCase);
          EXPECT_TRUE(read.allowed) << ActionName(action);
          // An action never widens the view of the case itself.
          EXPECT_EQ(read.view, d.view) << ActionName(action);
        }
      }
    }
  }
}

Principal MakePrincipal(AgencyKind kind, std::vector<Role> roles) {
  Principal p;
  p.user_id = "u";
  p.agency_id = "a";
  p.agency_kind = kind;
  p.roles = std::move(roles);
  return p;
}

TEST(AccessPolicyTest, SeveralRolesGetTheWidestView) {
  Principal p = MakePrincipal(v1::AGENCY_KIND_POLICE,
                              {v1::ROLE_AUDITOR, v1::ROLE_POLICE_OFFICER});
  Decision d = Decide(p, Relationship::kOwningForce, Action::kReadCase);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.view, v1::CASE_VIEW_FULL);
  EXPECT_TRUE(Decide(p, Relationship::kNoCase, Action::kVerifyAuditLog).allowed);
  EXPECT_FALSE(Decide(p, Relationship::kNoCase, Action::kManageUsers).allowed);
}

TEST(AccessPolicyTest, NoRolesMeansNothing) {
  Principal p = MakePrincipal(v1::AGENCY_KIND_POLICE, {});
  for (Relationship rel : kAllRelationships) {
    for (Action action : kAllActions) {
      EXPECT_FALSE(Decide(p, rel, action).allowed);
    }
  }
}

TEST(AuthorizeCaseActionTest, InvisibleCaseIsNotFoundLikeAMissingOne) {
  Principal council =
      MakePrincipal(v1::AGENCY_KIND_COUNCIL, {v1::ROLE_SAFEGUARDING_LEAD});
  auto r = AuthorizeCaseAction(council, Relationship::kNotShared,
                               Action::kReadCase, "cases/SP-2026-000001");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "cases/SP-2026-000001 not found");
}

TEST(AuthorizeCaseActionTest, VisibleCaseWithForbiddenActIsPermissionDenied) {
  Principal council =
      MakePrincipal(v1::AGENCY_KIND_COUNCIL, {v1::ROLE_SAFEGUARDING_LEAD});
  auto r = AuthorizeCaseAction(council, Relationship::kShared,
                               Action::kReadIncidents, "cases/x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  auto ok = AuthorizeCaseAction(council, Relationship::kShared,
                                Action::kReadCase, "cases/x");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, v1::CASE_VIEW_SAFEGUARDING);
}

TEST(AuthorizeCaseActionTest, AuditorMayAskWhoSawACaseItsAgencyHolds) {
  Principal auditor = MakePrincipal(v1::AGENCY_KIND_POLICE, {v1::ROLE_AUDITOR});
  auto r = AuthorizeCaseAction(auditor, Relationship::kOwningForce,
                               Action::kReadCaseAccess, "cases/x");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, v1::CASE_VIEW_UNSPECIFIED);
  auto read = AuthorizeCaseAction(auditor, Relationship::kOwningForce,
                                  Action::kReadCase, "cases/x");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  // Another force's case is, to an agency's auditor, a case that does not
  // exist; to a national auditor it is there.
  auto other = AuthorizeCaseAction(auditor, Relationship::kNotShared,
                                   Action::kReadCaseAccess, "cases/x");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  Principal national =
      MakePrincipal(v1::AGENCY_KIND_POLICE, {v1::ROLE_NATIONAL_AUDITOR});
  EXPECT_TRUE(AuthorizeCaseAction(national, Relationship::kNotShared,
                                  Action::kReadCaseAccess, "cases/x")
                  .ok());
}

TEST(AuthorizeActionTest, AdministratorIsDeniedCaseCreation) {
  Principal admin =
      MakePrincipal(v1::AGENCY_KIND_POLICE, {v1::ROLE_ADMINISTRATOR});
  EXPECT_EQ(AuthorizeAction(admin, Action::kCreateCase).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(AuthorizeAction(admin, Action::kManageUsers).ok());
  EXPECT_FALSE(AuthorizeAction(admin, Action::kManageAgencies).ok());
}

// Reach: how far an act about an agency goes.
TEST(ReachTest, NationalRolesAndTheSystemAdministratorReachEveryAgency) {
  for (Role role : kRoles) {
    for (AgencyKind kind : kKinds) {
      for (Relationship rel : kAllRelationships) {
        for (Action action : kAllActions) {
          Decision d = DecideForRole(role, kind, rel, action);
          if (!d.allowed || d.reach == Reach::kOwnAgency) continue;
          EXPECT_TRUE(role == v1::ROLE_NATIONAL_AUDITOR ||
                      role == v1::ROLE_NATIONAL_ANALYST ||
                      role == v1::ROLE_SYSTEM_ADMINISTRATOR)
              << v1::Role_Name(role) << " reaches every agency to "
              << ActionName(action);
        }
      }
    }
  }
  EXPECT_EQ(DecideForRole(v1::ROLE_NATIONAL_AUDITOR, v1::AGENCY_KIND_POLICE,
                          Relationship::kNoCase, Action::kReadAuditLog)
                .reach,
            Reach::kEveryAgency);
  EXPECT_EQ(DecideForRole(v1::ROLE_AUDITOR, v1::AGENCY_KIND_POLICE,
                          Relationship::kNoCase, Action::kReadAuditLog)
                .reach,
            Reach::kOwnAgency);
}

TEST(AuthorizeForAgencyTest, OwnForceOnlyWithoutANationalRole) {
  Principal officer = MakePrincipal(v1::AGENCY_KIND_POLICE, {v1::ROLE_POLICE_OFFICER});
  officer.agency_id = "sp";
  officer.agency_name = "Staffordshire Police";
  EXPECT_TRUE(AuthorizeForAgency(officer, Action::kReadOrderMeasures, "sp").ok());
  absl::Status other = AuthorizeForAgency(officer, Action::kReadOrderMeasures, "wmp");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other.message(),
            "your roles may read protection order measures of your own agency "
            "(Staffordshire Police) only");
  Principal analyst = MakePrincipal(v1::AGENCY_KIND_POLICE, {v1::ROLE_NATIONAL_ANALYST});
  analyst.agency_id = "npcc";
  EXPECT_TRUE(AuthorizeForAgency(analyst, Action::kReadOrderMeasures, "wmp").ok());
  // Several roles: the widest reach wins.
  Principal both = MakePrincipal(v1::AGENCY_KIND_POLICE,
                                 {v1::ROLE_POLICE_OFFICER, v1::ROLE_NATIONAL_ANALYST});
  both.agency_id = "sp";
  EXPECT_TRUE(AuthorizeForAgency(both, Action::kReadOrderMeasures, "wmp").ok());
}

TEST(ActionTableTest, EveryActionHasANameAndIsListedOnce) {
  std::set<Action> seen;
  std::set<std::string> names;
  for (Action a : kAllActions) {
    EXPECT_TRUE(seen.insert(a).second);
    EXPECT_NE(ActionName(a), "unknown action");
    EXPECT_TRUE(names.insert(std::string(ActionName(a))).second) << ActionName(a);
  }
  EXPECT_TRUE(IsCaseAction(Action::kReadCase));
  EXPECT_FALSE(IsCaseAction(Action::kManageUsers));
}

TEST(SharedViewForTest, EachKindGetsItsOwnView) {
  EXPECT_EQ(SharedViewFor(v1::AGENCY_KIND_POLICE), v1::CASE_VIEW_FULL);
  EXPECT_EQ(SharedViewFor(v1::AGENCY_KIND_CPS), v1::CASE_VIEW_PROSECUTION);
  EXPECT_EQ(SharedViewFor(v1::AGENCY_KIND_COUNCIL), v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_EQ(SharedViewFor(v1::AGENCY_KIND_HEALTH), v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_EQ(SharedViewFor(v1::AGENCY_KIND_VICTIM_SERVICE),
            v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_EQ(SharedViewFor(v1::AGENCY_KIND_UNSPECIFIED), v1::CASE_VIEW_UNSPECIFIED);
}

TEST(RoleAllowedForAgencyKindTest, Table) {
  EXPECT_TRUE(RoleAllowedForAgencyKind(v1::ROLE_POLICE_OFFICER,
                                       v1::AGENCY_KIND_POLICE));
  EXPECT_FALSE(RoleAllowedForAgencyKind(v1::ROLE_POLICE_OFFICER,
                                        v1::AGENCY_KIND_CPS));
  EXPECT_TRUE(RoleAllowedForAgencyKind(v1::ROLE_PROSECUTOR, v1::AGENCY_KIND_CPS));
  EXPECT_FALSE(RoleAllowedForAgencyKind(v1::ROLE_PROSECUTOR,
                                        v1::AGENCY_KIND_POLICE));
  EXPECT_TRUE(RoleAllowedForAgencyKind(v1::ROLE_SAFEGUARDING_LEAD,
                                       v1::AGENCY_KIND_HEALTH));
  EXPECT_FALSE(RoleAllowedForAgencyKind(v1::ROLE_SAFEGUARDING_LEAD,
                                        v1::AGENCY_KIND_POLICE));
  EXPECT_TRUE(RoleAllowedForAgencyKind(v1::ROLE_VICTIM_ADVOCATE,
                                       v1::AGENCY_KIND_VICTIM_SERVICE));
  EXPECT_TRUE(RoleAllowedForAgencyKind(v1::ROLE_VICTIM_ADVOCATE,
                                       v1::AGENCY_KIND_HEALTH));
  EXPECT_FALSE(RoleAllowedForAgencyKind(v1::ROLE_VICTIM_ADVOCATE,
                                        v1::AGENCY_KIND_CPS));
  for (AgencyKind k : kKinds) {
    for (Role r : {v1::ROLE_AUDITOR, v1::ROLE_ADMINISTRATOR,
                   v1::ROLE_SYSTEM_ADMINISTRATOR, v1::ROLE_NATIONAL_AUDITOR,
                   v1::ROLE_NATIONAL_ANALYST, v1::ROLE_FRONT_END}) {
      EXPECT_TRUE(RoleAllowedForAgencyKind(r, k)) << v1::Role_Name(r);
    }
  }
  EXPECT_FALSE(RoleAllowedForAgencyKind(v1::ROLE_UNSPECIFIED,
                                        v1::AGENCY_KIND_POLICE));
}

}  // namespace
}  // namespace casebridge::domain
