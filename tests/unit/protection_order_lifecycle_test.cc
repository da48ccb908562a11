// The Stalking Protection Order lifecycle. The expected moves are restated
// below from docs/DOMAIN.md "Stalking Protection Orders", organised by event
// (the table in domain/protection_order_lifecycle.cc is organised by
// status), and every (status, event, kind) is checked against them: in the
// table, and by running ApplyOrderEvent on an order really in that status.
#include "domain/protection_order_lifecycle.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/dates.h"
#include "domain/validation.h"
#include "gtest/gtest.h"
#include "tests/unit/protection_order_scenarios.h"

namespace casebridge::domain {
namespace {

using namespace scenarios;  // NOLINT: test timeline and builders.
using S = v1::ProtectionOrderStatus;
using E = v1::ProtectionOrderEvent;

constexpr S kConsidered = v1::PROTECTION_ORDER_STATUS_CONSIDERED;
constexpr S kNotPursued = v1::PROTECTION_ORDER_STATUS_NOT_PURSUED;
constexpr S kApplied = v1::PROTECTION_ORDER_STATUS_APPLIED;
constexpr S kListed = v1::PROTECTION_ORDER_STATUS_LISTED;
constexpr S kAdjourned = v1::PROTECTION_ORDER_STATUS_ADJOURNED;
constexpr S kGranted = v1::PROTECTION_ORDER_STATUS_GRANTED;
constexpr S kServed = v1::PROTECTION_ORDER_STATUS_SERVED;
constexpr S kRefused = v1::PROTECTION_ORDER_STATUS_REFUSED;
constexpr S kWithdrawn = v1::PROTECTION_ORDER_STATUS_WITHDRAWN;
constexpr S kDischarged = v1::PROTECTION_ORDER_STATUS_DISCHARGED;
constexpr S kQuashed = v1::PROTECTION_ORDER_STATUS_QUASHED;
constexpr S kSuperseded = v1::PROTECTION_ORDER_STATUS_SUPERSEDED;
constexpr S kExpired = v1::PROTECTION_ORDER_STATUS_EXPIRED;
// In the rules below: the order stays in the status it was in.
constexpr S kSame = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;

// Every value of a proto enum but UNSPECIFIED, in number order.
template <typename Enum>
std::vector<Enum> AllValues(const google::protobuf::EnumDescriptor* type) {
  std::vector<Enum> all;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) {
      all.push_back(static_cast<Enum>(type->value(i)->number()));
    }
  }
  return all;
}
std::vector<S> AllStatuses() {
  return AllValues<S>(v1::ProtectionOrderStatus_descriptor());
}
std::vector<E> AllEvents() {
  return AllValues<E>(v1::ProtectionOrderEvent_descriptor());
}

struct Rule {
  E event;
  std::vector<S> from;
  S to;
  bool interim_only = false;
};

// docs/DOMAIN.md "Stalking Protection Orders", event by event.
const std::vector<Rule>& Rules() {
  static const auto* rules = new std::vector<Rule>{
      // Police consider an order, draft it, then apply or decide not to.
      {v1::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION, {kConsidered}, kSame},
      {v1::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE,
       {kConsidered},
       kNotPursued},
      {v1::PROTECTION_ORDER_EVENT_APPLY, {kConsidered}, kApplied},
      // Hearings of the application: listed, adjourned, relisted.
      {v1::PROTECTION_ORDER_EVENT_LIST_HEARING,
       {kApplied, kListed, kAdjourned},
       kListed},
      {v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING,
       {kListed, kAdjourned},
       kAdjourned},
      // ...and of a later variation/renewal/discharge or appeal.
      {v1::PROTECTION_ORDER_EVENT_LIST_HEARING,
       {kGranted, kServed, kRefused},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING,
       {kGranted, kServed, kRefused},
       kSame},
      // The court decides the undecided application.
      {v1::PROTECTION_ORDER_EVENT_GRANT,
       {kApplied, kListed, kAdjourned},
       kGranted},
      {v1::PROTECTION_ORDER_EVENT_REFUSE,
       {kApplied, kListed, kAdjourned},
       kRefused},
      {v1::PROTECTION_ORDER_EVENT_WITHDRAW,
       {kApplied, kListed, kAdjourned},
       kWithdrawn},
      // Service of a made order.
      {v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE, {kGranted}, kServed},
      // Notification: while served, and late records once ended.
      {v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
       {kServed, kDischarged, kSuperseded, kExpired},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE, {kServed}, kSame},
      // Variation, renewal, discharge of an order in force.
      {v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
       {kGranted, kServed},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL,
       {kGranted, kServed},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE,
       {kGranted, kServed},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION, {kGranted, kServed}, kSame},
      {v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL, {kGranted, kServed}, kSame},
      {v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE,
       {kGranted, kServed},
       kDischarged},
      {v1::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION,
       {kGranted, kServed},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_WITHDRAW_APPLICATION,
       {kGranted, kServed},
       kSame},
      // Appeals: the defendant against an order, police against a refusal.
      {v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
       {kGranted, kServed, kRefused},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL,
       {kGranted, kServed, kRefused, kDischarged, kSuperseded, kExpired},
       kSame},
      {v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL,
       {kGranted, kServed, kDischarged, kSuperseded, kExpired},
       kQuashed},
      {v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL, {kRefused}, kGranted},
      {v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL, {kGranted, kServed}, kSame},
      // An interim order ends when the main application is decided.
      {v1::PROTECTION_ORDER_EVENT_SUPERSEDE,
       {kConsidered, kApplied, kListed, kAdjourned, kGranted, kServed},
       kSuperseded,
       /*interim_only=*/true},
      // Breach of a served order, recorded while or after it was in force.
      {v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
       {kServed, kDischarged, kSuperseded, kExpired},
       kSame},
      // CONSIDER creates an order; it is never an event on one.
  };
  return *rules;
}

// The expected next status, or nullopt when illegal.
std::optional<S> Expected(S from, E event, OrderKind kind) {
  for (const Rule& r : Rules()) {
    if (r.event != event || (r.interim_only && kind != kInterim)) continue;
    for (S f : r.from) {
      if (f == from) return r.to == kSame ? from : r.to;
    }
  }
  return std::nullopt;
}

std::string ExpectedAllowed(S from, OrderKind kind) {
  std::vector<std::string> names;
  for (E e : AllEvents()) {  // enum order
    if (Expected(from, e, kind)) names.push_back(OrderEventName(e));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

std::string Cell(S from, E event, OrderKind kind) {
  return absl::StrCat(kind == kInterim ? "interim " : "full ",
                      OrderStatusName(from), " + ", OrderEventName(event));
}

TEST(TransitionTableTest, EveryStatusEventAndKindMatchesTheRules) {
  int legal = 0;
  int illegal = 0;
  for (OrderKind kind : {kFull, kInterim}) {
    for (S from : AllStatuses()) {
      for (E event : AllEvents()) {
        std::optional<S> want = Expected(from, event, kind);
        const Transition* row = FindTransition(from, event, kind);
        if (want) {
          ++legal;
          ASSERT_NE(row, nullptr)
              << Cell(from, event, kind) << " should be legal";
          EXPECT_EQ(row->to, *want) << Cell(from, event, kind);
        } else {
          ++illegal;
          EXPECT_EQ(row, nullptr)
              << Cell(from, event, kind) << " should be illegal";
        }
      }
    }
  }
  EXPECT_EQ(legal + illegal, 2 * 13 * 26);
  EXPECT_EQ(legal, 2 * 66 + 6);  // 66 rows for both kinds, 6 interim-only.
}

TEST(TransitionTableTest, OneRowPerStatusEventAndKindAndNoneFromUnspecified) {
  std::set<std::tuple<int, int, int>> seen;
  for (const Transition& t : TransitionTable()) {
    EXPECT_NE(t.from, v1::PROTECTION_ORDER_STATUS_UNSPECIFIED);
    if (t.to == v1::PROTECTION_ORDER_STATUS_EXPIRED) {
      EXPECT_EQ(t.from, t.to) << "EXPIRED is derived: only kept, never entered";
    }
    EXPECT_NE(t.event, v1::PROTECTION_ORDER_EVENT_CONSIDER);
    EXPECT_TRUE(seen.insert({t.from, t.event, t.only_kind}).second)
        << "duplicate row " << OrderStatusName(t.from) << " "
        << OrderEventName(t.event);
  }
}

TEST(TransitionTableTest, AllowedEventsListsTheRulesInEnumOrder) {
  for (OrderKind kind : {kFull, kInterim}) {
    for (S from : AllStatuses()) {
      std::vector<std::string> names;
      for (E e : AllowedEvents(from, kind)) names.push_back(OrderEventName(e));
      EXPECT_EQ(names.empty() ? "none" : absl::StrJoin(names, ", "),
                ExpectedAllowed(from, kind))
          << OrderStatusName(from);
    }
  }
}

TEST(TransitionTableTest, FinalStatusesAllowNothing) {
  for (OrderKind kind : {kFull, kInterim}) {
    EXPECT_TRUE(AllowedEvents(kNotPursued, kind).empty());
    EXPECT_TRUE(AllowedEvents(kWithdrawn, kind).empty());
    EXPECT_TRUE(AllowedEvents(kQuashed, kind).empty());
  }
}

// Every (status, event, kind) run on an order really in that status (for
// legal pairs, with what the event needs already recorded).
TEST(ApplyOrderEventTest, EveryStatusEventAndKindBehavesAsTheRulesSay) {
  int runs = 0;
  for (OrderKind kind : {kFull, kInterim}) {
    for (S from : AllStatuses()) {
      if (from == kSuperseded && kind == kFull) continue;  // unreachable
      for (E event : AllEvents()) {
        if (event == v1::PROTECTION_ORDER_EVENT_CONSIDER) continue;  // creation
        SCOPED_TRACE(Cell(from, event, kind));
        const absl::Time now = NowFor(from, kind);
        OrderFacts order = Reach(from, kind, event);
        ASSERT_EQ(EffectiveStatus(order, now), from);
        auto result = ApplyOrderEvent(order, InputFor(event, from, kind), now);
        ++runs;
        std::optional<S> want = Expected(from, event, kind);
        if (want) {
          ASSERT_TRUE(result.ok()) << result.status();
          EXPECT_EQ(result->history.from_status, from);
          EXPECT_EQ(result->history.to_status, *want);
          EXPECT_EQ(EffectiveStatus(result->order, now), *want);
          EXPECT_EQ(result->history.event, event);
          EXPECT_NE(result->order.status, kExpired)
              << "EXPIRED is never stored";
          EXPECT_FALSE(result->history.summary.empty());
        } else {
          ASSERT_FALSE(result.ok());
          EXPECT_EQ(result.status().code(),
                    absl::StatusCode::kFailedPrecondition);
          EXPECT_EQ(
              result.status().message(),
              absl::StrCat("cannot ", OrderEventName(event), ": ",
                           kind == kInterim ? "interim" : "full", " order is ",
                           OrderStatusName(from),
                           "; allowed events: ", ExpectedAllowed(from, kind)));
        }
      }
    }
  }
  EXPECT_EQ(runs, (13 + 12) * 25);
}

TEST(ApplyOrderEventTest, IllegalMessageNamesStatusAndAllowedEvents) {
  auto r = ApplyOrderEvent(
      Served(kInterim),
      InputFor(v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE, kServed, kInterim),
      kNow);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "cannot RECORD_SERVICE: interim order is SERVED; allowed events: "
            "LIST_HEARING, ADJOURN_HEARING, RECORD_NOTIFICATION, "
            "RECORD_DETAILS_CHANGE, APPLY_FOR_VARIATION, APPLY_FOR_RENEWAL, "
            "APPLY_FOR_DISCHARGE, GRANT_VARIATION, GRANT_RENEWAL, "
            "GRANT_DISCHARGE, REFUSE_APPLICATION, WITHDRAW_APPLICATION, "
            "LODGE_APPEAL, UPHOLD_ON_APPEAL, QUASH_ON_APPEAL, VARY_ON_APPEAL, "
            "SUPERSEDE, RECORD_BREACH");
  auto final_status = ApplyOrderEvent(
      Reach(kWithdrawn, kFull, v1::PROTECTION_ORDER_EVENT_APPLY),
      InputFor(v1::PROTECTION_ORDER_EVENT_APPLY, kWithdrawn, kFull), kNow);
  EXPECT_EQ(final_status.status().message(),
            "cannot APPLY: full order is WITHDRAWN; allowed events: none");
}

TEST(ApplyOrderEventTest, WrongPayloadOrCorruptFactsAreInternalErrors) {
  OrderFacts o = Consider(kFull);
  auto r = ApplyOrderEvent(
      o,
      OrderEventInput{v1::PROTECTION_ORDER_EVENT_APPLY, NotPursuedInput{"x"}},
      kNow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  OrderFacts expired_stored = Served(kFull);
  expired_stored.status = kExpired;
  EXPECT_EQ(ApplyOrderEvent(expired_stored,
                            InputFor(v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
                                     kServed, kFull),
                            kNow)
                .status()
                .code(),
            absl::StatusCode::kInternal);
  OrderFacts served_without_service = Served(kFull);
  served_without_service.service.reset();
  EXPECT_EQ(ApplyOrderEvent(served_without_service,
                            InputFor(v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
                                     kServed, kFull),
                            kNow)
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

// ---- Creation ---------------------------------------------------------------

TEST(ConsiderOrderTest, CreatesConsideredOrNotPursuedAtOnce) {
  ConsiderInput in;
  in.kind = kFull;
  auto r = ConsiderOrder(in, {}, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order.status, kConsidered);
  ASSERT_EQ(r->history.size(), 1u);
  EXPECT_EQ(r->history[0].event, v1::PROTECTION_ORDER_EVENT_CONSIDER);
  EXPECT_EQ(r->history[0].to_status, kConsidered);

  in.not_pursued_reason = "Victim does not support; other measures in place";
  r = ConsiderOrder(in, {}, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order.status, kNotPursued);
  EXPECT_EQ(r->order.not_pursued_reason, in.not_pursued_reason);
  ASSERT_EQ(r->history.size(), 2u);
  EXPECT_EQ(r->history[1].event,
            v1::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE);
  EXPECT_EQ(r->history[1].from_status, kConsidered);
  EXPECT_EQ(r->history[1].to_status, kNotPursued);
}

TEST(ConsiderOrderTest, InterimNeedsAnUndecidedFullMainApplication) {
  ConsiderInput in;
  in.kind = kInterim;
  in.main_order = "cases/SP-2026-000001/protectionOrders/x";
  LinkedOrderFacts linked;
  linked.main_kind = kInterim;
  linked.main_status = kApplied;
  auto r = ConsiderOrder(in, linked, kNow);
  EXPECT_EQ(FieldOf(r.status()), "protection_order.main_order");
  linked.main_kind = kFull;
  for (S main : {kConsidered, kApplied, kListed, kAdjourned}) {
    linked.main_status = main;
    EXPECT_TRUE(ConsiderOrder(in, linked, kNow).ok()) << OrderStatusName(main);
  }
  for (S main : {kGranted, kServed, kRefused, kWithdrawn, kNotPursued}) {
    linked.main_status = main;
    r = ConsiderOrder(in, linked, kNow);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition)
        << OrderStatusName(main);
    EXPECT_EQ(r.status().message(),
              absl::StrCat("the main application is ", OrderStatusName(main),
                           ": an interim order is sought with or after the "
                           "main application and before it is decided"));
  }
}

TEST(ApplyTest, InterimIsAppliedForWithOrAfterTheMainApplication) {
  OrderFacts interim = Consider(kInterim);
  interim.linked.main_status = kConsidered;
  auto r = ApplyOrderEvent(
      interim, {v1::PROTECTION_ORDER_EVENT_APPLY, Application()}, kNow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  interim.linked.main_status = kListed;
  EXPECT_TRUE(ApplyOrderEvent(interim,
                              {v1::PROTECTION_ORDER_EVENT_APPLY, Application()},
                              kNow)
                  .ok());
}

TEST(ApplyTest, UsesTheDraftAndNeedsTermsAndCourtFromOneOrOther) {
  OrderFacts o = Consider(kFull);
  ApplyInput bare;
  bare.application_date = kApplicationDay;
  auto r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_APPLY, bare}, kNow);
  EXPECT_EQ(FieldOf(r.status()), "terms");
  DraftInput draft;
  draft.proposed_terms = Terms1();
  o = Do(o, v1::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION, draft);
  r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_APPLY, bare}, kNow);
  EXPECT_EQ(FieldOf(r.status()), "court");
  draft = DraftInput{};
  draft.court = "North Staffordshire Justice Centre";
  o = Do(o, v1::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION, draft);
  r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_APPLY, bare}, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order.proposed_terms, Terms1());
  EXPECT_EQ(r->order.application_date, kApplicationDay);
  EXPECT_EQ(r->history.occur_date, kApplicationDay);
}

// ---- The 2-year minimum
// --------------------------------------------------------

TEST(DurationTest, FullOrderMinimumIsTwoYearsBeginningWithTheDayMade) {
  EXPECT_EQ(MinimumFullOrderEndDate(absl::CivilDay(2026, 3, 10)),
            absl::CivilDay(2028, 3, 9));
  // Made on a leap day: never shorter than two years.
  EXPECT_EQ(MinimumFullOrderEndDate(absl::CivilDay(2028, 2, 29)),
            absl::CivilDay(2030, 2, 28));
  EXPECT_EQ(MinimumFullOrderEndDate(absl::CivilDay(2026, 1, 1)),
            absl::CivilDay(2027, 12, 31));
}

TEST(DurationTest, GrantAtTheTwoYearBoundary) {
  OrderFacts applied =
      Do(Consider(kFull), v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  DecisionInput in = Making(absl::CivilDay(2026, 3, 10), kFull);
  in.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 3, 9));
  auto ok =
      ApplyOrderEvent(applied, {v1::PROTECTION_ORDER_EVENT_GRANT, in}, kNow);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->order.versions[0].duration.end_date,
            absl::CivilDay(2028, 3, 9));

  in.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 3, 8));
  auto short_by_a_day =
      ApplyOrderEvent(applied, {v1::PROTECTION_ORDER_EVENT_GRANT, in}, kNow);
  EXPECT_EQ(short_by_a_day.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(short_by_a_day.status()), "duration.end_date");
  EXPECT_EQ(
      short_by_a_day.status().message(),
      "duration.end_date: a full order's fixed period is at least 2 years "
      "beginning with the day it is made (2026-03-10): the end date must "
      "be on or after 2028-03-09");

  in.duration = OrderDuration::UntilFurtherOrder();
  EXPECT_TRUE(
      ApplyOrderEvent(applied, {v1::PROTECTION_ORDER_EVENT_GRANT, in}, kNow)
          .ok());
}

TEST(DurationTest, LeapDayBoundary) {
  const absl::CivilDay made(2028, 2, 29);
  EXPECT_TRUE(CheckDurationForOrder(
                  kFull, made,
                  OrderDuration::FixedUntil(absl::CivilDay(2030, 2, 28)),
                  "duration")
                  .ok());
  EXPECT_EQ(
      FieldOf(CheckDurationForOrder(
          kFull, made, OrderDuration::FixedUntil(absl::CivilDay(2030, 2, 27)),
          "duration")),
      "duration.end_date");
}

TEST(DurationTest, InterimHasAFixedEndNotBeforeTheDayMadeAndNoMinimum) {
  const absl::CivilDay made(2026, 3, 10);
  EXPECT_TRUE(CheckDurationForOrder(kInterim, made,
                                    OrderDuration::FixedUntil(made), "duration")
                  .ok());
  EXPECT_EQ(
      FieldOf(CheckDurationForOrder(
          kInterim, made, OrderDuration::FixedUntil(made - 1), "duration")),
      "duration.end_date");
  EXPECT_EQ(
      FieldOf(CheckDurationForOrder(
          kInterim, made, OrderDuration::UntilFurtherOrder(), "duration")),
      "duration.until_further_order");
  EXPECT_EQ(FieldOf(CheckDurationForOrder(kFull, made,
                                          OrderDuration::FixedUntil(made - 1),
                                          "proposed_duration")),
            "proposed_duration.end_date");
}

TEST(DurationTest, VariationCannotCutAFullOrderBelowTwoYearsFromTheDayMade) {
  OrderFacts o = Served(kFull);  // made 2026-03-17
  o = Do(
      o, v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
      ChangeApplication(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION, kFull));
  DecisionInput in = Decision(kLaterDecisionDay);
  in.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 3, 15));
  auto r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION, in},
                           kNow);
  EXPECT_EQ(FieldOf(r.status()), "duration.end_date");
  in.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 3, 16));
  EXPECT_TRUE(
      ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION, in}, kNow)
          .ok());
}

TEST(DurationTest, OrderMadeOnAppealCountsTwoYearsFromTheAppealDecision) {
  OrderFacts o =
      Reach(kRefused, kFull, v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL);
  DecisionInput in = Making(absl::CivilDay(2026, 5, 1), kFull);
  in.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 4, 29));
  auto r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL, in},
                           kNow);
  EXPECT_EQ(FieldOf(r.status()), "duration.end_date");
  in.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 4, 30));
  r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL, in},
                      kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->order.status, kGranted);
  EXPECT_EQ(r->order.made_date, absl::CivilDay(2026, 5, 1));
  EXPECT_EQ(r->order.versions.back().made_by,
            v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL);
  EXPECT_EQ(r->order.appeals.back().outcome, v1::ORDER_APPEAL_OUTCOME_QUASHED);
}

// ---- Expiry (computed)
// ----------------------------------------------------------

TEST(ExpiryTest, ExpiredFromTheEndOfTheLastDayUkTime) {
  // Full order ending 2029-03-16 (GMT): expires at 2029-03-17 00:00 UTC.
  OrderFacts o = Served(kFull);
  const absl::Time end = At(2029, 3, 17, 0, 0);
  EXPECT_EQ(EffectEndTime(o), end);
  EXPECT_EQ(EffectiveStatus(o, end - absl::Nanoseconds(1)), kServed);
  EXPECT_TRUE(IsActive(o, end - absl::Nanoseconds(1)));
  EXPECT_EQ(EffectiveStatus(o, end), kExpired);
  EXPECT_FALSE(IsActive(o, end));
  EXPECT_EQ(EffectiveStatus(o, end + absl::Hours(24 * 400)), kExpired);
  EXPECT_EQ(o.status, kServed) << "expiry is never stored";
}

TEST(ExpiryTest, SummerEndDateExpiresAtMidnightBritishSummerTime) {
  // Interim order ending 2026-06-30 (BST): expires 2026-06-30 23:00 UTC.
  OrderFacts o = Granted(kInterim);
  const absl::Time end = At(2026, 6, 30, 23, 0);
  EXPECT_EQ(EffectiveStatus(o, end - absl::Seconds(1)), kGranted);
  EXPECT_EQ(EffectiveStatus(o, end), kExpired);
}

TEST(ExpiryTest, UntilFurtherOrderNeverExpires) {
  OrderFacts applied =
      Do(Consider(kFull), v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  DecisionInput in = Making(kDecisionDay, kFull);
  in.duration = OrderDuration::UntilFurtherOrder();
  OrderFacts o = Do(applied, v1::PROTECTION_ORDER_EVENT_GRANT, in);
  EXPECT_EQ(EffectiveStatus(o, At(2099, 1, 1, 0, 0)), kGranted);
  EXPECT_EQ(EffectEndTime(o), std::nullopt);
}

TEST(ExpiryTest, RenewalMovesTheEndAndMustExtendIt) {
  OrderFacts o =
      Reach(kServed, kFull, v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL);
  DecisionInput same_end = Decision(kLaterDecisionDay);
  same_end.duration = OrderDuration::FixedUntil(kFullEnd);
  auto r = ApplyOrderEvent(
      o, {v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL, same_end}, kNow);
  EXPECT_EQ(FieldOf(r.status()), "duration.end_date");
  o = Do(o, v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL,
         Decision(kLaterDecisionDay));
  EXPECT_EQ(o.versions.back().duration.end_date, kFullRenewedEnd);
  EXPECT_EQ(o.versions.back().terms, Terms1());
  EXPECT_EQ(EffectiveStatus(o, ExpiredNow(kFull)), kServed);
  EXPECT_EQ(EffectiveStatus(o, At(2030, 3, 17, 0, 0)), kExpired);
}

TEST(ExpiryTest, CannotRenewAnOrderUntilFurtherOrder) {
  OrderFacts applied =
      Do(Consider(kFull), v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  DecisionInput in = Making(kDecisionDay, kFull);
  in.duration = OrderDuration::UntilFurtherOrder();
  OrderFacts o = Do(applied, v1::PROTECTION_ORDER_EVENT_GRANT, in);
  auto r = ApplyOrderEvent(
      o,
      InputFor(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL, kGranted, kFull),
      kNow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---- Notification clock
// ----------------------------------------------------------

TEST(NotificationTest, ServiceStartsAThreeDayClock) {
  OrderFacts o = Served(kFull);
  ASSERT_EQ(o.obligations.size(), 1u);
  const NotificationObligation& ob = o.obligations[0];
  EXPECT_EQ(ob.trigger, v1::ORDER_NOTIFICATION_TRIGGER_SERVICE);
  // Served at noon on 18 March: the 3 days are the 18th, 19th and 20th.
  EXPECT_EQ(ob.due_time, kNotificationDue);
  const absl::Time due = kNotificationDue;
  const absl::Time after = due + absl::Milliseconds(1);  // midnight, 21 March
  EXPECT_EQ(NotificationState(o, ob, kServiceTime).status,
            v1::ORDER_NOTIFICATION_STATUS_DUE);
  EXPECT_EQ(NotificationState(o, ob, due).status,
            v1::ORDER_NOTIFICATION_STATUS_DUE);
  EXPECT_TRUE(OverdueNotifications(o, due).empty());
  EXPECT_EQ(NotificationState(o, ob, after).status,
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  ASSERT_EQ(OverdueNotifications(o, after).size(), 1u);
  EXPECT_EQ(NotificationSummary(o, after),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  EXPECT_EQ(NotificationSummary(o, due), v1::ORDER_NOTIFICATION_STATUS_DUE);
  // Not 72 hours: at noon on the 21st it is long overdue.
  EXPECT_EQ(NotificationState(o, ob, kServiceTime + absl::Hours(72)).status,
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
}

// Stalking Protection Act 2019 s.9(1): "within the period of 3 days
// beginning with the date of service" (and s.9(4), of a change). The day of
// service is the first day, whatever the hour; the period ends at midnight
// UK time, GMT or BST.
TEST(NotificationTest, DueAtTheEndOfTheThirdUkDayBeginningWithTheTrigger) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto utc_at = [&](int y, int m, int d, int hh, int mm, int ss) {
    return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), utc);
  };
  auto last_ms = [&](int y, int m, int d, int hh) {  // hh:59:59.999 UTC
    return utc_at(y, m, d, hh, 59, 59) + absl::Milliseconds(999);
  };
  struct Case {
    const char* what;
    absl::Time trigger;
    absl::Time due;
  } cases[] = {
      {"served 23:30 on 2 March (GMT): due by 23:59:59.999 on 4 March",
       utc_at(2026, 3, 2, 23, 30, 0), last_ms(2026, 3, 4, 23)},
      {"served at midnight on 2 March: the same three days",
       utc_at(2026, 3, 2, 0, 0, 0), last_ms(2026, 3, 4, 23)},
      {"served 00:01 on 3 March: a day later",
       utc_at(2026, 3, 3, 0, 1, 0), last_ms(2026, 3, 5, 23)},
      {"served 27 March (GMT); clocks go forward on the 29th: due 23:59:59.999 "
       "BST on 29 March (22:59:59.999 UTC)",
       utc_at(2026, 3, 27, 23, 30, 0), last_ms(2026, 3, 29, 22)},
      {"served 00:30 BST on 1 April (23:30 UTC on 31 March): the UK day is 1 "
       "April, due by the end of 3 April BST",
       utc_at(2026, 3, 31, 23, 30, 0), last_ms(2026, 4, 3, 22)},
      {"served 10:00 BST on 23 October; clocks go back on the 25th: due "
       "23:59:59.999 GMT on 25 October",
       utc_at(2026, 10, 23, 9, 0, 0), last_ms(2026, 10, 25, 23)},
      {"served 23:30 BST on 24 October (22:30 UTC): days 24, 25, 26",
       utc_at(2026, 10, 24, 22, 30, 0), last_ms(2026, 10, 26, 23)},
      {"served on 28 February in a leap year: due 1 March",
       utc_at(2028, 2, 28, 12, 0, 0), last_ms(2028, 3, 1, 23)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(NotificationDueTime(c.trigger), c.due) << c.what;
    EXPECT_EQ(UkDay(NotificationDueTime(c.trigger)), UkDay(c.trigger) + 2)
        << c.what << ": the due instant reads as the third day";
  }

  // Through the lifecycle: granted on 17 March and served at 23:30 that
  // day, on time to the last millisecond of 19 March, overdue at midnight.
  const absl::Time late_evening = utc_at(2026, 3, 17, 23, 30, 0);
  OrderFacts o = Do(Granted(kFull), v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
                    ServiceInput{late_evening, "personally", ""},
                    late_evening + absl::Minutes(5));
  ASSERT_EQ(o.obligations.size(), 1u);
  const absl::Time due = last_ms(2026, 3, 19, 23);
  EXPECT_EQ(o.obligations[0].due_time, due);
  EXPECT_EQ(NotificationSummary(o, due), v1::ORDER_NOTIFICATION_STATUS_DUE);
  EXPECT_EQ(NotificationSummary(o, due + absl::Milliseconds(1)),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  OrderFacts notified =
      Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(due)}, due);
  EXPECT_FALSE(NotificationState(notified, notified.obligations[0], kNow).late);
}

TEST(NotificationTest, NotifiedInTimeOrLate) {
  const absl::Time due = kNotificationDue;
  OrderFacts in_time =
      Do(Served(kFull), v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(due)});
  ObligationState s = NotificationState(in_time, in_time.obligations[0], kNow);
  EXPECT_EQ(s.status, v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
  EXPECT_FALSE(s.late);
  EXPECT_EQ(NotificationSummary(in_time, kNow),
            v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);

  OrderFacts late =
      Do(Served(kFull), v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(due + absl::Minutes(1))});
  s = NotificationState(late, late.obligations[0], kNow);
  EXPECT_EQ(s.status, v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
  EXPECT_TRUE(s.late);
  EXPECT_TRUE(OverdueNotifications(late, kNow).empty());
}

TEST(NotificationTest, NothingOutstandingOrNotifiedBeforeTheClockStarted) {
  OrderFacts o = Served(kFull);
  auto early = ApplyOrderEvent(
      o,
      {v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
       NotificationInput{NotificationAt(kServiceTime - absl::Hours(1))}},
      kNow);
  EXPECT_EQ(FieldOf(early.status()), "notify_time");
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(kNotifyTime)});
  auto again = ApplyOrderEvent(o,
                               {v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
                                NotificationInput{NotificationAt(kNotifyTime)}},
                               kNow);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(NotificationTest, EachChangeOfNameOrAddressStartsItsOwnClock) {
  OrderFacts o =
      Do(Served(kFull), v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(kNotifyTime)});
  const absl::Time moved = At(2026, 5, 1, 8, 0);
  const absl::Time renamed = At(2026, 5, 3, 8, 0);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE,
         DetailsChangeInput{v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE,
                            moved, "Moved to Leek"},
         renamed);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE,
         DetailsChangeInput{v1::ORDER_NOTIFICATION_TRIGGER_NAME_CHANGE, renamed,
                            "Deed poll"},
         renamed);
  ASSERT_EQ(o.obligations.size(), 3u);
  // 3 days beginning with the day of each change (BST in May): 1-3 May and
  // 3-5 May, to 23:59:59.999 BST.
  EXPECT_EQ(o.obligations[1].due_time,
            At(2026, 5, 3, 22, 59) + absl::Seconds(59) + absl::Milliseconds(999));
  EXPECT_EQ(o.obligations[2].due_time,
            At(2026, 5, 5, 22, 59) + absl::Seconds(59) + absl::Milliseconds(999));

  // 2026-05-04 09:00: the move is overdue, the new name still due.
  const absl::Time check = At(2026, 5, 4, 9, 0);
  auto states = NotificationObligations(o, check);
  EXPECT_EQ(states[0].status, v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
  EXPECT_EQ(states[1].status, v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  EXPECT_EQ(states[2].status, v1::ORDER_NOTIFICATION_STATUS_DUE);
  ASSERT_EQ(OverdueNotifications(o, check).size(), 1u);
  EXPECT_EQ(OverdueNotifications(o, check)[0].obligation->id, 2);

  // A notification made between the two changes meets only the first.
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(At(2026, 5, 2, 8, 0))}, check);
  EXPECT_TRUE(o.obligations[1].notification.has_value());
  EXPECT_FALSE(o.obligations[2].notification.has_value());
  EXPECT_EQ(NotificationSummary(o, check), v1::ORDER_NOTIFICATION_STATUS_DUE);
  EXPECT_EQ(NotificationSummary(o, o.obligations[2].due_time),
            v1::ORDER_NOTIFICATION_STATUS_DUE);
  EXPECT_EQ(NotificationSummary(
                o, o.obligations[2].due_time + absl::Milliseconds(1)),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
}

TEST(NotificationTest, ChangeBeforeServiceIsRejected) {
  auto r = ApplyOrderEvent(
      Served(kFull),
      {v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE,
       DetailsChangeInput{v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE,
                          kServiceTime - absl::Hours(1), ""}},
      kNow);
  EXPECT_EQ(FieldOf(r.status()), "change_time");
}

// Interim served and notified; the main application is granted; the full
// order is served: no new clock.
TEST(NotificationTest, FullOrderReplacingANotifiedInterimStartsNoNewClock) {
  OrderFacts interim =
      Do(Served(kInterim), v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(kNotifyTime)});
  OrderFacts main =
      Do(Consider(kFull), v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  auto granted = ApplyOrderEvent(
      main,
      {v1::PROTECTION_ORDER_EVENT_GRANT, Making(kLaterDecisionDay, kFull)},
      kNow);
  ASSERT_TRUE(granted.ok()) << granted.status();
  ASSERT_TRUE(granted->supersede_interims.has_value());
  EXPECT_EQ(granted->supersede_interims->main_decision_date, kLaterDecisionDay);

  auto superseded = SupersedeInterim(interim, kLaterDecisionDay, kNow);
  ASSERT_TRUE(superseded.ok()) << superseded.status();
  ASSERT_TRUE(superseded->has_value());
  interim = (*superseded)->order;
  EXPECT_EQ(interim.status, kSuperseded);
  EXPECT_EQ(interim.end_time, EndOfUkDay(kLaterDecisionDay));

  OrderFacts full = granted->order;
  EXPECT_TRUE(ReplacedInterimWasNotified(interim, full));
  full.linked.replaced_interim_notified = true;
  auto served =
      ApplyOrderEvent(full,
                      {v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
                       ServiceInput{At(2026, 3, 26, 10, 0), "in court", ""}},
                      kNow);
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_TRUE(served->order.obligations.empty());
  EXPECT_TRUE(served->order.notification_carried_from_interim);
  EXPECT_EQ(NotificationSummary(served->order, At(2026, 6, 1, 0, 0)),
            v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
  EXPECT_TRUE(
      OverdueNotifications(served->order, At(2026, 6, 1, 0, 0)).empty());
  // A later change of address on the full order still starts a clock.
  OrderFacts moved =
      Do(served->order, v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE,
         DetailsChangeInput{v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE,
                            At(2026, 4, 10, 9, 0), ""},
         At(2026, 4, 10, 9, 0));
  ASSERT_EQ(moved.obligations.size(), 1u);
  EXPECT_EQ(NotificationSummary(moved, At(2026, 4, 14, 0, 0)),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
}

TEST(NotificationTest, FullOrderReplacingAnUnnotifiedInterimStartsItsOwnClock) {
  OrderFacts interim = Served(kInterim);  // due by the end of 2026-03-20, not made
  auto superseded = SupersedeInterim(interim, kLaterDecisionDay, kNow);
  ASSERT_TRUE(superseded.ok() && superseded->has_value());
  interim = (*superseded)->order;
  OrderFacts full = Granted(kFull);
  full.made_date = kLaterDecisionDay;
  EXPECT_FALSE(ReplacedInterimWasNotified(interim, full));
  // The interim obligation fell due while it was in force: still overdue.
  EXPECT_EQ(NotificationSummary(interim, kNow),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  OrderFacts served = Do(full, v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
                         ServiceInput{At(2026, 3, 26, 10, 0), "", ""});
  ASSERT_EQ(served.obligations.size(), 1u);
  // The 26th, 27th and 28th (GMT; BST starts on the 29th).
  EXPECT_EQ(served.obligations[0].due_time,
            At(2026, 3, 28, 23, 59) + absl::Seconds(59) + absl::Milliseconds(999));
}

TEST(NotificationTest, ObligationLapsesWhenTheOrderEndsBeforeItFallsDue) {
  // Interim served 2026-03-18 12:00 (due by the end of 03-20); superseded on 03-19
  // (effect ends 03-20 00:00 UTC).
  OrderFacts interim = Served(kInterim);
  auto superseded =
      SupersedeInterim(interim, absl::CivilDay(2026, 3, 19), kNow);
  ASSERT_TRUE(superseded.ok() && superseded->has_value());
  interim = (*superseded)->order;
  EXPECT_EQ(
      NotificationState(interim, interim.obligations[0], At(2026, 3, 19, 23, 0))
          .status,
      v1::ORDER_NOTIFICATION_STATUS_DUE);
  EXPECT_EQ(NotificationState(interim, interim.obligations[0], kNow).status,
            v1::ORDER_NOTIFICATION_STATUS_LAPSED);
  EXPECT_TRUE(OverdueNotifications(interim, kNow).empty());
  EXPECT_EQ(NotificationSummary(interim, kNow),
            v1::ORDER_NOTIFICATION_STATUS_UNSPECIFIED);
}

TEST(NotificationTest,
     ReplacedInterimNeedsToBeSupersededOnTheDayTheFullOrderWasMade) {
  OrderFacts interim =
      Do(Served(kInterim), v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(kNotifyTime)});
  OrderFacts full = Granted(kFull);  // made kDecisionDay
  EXPECT_FALSE(ReplacedInterimWasNotified(interim, full)) << "not superseded";
  auto superseded = SupersedeInterim(interim, kLaterDecisionDay, kNow);
  interim = (*superseded)->order;
  EXPECT_FALSE(ReplacedInterimWasNotified(interim, full)) << "another day";
  full.made_date = kLaterDecisionDay;
  EXPECT_TRUE(ReplacedInterimWasNotified(interim, full));
}

// ---- Supersession
// ----------------------------------------------------------------

TEST(SupersedeTest, DecidingTheMainApplicationSupersedesItsInterims) {
  OrderFacts applied =
      Do(Consider(kFull), v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  for (E e :
       {v1::PROTECTION_ORDER_EVENT_GRANT, v1::PROTECTION_ORDER_EVENT_REFUSE,
        v1::PROTECTION_ORDER_EVENT_WITHDRAW}) {
    auto r = ApplyOrderEvent(applied, InputFor(e, kApplied, kFull), kNow);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->supersede_interims.has_value()) << OrderEventName(e);
    EXPECT_EQ(r->supersede_interims->main_decision_date, kDecisionDay);
  }
  auto not_pursued =
      ApplyOrderEvent(Consider(kFull),
                      InputFor(v1::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE,
                               kConsidered, kFull),
                      kNow);
  ASSERT_TRUE(not_pursued.ok());
  EXPECT_EQ(not_pursued->supersede_interims->main_decision_date, UkDay(kNow));
  // Nothing else supersedes; an interim's own decision never does.
  auto listed = ApplyOrderEvent(
      applied,
      InputFor(v1::PROTECTION_ORDER_EVENT_LIST_HEARING, kApplied, kFull), kNow);
  EXPECT_FALSE(listed->supersede_interims.has_value());
  OrderFacts interim_applied =
      Do(Consider(kInterim), v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  auto interim_granted = ApplyOrderEvent(
      interim_applied,
      InputFor(v1::PROTECTION_ORDER_EVENT_GRANT, kApplied, kInterim), kNow);
  EXPECT_FALSE(interim_granted->supersede_interims.has_value());
}

TEST(SupersedeTest, EndedInterimsAreLeftAlone) {
  auto expired = SupersedeInterim(Served(kInterim), kLaterDecisionDay,
                                  ExpiredNow(kInterim));
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  auto refused = SupersedeInterim(
      Reach(kRefused, kInterim, v1::PROTECTION_ORDER_EVENT_SUPERSEDE),
      kLaterDecisionDay, kNow);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->has_value());
  auto considered =
      SupersedeInterim(Consider(kInterim), kLaterDecisionDay, kNow);
  ASSERT_TRUE(considered.ok() && considered->has_value());
  EXPECT_EQ((*considered)->order.status, kSuperseded);
  EXPECT_EQ((*considered)->order.end_time, std::nullopt) << "never in force";
  EXPECT_EQ(
      SupersedeInterim(Served(kFull), kLaterDecisionDay, kNow).status().code(),
      absl::StatusCode::kInternal);
}

TEST(SupersedeTest, InterimCannotBeMadeOnceTheMainApplicationIsDecided) {
  OrderFacts interim =
      Reach(kListed, kInterim, v1::PROTECTION_ORDER_EVENT_GRANT);
  interim.linked.main_status = kGranted;
  auto r = ApplyOrderEvent(
      interim, InputFor(v1::PROTECTION_ORDER_EVENT_GRANT, kListed, kInterim),
      kNow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---- Terms versions
// ----------------------------------------------------------------

TEST(VersionsTest, TwoVariationsKeepEveryVersion) {
  OrderFacts o = Served(kFull);
  ASSERT_EQ(o.versions.size(), 1u);
  EXPECT_EQ(o.versions[0].version, 1);
  EXPECT_EQ(o.versions[0].made_by, v1::PROTECTION_ORDER_EVENT_GRANT);

  // First variation: on a police application, to Terms2.
  o = Do(
      o, v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
      ChangeApplication(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION, kFull));
  auto first = ApplyOrderEvent(
      o,
      {v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION, Decision(kLaterDecisionDay)},
      kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->history.terms_version, 2);
  o = first->order;
  EXPECT_EQ(o.versions[1].terms, Terms2())
      << "the application's proposed terms";
  EXPECT_EQ(o.applications[0].status, v1::ORDER_APPLICATION_STATUS_GRANTED);

  // Second: on the defendant's appeal, to Terms3 and a new end date.
  o = Do(o, v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
         Appeal(v1::ORDER_PARTY_DEFENDANT));
  DecisionInput on_appeal = Decision(absl::CivilDay(2026, 3, 30));
  on_appeal.terms = Terms3();
  on_appeal.duration = OrderDuration::FixedUntil(absl::CivilDay(2028, 12, 31));
  auto second = ApplyOrderEvent(
      o, {v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL, on_appeal}, kNow);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->history.terms_version, 3);
  o = second->order;

  ASSERT_EQ(o.versions.size(), 3u);
  EXPECT_EQ(o.versions[0].terms, Terms1());
  EXPECT_EQ(o.versions[0].duration.end_date, kFullEnd);
  EXPECT_EQ(o.versions[0].effective_date, kDecisionDay);
  EXPECT_EQ(o.versions[1].terms, Terms2());
  EXPECT_EQ(o.versions[1].duration.end_date, kFullEnd);
  EXPECT_EQ(o.versions[1].made_by, v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION);
  EXPECT_EQ(o.versions[1].effective_date, kLaterDecisionDay);
  EXPECT_EQ(o.versions[2].terms, Terms3());
  EXPECT_EQ(o.versions[2].duration.end_date, absl::CivilDay(2028, 12, 31));
  EXPECT_EQ(o.versions[2].made_by, v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL);
  EXPECT_EQ(o.current_version()->version, 3);
  EXPECT_EQ(o.appeals[0].outcome, v1::ORDER_APPEAL_OUTCOME_VARIED);
  EXPECT_EQ(o.status, kServed);
  // The order now expires on the varied date.
  EXPECT_EQ(EffectiveStatus(o, At(2029, 1, 1, 0, 0)), kExpired);
}

TEST(VersionsTest, AVariationMustChangeSomething) {
  OrderFacts o =
      Reach(kServed, kFull, v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL);
  DecisionInput same = Decision(kLaterDecisionDay);
  same.terms = Terms1();
  auto r = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL, same},
                           kNow);
  EXPECT_EQ(FieldOf(r.status()), "terms");
}

// ---- Applications, appeals, hearings
// -----------------------------------------------

TEST(ApplicationsTest, OneApplicationAtATimeAndDecisionsMatchItsType) {
  OrderFacts o =
      Reach(kServed, kFull, v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE);
  auto second = ApplyOrderEvent(
      o,
      InputFor(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION, kServed, kFull),
      kNow);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "a discharge application by the police of 2026-03-20 is pending; "
            "record its decision first");
  auto wrong_type = ApplyOrderEvent(
      o,
      {v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION, Decision(kLaterDecisionDay)},
      kNow);
  EXPECT_EQ(wrong_type.status().message(),
            "the pending application is for discharge, not variation");
  auto too_early = ApplyOrderEvent(
      o, {v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE, Decision(kDecisionDay)},
      kNow);
  EXPECT_EQ(FieldOf(too_early.status()), "decision_date");
  auto none = ApplyOrderEvent(Served(kFull),
                              {v1::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION,
                               Decision(kLaterDecisionDay)},
                              kNow);
  EXPECT_EQ(none.status().message(),
            "no variation, renewal or discharge application is pending");
  OrderFacts discharged = Do(o, v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE,
                             Decision(kLaterDecisionDay));
  EXPECT_EQ(discharged.status, kDischarged);
  EXPECT_EQ(discharged.end_time, EndOfUkDay(kLaterDecisionDay));
  EXPECT_FALSE(IsActive(discharged, kNow));
}

TEST(AppealsTest, DefendantAppealsOrdersAndPoliceAppealRefusals) {
  auto police_vs_order = ApplyOrderEvent(
      Served(kFull),
      {v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL, Appeal(v1::ORDER_PARTY_POLICE)},
      kNow);
  EXPECT_EQ(FieldOf(police_vs_order.status()), "appellant");
  OrderFacts refused =
      Reach(kRefused, kFull, v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL);
  auto defendant_vs_refusal =
      ApplyOrderEvent(refused,
                      {v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
                       Appeal(v1::ORDER_PARTY_DEFENDANT)},
                      kNow);
  EXPECT_EQ(FieldOf(defendant_vs_refusal.status()), "appellant");
  AppealInput before = Appeal(v1::ORDER_PARTY_POLICE);
  before.lodge_date = kDecisionDay - 1;
  EXPECT_EQ(FieldOf(ApplyOrderEvent(
                        refused,
                        {v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL, before}, kNow)
                        .status()),
            "lodge_date");
  OrderFacts lodged = Do(refused, v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
                         Appeal(v1::ORDER_PARTY_POLICE));
  auto twice = ApplyOrderEvent(
      lodged,
      {v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL, Appeal(v1::ORDER_PARTY_POLICE)},
      kNow);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  // The refusal quashed on appeal needs the order's terms.
  auto no_terms = ApplyOrderEvent(
      lodged,
      {v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL, Decision(kLaterDecisionDay)},
      kNow);
  EXPECT_EQ(FieldOf(no_terms.status()), "terms");
  // An order quashed on appeal takes none.
  OrderFacts appealed =
      Reach(kServed, kFull, v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL);
  auto with_terms = ApplyOrderEvent(appealed,
                                    {v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL,
                                     Making(kLaterDecisionDay, kFull)},
                                    kNow);
  EXPECT_EQ(FieldOf(with_terms.status()), "terms");
  // Upheld: nothing changes but the appeal's outcome; the order stays in force.
  OrderFacts upheld = Do(appealed, v1::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL,
                         Decision(kLaterDecisionDay));
  EXPECT_EQ(upheld.status, kServed);
  EXPECT_EQ(upheld.appeals[0].outcome, v1::ORDER_APPEAL_OUTCOME_UPHELD);
  EXPECT_EQ(upheld.pending_appeal(), nullptr);
  EXPECT_EQ(upheld.versions.size(), 1u);
}

TEST(AppealsTest, AnOrderStaysInForceWhileAnAppealIsPending) {
  OrderFacts appealed =
      Reach(kServed, kFull, v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL);
  ASSERT_NE(appealed.pending_appeal(), nullptr);
  EXPECT_TRUE(IsActive(appealed, kNow));
  EXPECT_TRUE(ApplyOrderEvent(appealed,
                              InputFor(v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
                                       kServed, kFull),
                              kNow)
                  .ok());
}

TEST(HearingsTest, AdjournmentAndRelisting) {
  OrderFacts o =
      Reach(kListed, kFull, v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING);
  auto back_in_time =
      ApplyOrderEvent(o,
                      {v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING,
                       HearingInput{absl::Time(), "", "", kFirstHearing, ""}},
                      kNow);
  EXPECT_EQ(FieldOf(back_in_time.status()), "next_hearing_time");
  // Adjourned without a date: nothing is listed to adjourn again.
  o = Do(o, v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING,
         HearingInput{absl::Time(), "", "No court time", std::nullopt, ""});
  EXPECT_EQ(o.status, kAdjourned);
  EXPECT_EQ(o.hearings[0].status, v1::ORDER_HEARING_STATUS_ADJOURNED);
  EXPECT_EQ(o.hearings[0].adjournment_reason, "No court time");
  auto again = ApplyOrderEvent(
      o,
      InputFor(v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING, kAdjourned, kFull),
      kNow);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_LIST_HEARING,
         InputFor(v1::PROTECTION_ORDER_EVENT_LIST_HEARING, kAdjourned, kFull)
             .payload);
  EXPECT_EQ(o.status, kListed);
  ASSERT_EQ(o.hearings.size(), 2u);
  EXPECT_EQ(o.hearings[1].purpose, v1::ORDER_HEARING_PURPOSE_APPLICATION);
  // Listing before the application was made is wrong.
  auto before = ApplyOrderEvent(
      o,
      {v1::PROTECTION_ORDER_EVENT_LIST_HEARING,
       HearingInput{At(2026, 3, 1, 10, 0), "Court", "", std::nullopt, ""}},
      kNow);
  EXPECT_EQ(FieldOf(before.status()), "hearing_time");
}

TEST(HearingsTest, AfterTheDecisionHearingsNeedAPendingApplicationOrAppeal) {
  auto r = ApplyOrderEvent(
      Served(kFull),
      InputFor(v1::PROTECTION_ORDER_EVENT_LIST_HEARING, kServed, kFull), kNow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  OrderFacts appeal =
      Reach(kRefused, kFull, v1::PROTECTION_ORDER_EVENT_LIST_HEARING);
  OrderFacts listed =
      Do(appeal, v1::PROTECTION_ORDER_EVENT_LIST_HEARING,
         InputFor(v1::PROTECTION_ORDER_EVENT_LIST_HEARING, kRefused, kFull)
             .payload);
  EXPECT_EQ(listed.hearings.back().purpose, v1::ORDER_HEARING_PURPOSE_APPEAL);
  OrderFacts variation =
      Reach(kServed, kFull, v1::PROTECTION_ORDER_EVENT_LIST_HEARING);
  listed = Do(variation, v1::PROTECTION_ORDER_EVENT_LIST_HEARING,
              InputFor(v1::PROTECTION_ORDER_EVENT_LIST_HEARING, kServed, kFull)
                  .payload);
  EXPECT_EQ(listed.hearings.back().purpose,
            v1::ORDER_HEARING_PURPOSE_VARIATION);
}

// ---- Breach
// -----------------------------------------------------------------------

TEST(BreachTest, OpensAChargingReferral) {
  OrderFacts o = Served(kFull);
  BreachInput in{kBreachTime, "Followed her from work",
                 "cases/SP-2026-000001/incidents/"
                 "3f2b7c1e-0000-4000-8000-000000000001"};
  auto r =
      ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_RECORD_BREACH, in}, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->charging_referral.has_value());
  EXPECT_EQ(r->charging_referral->breach_id, 1);
  EXPECT_EQ(r->charging_referral->occur_time, kBreachTime);
  EXPECT_EQ(r->charging_referral->incident, in.incident);
  ASSERT_EQ(r->order.breaches.size(), 1u);
  EXPECT_EQ(r->order.breaches[0].record_time, kNow);
  EXPECT_EQ(r->history.occur_time, kBreachTime);
}

TEST(BreachTest, OnlyWhileTheServedOrderHadEffect) {
  OrderFacts o = Served(kFull);
  auto before_service =
      ApplyOrderEvent(o,
                      {v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
                       BreachInput{kServiceTime - absl::Minutes(1), "x", ""}},
                      kNow);
  EXPECT_EQ(FieldOf(before_service.status()), "breach.occur_time");
  const absl::Time end = At(2029, 3, 17, 0, 0);
  auto after_end = ApplyOrderEvent(
      o, {v1::PROTECTION_ORDER_EVENT_RECORD_BREACH, BreachInput{end, "x", ""}},
      ExpiredNow(kFull));
  EXPECT_EQ(FieldOf(after_end.status()), "breach.occur_time");
  auto last_moment =
      ApplyOrderEvent(o,
                      {v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
                       BreachInput{end - absl::Seconds(1), "x", ""}},
                      ExpiredNow(kFull));
  ASSERT_TRUE(last_moment.ok()) << last_moment.status();
  EXPECT_EQ(last_moment->history.from_status, kExpired);
  EXPECT_EQ(last_moment->order.status, kServed);
  // Superseded before it was ever served.
  OrderFacts unserved = Granted(kInterim);
  auto superseded = SupersedeInterim(unserved, kLaterDecisionDay, kNow);
  auto never_served = ApplyOrderEvent((*superseded)->order,
                                      {v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
                                       BreachInput{kBreachTime, "x", ""}},
                                      kNow);
  EXPECT_EQ(never_served.status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(never_served.status().message(),
            "the order was never served on the defendant");
}

TEST(ServiceTest, NotBeforeTheDayTheOrderWasMade) {
  auto r = ApplyOrderEvent(Granted(kFull),
                           {v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
                            ServiceInput{At(2026, 3, 16, 23, 0), "", ""}},
                           kNow);
  EXPECT_EQ(FieldOf(r.status()), "service_time");
}

}  // namespace
}  // namespace casebridge::domain
