#include "domain/safeguarding_schedule.h"

#include <cstdint>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/safeguarding_lifecycle.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

constexpr uint64_t kMicrosOffset = uint64_t{1} << 63;

// "2026-11-21." + rank + "." + 20 digits.
constexpr size_t kSortKeyLength = 10 + 1 + 1 + 1 + 20;

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<SafeguardingActionFacts> FactsOfSafeguardingAction(
    const v1::SafeguardingAction& action, v1::AgencyKind assigned_agency_kind) {
  absl::StatusOr<CaseChildName> name =
      ParseCaseChildName(action.name(), "safeguardingActions", "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<absl::CivilDay> due =
      ParseDate("due_date", action.due_date(), kSafeguardingDate);
  if (!due.ok()) return due.status();
  SafeguardingActionFacts facts;
  facts.id = name->child_id;
  facts.case_id = name->case_key.id;
  facts.case_reference = action.case_reference();
  facts.status = action.status();
  facts.type = action.type();
  facts.priority = action.priority();
  facts.due_date = *due;
  facts.create_time = ToAbslTime(action.create_time());
  if (!action.assigned_agency().empty()) {
    absl::StatusOr<std::string> agency = ParseTopLevelName(
        action.assigned_agency(), "agencies", "assigned_agency");
    if (!agency.ok()) return agency.status();
    facts.assigned_agency_id = *agency;
  }
  facts.assigned_agency_kind = assigned_agency_kind;
  if (!action.assigned_user().empty()) {
    absl::StatusOr<std::string> user =
        ParseTopLevelName(action.assigned_user(), "users", "assigned_user");
    if (!user.ok()) return user.status();
    facts.assigned_user_id = *user;
  }
  return facts;
}

bool IsActiveSafeguardingStatus(v1::SafeguardingActionStatus status) {
  return status == v1::SAFEGUARDING_ACTION_STATUS_OPEN ||
         status == v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS ||
         status == v1::SAFEGUARDING_ACTION_STATUS_BLOCKED;
}

bool IsOverdue(const SafeguardingActionFacts& action, absl::CivilDay today) {
  return IsActiveSafeguardingStatus(action.status) && action.due_date < today;
}

bool IsOverdueAt(const SafeguardingActionFacts& action, absl::Time now,
                 absl::TimeZone zone) {
  return IsOverdue(action, CalendarDayAt(now, zone));
}

bool IsSafeguardingActionOverdue(const v1::SafeguardingAction& action,
                                 absl::CivilDay today) {
  std::optional<absl::CivilDay> due = ToCivilDay(action.due_date());
  return IsActiveSafeguardingStatus(action.status()) && due.has_value() &&
         *due < today;
}

bool DueWithinDays(const SafeguardingActionFacts& action, absl::CivilDay today,
                   int days) {
  if (days < 0) return false;
  return IsActiveSafeguardingStatus(action.status) &&
         action.due_date <= today + days;
}

int SafeguardingPriorityRank(v1::SafeguardingActionPriority priority) {
  switch (priority) {
    case v1::SAFEGUARDING_ACTION_PRIORITY_URGENT:
      return 0;
    case v1::SAFEGUARDING_ACTION_PRIORITY_HIGH:
      return 1;
    case v1::SAFEGUARDING_ACTION_PRIORITY_LOW:
      return 3;
    case v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL:
    default:
      return 2;
  }
}

bool operator<(const WorkOrderKey& a, const WorkOrderKey& b) {
  return std::tie(a.due_date, a.priority_rank, a.create_time, a.id) <
         std::tie(b.due_date, b.priority_rank, b.create_time, b.id);
}

bool operator==(const WorkOrderKey& a, const WorkOrderKey& b) {
  return std::tie(a.due_date, a.priority_rank, a.create_time, a.id) ==
         std::tie(b.due_date, b.priority_rank, b.create_time, b.id);
}

WorkOrderKey WorkOrderKeyOf(const SafeguardingActionFacts& action) {
  return WorkOrderKey{action.due_date,
                      SafeguardingPriorityRank(action.priority),
                      action.create_time, action.id};
}

std::string EncodeWorkOrderSortKey(const WorkOrderKey& key) {
  // Offset binary: the int64 order of microseconds becomes the unsigned
  // order of fixed-width digits.
  const uint64_t micros =
      static_cast<uint64_t>(absl::ToUnixMicros(key.create_time)) ^
      kMicrosOffset;
  return absl::StrFormat("%s.%d.%020u", FormatDay(key.due_date),
                         key.priority_rank, micros);
}

absl::StatusOr<WorkOrderKey> DecodeWorkOrderSortKey(absl::string_view sort_key,
                                                    absl::string_view id) {
  if (sort_key.size() != kSortKeyLength || sort_key[10] != '.' ||
      sort_key[12] != '.') {
    return InvalidPageToken();
  }
  std::optional<absl::CivilDay> due = ParseDay(sort_key.substr(0, 10));
  if (!due.has_value()) return InvalidPageToken();
  if (!AllDigits(sort_key.substr(11, 1)) || !AllDigits(sort_key.substr(13))) {
    return InvalidPageToken();
  }
  int rank;
  uint64_t micros;
  if (!absl::SimpleAtoi(sort_key.substr(11, 1), &rank) ||
      !absl::SimpleAtoi(sort_key.substr(13), &micros)) {
    return InvalidPageToken();
  }
  if (rank < 0 || rank > 3) return InvalidPageToken();
  WorkOrderKey key;
  key.due_date = *due;
  key.priority_rank = rank;
  // Within what an action's create_time can be, before it reaches SQL.
  absl::StatusOr<absl::Time> created =
      CursorTimeFromMicros(static_cast<int64_t>(micros ^ kMicrosOffset));
  if (!created.ok()) return created.status();
  key.create_time = *created;
  key.id = std::string(id);
  return key;
}

}  // namespace casebridge::domain
