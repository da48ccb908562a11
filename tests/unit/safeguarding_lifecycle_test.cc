// Every (state, event) pair of the safeguarding action lifecycle, legal and
// illegal. Expected() restates the rules of the issue independently of the
// table in domain/safeguarding_lifecycle.h: a change to either that the other
// does not share fails here.
#include "domain/safeguarding_lifecycle.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using Status = v1::SafeguardingActionStatus;
using Event = v1::SafeguardingActionEvent;

constexpr Status kOpen = v1::SAFEGUARDING_ACTION_STATUS_OPEN;
constexpr Status kInProgress = v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS;
constexpr Status kBlocked = v1::SAFEGUARDING_ACTION_STATUS_BLOCKED;
constexpr Status kCompleted = v1::SAFEGUARDING_ACTION_STATUS_COMPLETED;
constexpr Status kCancelled = v1::SAFEGUARDING_ACTION_STATUS_CANCELLED;

// The rules as the issue states them. nullopt = illegal.
std::optional<Status> Expected(Status from, Event event) {
  const bool active =
      from == kOpen || from == kInProgress || from == kBlocked;
  if (!active) return std::nullopt;  // COMPLETED, CANCELLED are terminal.
  switch (event) {
    case v1::SAFEGUARDING_ACTION_EVENT_START:
      if (from == kOpen) return kInProgress;
      return std::nullopt;
    case v1::SAFEGUARDING_ACTION_EVENT_BLOCK:
      if (from == kBlocked) return std::nullopt;
      return kBlocked;
    case v1::SAFEGUARDING_ACTION_EVENT_RESUME:
      if (from == kBlocked) return kInProgress;
      return std::nullopt;
    case v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN:
      if (from == kOpen) return std::nullopt;
      return kOpen;
    case v1::SAFEGUARDING_ACTION_EVENT_UPDATE:
      return from;
    case v1::SAFEGUARDING_ACTION_EVENT_COMPLETE:
      return kCompleted;
    case v1::SAFEGUARDING_ACTION_EVENT_CANCEL:
      return kCancelled;
    default:  // CREATE is never a transition; UNSPECIFIED is nothing.
      return std::nullopt;
  }
}

// Every declared value (including UNSPECIFIED) plus one undeclared.
std::vector<Status> AllStatuses() {
  std::vector<Status> all;
  const auto* d = v1::SafeguardingActionStatus_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    all.push_back(static_cast<Status>(d->value(i)->number()));
  }
  all.push_back(static_cast<Status>(99));
  return all;
}
std::vector<Event> AllEvents() {
  std::vector<Event> all;
  const auto* d = v1::SafeguardingActionEvent_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    all.push_back(static_cast<Event>(d->value(i)->number()));
  }
  all.push_back(static_cast<Event>(99));
  return all;
}

std::string Name(Status s) {
  return ShortEnumName(v1::SafeguardingActionStatus_descriptor(), s);
}
std::string Name(Event e) {
  return ShortEnumName(v1::SafeguardingActionEvent_descriptor(), e);
}

std::vector<std::string> ExpectedAllowedNames(Status from) {
  std::vector<std::string> names;
  for (Event e : AllEvents()) {
    if (Expected(from, e).has_value()) names.push_back(Name(e));
  }
  return names;
}

TEST(SafeguardingLifecycleTest, EnumsAreTheOnesTheIssueNames) {
  // The test's own lists are only as good as the enums they walk.
  EXPECT_EQ(AllStatuses().size(), 7u);  // UNSPECIFIED + 5 + undeclared.
  EXPECT_EQ(AllEvents().size(), 10u);   // UNSPECIFIED + 8 + undeclared.
}

TEST(SafeguardingLifecycleTest, EveryStateEventPairMatchesTheRules) {
  int legal = 0;
  int pairs = 0;
  for (Status from : AllStatuses()) {
    for (Event event : AllEvents()) {
      ++pairs;
      SCOPED_TRACE(absl::StrCat(Name(from), " + ", Name(event)));
      const std::optional<Status> want = Expected(from, event);
      EXPECT_EQ(NextSafeguardingStatus(from, event), want);
      absl::StatusOr<Status> got = ApplySafeguardingEvent(from, event);
      if (want.has_value()) {
        ++legal;
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(*got, *want);
      } else {
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
        // Names the current state and the event refused.
        EXPECT_NE(got.status().message().find(absl::StrCat("is ", Name(from))),
                  std::string::npos)
            << got.status().message();
        EXPECT_NE(got.status().message().find(Name(event)), std::string::npos);
        const std::vector<std::string> allowed = ExpectedAllowedNames(from);
        if (allowed.empty()) {
          EXPECT_NE(got.status().message().find("no events are allowed"),
                    std::string::npos)
              << got.status().message();
        } else {
          EXPECT_NE(got.status().message().find(absl::StrCat(
                        "allowed: ", absl::StrJoin(allowed, ", "))),
                    std::string::npos)
              << got.status().message();
        }
      }
    }
  }
  EXPECT_EQ(pairs, 70);
  // 5 events from each of the 3 active states.
  EXPECT_EQ(legal, 15);
}

TEST(SafeguardingLifecycleTest, AllowedEventsPerState) {
  for (Status from : AllStatuses()) {
    std::vector<std::string> got;
    for (Event e : AllowedSafeguardingEvents(from)) got.push_back(Name(e));
    EXPECT_EQ(got, ExpectedAllowedNames(from)) << Name(from);
  }
}

TEST(SafeguardingLifecycleTest, ExactMessages) {
  EXPECT_EQ(ApplySafeguardingEvent(kOpen, v1::SAFEGUARDING_ACTION_EVENT_RESUME)
                .status()
                .message(),
            "cannot RESUME a safeguarding action that is OPEN; allowed: "
            "START, BLOCK, UPDATE, COMPLETE, CANCEL");
  EXPECT_EQ(
      ApplySafeguardingEvent(kCompleted, v1::SAFEGUARDING_ACTION_EVENT_UPDATE)
          .status()
          .message(),
      "cannot UPDATE a safeguarding action that is COMPLETED; COMPLETED is "
      "final, no events are allowed");
  EXPECT_EQ(
      ApplySafeguardingEvent(kCancelled, v1::SAFEGUARDING_ACTION_EVENT_COMPLETE)
          .status()
          .message(),
      "cannot COMPLETE a safeguarding action that is CANCELLED; CANCELLED is "
      "final, no events are allowed");
}

TEST(SafeguardingLifecycleTest, TableHasNoDuplicatePairsAndOnlyDeclaredValues) {
  const auto* sd = v1::SafeguardingActionStatus_descriptor();
  const auto* ed = v1::SafeguardingActionEvent_descriptor();
  for (size_t i = 0; i < std::size(kSafeguardingTransitions); ++i) {
    const auto& t = kSafeguardingTransitions[i];
    EXPECT_NE(sd->FindValueByNumber(t.from), nullptr);
    EXPECT_NE(sd->FindValueByNumber(t.to), nullptr);
    EXPECT_NE(ed->FindValueByNumber(t.event), nullptr);
    for (size_t j = i + 1; j < std::size(kSafeguardingTransitions); ++j) {
      const auto& u = kSafeguardingTransitions[j];
      EXPECT_FALSE(t.from == u.from && t.event == u.event)
          << Name(t.from) << " + " << Name(t.event) << " listed twice";
    }
  }
}

// The table is constexpr: these fail the build, not a run.
static_assert(NextSafeguardingStatus(v1::SAFEGUARDING_ACTION_STATUS_OPEN,
                                     v1::SAFEGUARDING_ACTION_EVENT_START) ==
              v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS);
static_assert(!NextSafeguardingStatus(v1::SAFEGUARDING_ACTION_STATUS_COMPLETED,
                                      v1::SAFEGUARDING_ACTION_EVENT_CANCEL)
                   .has_value());

TEST(SafeguardingLifecycleTest, TerminalStates) {
  for (Status s : AllStatuses()) {
    EXPECT_EQ(IsTerminalSafeguardingStatus(s),
              s == kCompleted || s == kCancelled)
        << Name(s);
  }
}

// UpdateSafeguardingAction names a target status; the event it fires, run
// through the table, must land on that status exactly when the rules allow
// reaching it in one step.
TEST(SafeguardingLifecycleTest, EventForStatusChangeReachesTheTarget) {
  const Status targets[] = {kOpen, kInProgress, kBlocked};
  for (Status from : AllStatuses()) {
    for (Status to : targets) {
      SCOPED_TRACE(absl::StrCat(Name(from), " -> ", Name(to)));
      std::optional<Event> event = EventForStatusChange(from, to);
      if (from == to) {
        EXPECT_FALSE(event.has_value());
        continue;
      }
      ASSERT_TRUE(event.has_value());
      bool reachable = false;
      for (Event e : AllEvents()) {
        if (e != v1::SAFEGUARDING_ACTION_EVENT_UPDATE && Expected(from, e) == to) {
          reachable = true;
          EXPECT_EQ(*event, e);
        }
      }
      absl::StatusOr<Status> next = ApplySafeguardingEvent(from, *event);
      EXPECT_EQ(next.ok(), reachable);
      if (next.ok()) {
        EXPECT_EQ(*next, to);
      }
    }
  }
}

}  // namespace
}  // namespace casebridge::domain
