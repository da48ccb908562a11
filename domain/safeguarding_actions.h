#ifndef CASEBRIDGE_DOMAIN_SAFEGUARDING_ACTIONS_H_
#define CASEBRIDGE_DOMAIN_SAFEGUARDING_ACTIONS_H_

// The rules of safeguarding actions, for services/safeguarding_service: input
// validation of every RPC, and each change worked out as a pure function of
// (stored action, request, who and when) -> (action to store, history entry).
// The service parses and validates, authorizes, then inside one storage
// transaction reads the current action, calls Apply*, and writes the result
// and its history entry. Storage owns ids, names, etags and revisions.

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "casebridge/v1/sharing.pb.h"
#include "domain/access_policy.h"
#include "domain/principal.h"
#include "domain/resource_names.h"
#include "domain/safeguarding_schedule.h"

namespace casebridge::domain {

// What the service knows of the case the actions belong to.
struct SafeguardingCaseFacts {
  v1::CaseStatus status = v1::CASE_STATUS_OPEN;
  // The case's current risk level (latest assessment).
  v1::RiskLevel risk_level = v1::RISK_LEVEL_UNSPECIFIED;
  // The victim opted out of victim services: nothing may be assigned to a
  // victim service (it would share the case again).
  bool victim_opted_out = false;
  // agencies/{agency}: the police force that owns the case, the only force
  // that may be given its work (another force is shared the case instead).
  std::string owning_agency;
};

// Who acts, and when. Days are UK civil days (domain::UkDay): computed, not
// read from the host's time-zone database, so a host without tzdata cannot
// silently make "today" a UTC day.
struct SafeguardingContext {
  absl::Time now;
  std::string actor;         // users/{user}
  std::string actor_agency;  // agencies/{agency}

  // UkDay(now).
  absl::CivilDay today() const;
};

// One change to store. `entry` has event, from/to status, changed fields,
// actor, actor agency and time; storage adds its revision and the snapshot
// (the stored action with its name and etag).
struct SafeguardingChange {
  v1::SafeguardingAction action;
  v1::SafeguardingActionHistoryEntry entry;
  // False for an update that changes nothing: nothing to write, no history.
  bool changed() const { return !entry.changed_fields().empty(); }
};

// "GP alert", "alarm or lock change": the type as people say it.
std::string SafeguardingActionTypeLabel(v1::SafeguardingActionType type);

// ---- Create ------------------------------------------------------------

// Input checks of CreateSafeguardingAction (parent, request_id, the action);
// returns the case named by `parent`.
absl::StatusOr<CaseKey> ValidateCreateSafeguardingActionRequest(
    const v1::CreateSafeguardingActionRequest& request, absl::CivilDay today);

// The fields of a new action, with errors naming `field`.sub_field, e.g.
// "safeguarding_action.due_date" or "actions[2].due_date". Output-only
// fields are ignored. The due date must be a real date from today to
// today + kMaxSafeguardingDueDays.
absl::Status ValidateNewSafeguardingAction(const v1::SafeguardingAction& action,
                                           absl::string_view field,
                                           absl::CivilDay today);

// Whether `assigned_agency` (agencies/{agency}, canonical), of `kind`, may
// be given work on a case: the owning force, a council, health or victim
// services. Not the CPS nor another police force (INVALID_ARGUMENT naming
// `field`); not victim services once the victim opted out
// (FAILED_PRECONDITION). UNSPECIFIED means the agency does not exist:
// INVALID_ARGUMENT naming `field`.
absl::Status CheckSafeguardingAssignee(v1::AgencyKind kind,
                                       absl::string_view assigned_agency,
                                       const SafeguardingCaseFacts& kase,
                                       absl::string_view field);

// The action to store for CreateSafeguardingAction: validated, status OPEN,
// priority NORMAL when unset, agency and user names canonical, created_by
// and times from `ctx`, output-only fields cleared. FAILED_PRECONDITION when
// the case is closed. Storage sets name, case_reference and etag.
absl::StatusOr<SafeguardingChange> NewSafeguardingAction(
    const v1::SafeguardingAction& input, v1::AgencyKind assigned_agency_kind,
    const SafeguardingCaseFacts& kase, const SafeguardingContext& ctx);

// The share that assigning `action` creates (basis SAFEGUARDING_ACTION,
// safeguarding view, purpose and lawful basis filled in), or nullopt when
// the action is assigned to the force that owns the case (it holds the case
// already, and never has a share with itself) or to the agency assigning it
// (`assigning_agency`, agencies/{agency}): a partner giving itself work does
// so on the share it already has, and its own action must not keep it in
// the case once that share is withdrawn. Storage skips it when an active
// share with the agency on that basis already exists. The share lasts while
// the agency has an active action that made one
// (storage::SafeguardingRepository::AgencyHasWorkFromOutside).
std::optional<v1::CaseShare> ShareForSafeguardingAssignment(
    const v1::SafeguardingAction& action, absl::string_view owning_agency,
    absl::string_view assigning_agency);

// ---- Read --------------------------------------------------------------

// The caller's relationship to one action given its relationship to the
// case: a case shared with the caller's agency is kAssignedAgency for the
// actions assigned to that agency (the relationship the access policy's
// partner rules need). `assigned_agency` is agencies/{agency}.
Relationship SafeguardingActionRelationship(Relationship case_relationship,
                                            const Principal& principal,
                                            absl::string_view assigned_agency);

// Whether a caller given `view` of the case may see an action assigned to
// `assigned_agency`: the full view sees every action; the safeguarding view
// only its own agency's; any other view none. An action the caller may not
// see is NOT_FOUND to it.
bool SafeguardingActionVisible(const Principal& principal, v1::CaseView view,
                               absl::string_view assigned_agency);

// Returns the action named by GetSafeguardingActionRequest /
// GetSafeguardingActionHistoryRequest (page fields are the list helpers').
absl::StatusOr<CaseChildName> ValidateSafeguardingActionName(
    absl::string_view name, absl::string_view field);

// ---- Update, complete, cancel --------------------------------------------

// The paths UpdateSafeguardingAction accepts, in the order changed_fields
// lists them.
inline constexpr absl::string_view kSafeguardingUpdatePaths[] = {
    "status",   "notes",       "assigned_user", "due_date",
    "priority", "description", "rationale",
};

// Input checks that need no stored state: name, etag, update_mask, and the
// value of every masked field.
absl::StatusOr<CaseChildName> ValidateUpdateSafeguardingActionRequest(
    const v1::UpdateSafeguardingActionRequest& request, absl::CivilDay today);

// Applies an update to the stored action. ABORTED on a stale etag;
// INVALID_ARGUMENT for bad input (including a due date before the day the
// action was created); FAILED_PRECONDITION for an illegal status change or
// any change of a COMPLETED/CANCELLED action. A status change fires START,
// BLOCK, RESUME or RETURN_TO_OPEN; anything else is UPDATE. changed() is
// false when every masked value equals the stored one.
absl::StatusOr<SafeguardingChange> ApplySafeguardingActionUpdate(
    const v1::SafeguardingAction& current,
    const v1::UpdateSafeguardingActionRequest& request,
    const SafeguardingContext& ctx);

absl::StatusOr<CaseChildName> ValidateCompleteSafeguardingActionRequest(
    const v1::CompleteSafeguardingActionRequest& request);
// COMPLETE: status COMPLETED, outcome, close time and closer recorded.
absl::StatusOr<SafeguardingChange> ApplyCompleteSafeguardingAction(
    const v1::SafeguardingAction& current,
    const v1::CompleteSafeguardingActionRequest& request,
    const SafeguardingContext& ctx);

absl::StatusOr<CaseChildName> ValidateCancelSafeguardingActionRequest(
    const v1::CancelSafeguardingActionRequest& request);
// CANCEL: status CANCELLED, reason, close time and canceller recorded.
absl::StatusOr<SafeguardingChange> ApplyCancelSafeguardingAction(
    const v1::SafeguardingAction& current,
    const v1::CancelSafeguardingActionRequest& request,
    const SafeguardingContext& ctx);

// ---- Victim-services opt-out ---------------------------------------------

// The actions to cancel when the victim opts out of victim services: every
// active (OPEN, IN_PROGRESS, BLOCKED) action assigned to a victim-service
// agency, in the order given. Actions of other agencies (police, council,
// health) are safety work the opt-out does not stop.
std::vector<std::string> SafeguardingActionsToCancelOnOptOut(
    absl::Span<const SafeguardingActionFacts> case_actions);

// "Victim opted out of victim services: <reason>".
std::string OptOutCancelReason(absl::string_view opt_out_reason);

// CANCEL on behalf of the opt-out (the case service's transaction; no etag:
// the opt-out supersedes whatever the agency was doing).
absl::StatusOr<SafeguardingChange> CancelSafeguardingActionForOptOut(
    const v1::SafeguardingAction& current, absl::string_view opt_out_reason,
    const SafeguardingContext& ctx);

// ---- MARAC referral --------------------------------------------------------

inline constexpr int kMaxMaracActions = 50;

// Input checks of ReferToMarac: parent, referral.marac_date (a real date),
// referral.reason, each of actions[i] as a new action (not MARAC_REFERRAL),
// at most kMaxMaracActions, request_id. Returns the case named by parent.
absl::StatusOr<CaseKey> ValidateReferToMaracRequest(
    const v1::ReferToMaracRequest& request, absl::CivilDay today);

// FAILED_PRECONDITION unless the case is open and its current risk level is
// HIGH; the message names the current level.
absl::Status CheckMaracReferralAllowed(const SafeguardingCaseFacts& kase);

// Everything ReferToMarac writes, in one transaction.
struct MaracReferralPlan {
  // Storage sets name and case_reference, and fills `actions` with the
  // names of new_actions.
  v1::MaracReferral referral;
  // In request order; storage sets each one's marac_referral to the
  // referral's name.
  std::vector<SafeguardingChange> new_actions;
  // Ids of the case's active MARAC_REFERRAL actions, to complete with
  // CompleteSafeguardingActionByMaracReferral.
  std::vector<std::string> referral_actions_to_complete;
};

// `agency_kinds` maps each assigned_agency of the request, canonical
// (agencies/{lower-case id}), to its kind; an agency missing from it does
// not exist. `case_actions` are the case's existing actions.
absl::StatusOr<MaracReferralPlan> PlanMaracReferral(
    const v1::ReferToMaracRequest& request, const SafeguardingCaseFacts& kase,
    const absl::flat_hash_map<std::string, v1::AgencyKind>& agency_kinds,
    absl::Span<const SafeguardingActionFacts> case_actions,
    const SafeguardingContext& ctx);

// COMPLETE of an open MARAC_REFERRAL action by the referral (named).
absl::StatusOr<SafeguardingChange> CompleteSafeguardingActionByMaracReferral(
    const v1::SafeguardingAction& current, const v1::MaracReferral& referral,
    const SafeguardingContext& ctx);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_SAFEGUARDING_ACTIONS_H_
