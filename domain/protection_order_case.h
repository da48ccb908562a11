#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_CASE_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_CASE_H_

// What a case shows of its Stalking Protection Orders: whether one is in
// force (kept on the case row, so lists can filter on it), the derived flag
// and recommendation for a defendant's overdue notification, and the
// timeline wording partners may read about an order.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/protection_order_types.h"

namespace casebridge::domain {

// cases.order_active / cases.order_active_until: an order is in force while
// GRANTED or SERVED and not past its end. The case reads as having an active
// order while `active` and today (UK) is no later than `active_until`, so
// expiry needs no job. `active_until` is the last day any order is in force,
// or nullopt when one is in force until further order (or none is).
struct CaseOrderActivity {
  bool active = false;
  std::optional<absl::CivilDay> active_until;
  friend bool operator==(const CaseOrderActivity&,
                         const CaseOrderActivity&) = default;
};
CaseOrderActivity ComputeCaseOrderActivity(absl::Span<const OrderFacts> orders,
                                           absl::Time now);

// An order of the case with its resource name.
struct NamedOrder {
  std::string name;
  OrderFacts facts;
};

// Recommendation code (see case_pattern.h for the others): a defendant's
// notification under an order of the case is overdue.
inline constexpr absl::string_view kRecSpoNotificationOverdue =
    "SPO_NOTIFICATION_OVERDUE";

// Adds, for each order whose notification is overdue at `now`, a derived
// flag FLAG_TYPE_SPO_NOTIFICATION_OVERDUE (named by the order, raised at the
// earliest overdue due time, never stored: recording the notification clears
// it), and once the SPO_NOTIFICATION_OVERDUE recommendation. Police and CPS
// see both; the visibility table (domain/visibility.cc) removes them from
// what partners read.
void AddOrderIndicators(absl::Span<const NamedOrder> orders, absl::Time now,
                        v1::Case* c);

// The wording of a timeline entry partners may read about what an event did
// to an order in force: made, varied, renewed, discharged, quashed, replaced
// (an interim order superseded). nullopt for everything else (consideration,
// the application, hearings, refusals, service, notification, applications
// and appeals pending, breaches), which police and the CPS read in the
// order's own entry. `after` is the order after the event.
std::optional<std::string> SafeguardingOrderSummary(
    const OrderHistoryRecord& history, const OrderFacts& after);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_CASE_H_
