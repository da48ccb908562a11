#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_REQUESTS_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_REQUESTS_H_

// Validation of ProtectionOrderService requests into event inputs. Each
// Parse* checks what can be checked from the request alone (required
// fields, text, dates not in the future, shapes that depend on the outcome)
// and returns INVALID_ARGUMENT naming the request field. What depends on the
// order (its dates, kind, pending application...) is checked by the guards
// of ApplyOrderEvent. `name` and `etag` are the service's to parse and
// compare.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "domain/protection_order_types.h"

namespace casebridge::domain {

inline constexpr size_t kMaxOrderTerms = 50;
inline constexpr size_t kMaxTermText = 2000;
inline constexpr size_t kMaxAreaText = 1000;
inline constexpr int32_t kMaxDistanceMetres = 100000;
// (Named apart from case_validation.h's kMaxProtectedPersons: both headers
// are included together by the service.)
inline constexpr size_t kMaxOrderProtectedPersons = 20;
inline constexpr size_t kMaxNotifiedNames = 10;
inline constexpr size_t kMaxAddressText = 1000;
// Times "not in the future" allow this much client clock skew.
inline constexpr absl::Duration kClockSkewAllowance = absl::Minutes(5);

// ---- Building blocks -------------------------------------------------------

// Terms, each with a kind, text and optional geographic limit; errors name
// "<field>[i].text" etc. Empty is allowed (callers decide if required).
absl::StatusOr<std::vector<OrderTerm>> ParseOrderTerms(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<v1::OrderTerm>& terms);
// nullopt when not `present`; otherwise exactly one of end_date or
// until_further_order=true.
absl::StatusOr<std::optional<OrderDuration>> ParseOrderDuration(
    absl::string_view field, const v1::OrderDuration& duration, bool present);
// A court's name: text of at most kMaxShortText characters.
absl::Status CheckCourt(absl::string_view field, absl::string_view court,
                        bool required);
// A required date no later than today (UK).
absl::StatusOr<absl::CivilDay> ParsePastDate(absl::string_view field,
                                             const v1::Date& date,
                                             absl::Time now);
// A required time no later than now (+ kClockSkewAllowance).
absl::StatusOr<absl::Time> ParsePastTime(absl::string_view field,
                                         const google::protobuf::Timestamp& ts,
                                         bool present, absl::Time now);

// ---- Requests --------------------------------------------------------------

absl::StatusOr<ConsiderInput> ParseCreateProtectionOrder(
    const v1::CreateProtectionOrderRequest& request);
// DRAFT_APPLICATION from the update_mask paths.
absl::StatusOr<OrderEventInput> ParseUpdateProtectionOrder(
    const v1::UpdateProtectionOrderRequest& request);
absl::StatusOr<OrderEventInput> ParseRecordOrderNotPursued(
    const v1::RecordOrderNotPursuedRequest& request);
absl::StatusOr<OrderEventInput> ParseApplyForOrder(
    const v1::ApplyForOrderRequest& request, absl::Time now);
// LIST_HEARING or ADJOURN_HEARING.
absl::StatusOr<OrderEventInput> ParseRecordHearing(
    const v1::RecordHearingRequest& request);
// GRANT, REFUSE or WITHDRAW.
absl::StatusOr<OrderEventInput> ParseRecordCourtDecision(
    const v1::RecordCourtDecisionRequest& request, absl::Time now);
absl::StatusOr<OrderEventInput> ParseRecordService(
    const v1::RecordServiceRequest& request, absl::Time now);
absl::StatusOr<OrderEventInput> ParseRecordNotification(
    const v1::RecordNotificationRequest& request, absl::Time now);
absl::StatusOr<OrderEventInput> ParseRecordDetailsChange(
    const v1::RecordDetailsChangeRequest& request, absl::Time now);
absl::StatusOr<OrderEventInput> ParseApplyForVariation(
    const v1::ApplyForVariationRequest& request, absl::Time now);
absl::StatusOr<OrderEventInput> ParseApplyForRenewal(
    const v1::ApplyForRenewalRequest& request, absl::Time now);
absl::StatusOr<OrderEventInput> ParseApplyForDischarge(
    const v1::ApplyForDischargeRequest& request, absl::Time now);

// A decision on the pending variation, renewal or discharge: which event it
// is depends on the order, see ApplicationDecisionEvent.
struct ApplicationDecision {
  v1::OrderDecisionOutcome outcome = v1::ORDER_DECISION_OUTCOME_UNSPECIFIED;
  DecisionInput decision;
};
absl::StatusOr<ApplicationDecision> ParseRecordApplicationDecision(
    const v1::RecordApplicationDecisionRequest& request, absl::Time now);
// GRANT_VARIATION / GRANT_RENEWAL / GRANT_DISCHARGE by the pending
// application's type, REFUSE_APPLICATION or WITHDRAW_APPLICATION. With no
// pending application: FAILED_PRECONDITION naming the order's status.
absl::StatusOr<OrderEventInput> ApplicationDecisionEvent(
    const OrderFacts& order, const ApplicationDecision& decision,
    absl::Time now);

absl::StatusOr<OrderEventInput> ParseRecordAppeal(
    const v1::RecordAppealRequest& request, absl::Time now);
// UPHOLD_ON_APPEAL, QUASH_ON_APPEAL or VARY_ON_APPEAL.
absl::StatusOr<OrderEventInput> ParseRecordAppealDecision(
    const v1::RecordAppealDecisionRequest& request, absl::Time now);
// The incident, if named, must be a well-formed incident name; the service
// checks it belongs to the order's case.
absl::StatusOr<OrderEventInput> ParseRecordBreach(
    const v1::RecordBreachRequest& request, absl::Time now);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_REQUESTS_H_
