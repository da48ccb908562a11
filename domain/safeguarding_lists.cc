#include "domain/safeguarding_lists.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/list_query.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

constexpr absl::string_view kFilter = "filter";
constexpr absl::string_view kAllCases = "cases/-";

// The filter keys both lists share, into `query`.
absl::Status ParseCommonKeys(const ListFilter& filter,
                             const Principal& principal,
                             SafeguardingListQuery& query) {
  if (std::optional<std::string> v = filter.Get("assignee")) {
    if (*v == "me") {
      query.assignee_id = principal.user_id;
    } else {
      absl::StatusOr<std::string> id = ParseTopLevelName(*v, "users", kFilter);
      if (!id.ok()) {
        return FieldError(kFilter,
                          "assignee must be \"me\" or users/{user}");
      }
      query.assignee_id = *id;
    }
  }
  absl::StatusOr<std::optional<int>> status =
      filter.GetEnum("status", v1::SafeguardingActionStatus_descriptor());
  if (!status.ok()) return status.status();
  if (*status) {
    query.status = static_cast<v1::SafeguardingActionStatus>(**status);
  }
  absl::StatusOr<std::optional<bool>> overdue = filter.GetBool("overdue");
  if (!overdue.ok()) return overdue.status();
  query.overdue = *overdue;
  absl::StatusOr<std::optional<int64_t>> within =
      filter.GetInt("due_within_days");
  if (!within.ok()) return within.status();
  if (*within) {
    if (**within < 0 || **within > kMaxSafeguardingDueDays) {
      return FieldError(kFilter, absl::StrCat("due_within_days must be from 0 "
                                              "to ",
                                              kMaxSafeguardingDueDays));
    }
    query.due_within_days = static_cast<int>(**within);
  }
  absl::StatusOr<std::optional<int>> risk =
      filter.GetEnum("risk_level", v1::RiskLevel_descriptor());
  if (!risk.ok()) return risk.status();
  if (*risk) query.risk_level = static_cast<v1::RiskLevel>(**risk);
  absl::StatusOr<std::optional<int>> type =
      filter.GetEnum("type", v1::SafeguardingActionType_descriptor());
  if (!type.ok()) return type.status();
  if (*type) query.type = static_cast<v1::SafeguardingActionType>(**type);
  absl::StatusOr<std::optional<int>> priority =
      filter.GetEnum("priority", v1::SafeguardingActionPriority_descriptor());
  if (!priority.ok()) return priority.status();
  if (*priority) {
    query.priority = static_cast<v1::SafeguardingActionPriority>(**priority);
  }
  return absl::OkStatus();
}

// page_size and page_token, once query_text is set.
absl::Status ParsePage(int32_t page_size, absl::string_view page_token,
                       SafeguardingListQuery& query) {
  absl::StatusOr<int> size = ResolvePageSize(page_size);
  if (!size.ok()) return size.status();
  query.page_size = *size;
  absl::StatusOr<std::optional<PageCursor>> cursor =
      DecodePageToken(page_token, query.query_text);
  if (!cursor.ok()) return cursor.status();
  if (*cursor) {
    // Rows are named by uuid: any other id is a forged or garbled token.
    if (!IsUuid((*cursor)->id)) return InvalidPageToken();
    absl::StatusOr<WorkOrderKey> key =
        DecodeWorkOrderSortKey((*cursor)->sort_key, (*cursor)->id);
    if (!key.ok()) return key.status();
    query.after = *std::move(key);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SafeguardingListQuery> ParseListSafeguardingActionsRequest(
    const v1::ListSafeguardingActionsRequest& request,
    const Principal& principal) {
  SafeguardingListQuery query;
  const bool all_cases = request.parent() == kAllCases;
  if (!all_cases) {
    absl::StatusOr<CaseKey> parent = ParseCaseName(request.parent(), "parent");
    if (!parent.ok()) {
      return FieldError("parent", "must be cases/{case} or cases/-");
    }
    query.case_key = *std::move(parent);
  }
  absl::StatusOr<ListFilter> filter =
      ListFilter::Parse(request.filter(), kSafeguardingListKeys);
  if (!filter.ok()) return filter.status();

  if (std::optional<std::string> v = filter->Get("case")) {
    if (!all_cases) {
      return FieldError(kFilter,
                        "case can only be used with parent cases/- (the "
                        "parent already names the case)");
    }
    std::string name = absl::StartsWith(*v, "cases/") ? *v
                                                      : absl::StrCat("cases/", *v);
    absl::StatusOr<CaseKey> key = ParseCaseName(name, kFilter);
    if (!key.ok()) {
      return FieldError(kFilter,
                        "case must be cases/{case} or a case reference such "
                        "as SP-2026-000123");
    }
    query.case_key = *std::move(key);
  }

  if (std::optional<std::string> v = filter->Get("agency")) {
    if (*v == "mine") {
      query.agency_id = principal.agency_id;
    } else {
      absl::StatusOr<std::string> id =
          ParseTopLevelName(*v, "agencies", kFilter);
      if (!id.ok()) {
        return FieldError(kFilter, "agency must be \"mine\" or agencies/{agency}");
      }
      query.agency_id = *id;
    }
  }
  // Outside the police an agency sees only the actions assigned to it.
  if (principal.agency_kind != v1::AGENCY_KIND_POLICE) {
    if (query.agency_id && *query.agency_id != principal.agency_id) {
      return absl::PermissionDeniedError(
          "you may list only the safeguarding actions assigned to your own "
          "agency (agency=mine)");
    }
    query.agency_id = principal.agency_id;
  }

  absl::StatusOr<std::optional<bool>> active = filter->GetBool("active");
  if (!active.ok()) return active.status();
  query.active = *active;
  if (absl::Status s = ParseCommonKeys(*filter, principal, query); !s.ok()) {
    return s;
  }
  query.query_text =
      absl::StrCat("safeguardingActions|", request.parent(), "|",
                   filter->Canonical());
  if (absl::Status s =
          ParsePage(request.page_size(), request.page_token(), query);
      !s.ok()) {
    return s;
  }
  return query;
}

absl::StatusOr<SafeguardingListQuery> ParseListMyWorkRequest(
    const v1::ListMyWorkRequest& request, const Principal& principal) {
  SafeguardingListQuery query;
  absl::StatusOr<ListFilter> filter =
      ListFilter::Parse(request.filter(), kMyWorkKeys);
  if (!filter.ok()) return filter.status();
  if (absl::Status s = ParseCommonKeys(*filter, principal, query); !s.ok()) {
    return s;
  }
  if (query.status && !IsActiveSafeguardingStatus(*query.status)) {
    return FieldError(kFilter,
                      "status must be OPEN, IN_PROGRESS or BLOCKED: my work "
                      "lists open actions only");
  }
  query.agency_id = principal.agency_id;
  query.active = true;
  query.query_text = absl::StrCat("myWork|", filter->Canonical());
  if (absl::Status s =
          ParsePage(request.page_size(), request.page_token(), query);
      !s.ok()) {
    return s;
  }
  return query;
}

bool MatchesSafeguardingListQuery(const SafeguardingActionFacts& action,
                                  v1::RiskLevel case_risk_level,
                                  const SafeguardingListQuery& q,
                                  absl::CivilDay today) {
  if (q.case_key) {
    if (q.case_key->by_reference() ? q.case_key->reference != action.case_reference
                                   : q.case_key->id != action.case_id) {
      return false;
    }
  }
  if (q.agency_id && *q.agency_id != action.assigned_agency_id) return false;
  if (q.assignee_id && *q.assignee_id != action.assigned_user_id) return false;
  if (q.status && *q.status != action.status) return false;
  if (q.active && *q.active != IsActiveSafeguardingStatus(action.status)) {
    return false;
  }
  if (q.overdue && *q.overdue != IsOverdue(action, today)) return false;
  if (q.due_within_days &&
      !DueWithinDays(action, today, *q.due_within_days)) {
    return false;
  }
  if (q.risk_level && *q.risk_level != case_risk_level) return false;
  if (q.type && *q.type != action.type) return false;
  if (q.priority && *q.priority != action.priority) return false;
  return true;
}

v1::MyWorkItem MakeMyWorkItem(const v1::SafeguardingAction& action,
                              absl::string_view case_reference,
                              v1::RiskLevel case_risk_level,
                              absl::CivilDay today) {
  v1::MyWorkItem item;
  item.set_action(action.name());
  if (absl::StatusOr<CaseChildName> name = ParseCaseChildName(
          action.name(), "safeguardingActions", "name");
      name.ok() && !name->case_key.by_reference()) {
    item.set_case_(CaseName(name->case_key.id));
  }
  item.set_case_reference(std::string(case_reference));
  item.set_risk_level(case_risk_level);
  item.set_type(action.type());
  item.set_status(action.status());
  item.set_priority(action.priority());
  *item.mutable_due_date() = action.due_date();
  item.set_overdue(IsSafeguardingActionOverdue(action, today));
  item.set_description(action.description());
  item.set_assigned_user(action.assigned_user());
  *item.mutable_update_time() = action.update_time();
  return item;
}

}  // namespace casebridge::domain
