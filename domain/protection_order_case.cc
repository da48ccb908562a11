#include "domain/protection_order_case.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

std::string KindWord(OrderKind kind) {
  return kind == v1::PROTECTION_ORDER_KIND_INTERIM ? "Interim" : "Full";
}

std::string InForce(const OrderFacts& o) {
  const TermsVersion* v = o.current_version();
  if (v == nullptr) return "";
  return v->duration.fixed()
             ? absl::StrCat("in force until ", FormatDay(*v->duration.end_date))
             : "in force until further order";
}

bool WasInForce(OrderStatus from) {
  return from == v1::PROTECTION_ORDER_STATUS_GRANTED ||
         from == v1::PROTECTION_ORDER_STATUS_SERVED;
}

}  // namespace

CaseOrderActivity ComputeCaseOrderActivity(absl::Span<const OrderFacts> orders,
                                           absl::Time now) {
  CaseOrderActivity activity;
  bool until_further_order = false;
  for (const OrderFacts& o : orders) {
    if (!IsActive(o, now)) continue;
    activity.active = true;
    const TermsVersion* v = o.current_version();
    if (v == nullptr || !v->duration.fixed()) {
      until_further_order = true;
    } else if (!activity.active_until ||
               *v->duration.end_date > *activity.active_until) {
      activity.active_until = *v->duration.end_date;
    }
  }
  if (until_further_order) activity.active_until.reset();
  return activity;
}

void AddOrderIndicators(absl::Span<const NamedOrder> orders, absl::Time now,
                        v1::Case* c) {
  bool any = false;
  for (const NamedOrder& order : orders) {
    std::vector<ObligationState> overdue =
        OverdueNotifications(order.facts, now);
    if (overdue.empty()) continue;
    any = true;
    absl::Time since = overdue.front().obligation->due_time;
    for (const ObligationState& s : overdue) {
      since = std::min(since, s.obligation->due_time);
    }
    v1::CaseFlag* flag = c->add_flags();
    flag->set_name(order.name);
    flag->set_type(v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE);
    flag->set_reason(absl::StrCat(
        "The defendant's notification under the ",
        absl::AsciiStrToLower(KindWord(order.facts.kind)),
        " protection order was due by ", FormatUkTime(since),
        " and has not been made; failing to notify is an offence"));
    *flag->mutable_raise_time() = ToProtoTime(since);
  }
  if (any) {
    v1::Recommendation* rec = c->mutable_pattern()->add_recommendations();
    rec->set_code(std::string(kRecSpoNotificationOverdue));
    rec->set_text(
        "A defendant has not notified name(s) and home address as the "
        "protection order requires: follow it up, and consider a charging "
        "referral for failing to notify");
  }
}

std::optional<std::string> SafeguardingOrderSummary(
    const OrderHistoryRecord& history, const OrderFacts& after) {
  const std::string order =
      absl::StrCat(KindWord(after.kind), " protection order");
  switch (history.event) {
    case v1::PROTECTION_ORDER_EVENT_GRANT:
      return absl::StrCat(order, " made: ", InForce(after));
    case v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION:
    case v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL:
      return absl::StrCat(order, " varied: new terms (version ",
                          history.terms_version, "), ", InForce(after));
    case v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL:
      return absl::StrCat(order, " renewed: ", InForce(after));
    case v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE:
      return absl::StrCat(order, " discharged: no longer in force");
    case v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL:
      if (history.to_status == v1::PROTECTION_ORDER_STATUS_GRANTED) {
        return absl::StrCat(order, " made on appeal: ", InForce(after));
      }
      if (!WasInForce(history.from_status)) return std::nullopt;
      return absl::StrCat(order, " quashed on appeal: no longer in force");
    case v1::PROTECTION_ORDER_EVENT_SUPERSEDE:
      if (!WasInForce(history.from_status)) return std::nullopt;
      return absl::StrCat(order,
                          " ended: the main application has been decided");
    default:
      return std::nullopt;
  }
}

}  // namespace casebridge::domain
