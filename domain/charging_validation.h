#ifndef CASEBRIDGE_DOMAIN_CHARGING_VALIDATION_H_
#define CASEBRIDGE_DOMAIN_CHARGING_VALIDATION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/common.pb.h"
#include "domain/dates.h"
#include "domain/resource_names.h"

namespace casebridge::domain {

// "Now" as the charging rules see it. Due dates, review-by dates and hearing
// dates are calendar dates, and in England and Wales they run on UK civil
// time (GMT/BST), not UTC: an action item due on 1 July is not overdue at
// 00:30 BST on 1 July (23:30 UTC on 30 June). "Today" is therefore always
// domain::UkDay(now) (dates.h). Never read the clock in domain/: services
// pass the call's time, tests fixed values.
struct ChargingClock {
  absl::Time now;

  absl::CivilDay Today() const { return UkDay(now); }
  absl::CivilDay DayOf(absl::Time t) const { return UkDay(t); }
};

// Dates (v1::Date <-> absl::CivilDay, CheckDate, FormatDay) are
// domain/dates.h's.

// Limits of one file.
inline constexpr int kMaxChargingSuspects = 20;
inline constexpr int kMaxActionItemsPerPlan = 50;
inline constexpr int kMaxAncillaryOrders = 10;

// --- Names ------------------------------------------------------------------

// cases/{case}/chargingFiles/{file}
absl::StatusOr<CaseChildName> ParseChargingFileName(absl::string_view name,
                                                    absl::string_view field);

// cases/{case}/chargingFiles/{file}/actionItems/{item}
struct ActionItemName {
  CaseChildName file;
  std::string item_id;  // Canonical UUID.
};
absl::StatusOr<ActionItemName> ParseActionItemName(absl::string_view name,
                                                   absl::string_view field);
std::string ActionItemResourceName(absl::string_view case_id,
                                   absl::string_view file_id,
                                   absl::string_view item_id);

// --- Requests ---------------------------------------------------------------
// Each checks everything the request alone can tell (INVALID_ARGUMENT via
// FieldError naming the field, e.g. "charging_file.suspects[1].
// bail_return_date"). Checks that need the stored file or case (suspect
// numbers against the case, dates against the decision in force) are made by
// the Apply functions of charging_file.h, which call these first.

// The content police submit: kind, urgency, suspects, proposed_offences,
// summary. `prefix` is the field path of the message ("charging_file").
absl::Status ValidateChargingFileContent(const v1::ChargingFile& file,
                                         absl::string_view prefix,
                                         const ChargingClock& clock);

absl::Status ValidateSubmitChargingFileRequest(
    const v1::SubmitChargingFileRequest& request, const ChargingClock& clock);
absl::Status ValidateSubmitFullFileRequest(
    const v1::SubmitFullFileRequest& request, const ChargingClock& clock);
absl::Status ValidateGetChargingFileRequest(
    const v1::GetChargingFileRequest& request);
absl::Status ValidateGetChargingProgressRequest(
    const v1::GetChargingProgressRequest& request);
absl::Status ValidateRespondToActionItemRequest(
    const v1::RespondToActionItemRequest& request);
absl::Status ValidateReviewActionItemRequest(
    const v1::ReviewActionItemRequest& request, const ChargingClock& clock);
absl::Status ValidateWithdrawChargingFileRequest(
    const v1::WithdrawChargingFileRequest& request);
absl::Status ValidateRecordAdviceRequest(
    const v1::RecordAdviceRequest& request);
absl::Status ValidateIssueActionPlanRequest(
    const v1::IssueActionPlanRequest& request, const ChargingClock& clock);
absl::Status ValidateRecordDecisionRequest(
    const v1::RecordDecisionRequest& request, const ChargingClock& clock);
absl::Status ValidateReviewThresholdDecisionRequest(
    const v1::ReviewThresholdDecisionRequest& request,
    const ChargingClock& clock);
absl::Status ValidateRecordDecisionFollowUpRequest(
    const v1::RecordDecisionFollowUpRequest& request,
    const ChargingClock& clock);

// The decision's own rules (test, outcome, offences, reasons, dates), with
// `prefix` its field path ("decision").
absl::Status ValidateChargingDecision(const v1::ChargingDecision& decision,
                                      absl::string_view prefix,
                                      const ChargingClock& clock);

// The day a decision counts as made: its decision_date, or the day it was
// recorded.
absl::CivilDay EffectiveDecisionDay(const v1::ChargingDecision& decision,
                                    const ChargingClock& clock);

// Follow-up details against the decision they follow (first hearing only
// after a CHARGE and not before the decision; a restraining order only with
// a CHARGE; the victim told no earlier than the decision). `field` prefixes
// are the request's ("first_hearing", "ancillary_orders",
// "victim_informed").
absl::Status CheckFirstHearingAgainstDecision(
    const v1::FirstHearing& hearing, const v1::ChargingDecision& decision,
    const ChargingClock& clock);
absl::Status CheckAncillaryOrdersAgainstDecision(
    const google::protobuf::RepeatedPtrField<v1::AncillaryOrder>& orders,
    const v1::ChargingDecision& decision);
absl::Status CheckVictimInformedAgainstDecision(
    const v1::VictimInformed& informed, const v1::ChargingDecision& decision,
    const ChargingClock& clock);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CHARGING_VALIDATION_H_
