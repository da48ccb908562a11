// Test support for the Stalking Protection Order tests: orders reached
// through the real lifecycle on one fixed timeline (March 2026), and a
// valid input for every event on that timeline.
#ifndef CASEBRIDGE_TESTS_UNIT_PROTECTION_ORDER_SCENARIOS_H_
#define CASEBRIDGE_TESTS_UNIT_PROTECTION_ORDER_SCENARIOS_H_

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/protection_order_types.h"
#include "gtest/gtest.h"

namespace casebridge::domain::scenarios {

inline constexpr OrderKind kFull = v1::PROTECTION_ORDER_KIND_FULL;
inline constexpr OrderKind kInterim = v1::PROTECTION_ORDER_KIND_INTERIM;

// A UTC instant.
inline absl::Time At(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm),
                         absl::UTCTimeZone());
}

// The timeline.
inline const absl::CivilDay kApplicationDay(2026, 3, 2);
inline const absl::Time kFirstHearing = At(2026, 3, 10, 10, 0);
inline const absl::Time kAdjournedTo = At(2026, 3, 17, 10, 0);
inline const absl::CivilDay kDecisionDay(2026, 3, 17);
inline const absl::Time kServiceTime = At(2026, 3, 18, 12, 0);
// Notification after that service is due within the 3 days beginning with
// 18 March (GMT): by the end of 20 March.
inline const absl::Time kNotificationDue =
    At(2026, 3, 20, 23, 59) + absl::Seconds(59) + absl::Milliseconds(999);
inline const absl::Time kNotifyTime = At(2026, 3, 19, 9, 0);
inline const absl::Time kBreachTime = At(2026, 3, 19, 12, 0);
inline const absl::CivilDay kLaterApplicationDay(2026, 3, 20);
inline const absl::Time kChangeTime = At(2026, 3, 21, 9, 0);
inline const absl::CivilDay kLaterDecisionDay(2026, 3, 25);
inline const absl::Time kLaterHearing = At(2026, 3, 30, 10, 0);
inline const absl::Time kNow = At(2026, 4, 1, 12, 0);
// Ends: a full order for 3 years; an interim order to the end of June.
inline const absl::CivilDay kFullEnd(2029, 3, 16);
inline const absl::CivilDay kInterimEnd(2026, 6, 30);
inline const absl::CivilDay kFullRenewedEnd(2030, 3, 16);
inline const absl::CivilDay kInterimRenewedEnd(2026, 9, 30);

inline absl::CivilDay EndFor(OrderKind kind) {
  return kind == kInterim ? kInterimEnd : kFullEnd;
}
// A time after the order of `kind` (made on the timeline) expired.
inline absl::Time ExpiredNow(OrderKind kind) {
  return kind == kInterim ? At(2026, 7, 1, 12, 0) : At(2029, 3, 17, 12, 0);
}

inline std::vector<OrderTerm> Terms1() {
  return {
      OrderTerm{v1::ORDER_TERM_KIND_PROHIBITION,
                "Not to contact the protected person directly or "
                "indirectly",
                std::nullopt},
      OrderTerm{v1::ORDER_TERM_KIND_PROHIBITION,
                "Not to enter the exclusion zone",
                GeographicLimit{"Hanley town centre inside the ring road", 0}}};
}
inline std::vector<OrderTerm> Terms2() {
  std::vector<OrderTerm> t = Terms1();
  t.push_back(OrderTerm{v1::ORDER_TERM_KIND_REQUIREMENT,
                        "Attend a perpetrator programme", std::nullopt});
  return t;
}
inline std::vector<OrderTerm> Terms3() {
  std::vector<OrderTerm> t = Terms2();
  t[1].geographic_limit->distance_metres = 200;
  return t;
}

inline DecisionInput Decision(absl::CivilDay day) {
  DecisionInput in;
  in.decision_date = day;
  in.court = "North Staffordshire Justice Centre";
  return in;
}
inline DecisionInput Making(absl::CivilDay day, OrderKind kind) {
  DecisionInput in = Decision(day);
  in.terms = Terms1();
  in.duration = OrderDuration::FixedUntil(EndFor(kind));
  return in;
}

inline LinkedOrderFacts LinkedFor(OrderKind kind) {
  LinkedOrderFacts linked;
  if (kind == kInterim) {
    linked.main_kind = kFull;
    linked.main_status = v1::PROTECTION_ORDER_STATUS_APPLIED;
  }
  return linked;
}

inline OrderFacts Consider(OrderKind kind) {
  ConsiderInput in;
  in.kind = kind;
  if (kind == kInterim)
    in.main_order = "cases/SP-2026-000001/protectionOrders/x";
  in.defendant = "Invented Defendant";
  auto r = ConsiderOrder(in, LinkedFor(kind), kNow);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->order : OrderFacts{};
}

// Applies one event that must succeed.
inline OrderFacts Do(const OrderFacts& o, OrderEvent event,
                     OrderEventPayload payload, absl::Time now = kNow) {
  auto r = ApplyOrderEvent(o, OrderEventInput{event, std::move(payload)}, now);
  EXPECT_TRUE(r.ok()) << OrderEventName(event) << " from "
                      << OrderStatusName(EffectiveStatus(o, now)) << ": "
                      << r.status();
  return r.ok() ? r->order : o;
}

inline ApplyInput Application() {
  ApplyInput in;
  in.application_date = kApplicationDay;
  in.court = "North Staffordshire Justice Centre";
  in.terms = Terms1();
  return in;
}

inline ChangeApplicationInput ChangeApplication(OrderEvent event,
                                                OrderKind kind) {
  ChangeApplicationInput in;
  in.applicant = v1::ORDER_PARTY_POLICE;
  in.application_date = kLaterApplicationDay;
  in.grounds = "Continued contact attempts";
  if (event == v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION) {
    in.proposed_terms = Terms2();
  }
  if (event == v1::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL) {
    in.proposed_duration = OrderDuration::FixedUntil(
        kind == kInterim ? kInterimRenewedEnd : kFullRenewedEnd);
  }
  return in;
}

inline AppealInput Appeal(v1::OrderParty appellant) {
  return AppealInput{appellant, kLaterApplicationDay,
                     "Stoke-on-Trent Crown Court", "Grounds of appeal"};
}

inline Notification NotificationAt(absl::Time t) {
  return Notification{t,
                      {"Invented Defendant"},
                      "1 Invented Street, Stoke",
                      "Receipt 42 given by PC 1234"};
}

inline OrderFacts Granted(OrderKind kind) {
  OrderFacts o = Consider(kind);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  return Do(o, v1::PROTECTION_ORDER_EVENT_GRANT, Making(kDecisionDay, kind));
}

inline OrderFacts Served(OrderKind kind) {
  return Do(Granted(kind), v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
            ServiceInput{kServiceTime, "personally", ""});
}

// A valid input for `event` on an order reached by Reach(from, kind, event).
inline OrderEventInput InputFor(OrderEvent event, OrderStatus from,
                                OrderKind kind) {
  using E = v1::ProtectionOrderEvent;
  switch (event) {
    case E::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION: {
      DraftInput in;
      in.court = "Another magistrates' court";
      return {event, in};
    }
    case E::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE:
      return {event, NotPursuedInput{"Victim moved out of area"}};
    case E::PROTECTION_ORDER_EVENT_APPLY:
      return {event, Application()};
    case E::PROTECTION_ORDER_EVENT_LIST_HEARING:
      return {event, HearingInput{kLaterHearing,
                                  "North Staffordshire Justice "
                                  "Centre",
                                  "", std::nullopt, ""}};
    case E::PROTECTION_ORDER_EVENT_ADJOURN_HEARING:
      return {event, HearingInput{absl::Time(), "", "Defendant ill",
                                  std::nullopt, ""}};
    case E::PROTECTION_ORDER_EVENT_GRANT:
      return {event, Making(kDecisionDay, kind)};
    case E::PROTECTION_ORDER_EVENT_REFUSE:
    case E::PROTECTION_ORDER_EVENT_WITHDRAW:
      return {event, Decision(kDecisionDay)};
    case E::PROTECTION_ORDER_EVENT_RECORD_SERVICE:
      return {event, ServiceInput{kServiceTime, "personally", ""}};
    case E::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION:
      return {event, NotificationInput{NotificationAt(kNotifyTime)}};
    case E::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE:
      return {event,
              DetailsChangeInput{v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE,
                                 kChangeTime, "Moved to Leek"}};
    case E::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION:
    case E::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL:
    case E::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE:
      return {event, ChangeApplication(event, kind)};
    case E::PROTECTION_ORDER_EVENT_GRANT_VARIATION:
    case E::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL: {
      DecisionInput in = Decision(kLaterDecisionDay);
      in.terms = Terms3();
      return {event, in};
    }
    case E::PROTECTION_ORDER_EVENT_GRANT_RENEWAL:
    case E::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE:
    case E::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION:
    case E::PROTECTION_ORDER_EVENT_WITHDRAW_APPLICATION:
    case E::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL:
      return {event, Decision(kLaterDecisionDay)};
    case E::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL:
      return {event, from == v1::PROTECTION_ORDER_STATUS_REFUSED
                         ? Making(kLaterDecisionDay, kind)
                         : Decision(kLaterDecisionDay)};
    case E::PROTECTION_ORDER_EVENT_LODGE_APPEAL:
      return {event, Appeal(from == v1::PROTECTION_ORDER_STATUS_REFUSED
                                ? v1::ORDER_PARTY_POLICE
                                : v1::ORDER_PARTY_DEFENDANT)};
    case E::PROTECTION_ORDER_EVENT_SUPERSEDE:
      return {event, SupersedeInput{kLaterDecisionDay}};
    case E::PROTECTION_ORDER_EVENT_RECORD_BREACH:
      return {event,
              BreachInput{kBreachTime, "Waited outside her workplace", ""}};
    default:
      return {event, NotPursuedInput{}};
  }
}

inline bool IsAppealDecision(OrderEvent e) {
  return e == v1::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL ||
         e == v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL ||
         e == v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL;
}

// The effective time for an order reached in `status`.
inline absl::Time NowFor(OrderStatus status, OrderKind kind) {
  return status == v1::PROTECTION_ORDER_STATUS_EXPIRED ? ExpiredNow(kind)
                                                       : kNow;
}

// An order of `kind` in (effective) `status` at NowFor(status, kind), with
// whatever `next` needs to be legal there (a pending application or appeal,
// a listed hearing) already recorded. SUPERSEDED is interim only.
inline OrderFacts Reach(OrderStatus status, OrderKind kind, OrderEvent next) {
  using S = v1::ProtectionOrderStatus;
  using E = v1::ProtectionOrderEvent;
  OrderFacts o = Consider(kind);
  if (status == S::PROTECTION_ORDER_STATUS_CONSIDERED) return o;
  if (status == S::PROTECTION_ORDER_STATUS_NOT_PURSUED) {
    return Do(o, E::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE,
              NotPursuedInput{"Not proportionate"});
  }
  o = Do(o, E::PROTECTION_ORDER_EVENT_APPLY, Application());
  switch (status) {
    case S::PROTECTION_ORDER_STATUS_APPLIED:
      return o;
    case S::PROTECTION_ORDER_STATUS_WITHDRAWN:
      return Do(o, E::PROTECTION_ORDER_EVENT_WITHDRAW, Decision(kDecisionDay));
    case S::PROTECTION_ORDER_STATUS_LISTED:
    case S::PROTECTION_ORDER_STATUS_ADJOURNED:
      o = Do(o, E::PROTECTION_ORDER_EVENT_LIST_HEARING,
             HearingInput{kFirstHearing, "North Staffordshire Justice Centre",
                          "", std::nullopt, ""});
      if (status == S::PROTECTION_ORDER_STATUS_ADJOURNED) {
        o = Do(o, E::PROTECTION_ORDER_EVENT_ADJOURN_HEARING,
               HearingInput{absl::Time(), "", "Interpreter needed",
                            kAdjournedTo, ""});
      }
      return o;
    case S::PROTECTION_ORDER_STATUS_REFUSED:
      o = Do(o, E::PROTECTION_ORDER_EVENT_REFUSE, Decision(kDecisionDay));
      if (IsAppealDecision(next) ||
          next == E::PROTECTION_ORDER_EVENT_LIST_HEARING ||
          next == E::PROTECTION_ORDER_EVENT_ADJOURN_HEARING) {
        o = Do(o, E::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
               Appeal(v1::ORDER_PARTY_POLICE));
      }
      if (next == E::PROTECTION_ORDER_EVENT_ADJOURN_HEARING) {
        o = Do(o, E::PROTECTION_ORDER_EVENT_LIST_HEARING,
               HearingInput{kLaterHearing, "Stoke-on-Trent Crown Court", "",
                            std::nullopt, ""});
      }
      return o;
    default:
      break;
  }
  o = Do(o, E::PROTECTION_ORDER_EVENT_GRANT, Making(kDecisionDay, kind));
  if (status != S::PROTECTION_ORDER_STATUS_GRANTED) {
    o = Do(o, E::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
           ServiceInput{kServiceTime, "personally", ""});
  }
  const bool ended = status == S::PROTECTION_ORDER_STATUS_DISCHARGED ||
                     status == S::PROTECTION_ORDER_STATUS_SUPERSEDED ||
                     status == S::PROTECTION_ORDER_STATUS_EXPIRED ||
                     status == S::PROTECTION_ORDER_STATUS_QUASHED;
  if (ended) {
    if (IsAppealDecision(next) ||
        status == S::PROTECTION_ORDER_STATUS_QUASHED) {
      o = Do(o, E::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
             Appeal(v1::ORDER_PARTY_DEFENDANT));
    }
    switch (status) {
      case S::PROTECTION_ORDER_STATUS_QUASHED:
        return Do(o, E::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL,
                  Decision(kLaterDecisionDay));
      case S::PROTECTION_ORDER_STATUS_DISCHARGED:
        o = Do(o, E::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE,
               ChangeApplication(E::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE,
                                 kind));
        return Do(o, E::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE,
                  Decision(kLaterDecisionDay));
      case S::PROTECTION_ORDER_STATUS_SUPERSEDED:
        return Do(o, E::PROTECTION_ORDER_EVENT_SUPERSEDE,
                  SupersedeInput{kLaterDecisionDay});
      default:
        return o;  // EXPIRED: read at ExpiredNow(kind).
    }
  }
  // GRANTED or SERVED: what the next event needs.
  switch (next) {
    case E::PROTECTION_ORDER_EVENT_LIST_HEARING:
    case E::PROTECTION_ORDER_EVENT_ADJOURN_HEARING:
    case E::PROTECTION_ORDER_EVENT_GRANT_VARIATION:
    case E::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION:
    case E::PROTECTION_ORDER_EVENT_WITHDRAW_APPLICATION:
      o = Do(o, E::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
             ChangeApplication(E::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
                               kind));
      if (next == E::PROTECTION_ORDER_EVENT_ADJOURN_HEARING) {
        o = Do(o, E::PROTECTION_ORDER_EVENT_LIST_HEARING,
               HearingInput{kLaterHearing, "North Staffordshire Justice Centre",
                            "", std::nullopt, ""});
      }
      break;
    case E::PROTECTION_ORDER_EVENT_GRANT_RENEWAL:
      o = Do(
          o, E::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL,
          ChangeApplication(E::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL, kind));
      break;
    case E::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE:
      o = Do(o, E::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE,
             ChangeApplication(E::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE,
                               kind));
      break;
    case E::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL:
    case E::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL:
    case E::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL:
      o = Do(o, E::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
             Appeal(v1::ORDER_PARTY_DEFENDANT));
      break;
    default:
      break;
  }
  return o;
}

}  // namespace casebridge::domain::scenarios

#endif  // CASEBRIDGE_TESTS_UNIT_PROTECTION_ORDER_SCENARIOS_H_
