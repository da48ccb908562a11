#include "domain/charging_progress.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "domain/charging_state.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

// Sort keys hold microseconds since the epoch shifted to be non-negative
// over the whole Timestamp range (years 1..9999), zero-padded so that string
// order is numeric order.
constexpr int64_t kSortKeyOffsetMicros = 100000000000000000;  // 1e17

std::string Plural(int n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

int64_t DaysBetween(absl::CivilDay from, absl::CivilDay to) {
  return to - from;
}

std::optional<absl::CivilDay> DueDay(const v1::ChargingActionItem& item) {
  if (!item.has_due_date()) return std::nullopt;
  return ToCivilDay(item.due_date());
}

bool DueBefore(const v1::ChargingActionItem& a,
               const v1::ChargingActionItem& b) {
  std::optional<absl::CivilDay> da = DueDay(a);
  std::optional<absl::CivilDay> db = DueDay(b);
  if (da.has_value() != db.has_value()) return da.has_value();
  if (da.has_value() && *da != *db) return *da < *db;
  return a.name() < b.name();
}

std::string DecisionText(const v1::ChargingDecision& d) {
  std::string text = absl::StrCat(
      "Decided: ",
      ShortEnumName(v1::ChargingOutcome_descriptor(), d.outcome()));
  if (d.outcome() == v1::CHARGING_OUTCOME_NO_FURTHER_ACTION) {
    absl::StrAppend(&text, " (",
                    ShortEnumName(v1::NfaReason_descriptor(), d.nfa_reason()),
                    ")");
  }
  absl::StrAppend(&text, " on the ",
                  d.test() == v1::CHARGING_TEST_THRESHOLD ? "Threshold"
                                                          : "Full Code",
                  " Test");
  return text;
}

// Copies a typed filter value out, or its error.
template <typename T>
absl::Status Read(absl::StatusOr<std::optional<T>> value,
                  std::optional<T>* out) {
  if (!value.ok()) return value.status();
  *out = *value;
  return absl::OkStatus();
}

template <typename E>
absl::Status ReadEnum(const ListFilter& filter, absl::string_view key,
                      const google::protobuf::EnumDescriptor* type,
                      std::optional<E>* out) {
  absl::StatusOr<std::optional<int>> value = filter.GetEnum(key, type);
  if (!value.ok()) return value.status();
  if (value->has_value()) *out = static_cast<E>(**value);
  return absl::OkStatus();
}

}  // namespace

bool IsActionItemOutstanding(const v1::ChargingFile& file,
                             const v1::ChargingActionItem& item) {
  return !IsFinalChargingState(file.state()) &&
         !IsActionItemResolved(item.state()) &&
         item.state() != v1::CHARGING_ACTION_ITEM_STATE_UNSPECIFIED;
}

bool IsAwaitingDecision(const v1::ChargingFile& file) {
  return file.kind() == v1::CHARGING_FILE_KIND_FULL_FILE &&
         (file.state() == v1::CHARGING_FILE_STATE_SUBMITTED ||
          file.state() == v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE);
}

v1::ChargingStage ChargingStageOf(const v1::ChargingFile& file) {
  switch (file.state()) {
    case v1::CHARGING_FILE_STATE_WITHDRAWN:
      return v1::CHARGING_STAGE_WITHDRAWN;
    case v1::CHARGING_FILE_STATE_DECIDED:
      return v1::CHARGING_STAGE_DECIDED;
    case v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED:
      return v1::CHARGING_STAGE_THRESHOLD_REVIEW_PENDING;
    case v1::CHARGING_FILE_STATE_ADVICE_GIVEN:
      return v1::CHARGING_STAGE_AWAITING_FULL_FILE;
    case v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED: {
      int outstanding = 0;
      int disputed = 0;
      for (const v1::ChargingActionItem& item : file.action_items()) {
        if (!IsActionItemOutstanding(file, item)) continue;
        ++outstanding;
        if (item.state() == v1::CHARGING_ACTION_ITEM_STATE_DISPUTED) {
          ++disputed;
        }
      }
      if (outstanding > 0) {
        return outstanding == disputed
                   ? v1::CHARGING_STAGE_AWAITING_DISPUTE_REVIEW
                   : v1::CHARGING_STAGE_AWAITING_POLICE_ACTION;
      }
      // No item outstanding (should not happen): as if the plan were
      // complete.
      [[fallthrough]];
    }
    case v1::CHARGING_FILE_STATE_SUBMITTED:
    case v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE:
      return file.kind() == v1::CHARGING_FILE_KIND_EARLY_ADVICE
                 ? v1::CHARGING_STAGE_AWAITING_ADVICE
                 : v1::CHARGING_STAGE_AWAITING_DECISION;
    default:
      return v1::CHARGING_STAGE_UNSPECIFIED;
  }
}

v1::ChargingProgress ComputeChargingProgress(const v1::ChargingFile& file,
                                             const ChargingClock& clock) {
  const absl::CivilDay today = clock.Today();
  v1::ChargingProgress p;
  p.set_name(file.name());
  p.set_case_reference(file.case_reference());
  p.set_state(file.state());
  p.set_kind(file.kind());
  p.set_urgency(file.urgency());
  p.set_origin(file.origin());
  *p.mutable_as_of() = ToProtoDate(today);
  if (file.has_create_time()) {
    const int64_t days =
        DaysBetween(clock.DayOf(ToAbslTime(file.create_time())), today);
    p.set_days_since_submission(static_cast<int32_t>(std::max<int64_t>(0, days)));
  }

  std::vector<const v1::ChargingActionItem*> outstanding;
  for (const v1::ChargingActionItem& item : file.action_items()) {
    if (IsActionItemOutstanding(file, item)) outstanding.push_back(&item);
  }
  std::sort(outstanding.begin(), outstanding.end(),
            [](const v1::ChargingActionItem* a,
               const v1::ChargingActionItem* b) { return DueBefore(*a, *b); });
  int disputed = 0;
  for (const v1::ChargingActionItem* item : outstanding) {
    *p.add_outstanding_items() = *item;
    std::optional<absl::CivilDay> due = DueDay(*item);
    if (due.has_value() && *due < today) *p.add_overdue_items() = *item;
    if (item->state() == v1::CHARGING_ACTION_ITEM_STATE_DISPUTED) ++disputed;
  }
  if (!outstanding.empty() && DueDay(*outstanding.front()).has_value()) {
    *p.mutable_next_due_date() = outstanding.front()->due_date();
  }

  const v1::ChargingStage stage = ChargingStageOf(file);
  p.set_stage(stage);
  if (file.state() == v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED &&
      file.decision().has_threshold_review_by()) {
    std::optional<absl::CivilDay> review_by =
        ToCivilDay(file.decision().threshold_review_by());
    if (review_by.has_value()) {
      const int64_t days = DaysBetween(today, *review_by);
      *p.mutable_threshold_review_by() = file.decision().threshold_review_by();
      p.set_days_to_threshold_review(static_cast<int32_t>(days));
      p.set_threshold_review_due(days <= kThresholdReviewDueDays);
      p.set_threshold_review_overdue(days < 0);
    }
  }

  if (file.has_decision()) *p.mutable_decision() = file.decision();
  if (file.has_first_hearing()) *p.mutable_first_hearing() = file.first_hearing();
  *p.mutable_ancillary_orders() = file.ancillary_orders();
  if (file.has_victim_informed()) {
    *p.mutable_victim_informed() = file.victim_informed();
  }

  // One line for people.
  const int n = p.outstanding_items_size();
  const int overdue = p.overdue_items_size();
  std::string items = Plural(n, "action item", "action items");
  absl::StrAppend(&items, " outstanding");
  if (disputed > 0) absl::StrAppend(&items, " (", disputed, " disputed)");
  if (overdue > 0) absl::StrAppend(&items, ", ", overdue, " overdue");
  std::string summary;
  switch (stage) {
    case v1::CHARGING_STAGE_AWAITING_ADVICE:
      summary = "With the CPS for early advice";
      break;
    case v1::CHARGING_STAGE_AWAITING_DECISION:
      summary = "With the CPS for a charging decision";
      break;
    case v1::CHARGING_STAGE_AWAITING_POLICE_ACTION:
      summary = absl::StrCat("With police: ", items);
      break;
    case v1::CHARGING_STAGE_AWAITING_DISPUTE_REVIEW:
      summary = absl::StrCat("With the CPS to review disputed items: ", items);
      break;
    case v1::CHARGING_STAGE_AWAITING_FULL_FILE:
      summary = "With police: full file to submit after early advice";
      break;
    case v1::CHARGING_STAGE_THRESHOLD_REVIEW_PENDING: {
      summary = "Charged on the Threshold Test: Full Code review";
      if (p.has_threshold_review_by()) {
        const int days = p.days_to_threshold_review();
        absl::StrAppend(
            &summary, " by ", FormatDay(*ToCivilDay(p.threshold_review_by())),
            days < 0 ? absl::StrCat(" (overdue by ",
                                    Plural(-days, "day", "days"), ")")
            : days == 0
                ? std::string(" (due today)")
                : absl::StrCat(" (in ", Plural(days, "day", "days"), ")"));
      }
      if (n > 0) absl::StrAppend(&summary, "; ", items);
      break;
    }
    case v1::CHARGING_STAGE_DECIDED:
      summary = DecisionText(file.decision());
      break;
    case v1::CHARGING_STAGE_WITHDRAWN:
      summary = "Withdrawn by police";
      break;
    default:
      summary = "Unknown";
      break;
  }
  p.set_stage_summary(std::move(summary));
  return p;
}

int ChargingUrgencyRank(v1::ChargingUrgency urgency) {
  switch (urgency) {
    case v1::CHARGING_URGENCY_RED:
      return 0;
    case v1::CHARGING_URGENCY_GREEN_PRIORITY:
      return 1;
    case v1::CHARGING_URGENCY_GREEN:
      return 2;
    default:
      return 3;
  }
}

bool ChargingFileBefore(const v1::ChargingFile& a, const v1::ChargingFile& b) {
  const int ra = ChargingUrgencyRank(a.urgency());
  const int rb = ChargingUrgencyRank(b.urgency());
  if (ra != rb) return ra < rb;
  const absl::Time ta = ToAbslTime(a.create_time());
  const absl::Time tb = ToAbslTime(b.create_time());
  if (ta != tb) return ta < tb;
  return IdOf(a.name()) < IdOf(b.name());
}

std::string ChargingSortKey(const v1::ChargingFile& file) {
  const int64_t micros =
      absl::ToUnixMicros(ToAbslTime(file.create_time())) + kSortKeyOffsetMicros;
  return absl::StrFormat("%d/%020d", ChargingUrgencyRank(file.urgency()),
                         micros);
}

absl::StatusOr<ChargingSortPosition> ParseChargingSortKey(
    absl::string_view key) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, '/');
  int rank;
  int64_t micros;
  if (parts.size() != 2 || parts[0].size() != 1 || parts[1].size() != 20 ||
      !absl::SimpleAtoi(parts[0], &rank) ||
      !absl::SimpleAtoi(parts[1], &micros) || rank < 0 || rank > 3 ||
      micros < 0) {
    return InvalidPageToken();
  }
  // Within what a file's create_time can be, before it reaches SQL.
  absl::StatusOr<absl::Time> created = CursorTimeFromMicros(micros - kSortKeyOffsetMicros);
  if (!created.ok()) return created.status();
  return ChargingSortPosition{rank, *created};
}

absl::StatusOr<ChargingListFilter> ParseChargingListFilter(
    absl::string_view text) {
  absl::StatusOr<ListFilter> parsed =
      ListFilter::Parse(text, kChargingListFilterKeys);
  if (!parsed.ok()) return parsed.status();
  ChargingListFilter f;
  f.canonical = parsed->Canonical();

  CB_RETURN_IF_ERROR(ReadEnum(*parsed, "state",
                              v1::ChargingFileState_descriptor(), &f.state));
  CB_RETURN_IF_ERROR(
      ReadEnum(*parsed, "kind", v1::ChargingFileKind_descriptor(), &f.kind));
  CB_RETURN_IF_ERROR(ReadEnum(*parsed, "urgency",
                              v1::ChargingUrgency_descriptor(), &f.urgency));
  CB_RETURN_IF_ERROR(ReadEnum(*parsed, "origin",
                              v1::ChargingOrigin_descriptor(), &f.origin));
  CB_RETURN_IF_ERROR(
      Read(parsed->GetBool("awaiting_decision"), &f.awaiting_decision));
  CB_RETURN_IF_ERROR(
      Read(parsed->GetBool("action_plan_overdue"), &f.action_plan_overdue));
  CB_RETURN_IF_ERROR(
      Read(parsed->GetBool("threshold_review_due"), &f.threshold_review_due));
  CB_RETURN_IF_ERROR(Read(parsed->GetTime("decided_since"), &f.decided_since));
  CB_RETURN_IF_ERROR(
      Read(parsed->GetTime("decided_before"), &f.decided_before));
  if (f.decided_since.has_value() && f.decided_before.has_value() &&
      *f.decided_before <= *f.decided_since) {
    return FieldError("filter", "decided_before must be after decided_since");
  }
  return f;
}

absl::StatusOr<ChargingListQuery> ParseListChargingFilesRequest(
    const v1::ListChargingFilesRequest& request) {
  ChargingListQuery q;
  if (!request.parent().empty() && request.parent() != "cases/-") {
    absl::StatusOr<CaseKey> key = ParseCaseName(request.parent(), "parent");
    if (!key.ok()) return key.status();
    q.parent_case = *std::move(key);
  }
  absl::StatusOr<int> size = ResolvePageSize(request.page_size());
  if (!size.ok()) return size.status();
  q.page_size = *size;
  absl::StatusOr<ChargingListFilter> filter =
      ParseChargingListFilter(request.filter());
  if (!filter.ok()) return filter.status();
  q.filter = *std::move(filter);
  q.token_binding = absl::StrCat(
      "chargingFiles|",
      q.parent_case.has_value() ? q.parent_case->display() : "cases/-", "|",
      q.filter.canonical);
  absl::StatusOr<std::optional<PageCursor>> cursor =
      DecodePageToken(request.page_token(), q.token_binding);
  if (!cursor.ok()) return cursor.status();
  if (cursor->has_value()) {
    // Files are named by uuid: any other id is a forged or garbled token.
    if (!IsUuid((*cursor)->id)) return InvalidPageToken();
    absl::StatusOr<ChargingSortPosition> position =
        ParseChargingSortKey((*cursor)->sort_key);
    if (!position.ok()) return position.status();
    q.after = *position;
    q.after_file_id = (*cursor)->id;
  }
  return q;
}

std::string NextChargingPageToken(const ChargingListQuery& query,
                                  const v1::ChargingFile& last) {
  return EncodePageToken(PageCursor{ChargingSortKey(last), IdOf(last.name())},
                         query.token_binding);
}

bool MatchesChargingListFilter(const v1::ChargingFile& file,
                               const ChargingListFilter& f,
                               const ChargingClock& clock) {
  if (f.state.has_value() && file.state() != *f.state) return false;
  if (f.kind.has_value() && file.kind() != *f.kind) return false;
  if (f.urgency.has_value() && file.urgency() != *f.urgency) return false;
  if (f.origin.has_value() && file.origin() != *f.origin) return false;
  if (f.awaiting_decision.has_value() &&
      IsAwaitingDecision(file) != *f.awaiting_decision) {
    return false;
  }
  if (f.action_plan_overdue.has_value() || f.threshold_review_due.has_value()) {
    const v1::ChargingProgress p = ComputeChargingProgress(file, clock);
    if (f.action_plan_overdue.has_value() &&
        (p.overdue_items_size() > 0) != *f.action_plan_overdue) {
      return false;
    }
    if (f.threshold_review_due.has_value() &&
        p.threshold_review_due() != *f.threshold_review_due) {
      return false;
    }
  }
  if (f.decided_since.has_value() || f.decided_before.has_value()) {
    if (!file.has_decision() || !file.decision().has_decide_time()) {
      return false;
    }
    const absl::Time decided = ToAbslTime(file.decision().decide_time());
    if (f.decided_since.has_value() && decided < *f.decided_since) {
      return false;
    }
    if (f.decided_before.has_value() && decided >= *f.decided_before) {
      return false;
    }
  }
  return true;
}

}  // namespace casebridge::domain
