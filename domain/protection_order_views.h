#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_VIEWS_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_VIEWS_H_

// How orders are read: the API message (with every derived field computed at
// `now`), the reverse for storage that keeps an order as its message, and the
// List filter.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "casebridge/v1/common.pb.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "domain/protection_order_types.h"

namespace casebridge::domain {

// Every field of the order except those the service owns: name, etag,
// create_time, update_time, interim_orders. Derived fields (status,
// active, notification statuses, appeal_pending, counts, end_time...) are
// computed at `now`.
v1::ProtectionOrder OrderToProto(const OrderFacts& order, absl::Time now);

// The stored facts back from an OrderToProto message, the stored status
// (the message carries only the effective one) and every terms version,
// oldest first (the message carries only the current terms; the versions
// are read with the history, which partners do not see). Derived fields are
// ignored; `linked` is left empty for the service to load. Malformed data
// is DATA_LOSS.
absl::StatusOr<OrderFacts> OrderFromProto(
    const v1::ProtectionOrder& proto, OrderStatus stored_status,
    absl::Span<const v1::OrderTermsVersion> versions);

// sequence and actor are the service's.
v1::OrderHistoryEntry HistoryEntryToProto(const OrderHistoryRecord& record);
v1::OrderTermsVersion TermsVersionToProto(const TermsVersion& version);
v1::OrderTerm TermToProto(const OrderTerm& term);
// A geographic limit in words, for every reader: "within 100 metres of the
// protected person's home", "Hanley town centre inside the ring road". A
// protected place is named by what it is, never by its address.
std::string DescribeGeographicLimit(const v1::GeographicLimit& limit);
v1::OrderDuration DurationToProto(const OrderDuration& duration);

// ---- ListProtectionOrders filter -------------------------------------------

inline constexpr absl::string_view kOrderListFilterKeys[] = {
    "status", "kind", "active", "notification_overdue", "expiring_within_days"};
inline constexpr int64_t kMaxExpiringWithinDays = 3650;

struct OrderListFilter {
  // An effective status: EXPIRED matches GRANTED/SERVED orders past their end.
  std::optional<OrderStatus> status;
  std::optional<OrderKind> kind;
  std::optional<bool> active;
  std::optional<bool> notification_overdue;
  // Active, fixed period, last day no later than today (UK) + N days.
  std::optional<int64_t> expiring_within_days;
};

// INVALID_ARGUMENT naming `filter` for unknown keys or bad values.
absl::StatusOr<OrderListFilter> ParseOrderListFilter(absl::string_view filter);
bool MatchesOrderListFilter(const OrderFacts& order,
                            const OrderListFilter& filter, absl::Time now);
// Whether a caller with `view` of the cases listed may filter with `filter`:
// only on what the view shows of an order, or the matches would tell what
// it hides. The safeguarding view sees that an order is in force, its kind
// and when it ends, not its status (granted or served) nor its
// notifications: PERMISSION_DENIED for status and notification_overdue.
absl::Status CheckOrderListFilterForView(const OrderListFilter& filter,
                                         v1::CaseView view);
// Active at `now` with a fixed end date no later than today + `days`.
bool ExpiresWithinDays(const OrderFacts& order, int64_t days, absl::Time now);

// ---- Which orders each view of a case sees -----------------------------------
//
// Which fields of an order each agency reads is the visibility table's
// (domain/visibility.cc), applied to every response by domain::Redact
// (services/rpc_runner.cc). Which orders it reads at all is decided here.

// Whether the view may see the order at all: partners only see orders in
// force; to them any other order (considered, refused, ended) does not exist.
bool OrderVisibleInView(v1::CaseView view, const OrderFacts& order,
                        absl::Time now);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_VIEWS_H_
