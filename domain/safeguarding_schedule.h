#ifndef CASEBRIDGE_DOMAIN_SAFEGUARDING_SCHEDULE_H_
#define CASEBRIDGE_DOMAIN_SAFEGUARDING_SCHEDULE_H_

// When safeguarding actions are due: overdue, due within N days, and the
// order of work lists (soonest due first).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "domain/dates.h"

namespace casebridge::domain {

// The facts about one action that scheduling, list filters and the opt-out
// decision need. Storage builds them from a row, or from a stored proto with
// FactsOfSafeguardingAction below.
struct SafeguardingActionFacts {
  std::string id;  // The action's UUID.
  std::string case_id;
  std::string case_reference;
  v1::SafeguardingActionStatus status = v1::SAFEGUARDING_ACTION_STATUS_OPEN;
  v1::SafeguardingActionType type = v1::SAFEGUARDING_ACTION_TYPE_UNSPECIFIED;
  v1::SafeguardingActionPriority priority =
      v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL;
  absl::CivilDay due_date;
  absl::Time create_time;
  std::string assigned_agency_id;
  v1::AgencyKind assigned_agency_kind = v1::AGENCY_KIND_UNSPECIFIED;
  std::string assigned_user_id;  // Empty when unassigned.
};

// Facts of a stored action. The agency kind is not in the proto and is
// passed in; the case reference is taken from the proto. INVALID_ARGUMENT
// if the name or due date of the proto are malformed (a storage bug).
absl::StatusOr<SafeguardingActionFacts> FactsOfSafeguardingAction(
    const v1::SafeguardingAction& action, v1::AgencyKind assigned_agency_kind);

// Still to be done: OPEN, IN_PROGRESS or BLOCKED.
bool IsActiveSafeguardingStatus(v1::SafeguardingActionStatus status);

// Active and due before `today`. An action due today is not overdue;
// COMPLETED and CANCELLED actions never are.
bool IsOverdue(const SafeguardingActionFacts& action, absl::CivilDay today);
// The same with "today" taken as the day `now` falls on in `zone`.
bool IsOverdueAt(const SafeguardingActionFacts& action, absl::Time now,
                 absl::TimeZone zone);

// The same on a stored action (false when its due date is malformed).
bool IsSafeguardingActionOverdue(const v1::SafeguardingAction& action,
                                 absl::CivilDay today);

// Active and due on or before today + `days` (overdue actions included;
// `days` = 0 is "due today or overdue"). Negative `days` match nothing.
bool DueWithinDays(const SafeguardingActionFacts& action, absl::CivilDay today,
                   int days);

// The widest due_within_days a filter accepts, and the furthest ahead of
// today a due date may be set.
inline constexpr int kMaxSafeguardingDueDays = 731;

// Due dates and MARAC dates: any year a v1::Date holds; an impossible date
// is "is not a real calendar date (year 2027, month 2, day 29)".
inline constexpr DateRule kSafeguardingDate{.invalid_problem =
                                                "is not a real calendar date"};

// 0 for URGENT .. 3 for LOW: the order priorities sort in. UNSPECIFIED
// ranks as NORMAL.
int SafeguardingPriorityRank(v1::SafeguardingActionPriority priority);

// The order of work lists: due date, then priority (URGENT first), then
// creation time, then id so the order is total.
struct WorkOrderKey {
  absl::CivilDay due_date;
  int priority_rank = 0;
  absl::Time create_time;
  std::string id;

  friend bool operator<(const WorkOrderKey& a, const WorkOrderKey& b);
  friend bool operator==(const WorkOrderKey& a, const WorkOrderKey& b);
};

WorkOrderKey WorkOrderKeyOf(const SafeguardingActionFacts& action);

// The sort key as a string for a PageCursor's sort_key (the id travels as
// the cursor's id): strings compare in the same order as the keys they
// encode, e.g. "2026-11-21.0.09225167288454899264" (date, priority rank,
// creation time in microseconds offset to be non-negative).
std::string EncodeWorkOrderSortKey(const WorkOrderKey& key);
// The inverse; `id` is the cursor's id. INVALID_ARGUMENT naming page_token
// on a malformed key.
absl::StatusOr<WorkOrderKey> DecodeWorkOrderSortKey(absl::string_view sort_key,
                                                    absl::string_view id);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_SAFEGUARDING_SCHEDULE_H_
