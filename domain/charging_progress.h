#ifndef CASEBRIDGE_DOMAIN_CHARGING_PROGRESS_H_
#define CASEBRIDGE_DOMAIN_CHARGING_PROGRESS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/charging.pb.h"
#include "domain/charging_validation.h"
#include "domain/resource_names.h"

namespace casebridge::domain {

// A Threshold decision's review counts as due this many days ahead of its
// review-by date (and stays due, and becomes overdue, once it passes).
inline constexpr int kThresholdReviewDueDays = 7;

// Charging progress for a prosecutor (docs/DOMAIN.md "Charging (CPS)"):
// where the file is, what is outstanding and overdue, what was decided.
// Pure: the figures are as of `clock` (UK calendar days). `file` must carry
// its action items.
//
//  - outstanding: items OPEN, ACCEPTED or DISPUTED while the file is live
//    (not DECIDED or WITHDRAWN); earliest due first.
//  - overdue: outstanding items whose due date is before today. An item due
//    today is not overdue; a completed or withdrawn item never is.
//  - days_since_submission: calendar days from create_time to today.
//  - threshold review: THRESHOLD_DECIDED only; due when the review-by date
//    is within kThresholdReviewDueDays of today or past; overdue when past.
v1::ChargingProgress ComputeChargingProgress(const v1::ChargingFile& file,
                                             const ChargingClock& clock);

// Where the file is, from its state, kind and items.
v1::ChargingStage ChargingStageOf(const v1::ChargingFile& file);

// An item police (or, if disputed, the CPS) still have to act on.
bool IsActionItemOutstanding(const v1::ChargingFile& file,
                             const v1::ChargingActionItem& item);

// A full file with the CPS and no decision yet: SUBMITTED or
// ACTION_PLAN_COMPLETE, kind FULL_FILE.
bool IsAwaitingDecision(const v1::ChargingFile& file);

// --- Ordering of lists -------------------------------------------------------

// RED 0, GREEN_PRIORITY 1, GREEN 2; anything else last (3).
int ChargingUrgencyRank(v1::ChargingUrgency urgency);

// Prosecutors' order: urgency rank, then oldest create_time, then file id
// (the last segment of the name, as page cursors hold it).
bool ChargingFileBefore(const v1::ChargingFile& a, const v1::ChargingFile& b);

// Keyset pagination: the sort value of a file ("0/00101769936400000000"),
// ordered as strings exactly as ChargingFileBefore orders files, with the
// file id as the cursor's tie-breaker. Storage orders by
// (urgency rank, create_time, id) and resumes after ParseChargingSortKey's
// position.
std::string ChargingSortKey(const v1::ChargingFile& file);
struct ChargingSortPosition {
  int urgency_rank = 0;
  absl::Time create_time;
};
// INVALID_ARGUMENT naming page_token if malformed.
absl::StatusOr<ChargingSortPosition> ParseChargingSortKey(
    absl::string_view key);

// --- ListChargingFiles filter ------------------------------------------------

// Keys documented on ListChargingFilesRequest.filter.
inline constexpr absl::string_view kChargingListFilterKeys[] = {
    "state",          "kind",
    "urgency",        "origin",
    "awaiting_decision", "action_plan_overdue",
    "threshold_review_due", "decided_since",
    "decided_before",
};

struct ChargingListFilter {
  std::optional<v1::ChargingFileState> state;
  std::optional<v1::ChargingFileKind> kind;
  std::optional<v1::ChargingUrgency> urgency;
  std::optional<v1::ChargingOrigin> origin;
  std::optional<bool> awaiting_decision;
  std::optional<bool> action_plan_overdue;
  std::optional<bool> threshold_review_due;
  // Decision in force: decide_time in [decided_since, decided_before).
  std::optional<absl::Time> decided_since;
  std::optional<absl::Time> decided_before;
  // Stable text of the terms, to bind page tokens to the query.
  std::string canonical;
};

// INVALID_ARGUMENT naming `filter` for unknown keys or malformed values, or
// decided_before not after decided_since.
absl::StatusOr<ChargingListFilter> ParseChargingListFilter(
    absl::string_view filter);

// A ListChargingFiles request, parsed: everything storage needs to run it.
struct ChargingListQuery {
  // Set when parent is "cases/{case}"; unset for "" or "cases/-" (every
  // file the caller can see).
  std::optional<CaseKey> parent_case;
  int page_size = 0;
  ChargingListFilter filter;
  // Position after the previous page: (sort key, file id) as issued by
  // NextChargingPageToken.
  std::optional<ChargingSortPosition> after;
  std::string after_file_id;
  // Binds page tokens to this parent and filter.
  std::string token_binding;
};
absl::StatusOr<ChargingListQuery> ParseListChargingFilesRequest(
    const v1::ListChargingFilesRequest& request);
// The token for the page after `last` (the last file of a full page), whose
// name must be cases/{case}/chargingFiles/{id}.
std::string NextChargingPageToken(const ChargingListQuery& query,
                                  const v1::ChargingFile& last);

// The meaning of each key, as a predicate: storage's SQL must select exactly
// the files this accepts (integration tests compare the two).
bool MatchesChargingListFilter(const v1::ChargingFile& file,
                               const ChargingListFilter& filter,
                               const ChargingClock& clock);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CHARGING_PROGRESS_H_
