#ifndef CASEBRIDGE_DOMAIN_ACCESS_POLICY_H_
#define CASEBRIDGE_DOMAIN_ACCESS_POLICY_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casebridge/v1/common.pb.h"
#include "domain/principal.h"

namespace casebridge::domain {

// Everything a caller can ask to do. Each RPC maps to exactly one action.
enum class Action {
  // The case record.
  kCreateCase,
  kListCases,
  // Narrow a case list by the agencies the cases are shared with: who else
  // holds a case is what kReadShares guards, so only those who may read the
  // shares may filter on them (a partner would otherwise learn which of its
  // cases the CPS or another partner also holds).
  kListCasesBySharing,
  kReadCase,
  kUpdateCase,
  kCloseCase,
  kReopenCase,
  kSetVictimServicesReferral,
  // Not a caller's act but a user's standing: who may be made the officer in
  // charge of a case (decided for the officer named, CheckOfficerInCharge).
  kBeOfficerInCharge,
  kAddIncident,
  kReadIncidents,
  kUpdateIncident,
  kRecordRiskAssessment,
  kReadRiskAssessments,
  kFlagCase,
  kReadTimeline,
  // Sharing.
  kShareCase,
  kUnshareCase,
  kReadShares,
  // Stalking Protection Orders.
  kManageProtectionOrders,
  kReadProtectionOrders,
  kReadProtectionOrderHistory,
  kReadOrderMeasures,
  // Charging.
  kSubmitChargingFile,
  kRespondToActionPlan,
  kRecordProsecutionDecision,
  kReadCharging,
  kListChargingFiles,
  // Safeguarding actions.
  kCreateSafeguardingAction,
  kReadSafeguardingActions,
  kUpdateSafeguardingAction,
  kReferToMarac,
  kListMyWork,
  // Audit.
  kReadAuditLog,
  kReadCaseAccess,
  kVerifyAuditLog,
  // Administration (never case content).
  kAdminister,
  kReadSelf,
  // The agency directory (names and kinds, no case content): everyone needs
  // it to share, assign and refer.
  kReadDirectory,
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

inline constexpr Action kAllActions[] = {
    Action::kCreateCase,
    Action::kListCases,
    Action::kListCasesBySharing,
    Action::kReadCase,
    Action::kUpdateCase,
    Action::kCloseCase,
    Action::kReopenCase,
    Action::kSetVictimServicesReferral,
    Action::kBeOfficerInCharge,
    Action::kAddIncident,
    Action::kReadIncidents,
    Action::kUpdateIncident,
    Action::kRecordRiskAssessment,
    Action::kReadRiskAssessments,
    Action::kFlagCase,
    Action::kReadTimeline,
    Action::kShareCase,
    Action::kUnshareCase,
    Action::kReadShares,
    Action::kManageProtectionOrders,
    Action::kReadProtectionOrders,
    Action::kReadProtectionOrderHistory,
    Action::kReadOrderMeasures,
    Action::kSubmitChargingFile,
    Action::kRespondToActionPlan,
    Action::kRecordProsecutionDecision,
    Action::kReadCharging,
    Action::kListChargingFiles,
    Action::kCreateSafeguardingAction,
    Action::kReadSafeguardingActions,
    Action::kUpdateSafeguardingAction,
    Action::kReferToMarac,
    Action::kListMyWork,
    Action::kReadAuditLog,
    Action::kReadCaseAccess,
    Action::kVerifyAuditLog,
    Action::kAdminister,
    Action::kReadSelf,
    Action::kReadDirectory,
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

struct Decision {
  bool allowed = false;
  // The view of case content the caller gets. CASE_VIEW_UNSPECIFIED for an
  // allowed action that carries no case content (admin, audit, create).
  v1::CaseView view = v1::CASE_VIEW_UNSPECIFIED;
};

// Looks the caller up in the policy table. A principal with several roles
// gets the widest view any of its roles allows.
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

// The view of a case an agency of this kind gets once the case is shared
// with it, as the table gives it to the kind's own case-reading role.
v1::CaseView SharedViewFor(v1::AgencyKind kind);

// Which roles a user of an agency kind may hold (administrators and auditors
// may belong to any agency).
bool RoleAllowedForAgencyKind(v1::Role role, v1::AgencyKind kind);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_ACCESS_POLICY_H_
