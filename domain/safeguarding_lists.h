#ifndef CASEBRIDGE_DOMAIN_SAFEGUARDING_LISTS_H_
#define CASEBRIDGE_DOMAIN_SAFEGUARDING_LISTS_H_

// ListSafeguardingActions and ListMyWork: their filters parsed into one
// query storage binds, the reference semantics of that query, and the
// my-work row (safeguarding-view fields only).

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "casebridge/v1/common.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "domain/principal.h"
#include "domain/resource_names.h"
#include "domain/safeguarding_schedule.h"

namespace casebridge::domain {

// Filter keys (documented on the requests in safeguarding.proto).
inline constexpr absl::string_view kSafeguardingListKeys[] = {
    "agency", "assignee", "status",     "active", "overdue",
    "due_within_days", "case", "risk_level", "type",  "priority",
};
inline constexpr absl::string_view kMyWorkKeys[] = {
    "assignee", "status", "overdue", "due_within_days",
    "risk_level", "type", "priority",
};

// One list request, parsed. Unset members do not restrict. Storage also
// restricts every list to the cases the caller may see (active shares, the
// owning force), whatever the query says.
struct SafeguardingListQuery {
  // From the parent cases/{case}, or the case filter with parent cases/-.
  std::optional<CaseKey> case_key;
  // The assigned agency's id. Always the caller's own for a caller outside
  // the police, and for ListMyWork.
  std::optional<std::string> agency_id;
  std::optional<std::string> assignee_id;
  std::optional<v1::SafeguardingActionStatus> status;
  // Active = OPEN, IN_PROGRESS or BLOCKED. Always true for ListMyWork.
  std::optional<bool> active;
  std::optional<bool> overdue;
  std::optional<int> due_within_days;
  // The case's current risk level.
  std::optional<v1::RiskLevel> risk_level;
  std::optional<v1::SafeguardingActionType> type;
  std::optional<v1::SafeguardingActionPriority> priority;

  int page_size = 0;
  // Rows strictly after this key in work order (WorkOrderKeyOf); unset for
  // the first page.
  std::optional<WorkOrderKey> after;
  // Binds page tokens to the request: EncodePageToken(cursor, query_text).
  std::string query_text;
};

// INVALID_ARGUMENT naming parent, page_size, page_token or filter;
// PERMISSION_DENIED when a caller outside the police asks for another
// agency's actions.
absl::StatusOr<SafeguardingListQuery> ParseListSafeguardingActionsRequest(
    const v1::ListSafeguardingActionsRequest& request,
    const Principal& principal);

// ListMyWork: the caller's agency, active actions only (a status filter must
// be OPEN, IN_PROGRESS or BLOCKED).
absl::StatusOr<SafeguardingListQuery> ParseListMyWorkRequest(
    const v1::ListMyWorkRequest& request, const Principal& principal);

// Whether an action of a case at `case_risk_level` satisfies the query's
// filters on `today` (not the page position: compare WorkOrderKeyOf with
// `after`). The reference semantics storage's SQL must reproduce.
bool MatchesSafeguardingListQuery(const SafeguardingActionFacts& action,
                                  v1::RiskLevel case_risk_level,
                                  const SafeguardingListQuery& query,
                                  absl::CivilDay today);

// The my-work row of an action: only the action's name, its case (name,
// reference, current risk level), type, status, priority, due date, overdue,
// description, assignee and update time. Nothing else of the case or the
// action (rationale, notes, history) travels in it.
v1::MyWorkItem MakeMyWorkItem(const v1::SafeguardingAction& action,
                              absl::string_view case_reference,
                              v1::RiskLevel case_risk_level,
                              absl::CivilDay today);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_SAFEGUARDING_LISTS_H_
