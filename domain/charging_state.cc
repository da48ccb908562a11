#include "domain/charging_state.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"

namespace casebridge::domain {
namespace {

using State = v1::ChargingFileState;
using E = ChargingEvent;

constexpr State kSubmitted = v1::CHARGING_FILE_STATE_SUBMITTED;
constexpr State kAdviceGiven = v1::CHARGING_FILE_STATE_ADVICE_GIVEN;
constexpr State kPlanIssued = v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED;
constexpr State kPlanComplete = v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE;
constexpr State kThreshold = v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED;
constexpr State kDecided = v1::CHARGING_FILE_STATE_DECIDED;
constexpr State kWithdrawn = v1::CHARGING_FILE_STATE_WITHDRAWN;

enum class Guard {
  kAlways,
  // Advice on an early-advice request hands it back to police for the full
  // file; only an early-advice file is upgraded to a full file.
  kEarlyAdvice,
  // No decision is taken on an early-advice request (DG: early advice is
  // advice on lines of enquiry, not a charging decision).
  kFullFile,
  // The item change resolved the last outstanding item of the plan.
  kPlanResolved,
  kPlanUnresolved,
};

struct Transition {
  State from;
  E event;
  Guard guard;
  State to;
};

// THE charging file state machine. Anything not here is refused.
// Rows for one (state, event) have mutually exclusive guards.
constexpr Transition kTransitions[] = {
    // With the CPS after submission.
    {kSubmitted, E::kRecordAdvice, Guard::kEarlyAdvice, kAdviceGiven},
    {kSubmitted, E::kRecordAdvice, Guard::kFullFile, kSubmitted},
    {kSubmitted, E::kIssueActionPlan, Guard::kAlways, kPlanIssued},
    // Police may send the full file before the advice arrives (e.g. for a
    // referral the system opened on an order breach).
    {kSubmitted, E::kSubmitFullFile, Guard::kEarlyAdvice, kSubmitted},
    {kSubmitted, E::kDecideThreshold, Guard::kFullFile, kThreshold},
    {kSubmitted, E::kDecideFullCode, Guard::kFullFile, kDecided},
    {kSubmitted, E::kWithdraw, Guard::kAlways, kWithdrawn},

    // Early advice given: police build the full file.
    {kAdviceGiven, E::kRecordAdvice, Guard::kAlways, kAdviceGiven},
    {kAdviceGiven, E::kIssueActionPlan, Guard::kAlways, kPlanIssued},
    {kAdviceGiven, E::kSubmitFullFile, Guard::kEarlyAdvice, kSubmitted},
    {kAdviceGiven, E::kWithdraw, Guard::kAlways, kWithdrawn},

    // Action plan open. A decision may still be taken (e.g. a Threshold
    // decision for a suspect in custody, or NFA when evidence cannot be got).
    {kPlanIssued, E::kRecordAdvice, Guard::kAlways, kPlanIssued},
    {kPlanIssued, E::kIssueActionPlan, Guard::kAlways, kPlanIssued},
    {kPlanIssued, E::kUpdateActionItem, Guard::kPlanResolved, kPlanComplete},
    {kPlanIssued, E::kUpdateActionItem, Guard::kPlanUnresolved, kPlanIssued},
    {kPlanIssued, E::kDecideThreshold, Guard::kFullFile, kThreshold},
    {kPlanIssued, E::kDecideFullCode, Guard::kFullFile, kDecided},
    {kPlanIssued, E::kWithdraw, Guard::kAlways, kWithdrawn},

    // Plan answered: back with the CPS.
    {kPlanComplete, E::kRecordAdvice, Guard::kEarlyAdvice, kAdviceGiven},
    {kPlanComplete, E::kRecordAdvice, Guard::kFullFile, kPlanComplete},
    {kPlanComplete, E::kIssueActionPlan, Guard::kAlways, kPlanIssued},
    {kPlanComplete, E::kSubmitFullFile, Guard::kEarlyAdvice, kSubmitted},
    {kPlanComplete, E::kDecideThreshold, Guard::kFullFile, kThreshold},
    {kPlanComplete, E::kDecideFullCode, Guard::kFullFile, kDecided},
    {kPlanComplete, E::kWithdraw, Guard::kAlways, kWithdrawn},

    // Charged on the Threshold Test: evidence for the Full Code Test is
    // gathered (advice, action plans) and the Full Code decision replaces it.
    // Police cannot withdraw a charged file; the CPS discontinues by a Full
    // Code decision of no further action.
    {kThreshold, E::kRecordAdvice, Guard::kAlways, kThreshold},
    {kThreshold, E::kIssueActionPlan, Guard::kAlways, kThreshold},
    {kThreshold, E::kUpdateActionItem, Guard::kAlways, kThreshold},
    {kThreshold, E::kDecideFullCode, Guard::kAlways, kDecided},
    {kThreshold, E::kReviewThreshold, Guard::kAlways, kThreshold},
    {kThreshold, E::kRecordFollowUp, Guard::kAlways, kThreshold},

    // Decided: only the follow-up (first hearing, orders, victim told).
    {kDecided, E::kRecordFollowUp, Guard::kAlways, kDecided},
    // Withdrawn: nothing.
};

// Two guards can hold at once (so two rows could both match).
constexpr bool GuardsOverlap(Guard a, Guard b) {
  if (a == Guard::kAlways || b == Guard::kAlways || a == b) return true;
  const bool kind_pair = (a == Guard::kEarlyAdvice && b == Guard::kFullFile) ||
                         (a == Guard::kFullFile && b == Guard::kEarlyAdvice);
  const bool plan_pair =
      (a == Guard::kPlanResolved && b == Guard::kPlanUnresolved) ||
      (a == Guard::kPlanUnresolved && b == Guard::kPlanResolved);
  return !kind_pair && !plan_pair;
}

// Every (state, event, facts) selects at most one row.
constexpr bool TableIsDeterministic() {
  for (const Transition& a : kTransitions) {
    int matches = 0;
    for (const Transition& b : kTransitions) {
      if (a.from == b.from && a.event == b.event &&
          GuardsOverlap(a.guard, b.guard)) {
        ++matches;
      }
    }
    if (matches != 1) return false;
  }
  return true;
}
static_assert(TableIsDeterministic(),
              "two rows of kTransitions can match the same move");

bool GuardHolds(Guard guard, const ChargingGuardFacts& facts) {
  switch (guard) {
    case Guard::kAlways:
      return true;
    case Guard::kEarlyAdvice:
      return facts.kind == v1::CHARGING_FILE_KIND_EARLY_ADVICE;
    case Guard::kFullFile:
      return facts.kind == v1::CHARGING_FILE_KIND_FULL_FILE;
    case Guard::kPlanResolved:
      return facts.plan_resolved;
    case Guard::kPlanUnresolved:
      return !facts.plan_resolved;
  }
  return false;
}

std::string GuardProblem(Guard guard, const ChargingGuardFacts& facts) {
  switch (guard) {
    case Guard::kEarlyAdvice:
    case Guard::kFullFile:
      return absl::StrCat(
          "needs a ",
          guard == Guard::kEarlyAdvice ? "EARLY_ADVICE" : "FULL_FILE",
          " file; this file is ",
          ShortEnumName(v1::ChargingFileKind_descriptor(), facts.kind));
    case Guard::kPlanResolved:
    case Guard::kPlanUnresolved:
    case Guard::kAlways:
      break;
  }
  return "is not allowed with these facts";
}

// "A, B, C" or "none".
std::string AllowedText(const std::vector<std::string>& names) {
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

std::string StateName(State state) {
  return ShortEnumName(v1::ChargingFileState_descriptor(), state);
}

// --- Action items -----------------------------------------------------------

using ItemState = v1::ChargingActionItemState;
using IE = ActionItemEvent;

constexpr ItemState kOpen = v1::CHARGING_ACTION_ITEM_STATE_OPEN;
constexpr ItemState kAccepted = v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED;
constexpr ItemState kDisputed = v1::CHARGING_ACTION_ITEM_STATE_DISPUTED;
constexpr ItemState kCompleted = v1::CHARGING_ACTION_ITEM_STATE_COMPLETED;
constexpr ItemState kItemWithdrawn = v1::CHARGING_ACTION_ITEM_STATE_WITHDRAWN;

struct ItemTransition {
  ItemState from;
  IE event;
  ItemState to;
};

// THE action item lifecycle. COMPLETED and WITHDRAWN are final.
constexpr ItemTransition kItemTransitions[] = {
    {kOpen, IE::kAccept, kAccepted},
    {kOpen, IE::kDispute, kDisputed},
    {kOpen, IE::kComplete, kCompleted},
    {kOpen, IE::kWithdraw, kItemWithdrawn},

    {kAccepted, IE::kDispute, kDisputed},  // Accepted, then found unobtainable.
    {kAccepted, IE::kComplete, kCompleted},
    {kAccepted, IE::kWithdraw, kItemWithdrawn},

    {kDisputed, IE::kAccept, kAccepted},  // Police drop the dispute.
    {kDisputed, IE::kComplete, kCompleted},
    {kDisputed, IE::kWithdraw, kItemWithdrawn},
    {kDisputed, IE::kReaffirm, kOpen},
};

constexpr bool ItemTableIsDeterministic() {
  for (const ItemTransition& a : kItemTransitions) {
    int matches = 0;
    for (const ItemTransition& b : kItemTransitions) {
      if (a.from == b.from && a.event == b.event) ++matches;
    }
    if (matches != 1) return false;
  }
  return true;
}
static_assert(ItemTableIsDeterministic(),
              "two rows of kItemTransitions match the same move");

}  // namespace

absl::string_view ChargingEventName(ChargingEvent event) {
  switch (event) {
    case E::kRecordAdvice: return "RECORD_ADVICE";
    case E::kIssueActionPlan: return "ISSUE_ACTION_PLAN";
    case E::kUpdateActionItem: return "UPDATE_ACTION_ITEM";
    case E::kSubmitFullFile: return "SUBMIT_FULL_FILE";
    case E::kDecideThreshold: return "DECIDE_THRESHOLD";
    case E::kDecideFullCode: return "DECIDE_FULL_CODE";
    case E::kReviewThreshold: return "REVIEW_THRESHOLD";
    case E::kRecordFollowUp: return "RECORD_FOLLOW_UP";
    case E::kWithdraw: return "WITHDRAW";
  }
  return "UNKNOWN";
}

std::vector<ChargingEvent> AllowedChargingEvents(
    v1::ChargingFileState state, const ChargingGuardFacts& facts) {
  std::vector<ChargingEvent> allowed;
  for (ChargingEvent event : kAllChargingEvents) {
    for (const Transition& t : kTransitions) {
      if (t.from == state && t.event == event && GuardHolds(t.guard, facts)) {
        allowed.push_back(event);
        break;
      }
    }
  }
  return allowed;
}

absl::StatusOr<v1::ChargingFileState> ApplyChargingEvent(
    v1::ChargingFileState state, ChargingEvent event,
    const ChargingGuardFacts& facts) {
  const Transition* guarded_out = nullptr;
  for (const Transition& t : kTransitions) {
    if (t.from != state || t.event != event) continue;
    if (GuardHolds(t.guard, facts)) return t.to;
    guarded_out = &t;
  }
  std::vector<std::string> names;
  for (ChargingEvent e : AllowedChargingEvents(state, facts)) {
    names.emplace_back(ChargingEventName(e));
  }
  std::string message = absl::StrCat(
      "charging file is ", StateName(state), "; allowed events: ",
      AllowedText(names));
  if (guarded_out != nullptr) {
    absl::StrAppend(&message, " (", ChargingEventName(event), " ",
                    GuardProblem(guarded_out->guard, facts), ")");
  }
  return absl::FailedPreconditionError(message);
}

bool IsFinalChargingState(v1::ChargingFileState state) {
  return state == kDecided || state == kWithdrawn;
}

absl::string_view ActionItemEventName(ActionItemEvent event) {
  switch (event) {
    case IE::kAccept: return "ACCEPT";
    case IE::kDispute: return "DISPUTE";
    case IE::kComplete: return "COMPLETE";
    case IE::kWithdraw: return "WITHDRAW";
    case IE::kReaffirm: return "REAFFIRM";
  }
  return "UNKNOWN";
}

std::vector<ActionItemEvent> AllowedActionItemEvents(
    v1::ChargingActionItemState state) {
  std::vector<ActionItemEvent> allowed;
  for (ActionItemEvent event : kAllActionItemEvents) {
    for (const ItemTransition& t : kItemTransitions) {
      if (t.from == state && t.event == event) {
        allowed.push_back(event);
        break;
      }
    }
  }
  return allowed;
}

absl::StatusOr<v1::ChargingActionItemState> ApplyActionItemEvent(
    v1::ChargingActionItemState state, ActionItemEvent event) {
  for (const ItemTransition& t : kItemTransitions) {
    if (t.from == state && t.event == event) return t.to;
  }
  std::vector<std::string> names;
  for (ActionItemEvent e : AllowedActionItemEvents(state)) {
    names.emplace_back(ActionItemEventName(e));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "action item is ",
      ShortEnumName(v1::ChargingActionItemState_descriptor(), state),
      "; allowed events: ", AllowedText(names)));
}

bool IsActionItemResolved(v1::ChargingActionItemState state) {
  return state == kCompleted || state == kItemWithdrawn;
}

}  // namespace casebridge::domain
