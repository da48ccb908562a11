#ifndef CASEBRIDGE_DOMAIN_CHARGING_FILE_H_
#define CASEBRIDGE_DOMAIN_CHARGING_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/charging.pb.h"
#include "domain/charging_validation.h"

namespace casebridge::domain {

// What each ChargingService write does to a charging file, as pure functions
// of (stored file, request, actor, clock). A handler reads:
//
//   validate the request (charging_validation.h; fails fast, before I/O)
//   authorize; load the file (with its action items) in a transaction
//   next = ApplyX(file, request, actor, clock)      // state machine + rules
//   store next (check etag, assign names/etags of new items), return it
//
// Every ApplyX validates the request again (INVALID_ARGUMENT), then applies
// the state machine of charging_state.h (FAILED_PRECONDITION naming the
// state and the allowed events), then the checks that need the stored file.
// They set state, output-only fields and update_time; never `name` or
// `etag` of the file (storage owns ids and row versions). `actor` is the
// caller's users/{user}.

// A police submission (SubmitChargingFile). `case_suspects` is the case's
// Case.suspects: suspect_number must fall within it, and the suspect's name
// is copied into display_name. The result has no name yet.
absl::StatusOr<v1::ChargingFile> NewChargingFile(
    const v1::SubmitChargingFileRequest& request,
    absl::Span<const v1::Person> case_suspects, absl::string_view actor,
    const ChargingClock& clock);

// A charging referral the system opens when a breach of a Stalking
// Protection Order is recorded (the orders service calls this in the same
// transaction as the breach, then shares the case with the CPS as for a
// submission). Offence SPO_BREACH; origin SPO_BREACH; source_order names the
// order.
struct SpoBreachReferral {
  // cases/{case}/protectionOrders/{order}, of the same case.
  std::string source_order;
  // The order's defendant as a suspect of the case, with bail status.
  v1::ChargingSuspect suspect;
  // What the breach was: date, conduct, how it was reported. Required.
  std::string summary;
  // The system has not assembled evidence: by default the CPS is engaged
  // early and police submit the full file (SubmitFullFile). Set FULL_FILE
  // when police recorded the breach with the file ready.
  v1::ChargingFileKind kind = v1::CHARGING_FILE_KIND_EARLY_ADVICE;
  // A breach of a court order protecting a victim is priority; RED when the
  // defendant is in custody.
  v1::ChargingUrgency urgency = v1::CHARGING_URGENCY_GREEN_PRIORITY;
  // users/{user} who recorded the breach, if a person did.
  std::string recorded_by;
};
absl::StatusOr<v1::ChargingFile> NewSpoBreachReferral(
    const SpoBreachReferral& referral,
    absl::Span<const v1::Person> case_suspects, const ChargingClock& clock);

// Police turn an early-advice request into the full file (before or after
// the advice, not while a plan is open): the content is replaced, kind
// becomes FULL_FILE, and the file is SUBMITTED for a decision.
absl::StatusOr<v1::ChargingFile> ApplySubmitFullFile(
    const v1::ChargingFile& file, const v1::SubmitFullFileRequest& request,
    absl::Span<const v1::Person> case_suspects, absl::string_view actor,
    const ChargingClock& clock);

absl::StatusOr<v1::ChargingFile> ApplyRecordAdvice(
    const v1::ChargingFile& file, const v1::RecordAdviceRequest& request,
    absl::string_view actor, const ChargingClock& clock);

// New items are appended OPEN with issued_by and times set and an empty
// `name`: storage assigns cases/{case}/chargingFiles/{file}/actionItems/{id}
// and the items' etags when it inserts them.
absl::StatusOr<v1::ChargingFile> ApplyIssueActionPlan(
    const v1::ChargingFile& file, const v1::IssueActionPlanRequest& request,
    absl::string_view actor, const ChargingClock& clock);

// The item is found in file.action_items by its id (NOT_FOUND otherwise).
// The item's etag is storage's to check. Resolving the last outstanding item
// moves an ACTION_PLAN_ISSUED file to ACTION_PLAN_COMPLETE.
absl::StatusOr<v1::ChargingFile> ApplyRespondToActionItem(
    const v1::ChargingFile& file, const v1::RespondToActionItemRequest& request,
    absl::string_view actor, const ChargingClock& clock);
absl::StatusOr<v1::ChargingFile> ApplyReviewActionItem(
    const v1::ChargingFile& file, const v1::ReviewActionItemRequest& request,
    absl::string_view actor, const ChargingClock& clock);

// A Threshold decision on an undecided full file, or a Full Code decision on
// an undecided full file or on a THRESHOLD_DECIDED one; in the last case the
// Threshold decision moves to superseded_decisions (the review that replaces
// it), the first hearing and ancillary orders carry over and
// victim_informed is reset (the victim must be told of the new decision)
// unless the request gives it.
absl::StatusOr<v1::ChargingFile> ApplyRecordDecision(
    const v1::ChargingFile& file, const v1::RecordDecisionRequest& request,
    absl::string_view actor, const ChargingClock& clock);

// Interim review of a Threshold decision: appended to
// decision.threshold_reviews; decision.threshold_review_by moves.
absl::StatusOr<v1::ChargingFile> ApplyReviewThresholdDecision(
    const v1::ChargingFile& file,
    const v1::ReviewThresholdDecisionRequest& request, absl::string_view actor,
    const ChargingClock& clock);

// Paths of update_mask are set from the request; a path whose field is
// absent clears it.
absl::StatusOr<v1::ChargingFile> ApplyRecordDecisionFollowUp(
    const v1::ChargingFile& file,
    const v1::RecordDecisionFollowUpRequest& request, absl::string_view actor,
    const ChargingClock& clock);

absl::StatusOr<v1::ChargingFile> ApplyWithdrawChargingFile(
    const v1::ChargingFile& file,
    const v1::WithdrawChargingFileRequest& request, absl::string_view actor,
    const ChargingClock& clock);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CHARGING_FILE_H_
