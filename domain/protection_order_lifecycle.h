#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_LIFECYCLE_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_LIFECYCLE_H_

// The lifecycle of a Stalking Protection Order: one table of
// (status, event) -> status with guards, and the statuses derived from
// dates.
//
// Stored vs derived. The stored status moves only on events a person
// records: CONSIDERED, NOT_PURSUED, APPLIED, LISTED, ADJOURNED, GRANTED,
// SERVED, REFUSED, WITHDRAWN, DISCHARGED, QUASHED, SUPERSEDED. Everything
// that follows from the calendar alone is computed from the facts and `now`
// whenever it is read, so it is right at every read without a scheduled
// job, and nothing has to be "caught up" after downtime:
//   - EXPIRED: GRANTED or SERVED with a fixed end date whose last day has
//     ended (UK time). EffectiveStatus() returns it; it is never stored.
//   - active: EffectiveStatus is GRANTED or SERVED.
//   - notification due / notified / overdue / lapsed: per obligation, from
//     its due time (the 3 UK days beginning with the trigger's day; see
//     NotificationDueTime), its notification and the order's end.
// And what docs/DOMAIN.md ("Stalking Protection Orders") lists as states
// but which do not change what may happen next is kept as facts beside the
// status, not as more statuses (each would otherwise duplicate every row of
// the in-force states):
//   - varied / renewed: the terms versions (TermsVersion.made_by); the
//     order stays GRANTED or SERVED.
//   - appealed (upheld, quashed, varied): OrderAppeal records. An appeal
//     does not suspend an order, so the order stays in force while it is
//     pending; QUASHED is a status because the order ends.
//   - variation / renewal / discharge applied for: OrderApplication records
//     (pending until decided); DISCHARGED is a status because the order ends.
//   - served: SERVED is a status (it starts the notification clock and
//     allows breaches); "granted" before service is GRANTED.
//   - interim granted/refused/...: the same statuses with kind INTERIM.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "domain/protection_order_types.h"

namespace casebridge::domain {

// Stalking Protection Act 2019 s.9: the defendant notifies name(s) and home
// address "within the period of 3 days beginning with the date of service",
// and within 3 days beginning with the date of a change. Days, not hours:
// the day of service (or change) is the first of the 3, so the period ends
// at midnight UK time at the end of the second day after it, whatever the
// time of day it started (served 23:30 on 2 March: due by the end of 4
// March).
inline constexpr int kNotificationPeriodDays = 3;
// The last instant of the period beginning on the UK day of `start`: one
// millisecond before midnight (UK time, GMT or BST) at the end of its third
// day, so that the instant itself still reads as that day (23:59:59.999)
// and a notification at that instant is on time; anything after is late.
absl::Time NotificationDueTime(absl::Time start);
// A full order's fixed period is at least this many years, beginning with
// the day it is made.
inline constexpr int kFullOrderMinimumYears = 2;

// What a guard sees.
struct GuardArgs {
  const OrderFacts& order;
  const OrderEventInput& input;
  // The effective status the event applies to.
  OrderStatus from;
  absl::Time now;
};

// OK, or why the event may not happen: FAILED_PRECONDITION for a fact of the
// order, INVALID_ARGUMENT naming the request field for a value that the
// order's facts make wrong.
using Guard = absl::Status (*)(const GuardArgs&);

struct Transition {
  // An effective status (EXPIRED included).
  OrderStatus from;
  OrderEvent event;
  OrderStatus to;
  // UNSPECIFIED: either kind; else only orders of this kind.
  OrderKind only_kind;
  // nullptr: no guard.
  Guard guard;
};

// THE table, for tests and documentation.
absl::Span<const Transition> TransitionTable();

// The row for (from, event) that applies to `kind`, or nullptr.
const Transition* FindTransition(OrderStatus from, OrderEvent event,
                                 OrderKind kind);
// Events the table allows from `from` for `kind`, in enum order (guards not
// evaluated).
std::vector<OrderEvent> AllowedEvents(OrderStatus from, OrderKind kind);

// The status as it reads at `now`: the stored status, or EXPIRED.
OrderStatus EffectiveStatus(const OrderFacts& order, absl::Time now);
// In force at `now`: GRANTED or SERVED and not expired.
bool IsActive(const OrderFacts& order, absl::Time now);
// The instant the order stops (or stopped) having effect: the end of its
// fixed period, or the end of the day of its discharge, quashing or
// supersession, whichever is earlier. nullopt while not yet made or until
// further order.
std::optional<absl::Time> EffectEndTime(const OrderFacts& order);

// The last day a full order made on `made` may end on: 2 years beginning
// with the day it is made (made 2026-03-10 -> 2028-03-09).
absl::CivilDay MinimumFullOrderEndDate(absl::CivilDay made);

// A duration a court gives an order of `kind` made (or varied) on `made`:
// interim orders have a fixed end; no order ends before the day made; a full
// order's fixed period is at least 2 years from the day made. `field` is the
// request field ("duration"); errors name "<field>.end_date" or
// "<field>.until_further_order".
absl::Status CheckDurationForOrder(OrderKind kind, absl::CivilDay made,
                                   const OrderDuration& duration,
                                   absl::string_view field);

// CreateProtectionOrder: a new order in CONSIDERED (then NOT_PURSUED if the
// input says so). An interim order needs its main application (`linked`)
// to be a full order not yet decided. `input` is validated already
// (ParseCreateProtectionOrder).
absl::StatusOr<NewOrderResult> ConsiderOrder(const ConsiderInput& input,
                                             const LinkedOrderFacts& linked,
                                             absl::Time now);

// Applies one event. Looks up the row for (EffectiveStatus(order, now),
// event, kind): none is FAILED_PRECONDITION "cannot GRANT: full order is
// REFUSED; allowed events: LODGE_APPEAL"; then the row's guard; then the
// event's effect. `input` is validated already (the Parse* functions).
absl::StatusOr<OrderTransition> ApplyOrderEvent(const OrderFacts& order,
                                                const OrderEventInput& input,
                                                absl::Time now);

// The main application was decided on `main_decision_date`: supersede this
// interim order, or nullopt if it had already ended (expired, refused,
// withdrawn, ...) and there is nothing to supersede.
absl::StatusOr<std::optional<OrderTransition>> SupersedeInterim(
    const OrderFacts& interim, absl::CivilDay main_decision_date,
    absl::Time now);

// ---- Notification ---------------------------------------------------------

struct ObligationState {
  const NotificationObligation* obligation;
  v1::OrderNotificationStatus status;
  // Notified after the due time.
  bool late;
};

// The status of one obligation at `now`: NOTIFIED once made; LAPSED when the
// order stopped having effect before it fell due; OVERDUE once `now` is past
// the due time; otherwise DUE.
ObligationState NotificationState(const OrderFacts& order,
                                  const NotificationObligation& obligation,
                                  absl::Time now);
// Every obligation, oldest first.
std::vector<ObligationState> NotificationObligations(const OrderFacts& order,
                                                     absl::Time now);
std::vector<ObligationState> OverdueNotifications(const OrderFacts& order,
                                                  absl::Time now);
// OVERDUE if any obligation is; else DUE if any is; else NOTIFIED if any
// was made (or carried from the interim order); else UNSPECIFIED.
v1::OrderNotificationStatus NotificationSummary(const OrderFacts& order,
                                                absl::Time now);
// For loading a full order's LinkedOrderFacts: `interim` was in force until
// `full` superseded it (the day `full` was made) and the defendant's
// notification on its service was made, so serving `full` starts no clock.
bool ReplacedInterimWasNotified(const OrderFacts& interim,
                                const OrderFacts& full);

// "GRANT" for PROTECTION_ORDER_EVENT_GRANT; "SERVED" for a status.
std::string OrderEventName(OrderEvent event);
std::string OrderStatusName(OrderStatus status);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_LIFECYCLE_H_
