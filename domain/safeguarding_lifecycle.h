#ifndef CASEBRIDGE_DOMAIN_SAFEGUARDING_LIFECYCLE_H_
#define CASEBRIDGE_DOMAIN_SAFEGUARDING_LIFECYCLE_H_

// The status lifecycle of a safeguarding action, as one table.
//
//   event           from                         to
//   START           OPEN                         IN_PROGRESS
//   BLOCK           OPEN, IN_PROGRESS            BLOCKED
//   RESUME          BLOCKED                      IN_PROGRESS
//   RETURN_TO_OPEN  IN_PROGRESS, BLOCKED         OPEN
//   UPDATE          OPEN, IN_PROGRESS, BLOCKED   (unchanged: notes, details)
//   COMPLETE        OPEN, IN_PROGRESS, BLOCKED   COMPLETED
//   CANCEL          OPEN, IN_PROGRESS, BLOCKED   CANCELLED
//
// COMPLETED and CANCELLED are final: no event is legal there, not even
// UPDATE, so the record of what was done or why it was dropped cannot be
// edited afterwards. A BLOCKED action may be completed directly: the blocker
// is often resolved by the very work that completes it (the new home is
// found and the move done). CREATE is the event of a history entry, never a
// transition out of a state.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "casebridge/v1/safeguarding.pb.h"

namespace casebridge::domain {

struct SafeguardingTransition {
  v1::SafeguardingActionStatus from;
  v1::SafeguardingActionEvent event;
  v1::SafeguardingActionStatus to;
};

// THE lifecycle. Any (state, event) pair not listed is illegal.
inline constexpr SafeguardingTransition kSafeguardingTransitions[] = {
    {v1::SAFEGUARDING_ACTION_STATUS_OPEN, v1::SAFEGUARDING_ACTION_EVENT_START,
     v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS},
    {v1::SAFEGUARDING_ACTION_STATUS_OPEN, v1::SAFEGUARDING_ACTION_EVENT_BLOCK,
     v1::SAFEGUARDING_ACTION_STATUS_BLOCKED},
    {v1::SAFEGUARDING_ACTION_STATUS_OPEN, v1::SAFEGUARDING_ACTION_EVENT_UPDATE,
     v1::SAFEGUARDING_ACTION_STATUS_OPEN},
    {v1::SAFEGUARDING_ACTION_STATUS_OPEN,
     v1::SAFEGUARDING_ACTION_EVENT_COMPLETE,
     v1::SAFEGUARDING_ACTION_STATUS_COMPLETED},
    {v1::SAFEGUARDING_ACTION_STATUS_OPEN, v1::SAFEGUARDING_ACTION_EVENT_CANCEL,
     v1::SAFEGUARDING_ACTION_STATUS_CANCELLED},

    {v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
     v1::SAFEGUARDING_ACTION_EVENT_BLOCK,
     v1::SAFEGUARDING_ACTION_STATUS_BLOCKED},
    {v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
     v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN,
     v1::SAFEGUARDING_ACTION_STATUS_OPEN},
    {v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
     v1::SAFEGUARDING_ACTION_EVENT_UPDATE,
     v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS},
    {v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
     v1::SAFEGUARDING_ACTION_EVENT_COMPLETE,
     v1::SAFEGUARDING_ACTION_STATUS_COMPLETED},
    {v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
     v1::SAFEGUARDING_ACTION_EVENT_CANCEL,
     v1::SAFEGUARDING_ACTION_STATUS_CANCELLED},

    {v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
     v1::SAFEGUARDING_ACTION_EVENT_RESUME,
     v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS},
    {v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
     v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN,
     v1::SAFEGUARDING_ACTION_STATUS_OPEN},
    {v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
     v1::SAFEGUARDING_ACTION_EVENT_UPDATE,
     v1::SAFEGUARDING_ACTION_STATUS_BLOCKED},
    {v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
     v1::SAFEGUARDING_ACTION_EVENT_COMPLETE,
     v1::SAFEGUARDING_ACTION_STATUS_COMPLETED},
    {v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
     v1::SAFEGUARDING_ACTION_EVENT_CANCEL,
     v1::SAFEGUARDING_ACTION_STATUS_CANCELLED},
};

// The state `event` leads to from `from`, or nullopt when illegal.
constexpr std::optional<v1::SafeguardingActionStatus> NextSafeguardingStatus(
    v1::SafeguardingActionStatus from, v1::SafeguardingActionEvent event) {
  for (const SafeguardingTransition& t : kSafeguardingTransitions) {
    if (t.from == from && t.event == event) return t.to;
  }
  return std::nullopt;
}

// COMPLETED or CANCELLED.
constexpr bool IsTerminalSafeguardingStatus(v1::SafeguardingActionStatus s) {
  return s == v1::SAFEGUARDING_ACTION_STATUS_COMPLETED ||
         s == v1::SAFEGUARDING_ACTION_STATUS_CANCELLED;
}

// The events legal from `from`, in enum order.
std::vector<v1::SafeguardingActionEvent> AllowedSafeguardingEvents(
    v1::SafeguardingActionStatus from);

// The next state, or FAILED_PRECONDITION naming the current state and the
// events allowed from it, e.g. "cannot RESUME a safeguarding action that is
// OPEN; allowed: START, BLOCK, UPDATE, COMPLETE, CANCEL".
absl::StatusOr<v1::SafeguardingActionStatus> ApplySafeguardingEvent(
    v1::SafeguardingActionStatus from, v1::SafeguardingActionEvent event);

// The event UpdateSafeguardingAction fires to move from `from` to the
// requested status `to` (OPEN, IN_PROGRESS or BLOCKED), or nullopt when the
// status does not change. IN_PROGRESS is RESUME from BLOCKED and START from
// anywhere else; whether the event is legal is the table's business.
std::optional<v1::SafeguardingActionEvent> EventForStatusChange(
    v1::SafeguardingActionStatus from, v1::SafeguardingActionStatus to);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_SAFEGUARDING_LIFECYCLE_H_
