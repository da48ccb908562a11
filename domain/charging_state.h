#ifndef CASEBRIDGE_DOMAIN_CHARGING_STATE_H_
#define CASEBRIDGE_DOMAIN_CHARGING_STATE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casebridge/v1/charging.pb.h"

namespace casebridge::domain {

// The charging file's lifecycle (docs/DOMAIN.md "Charging (CPS)"). One
// table in charging_state.cc decides every move; the custom methods of
// ChargingService map to exactly one event each.
enum class ChargingEvent {
  kRecordAdvice,      // RecordAdvice (CPS)
  kIssueActionPlan,   // IssueActionPlan (CPS)
  kUpdateActionItem,  // RespondToActionItem (police), ReviewActionItem (CPS)
  kSubmitFullFile,    // SubmitFullFile (police, after early advice)
  kDecideThreshold,   // RecordDecision with the Threshold Test
  kDecideFullCode,    // RecordDecision with the Full Code Test
  kReviewThreshold,   // ReviewThresholdDecision (interim review)
  kRecordFollowUp,    // RecordDecisionFollowUp, or follow-up in RecordDecision
  kWithdraw,          // WithdrawChargingFile (police)
};

inline constexpr ChargingEvent kAllChargingEvents[] = {
    ChargingEvent::kRecordAdvice,    ChargingEvent::kIssueActionPlan,
    ChargingEvent::kUpdateActionItem, ChargingEvent::kSubmitFullFile,
    ChargingEvent::kDecideThreshold, ChargingEvent::kDecideFullCode,
    ChargingEvent::kReviewThreshold, ChargingEvent::kRecordFollowUp,
    ChargingEvent::kWithdraw,
};

inline constexpr v1::ChargingFileState kAllChargingFileStates[] = {
    v1::CHARGING_FILE_STATE_SUBMITTED,
    v1::CHARGING_FILE_STATE_ADVICE_GIVEN,
    v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED,
    v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE,
    v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED,
    v1::CHARGING_FILE_STATE_DECIDED,
    v1::CHARGING_FILE_STATE_WITHDRAWN,
};

// "RECORD_ADVICE", as messages name events.
absl::string_view ChargingEventName(ChargingEvent event);

// What the guards of the table look at, besides the state.
struct ChargingGuardFacts {
  v1::ChargingFileKind kind = v1::CHARGING_FILE_KIND_UNSPECIFIED;
  // For kUpdateActionItem: after the item change, every item of the file is
  // COMPLETED or WITHDRAWN. Ignored by other events.
  bool plan_resolved = false;
};

// A file is created (submitted, or opened by the system) in this state.
inline constexpr v1::ChargingFileState kInitialChargingFileState =
    v1::CHARGING_FILE_STATE_SUBMITTED;

// The next state, or FAILED_PRECONDITION naming the current state and the
// events allowed in it (with these facts), e.g. "charging file is
// ACTION_PLAN_ISSUED; allowed events: RECORD_ADVICE, ...". When the event
// exists for the state but its guard fails, the message says why.
absl::StatusOr<v1::ChargingFileState> ApplyChargingEvent(
    v1::ChargingFileState state, ChargingEvent event,
    const ChargingGuardFacts& facts);

// Events allowed in `state` with `facts`, in kAllChargingEvents order.
std::vector<ChargingEvent> AllowedChargingEvents(
    v1::ChargingFileState state, const ChargingGuardFacts& facts);

// DECIDED and WITHDRAWN: no further decision, no open plan counts.
bool IsFinalChargingState(v1::ChargingFileState state);

// --- Action plan items ------------------------------------------------------

enum class ActionItemEvent {
  kAccept,    // police
  kDispute,   // police, with a reason
  kComplete,  // police, with what was provided
  kWithdraw,  // CPS: no longer needed
  kReaffirm,  // CPS: a disputed item is still needed
};

inline constexpr ActionItemEvent kAllActionItemEvents[] = {
    ActionItemEvent::kAccept,   ActionItemEvent::kDispute,
    ActionItemEvent::kComplete, ActionItemEvent::kWithdraw,
    ActionItemEvent::kReaffirm,
};

inline constexpr v1::ChargingActionItemState kAllActionItemStates[] = {
    v1::CHARGING_ACTION_ITEM_STATE_OPEN,
    v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED,
    v1::CHARGING_ACTION_ITEM_STATE_DISPUTED,
    v1::CHARGING_ACTION_ITEM_STATE_COMPLETED,
    v1::CHARGING_ACTION_ITEM_STATE_WITHDRAWN,
};

absl::string_view ActionItemEventName(ActionItemEvent event);

// The item's next state, or FAILED_PRECONDITION "action item is COMPLETED;
// allowed events: none".
absl::StatusOr<v1::ChargingActionItemState> ApplyActionItemEvent(
    v1::ChargingActionItemState state, ActionItemEvent event);

std::vector<ActionItemEvent> AllowedActionItemEvents(
    v1::ChargingActionItemState state);

// COMPLETED or WITHDRAWN.
bool IsActionItemResolved(v1::ChargingActionItemState state);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CHARGING_STATE_H_
