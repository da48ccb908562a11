#include "domain/safeguarding_lifecycle.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"

namespace casebridge::domain {
namespace {

std::string StatusName(v1::SafeguardingActionStatus s) {
  return ShortEnumName(v1::SafeguardingActionStatus_descriptor(), s);
}
std::string EventName(v1::SafeguardingActionEvent e) {
  return ShortEnumName(v1::SafeguardingActionEvent_descriptor(), e);
}

}  // namespace

std::vector<v1::SafeguardingActionEvent> AllowedSafeguardingEvents(
    v1::SafeguardingActionStatus from) {
  std::vector<v1::SafeguardingActionEvent> events;
  for (const SafeguardingTransition& t : kSafeguardingTransitions) {
    if (t.from == from) events.push_back(t.event);
  }
  // Enum order, so messages read the same whatever the table's layout.
  std::sort(events.begin(), events.end());
  return events;
}

absl::StatusOr<v1::SafeguardingActionStatus> ApplySafeguardingEvent(
    v1::SafeguardingActionStatus from, v1::SafeguardingActionEvent event) {
  if (std::optional<v1::SafeguardingActionStatus> to =
          NextSafeguardingStatus(from, event)) {
    return *to;
  }
  std::vector<std::string> allowed;
  for (v1::SafeguardingActionEvent e : AllowedSafeguardingEvents(from)) {
    allowed.push_back(EventName(e));
  }
  const std::string state = StatusName(from);
  const std::string prefix = absl::StrCat(
      "cannot ", EventName(event), " a safeguarding action that is ", state);
  if (allowed.empty()) {
    return absl::FailedPreconditionError(
        IsTerminalSafeguardingStatus(from)
            ? absl::StrCat(prefix, "; ", state,
                           " is final, no events are allowed")
            : absl::StrCat(prefix, "; no events are allowed"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(prefix, "; allowed: ", absl::StrJoin(allowed, ", ")));
}

std::optional<v1::SafeguardingActionEvent> EventForStatusChange(
    v1::SafeguardingActionStatus from, v1::SafeguardingActionStatus to) {
  if (from == to) return std::nullopt;
  switch (to) {
    case v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS:
      return from == v1::SAFEGUARDING_ACTION_STATUS_BLOCKED
                 ? v1::SAFEGUARDING_ACTION_EVENT_RESUME
                 : v1::SAFEGUARDING_ACTION_EVENT_START;
    case v1::SAFEGUARDING_ACTION_STATUS_BLOCKED:
      return v1::SAFEGUARDING_ACTION_EVENT_BLOCK;
    case v1::SAFEGUARDING_ACTION_STATUS_OPEN:
      return v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN;
    case v1::SAFEGUARDING_ACTION_STATUS_COMPLETED:
      return v1::SAFEGUARDING_ACTION_EVENT_COMPLETE;
    case v1::SAFEGUARDING_ACTION_STATUS_CANCELLED:
      return v1::SAFEGUARDING_ACTION_EVENT_CANCEL;
    default:
      return v1::SAFEGUARDING_ACTION_EVENT_UNSPECIFIED;
  }
}

}  // namespace casebridge::domain
