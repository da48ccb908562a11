#include "domain/access_policy.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace casebridge::domain {
namespace {

using v1::AgencyKind;
using v1::CaseView;
using v1::Role;

using Mask = uint32_t;

constexpr Mask Bit(int n) { return Mask{1} << n; }
constexpr Mask R(Role r) { return Bit(static_cast<int>(r)); }
constexpr Mask K(AgencyKind k) { return Bit(static_cast<int>(k)); }
constexpr Mask L(Relationship r) { return Bit(static_cast<int>(r)); }

// Role groups.
constexpr Mask kPoliceRoles =
    R(v1::ROLE_POLICE_OFFICER) | R(v1::ROLE_POLICE_SUPERVISOR);
constexpr Mask kSupervisor = R(v1::ROLE_POLICE_SUPERVISOR);
constexpr Mask kProsecutor = R(v1::ROLE_PROSECUTOR);
constexpr Mask kPartnerRoles =
    R(v1::ROLE_SAFEGUARDING_LEAD) | R(v1::ROLE_VICTIM_ADVOCATE);
constexpr Mask kAuditor = R(v1::ROLE_AUDITOR);
constexpr Mask kNationalAuditor = R(v1::ROLE_NATIONAL_AUDITOR);
constexpr Mask kNationalAnalyst = R(v1::ROLE_NATIONAL_ANALYST);
constexpr Mask kAdministrator = R(v1::ROLE_ADMINISTRATOR);
constexpr Mask kSystemAdministrator = R(v1::ROLE_SYSTEM_ADMINISTRATOR);
// Every role a person holds; a service account (a front end) acts for
// people with their credentials, never on its own.
constexpr Mask kPersonRoles = kPoliceRoles | kProsecutor | kPartnerRoles |
                              kAuditor | kNationalAuditor | kNationalAnalyst |
                              kAdministrator | kSystemAdministrator;
constexpr Mask kEveryRole = kPersonRoles | R(v1::ROLE_FRONT_END);

// Agency kinds.
constexpr Mask kPolice = K(v1::AGENCY_KIND_POLICE);
constexpr Mask kCps = K(v1::AGENCY_KIND_CPS);
constexpr Mask kPartners = K(v1::AGENCY_KIND_COUNCIL) |
                           K(v1::AGENCY_KIND_HEALTH) |
                           K(v1::AGENCY_KIND_VICTIM_SERVICE);
constexpr Mask kAnyKind = kPolice | kCps | kPartners;

// Relationships.
constexpr Mask kNoCase = L(Relationship::kNoCase);
constexpr Mask kOwning = L(Relationship::kOwningForce);
constexpr Mask kShared =
    L(Relationship::kShared) | L(Relationship::kAssignedAgency);
constexpr Mask kAssigned = L(Relationship::kAssignedAgency);
constexpr Mask kAnyCase = kOwning | kShared | L(Relationship::kNotShared);

constexpr CaseView kNoContent = v1::CASE_VIEW_UNSPECIFIED;
constexpr CaseView kFull = v1::CASE_VIEW_FULL;
constexpr CaseView kProsecution = v1::CASE_VIEW_PROSECUTION;
constexpr CaseView kSafeguarding = v1::CASE_VIEW_SAFEGUARDING;

constexpr Reach kOwnAgency = Reach::kOwnAgency;
constexpr Reach kEveryAgency = Reach::kEveryAgency;

struct Rule {
  Action action;
  Mask roles;
  Mask kinds;
  Mask relationships;
  CaseView view;
  // Only for acts about an agency (audit, measures, users).
  Reach reach = kOwnAgency;
};

// THE access policy. Anything not allowed here is denied. Police of the
// owning force hold the whole record; a force the case is shared with reads
// it; the CPS reads the prosecution view of cases referred to it and records
// decisions; partners read the safeguarding view of cases shared with them
// and work on the actions assigned to their agency; auditors read the log
// but no case content; administrators manage identity and nothing else.
constexpr Rule kPolicy[] = {
    // --- The case record -------------------------------------------------
    {Action::kCreateCase, kPoliceRoles, kPolice, kNoCase, kNoContent},
    {Action::kListCases, kPoliceRoles, kPolice, kNoCase, kNoContent},
    {Action::kListCases, kProsecutor, kCps, kNoCase, kNoContent},
    {Action::kListCases, kPartnerRoles, kPartners, kNoCase, kNoContent},
    // Who else holds a case is for those who read its shares: police.
    {Action::kListCasesBySharing, kPoliceRoles, kPolice, kNoCase, kNoContent},

    {Action::kReadCase, kPoliceRoles, kPolice, kOwning | kShared, kFull},
    {Action::kReadCase, kProsecutor, kCps, kShared, kProsecution},
    {Action::kReadCase, kPartnerRoles, kPartners, kShared, kSafeguarding},

    {Action::kUpdateCase, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kCloseCase, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kReopenCase, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kSetVictimServicesReferral, kPoliceRoles, kPolice, kOwning,
     kFull},
    // The officer in charge is police of the force that owns the case.
    {Action::kBeOfficerInCharge, kPoliceRoles, kPolice, kOwning, kFull},

    {Action::kAddIncident, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kUpdateIncident, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kReadIncidents, kPoliceRoles, kPolice, kOwning | kShared, kFull},
    {Action::kReadIncidents, kProsecutor, kCps, kShared, kProsecution},

    {Action::kRecordRiskAssessment, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kReadRiskAssessments, kPoliceRoles, kPolice, kOwning | kShared,
     kFull},
    {Action::kReadRiskAssessments, kProsecutor, kCps, kShared, kProsecution},

    {Action::kFlagCase, kPoliceRoles, kPolice, kOwning, kFull},

    {Action::kReadTimeline, kPoliceRoles, kPolice, kOwning | kShared, kFull},
    {Action::kReadTimeline, kProsecutor, kCps, kShared, kProsecution},
    {Action::kReadTimeline, kPartnerRoles, kPartners, kShared, kSafeguarding},

    // --- Sharing ----------------------------------------------------------
    {Action::kShareCase, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kUnshareCase, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kReadShares, kPoliceRoles, kPolice, kOwning | kShared, kFull},

    // --- Stalking Protection Orders (only police apply) --------------------
    {Action::kManageProtectionOrders, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kReadProtectionOrders, kPoliceRoles, kPolice, kOwning | kShared,
     kFull},
    {Action::kReadProtectionOrders, kProsecutor, kCps, kShared, kProsecution},
    {Action::kReadProtectionOrders, kPartnerRoles, kPartners, kShared,
     kSafeguarding},
    {Action::kReadProtectionOrderHistory, kPoliceRoles, kPolice,
     kOwning | kShared, kFull},
    {Action::kReadProtectionOrderHistory, kProsecutor, kCps, kShared,
     kProsecution},
    // Forces are measured on their own orders; comparing forces is a
    // national analyst's job.
    {Action::kReadOrderMeasures, kPoliceRoles, kPolice, kNoCase, kNoContent},
    {Action::kReadOrderMeasures, kNationalAnalyst, kAnyKind, kNoCase,
     kNoContent, kEveryAgency},

    // --- Charging (police submit and respond, the CPS decides) -------------
    {Action::kSubmitChargingFile, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kRespondToActionPlan, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kRecordProsecutionDecision, kProsecutor, kCps, kShared,
     kProsecution},
    {Action::kReadCharging, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kReadCharging, kProsecutor, kCps, kShared, kProsecution},
    {Action::kListChargingFiles, kPoliceRoles, kPolice, kNoCase, kNoContent},
    {Action::kListChargingFiles, kProsecutor, kCps, kNoCase, kNoContent},

    // --- Safeguarding actions ---------------------------------------------
    {Action::kCreateSafeguardingAction, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kCreateSafeguardingAction, kPartnerRoles, kPartners, kAssigned,
     kSafeguarding},
    {Action::kReadSafeguardingActions, kPoliceRoles, kPolice,
     kOwning | kShared, kFull},
    {Action::kReadSafeguardingActions, kPartnerRoles, kPartners, kShared,
     kSafeguarding},
    {Action::kUpdateSafeguardingAction, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kUpdateSafeguardingAction, kPartnerRoles, kPartners, kAssigned,
     kSafeguarding},
    {Action::kReferToMarac, kPoliceRoles, kPolice, kOwning, kFull},
    {Action::kListMyWork, kPoliceRoles, kPolice, kNoCase, kNoContent},
    {Action::kListMyWork, kPartnerRoles, kPartners, kNoCase, kNoContent},

    // --- Audit (no case content) -------------------------------------------
    // An agency's auditor sees the events of its own users and of the cases
    // its agency owns (the reach), so of one case only one its agency holds;
    // a national auditor sees everything. Supervisors see their own force's
    // cases.
    {Action::kReadAuditLog, kAuditor, kAnyKind, kNoCase | kOwning | kShared,
     kNoContent},
    {Action::kReadAuditLog, kNationalAuditor, kAnyKind, kNoCase | kAnyCase,
     kNoContent, kEveryAgency},
    {Action::kReadAuditLog, kSupervisor, kPolice, kOwning, kNoContent},
    {Action::kReadCaseAccess, kAuditor, kAnyKind, kOwning | kShared,
     kNoContent},
    {Action::kReadCaseAccess, kNationalAuditor, kAnyKind, kAnyCase, kNoContent,
     kEveryAgency},
    {Action::kReadCaseAccess, kSupervisor, kPolice, kOwning, kNoContent},
    // The verification answers whether the log is whole, no event content.
    {Action::kVerifyAuditLog, kAuditor | kNationalAuditor, kAnyKind, kNoCase,
     kNoContent},

    // --- Administration (never case content) --------------------------------
    // The system administrator makes agencies, and manages the accounts
    // whose power reaches beyond one agency's case work: administrators,
    // national roles, service accounts. An agency administrator manages the
    // other users of its own agency. Neither holds a case role (a user with
    // an administrator role holds no other: domain/user_administration.h).
    {Action::kManageAgencies, kSystemAdministrator, kAnyKind, kNoCase,
     kNoContent},
    {Action::kManageUsers, kAdministrator, kAnyKind, kNoCase, kNoContent},
    {Action::kManagePrivilegedUsers, kSystemAdministrator, kAnyKind, kNoCase,
     kNoContent, kEveryAgency},
    // A move spans two agencies, so it is the system administrator's; it
    // ends the user's credentials (the new agency's administrator enrols
    // them again), so it gives nobody a way in.
    {Action::kMoveUsers, kSystemAdministrator, kAnyKind, kNoCase, kNoContent,
     kEveryAgency},
    {Action::kReadUsers, kAdministrator, kAnyKind, kNoCase, kNoContent},
    {Action::kReadUsers, kSystemAdministrator, kAnyKind, kNoCase, kNoContent,
     kEveryAgency},
    {Action::kManageOwnTokens, kPersonRoles, kAnyKind, kNoCase, kNoContent},
    {Action::kReadSelf, kEveryRole, kAnyKind, kNoCase, kNoContent},
    {Action::kReadDirectory, kPersonRoles, kAnyKind, kNoCase, kNoContent},
};

// Wider views win when a principal holds several roles.
int ViewRank(CaseView view) {
  switch (view) {
    case v1::CASE_VIEW_FULL:
      return 3;
    case v1::CASE_VIEW_PROSECUTION:
      return 2;
    case v1::CASE_VIEW_SAFEGUARDING:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

absl::string_view ActionName(Action action) {
  switch (action) {
#define CB_ACTION_NAME(name, words, about_case) \
  case Action::name:                            \
    return words;
    CB_ACCESS_ACTIONS(CB_ACTION_NAME)
#undef CB_ACTION_NAME
  }
  return "unknown action";
}

absl::string_view RelationshipName(Relationship relationship) {
  switch (relationship) {
    case Relationship::kNoCase: return "no case";
    case Relationship::kOwningForce: return "owning force";
    case Relationship::kShared: return "shared";
    case Relationship::kAssignedAgency: return "assigned agency";
    case Relationship::kNotShared: return "not shared";
  }
  return "unknown";
}

bool IsCaseAction(Action action) {
  switch (action) {
#define CB_ACTION_ABOUT_CASE(name, words, about_case) \
  case Action::name:                                  \
    return about_case;
    CB_ACCESS_ACTIONS(CB_ACTION_ABOUT_CASE)
#undef CB_ACTION_ABOUT_CASE
  }
  return false;
}

bool Principal::HasRole(v1::Role role) const {
  for (v1::Role r : roles) {
    if (r == role) return true;
  }
  return false;
}

Decision DecideForRole(Role role, AgencyKind agency_kind,
                       Relationship relationship, Action action) {
  Decision best;
  for (const Rule& rule : kPolicy) {
    if (rule.action != action) continue;
    if ((rule.roles & R(role)) == 0) continue;
    if ((rule.kinds & K(agency_kind)) == 0) continue;
    if ((rule.relationships & L(relationship)) == 0) continue;
    if (!best.allowed || ViewRank(rule.view) > ViewRank(best.view)) {
      best.allowed = true;
      best.view = rule.view;
    }
    if (rule.reach == kEveryAgency) best.reach = kEveryAgency;
  }
  return best;
}

Decision Decide(const Principal& principal, Relationship relationship,
                Action action) {
  Decision best;
  for (Role role : principal.roles) {
    Decision d =
        DecideForRole(role, principal.agency_kind, relationship, action);
    if (!d.allowed) continue;
    const Reach reach =
        d.reach == kEveryAgency || (best.allowed && best.reach == kEveryAgency)
            ? kEveryAgency
            : kOwnAgency;
    if (!best.allowed || ViewRank(d.view) > ViewRank(best.view)) best = d;
    best.reach = reach;
  }
  return best;
}

absl::StatusOr<CaseView> AuthorizeCaseAction(const Principal& principal,
                                             Relationship relationship,
                                             Action action,
                                             absl::string_view what) {
  Decision decision = Decide(principal, relationship, action);
  if (decision.allowed) {
    if (decision.view != v1::CASE_VIEW_UNSPECIFIED) return decision.view;
    // Content-free actions (audit) still answer with the reader's view, so
    // callers never get content they could not read directly.
    Decision read = Decide(principal, relationship, Action::kReadCase);
    return read.allowed ? read.view : v1::CASE_VIEW_UNSPECIFIED;
  }
  // A case the caller may not read is, to the caller, a case that does not
  // exist: same code, same message.
  if (relationship == Relationship::kNoCase ||
      !Decide(principal, relationship, Action::kReadCase).allowed) {
    return absl::NotFoundError(absl::StrCat(what, " not found"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("your roles may not ", ActionName(action), " (", what,
                   ")"));
}

absl::Status AuthorizeAction(const Principal& principal, Action action) {
  if (Decide(principal, Relationship::kNoCase, action).allowed) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("your roles may not ", ActionName(action)));
}

absl::Status AuthorizeForAgency(const Principal& principal, Action action,
                                absl::string_view agency_id) {
  Decision decision = Decide(principal, Relationship::kNoCase, action);
  if (!decision.allowed) {
    return absl::PermissionDeniedError(
        absl::StrCat("your roles may not ", ActionName(action)));
  }
  if (decision.reach == kOwnAgency && agency_id != principal.agency_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "your roles may ", ActionName(action), " of your own agency (",
        principal.agency_name.empty() ? principal.agency_id : principal.agency_name,
        ") only"));
  }
  return absl::OkStatus();
}

v1::CaseView SharedViewFor(AgencyKind kind) {
  int best = 0;
  CaseView view = v1::CASE_VIEW_UNSPECIFIED;
  for (Role role : {v1::ROLE_POLICE_OFFICER, v1::ROLE_PROSECUTOR,
                    v1::ROLE_SAFEGUARDING_LEAD, v1::ROLE_VICTIM_ADVOCATE}) {
    Decision d = DecideForRole(role, kind, Relationship::kShared,
                               Action::kReadCase);
    if (d.allowed && ViewRank(d.view) > best) {
      best = ViewRank(d.view);
      view = d.view;
    }
  }
  return view;
}

bool RoleAllowedForAgencyKind(Role role, AgencyKind kind) {
  switch (role) {
    case v1::ROLE_POLICE_OFFICER:
    case v1::ROLE_POLICE_SUPERVISOR:
      return kind == v1::AGENCY_KIND_POLICE;
    case v1::ROLE_PROSECUTOR:
      return kind == v1::AGENCY_KIND_CPS;
    // Advocates (ISAC/IDVA) are employed by victim services but also by
    // councils and hospitals.
    case v1::ROLE_SAFEGUARDING_LEAD:
    case v1::ROLE_VICTIM_ADVOCATE:
      return kind == v1::AGENCY_KIND_COUNCIL ||
             kind == v1::AGENCY_KIND_HEALTH ||
             kind == v1::AGENCY_KIND_VICTIM_SERVICE;
    case v1::ROLE_AUDITOR:
    case v1::ROLE_ADMINISTRATOR:
    case v1::ROLE_SYSTEM_ADMINISTRATOR:
    case v1::ROLE_NATIONAL_AUDITOR:
    case v1::ROLE_NATIONAL_ANALYST:
    case v1::ROLE_FRONT_END:
      return kind != v1::AGENCY_KIND_UNSPECIFIED;
    default:
      return false;
  }
}

}  // namespace casebridge::domain
