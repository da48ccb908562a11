#ifndef CASEBRIDGE_DOMAIN_ACCESS_POLICY_H_
#define CASEBRIDGE_DOMAIN_ACCESS_POLICY_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casebridge/v1/common.pb.h"
#include "domain/principal.h"

namespace casebridge::domain {

// Everything a caller can ask to do, declared once: the enum, the list of
// all actions, their names and whether each is about one case all come from
// this list. X(name, words for messages, about one case?). Each RPC maps to
// exactly one action.
#define CB_ACCESS_ACTIONS(X)                                                  \
  /* The case record. */                                                      \
  X(kCreateCase, "create a case", false)                                      \
  X(kListCases, "list cases", false)                                          \
  /* Narrow a case list by the agencies the cases are shared with: who else  \
     holds a case is what kReadShares guards, so only those who may read the \
     shares may filter on them (a partner would otherwise learn which of its \
     cases the CPS or another partner also holds). */                        \
  X(kListCasesBySharing, "filter cases by the agencies they are shared with", \
    false)                                                                    \
  X(kReadCase, "read the case", true)                                         \
  X(kUpdateCase, "update the case", true)                                     \
  X(kCloseCase, "close the case", true)                                       \
  X(kReopenCase, "reopen the case", true)                                     \
  X(kSetVictimServicesReferral, "record the victim-services referral", true)  \
  /* Not a caller's act but a user's standing: who may be made the officer   \
     in charge of a case (decided for the officer named). */                  \
  X(kBeOfficerInCharge, "be the officer in charge of the case", true)         \
  X(kAddIncident, "add an incident", true)                                    \
  X(kReadIncidents, "read incidents", true)                                   \
  X(kUpdateIncident, "update an incident", true)                              \
  X(kRecordRiskAssessment, "record a risk assessment", true)                  \
  X(kReadRiskAssessments, "read risk assessments", true)                      \
  X(kFlagCase, "flag or unflag the case", true)                               \
  X(kReadTimeline, "read the timeline", true)                                 \
  /* Sharing. */                                                              \
  X(kShareCase, "share the case", true)                                       \
  X(kUnshareCase, "withdraw a share", true)                                   \
  X(kReadShares, "read the case's shares", true)                              \
  /* Stalking Protection Orders. */                                           \
  X(kManageProtectionOrders, "apply for or record protection orders", true)   \
  X(kReadProtectionOrders, "read protection orders", true)                    \
  X(kReadProtectionOrderHistory, "read protection order history", true)       \
  /* A force's measures; the decision's reach says whose force. */           \
  X(kReadOrderMeasures, "read protection order measures", false)              \
  /* Charging. */                                                             \
  X(kSubmitChargingFile, "submit a charging file", true)                      \
  X(kRespondToActionPlan, "respond to an action plan", true)                  \
  X(kRecordProsecutionDecision, "record prosecution advice or decisions",     \
    true)                                                                     \
  X(kReadCharging, "read charging files", true)                               \
  X(kListChargingFiles, "list charging files", false)                         \
  /* Safeguarding actions. */                                                 \
  X(kCreateSafeguardingAction, "create a safeguarding action", true)          \
  X(kReadSafeguardingActions, "read safeguarding actions", true)              \
  X(kUpdateSafeguardingAction, "update a safeguarding action", true)          \
  X(kReferToMarac, "refer to MARAC", true)                                    \
  X(kListMyWork, "list your agency's work", false)                            \
  /* Audit (no case content). With or without one case; the decision's      \
     reach says whether the events of other agencies are included. */        \
  X(kReadAuditLog, "read the audit log", true)                                \
  X(kReadCaseAccess, "read who has seen the case", true)                      \
  X(kVerifyAuditLog, "verify the audit log", false)                           \
  /* Administration (never case content). */                                  \
  X(kManageAgencies, "create agencies", false)                                \
  /* Users holding only roles an agency administrator grants. */              \
  X(kManageUsers, "manage users", false)                                      \
  /* Administrators, national roles and service accounts. */                  \
  X(kManagePrivilegedUsers,                                                   \
    "manage administrators, national roles and service accounts", false)     \
  /* Move a user to another agency (credentials end with the move). */       \
  X(kMoveUsers, "move users between agencies", false)                        \
  /* Read users (and their tokens); reach says whose. */                      \
  X(kReadUsers, "read users", false)                                          \
  /* A person's own personal access tokens. */                                \
  X(kManageOwnTokens, "issue or revoke your own tokens", false)               \
  X(kReadSelf, "read your own user", false)                                   \
  /* The agency directory (names and kinds, no case content): everyone who   \
     works on cases needs it to share, assign and refer. */                  \
  X(kReadDirectory, "read the agency directory", false)

enum class Action {
#define CB_ACTION_ENUM(name, words, about_case) name,
  CB_ACCESS_ACTIONS(CB_ACTION_ENUM)
#undef CB_ACTION_ENUM
};

inline constexpr Action kAllActions[] = {
#define CB_ACTION_LIST(name, words, about_case) Action::name,
    CB_ACCESS_ACTIONS(CB_ACTION_LIST)
#undef CB_ACTION_LIST
};

// The caller's relationship to the resource an action is about.
enum class Relationship {
  // The action is not about one case (create, list, admin, audit log).
  kNoCase,
  // The caller's agency is the police force that owns the case.
  kOwningForce,
  // The case is actively shared with the caller's agency (explicitly, by a
  // charging referral, a safeguarding action or a victim-services referral).
  kShared,
  // The case is shared with the caller's agency and the specific
  // safeguarding action in question is assigned to that agency.
  kAssignedAgency,
  // The case exists, is not the caller's force's and is not shared with the
  // caller's agency (another force, a withdrawn share, an opt-out).
  kNotShared,
};


inline constexpr Relationship kAllRelationships[] = {
    Relationship::kNoCase,   Relationship::kOwningForce,
    Relationship::kShared,   Relationship::kAssignedAgency,
    Relationship::kNotShared,
};

absl::string_view ActionName(Action action);
absl::string_view RelationshipName(Relationship relationship);

// True for actions about one case (the caller must name it).
bool IsCaseAction(Action action);

// How far an allowed action reaches beyond the caller's own agency, for
// the acts that are about an agency rather than a case: the audit (whose
// events), order measures (whose force), users (whose staff).
enum class Reach {
  // The caller's own agency only: for the audit, events of its own users
  // and of the cases it owns.
  kOwnAgency,
  // Every agency (national roles, the system administrator).
  kEveryAgency,
};

struct Decision {
  bool allowed = false;
  // The view of case content the caller gets. CASE_VIEW_UNSPECIFIED for an
  // allowed action that carries no case content (admin, audit, create).
  v1::CaseView view = v1::CASE_VIEW_UNSPECIFIED;
  Reach reach = Reach::kOwnAgency;
};

// Looks the caller up in the policy table. A principal with several roles
// gets the widest view, and the widest reach, any of its roles allows.
Decision Decide(const Principal& principal, Relationship relationship,
                Action action);

// Decision for one role, the unit the table is written in (tests walk it).
Decision DecideForRole(v1::Role role, v1::AgencyKind agency_kind,
                       Relationship relationship, Action action);

// The one gate every case-scoped handler goes through. Returns the view to
// redact to, or:
//   NOT_FOUND when the caller may not see the case at all (indistinguishable
//     from a case that does not exist, so existence never leaks);
//   PERMISSION_DENIED when the case is visible but the act is forbidden.
// `what` names the resource for the message, e.g. "cases/SP-2026-000123".
absl::StatusOr<v1::CaseView> AuthorizeCaseAction(const Principal& principal,
                                                 Relationship relationship,
                                                 Action action,
                                                 absl::string_view what);

// For actions not about one case (kNoCase). PERMISSION_DENIED if forbidden.
absl::Status AuthorizeAction(const Principal& principal, Action action);

// For acts about one agency that are not about a case (a force's order
// measures, an agency's users): OK when the table allows `action` and its
// reach covers `agency_id` (the caller's own agency, or any agency with
// Reach::kEveryAgency). PERMISSION_DENIED saying which otherwise.
absl::Status AuthorizeForAgency(const Principal& principal, Action action,
                                absl::string_view agency_id);

// The view of a case an agency of this kind gets once the case is shared
// with it, as the table gives it to the kind's own case-reading role.
v1::CaseView SharedViewFor(v1::AgencyKind kind);

// Which roles a user of an agency kind may hold (administrators, auditors,
// the national roles and front ends may belong to any agency).
bool RoleAllowedForAgencyKind(v1::Role role, v1::AgencyKind kind);

// Every role, for tests and tools that walk them.
inline constexpr v1::Role kAllRoles[] = {
    v1::ROLE_POLICE_OFFICER,    v1::ROLE_POLICE_SUPERVISOR,
    v1::ROLE_PROSECUTOR,        v1::ROLE_SAFEGUARDING_LEAD,
    v1::ROLE_VICTIM_ADVOCATE,   v1::ROLE_AUDITOR,
    v1::ROLE_ADMINISTRATOR,     v1::ROLE_SYSTEM_ADMINISTRATOR,
    v1::ROLE_NATIONAL_AUDITOR,  v1::ROLE_NATIONAL_ANALYST,
    v1::ROLE_FRONT_END,
};

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_ACCESS_POLICY_H_
