// The charging state machines, exhaustively: every (state, event) pair under
// every combination of guard facts, legal and illegal. The expectations below
// restate docs/DOMAIN.md "Charging (CPS)" and the ChargingService comments
// event by event, independently of the tables in domain/charging_state.cc,
// so a change to either that the other does not share fails here.
#include "domain/charging_state.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using State = v1::ChargingFileState;
using ItemState = v1::ChargingActionItemState;

constexpr State kSubmitted = v1::CHARGING_FILE_STATE_SUBMITTED;
constexpr State kAdviceGiven = v1::CHARGING_FILE_STATE_ADVICE_GIVEN;
constexpr State kPlanIssued = v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED;
constexpr State kPlanComplete = v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE;
constexpr State kThreshold = v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED;
constexpr State kDecided = v1::CHARGING_FILE_STATE_DECIDED;
constexpr State kWithdrawn = v1::CHARGING_FILE_STATE_WITHDRAWN;

constexpr v1::ChargingFileKind kKinds[] = {
    v1::CHARGING_FILE_KIND_EARLY_ADVICE,
    v1::CHARGING_FILE_KIND_FULL_FILE,
};

bool Undecided(State s) {
  return s == kSubmitted || s == kAdviceGiven || s == kPlanIssued ||
         s == kPlanComplete;
}

// What each event may do, as the rules say it.
std::optional<State> ExpectedNext(State s, ChargingEvent e,
                                  v1::ChargingFileKind kind, bool resolved) {
  const bool early = kind == v1::CHARGING_FILE_KIND_EARLY_ADVICE;
  const bool full = kind == v1::CHARGING_FILE_KIND_FULL_FILE;
  // Before any decision, with the CPS or with police.
  const bool with_cps_to_decide =
      s == kSubmitted || s == kPlanIssued || s == kPlanComplete;
  switch (e) {
    case ChargingEvent::kRecordAdvice:
      // Advice on an early-advice request hands it back to police for the
      // full file; advice on a full file (or while police work on a plan, or
      // after a Threshold charge) leaves the file where it is.
      if (s == kSubmitted || s == kPlanComplete) {
        if (early) return kAdviceGiven;
        if (full) return s;
        return std::nullopt;
      }
      if (s == kAdviceGiven || s == kPlanIssued || s == kThreshold) return s;
      return std::nullopt;
    case ChargingEvent::kIssueActionPlan:
      if (s == kThreshold) return kThreshold;  // evidence for the Full Code
      if (Undecided(s)) return kPlanIssued;
      return std::nullopt;
    case ChargingEvent::kUpdateActionItem:
      if (s == kPlanIssued) return resolved ? kPlanComplete : kPlanIssued;
      if (s == kThreshold) return kThreshold;
      return std::nullopt;  // no live plan items elsewhere
    case ChargingEvent::kSubmitFullFile:
      // An early-advice request becomes a full file whenever no plan is
      // open (before or after the advice).
      if ((s == kSubmitted || s == kAdviceGiven || s == kPlanComplete) &&
          early) {
        return kSubmitted;
      }
      return std::nullopt;
    case ChargingEvent::kDecideThreshold:
      // No decision on an early-advice request; one Threshold decision only.
      if (with_cps_to_decide && full) return kThreshold;
      return std::nullopt;
    case ChargingEvent::kDecideFullCode:
      if (with_cps_to_decide && full) return kDecided;
      if (s == kThreshold) return kDecided;  // the review replacing it
      return std::nullopt;
    case ChargingEvent::kReviewThreshold:
      if (s == kThreshold) return kThreshold;
      return std::nullopt;
    case ChargingEvent::kRecordFollowUp:
      if (s == kThreshold || s == kDecided) return s;
      return std::nullopt;
    case ChargingEvent::kWithdraw:
      // Police withdraw before a decision; a charge is the CPS's to
      // discontinue.
      if (Undecided(s)) return kWithdrawn;
      return std::nullopt;
  }
  return std::nullopt;
}

std::string StateName(State s) {
  return ShortEnumName(v1::ChargingFileState_descriptor(), s);
}

TEST(ChargingStateTest, EveryStateEventAndGuardFactPair) {
  int legal = 0;
  int illegal = 0;
  std::vector<State> states(std::begin(kAllChargingFileStates),
                            std::end(kAllChargingFileStates));
  states.push_back(v1::CHARGING_FILE_STATE_UNSPECIFIED);
  for (State s : states) {
    for (v1::ChargingFileKind kind : kKinds) {
      for (bool resolved : {false, true}) {
        const ChargingGuardFacts facts{kind, resolved};
        std::vector<std::string> expected_allowed;
        for (ChargingEvent e : kAllChargingEvents) {
          if (ExpectedNext(s, e, kind, resolved).has_value()) {
            expected_allowed.emplace_back(ChargingEventName(e));
          }
        }
        std::vector<std::string> allowed;
        for (ChargingEvent e : AllowedChargingEvents(s, facts)) {
          allowed.emplace_back(ChargingEventName(e));
        }
        EXPECT_EQ(allowed, expected_allowed)
            << StateName(s) << " kind=" << kind << " resolved=" << resolved;

        for (ChargingEvent e : kAllChargingEvents) {
          SCOPED_TRACE(absl::StrCat(StateName(s), " x ", ChargingEventName(e),
                                    " kind=", kind, " resolved=", resolved));
          const std::optional<State> want = ExpectedNext(s, e, kind, resolved);
          const absl::StatusOr<State> got = ApplyChargingEvent(s, e, facts);
          if (want.has_value()) {
            ++legal;
            ASSERT_TRUE(got.ok()) << got.status();
            EXPECT_EQ(*got, *want);
          } else {
            ++illegal;
            ASSERT_FALSE(got.ok());
            EXPECT_EQ(got.status().code(),
                      absl::StatusCode::kFailedPrecondition);
            const std::string prefix = absl::StrCat(
                "charging file is ", StateName(s), "; allowed events: ",
                expected_allowed.empty() ? "none"
                                         : absl::StrJoin(expected_allowed,
                                                         ", "));
            EXPECT_EQ(got.status().message().substr(0, prefix.size()), prefix);
          }
        }
      }
    }
  }
  // 8 states x 9 events x 2 kinds x 2 plan facts.
  EXPECT_EQ(legal + illegal, 8 * 9 * 2 * 2);
  // Counted from ExpectedNext by hand: guards the test must not lose.
  EXPECT_EQ(legal, 98);
}

TEST(ChargingStateTest, MessageNamesStateAndAllowedEvents) {
  auto got = ApplyChargingEvent(kPlanIssued, ChargingEvent::kSubmitFullFile,
                                {v1::CHARGING_FILE_KIND_FULL_FILE, false});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "charging file is ACTION_PLAN_ISSUED; allowed events: "
            "RECORD_ADVICE, ISSUE_ACTION_PLAN, UPDATE_ACTION_ITEM, "
            "DECIDE_THRESHOLD, DECIDE_FULL_CODE, WITHDRAW");
}

TEST(ChargingStateTest, FailedGuardIsExplained) {
  auto got = ApplyChargingEvent(kSubmitted, ChargingEvent::kDecideFullCode,
                                {v1::CHARGING_FILE_KIND_EARLY_ADVICE, true});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "charging file is SUBMITTED; allowed events: RECORD_ADVICE, "
            "ISSUE_ACTION_PLAN, SUBMIT_FULL_FILE, WITHDRAW (DECIDE_FULL_CODE "
            "needs a FULL_FILE file; this file is EARLY_ADVICE)");
}

TEST(ChargingStateTest, WithdrawnAllowsNothing) {
  auto got = ApplyChargingEvent(kWithdrawn, ChargingEvent::kRecordAdvice,
                                {v1::CHARGING_FILE_KIND_FULL_FILE, true});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "charging file is WITHDRAWN; allowed events: none");
}

TEST(ChargingStateTest, FinalStates) {
  for (State s : kAllChargingFileStates) {
    EXPECT_EQ(IsFinalChargingState(s), s == kDecided || s == kWithdrawn)
        << StateName(s);
  }
  EXPECT_EQ(kInitialChargingFileState, kSubmitted);
}

// --- Action items -----------------------------------------------------------

constexpr ItemState kOpen = v1::CHARGING_ACTION_ITEM_STATE_OPEN;
constexpr ItemState kAccepted = v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED;
constexpr ItemState kDisputed = v1::CHARGING_ACTION_ITEM_STATE_DISPUTED;
constexpr ItemState kCompleted = v1::CHARGING_ACTION_ITEM_STATE_COMPLETED;
constexpr ItemState kItemWithdrawn = v1::CHARGING_ACTION_ITEM_STATE_WITHDRAWN;

std::optional<ItemState> ExpectedItemNext(ItemState s, ActionItemEvent e) {
  const bool live = s == kOpen || s == kAccepted || s == kDisputed;
  switch (e) {
    case ActionItemEvent::kAccept:  // police accept, or drop a dispute
      if (s == kOpen || s == kDisputed) return kAccepted;
      return std::nullopt;
    case ActionItemEvent::kDispute:  // with a reason, before it is done
      if (s == kOpen || s == kAccepted) return kDisputed;
      return std::nullopt;
    case ActionItemEvent::kComplete:
      if (live) return kCompleted;
      return std::nullopt;
    case ActionItemEvent::kWithdraw:  // the CPS no longer needs it
      if (live) return kItemWithdrawn;
      return std::nullopt;
    case ActionItemEvent::kReaffirm:  // the CPS insists on a disputed item
      if (s == kDisputed) return kOpen;
      return std::nullopt;
  }
  return std::nullopt;
}

TEST(ActionItemStateTest, EveryStateEventPair) {
  int legal = 0;
  std::vector<ItemState> states(std::begin(kAllActionItemStates),
                                std::end(kAllActionItemStates));
  states.push_back(v1::CHARGING_ACTION_ITEM_STATE_UNSPECIFIED);
  for (ItemState s : states) {
    const std::string name =
        ShortEnumName(v1::ChargingActionItemState_descriptor(), s);
    std::vector<std::string> expected_allowed;
    for (ActionItemEvent e : kAllActionItemEvents) {
      if (ExpectedItemNext(s, e)) {
        expected_allowed.emplace_back(ActionItemEventName(e));
      }
    }
    std::vector<std::string> allowed;
    for (ActionItemEvent e : AllowedActionItemEvents(s)) {
      allowed.emplace_back(ActionItemEventName(e));
    }
    EXPECT_EQ(allowed, expected_allowed) << name;
    for (ActionItemEvent e : kAllActionItemEvents) {
      SCOPED_TRACE(absl::StrCat(name, " x ", ActionItemEventName(e)));
      std::optional<ItemState> want = ExpectedItemNext(s, e);
      absl::StatusOr<ItemState> got = ApplyActionItemEvent(s, e);
      if (want.has_value()) {
        ++legal;
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(*got, *want);
      } else {
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_EQ(got.status().message(),
                  absl::StrCat("action item is ", name, "; allowed events: ",
                               expected_allowed.empty()
                                   ? "none"
                                   : absl::StrJoin(expected_allowed, ", ")));
      }
    }
  }
  EXPECT_EQ(legal, 11);
}

TEST(ActionItemStateTest, ResolvedStates) {
  for (ItemState s : kAllActionItemStates) {
    EXPECT_EQ(IsActionItemResolved(s), s == kCompleted || s == kItemWithdrawn);
  }
  EXPECT_FALSE(IsActionItemResolved(v1::CHARGING_ACTION_ITEM_STATE_UNSPECIFIED));
}

}  // namespace
}  // namespace casebridge::domain
