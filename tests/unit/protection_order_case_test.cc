#include "domain/protection_order_case.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/validation.h"
#include "gtest/gtest.h"
#include "tests/unit/protection_order_scenarios.h"

namespace casebridge::domain {
namespace {

using namespace scenarios;  // NOLINT: test timeline and builders.

OrderFacts GrantedUntil(OrderKind kind, std::optional<absl::CivilDay> end) {
  OrderFacts o = Consider(kind);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  DecisionInput in = Decision(kDecisionDay);
  in.terms = Terms1();
  in.duration = end ? OrderDuration::FixedUntil(*end)
                    : OrderDuration::UntilFurtherOrder();
  return Do(o, v1::PROTECTION_ORDER_EVENT_GRANT, in);
}

// ---- ComputeCaseOrderActivity ----------------------------------------------

TEST(CaseOrderActivityTest, NoOrderInForce) {
  EXPECT_EQ(ComputeCaseOrderActivity({}, kNow), CaseOrderActivity{});
  std::vector<OrderFacts> orders = {
      Consider(kFull),
      Reach(v1::PROTECTION_ORDER_STATUS_REFUSED, kFull,
            v1::PROTECTION_ORDER_EVENT_UNSPECIFIED),
      Reach(v1::PROTECTION_ORDER_STATUS_DISCHARGED, kFull,
            v1::PROTECTION_ORDER_EVENT_UNSPECIFIED)};
  EXPECT_EQ(ComputeCaseOrderActivity(orders, kNow), CaseOrderActivity{});
}

TEST(CaseOrderActivityTest, TheLatestEndOfTheOrdersInForce) {
  std::vector<OrderFacts> orders = {GrantedUntil(kInterim, kInterimEnd),
                                    Served(kFull)};
  EXPECT_EQ(ComputeCaseOrderActivity(orders, kNow),
            (CaseOrderActivity{true, kFullEnd}));
  // Once the full order has expired nothing is in force; an order that
  // expired never counts, even beside one in force.
  EXPECT_EQ(ComputeCaseOrderActivity(orders, ExpiredNow(kFull)),
            CaseOrderActivity{});
  std::vector<OrderFacts> one_expired = {GrantedUntil(kInterim, kInterimEnd),
                                         GrantedUntil(kFull, kFullEnd)};
  EXPECT_EQ(ComputeCaseOrderActivity(one_expired, ExpiredNow(kInterim)),
            (CaseOrderActivity{true, kFullEnd}));
}

TEST(CaseOrderActivityTest, UntilFurtherOrderHasNoLastDay) {
  std::vector<OrderFacts> orders = {GrantedUntil(kFull, std::nullopt),
                                    GrantedUntil(kInterim, kInterimEnd)};
  EXPECT_EQ(ComputeCaseOrderActivity(orders, kNow),
            (CaseOrderActivity{true, std::nullopt}));
  EXPECT_EQ(ComputeCaseOrderActivity(orders, At(2040, 1, 1, 0, 0)),
            (CaseOrderActivity{true, std::nullopt}));
}

// ---- AddOrderIndicators ----------------------------------------------------

TEST(OrderIndicatorsTest, OverdueNotificationFlagsTheCaseAndRecommends) {
  // Served 2026-03-18 12:00: due by the end of 2026-03-20 (UK time).
  std::vector<NamedOrder> orders = {
      {"cases/c/protectionOrders/a", Served(kFull)},
      {"cases/c/protectionOrders/b", Consider(kFull)}};
  v1::Case due;
  AddOrderIndicators(orders, kNotificationDue, &due);
  EXPECT_EQ(due.flags_size(), 0) << "due, not yet overdue";
  EXPECT_EQ(due.pattern().recommendations_size(), 0);

  v1::Case c;
  AddOrderIndicators(orders, kNotificationDue + absl::Milliseconds(1), &c);
  ASSERT_EQ(c.flags_size(), 1);
  EXPECT_EQ(c.flags(0).type(), v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE);
  EXPECT_EQ(c.flags(0).name(), "cases/c/protectionOrders/a");
  EXPECT_EQ(ToAbslTime(c.flags(0).raise_time()), kNotificationDue);
  EXPECT_TRUE(absl::StrContains(c.flags(0).reason(), "2026-03-20 23:59"))
      << c.flags(0).reason();
  ASSERT_EQ(c.pattern().recommendations_size(), 1);
  EXPECT_EQ(c.pattern().recommendations(0).code(), kRecSpoNotificationOverdue);
}

TEST(OrderIndicatorsTest, NothingOnceNotifiedOrWhenTheOrderEndedFirst) {
  OrderFacts notified =
      Do(Served(kFull), v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(kNotifyTime)});
  // An interim order superseded the day after service: the duty lapsed.
  OrderFacts lapsed = Do(Served(kInterim), v1::PROTECTION_ORDER_EVENT_SUPERSEDE,
                         SupersedeInput{absl::CivilDay(2026, 3, 19)});
  v1::Case c;
  AddOrderIndicators({{"cases/c/protectionOrders/a", notified},
                      {"cases/c/protectionOrders/b", lapsed}},
                     kNow, &c);
  EXPECT_EQ(c.flags_size(), 0);
  EXPECT_EQ(c.pattern().recommendations_size(), 0);
}

// Who reads the derived flag and recommendation is the visibility table's
// (tests/unit/visibility_redact_test.cc).

// ---- SafeguardingOrderSummary ----------------------------------------------

// Every event from every status it is legal in: partners read an entry for
// exactly the events that make, change or end an order in force.
TEST(SafeguardingOrderSummaryTest, OnlyWhatMakesChangesOrEndsAnOrderInForce) {
  int checked = 0;
  for (OrderKind kind : {kFull, kInterim}) {
    for (const Transition& row : TransitionTable()) {
      if (row.only_kind != v1::PROTECTION_ORDER_KIND_UNSPECIFIED &&
          row.only_kind != kind) {
        continue;
      }
      if (row.from == v1::PROTECTION_ORDER_STATUS_SUPERSEDED && kind == kFull) {
        continue;  // unreachable: only interim orders are superseded
      }
      SCOPED_TRACE(absl::StrCat(kind, " ", OrderStatusName(row.from), " + ",
                                OrderEventName(row.event)));
      const absl::Time now = NowFor(row.from, kind);
      OrderFacts before = Reach(row.from, kind, row.event);
      auto t =
          ApplyOrderEvent(before, InputFor(row.event, row.from, kind), now);
      ASSERT_TRUE(t.ok()) << t.status();
      std::optional<std::string> summary =
          SafeguardingOrderSummary(t->history, t->order);
      const bool was_in_force =
          row.from == v1::PROTECTION_ORDER_STATUS_GRANTED ||
          row.from == v1::PROTECTION_ORDER_STATUS_SERVED;
      bool want = false;
      std::string word;
      switch (row.event) {
        case v1::PROTECTION_ORDER_EVENT_GRANT:
          want = true;
          word = " made: in force until ";
          break;
        case v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION:
        case v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL:
          want = true;
          word = " varied: new terms (version 2), in force until ";
          break;
        case v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL:
          want = true;
          word = " renewed: in force until ";
          break;
        case v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE:
          want = true;
          word = " discharged";
          break;
        case v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL:
          want =
              was_in_force || row.from == v1::PROTECTION_ORDER_STATUS_REFUSED;
          word = row.from == v1::PROTECTION_ORDER_STATUS_REFUSED
                     ? " made on appeal: in force until "
                     : " quashed on appeal";
          break;
        case v1::PROTECTION_ORDER_EVENT_SUPERSEDE:
          want = was_in_force;
          word = " ended: the main application has been decided";
          break;
        default:
          break;
      }
      EXPECT_EQ(summary.has_value(), want) << summary.value_or("(none)");
      if (want && summary.has_value()) {
        EXPECT_TRUE(absl::StartsWith(*summary, kind == kInterim
                                                   ? "Interim protection order"
                                                   : "Full protection order"))
            << *summary;
        EXPECT_TRUE(absl::StrContains(*summary, word)) << *summary;
        // Nothing of the deliberation, the court or the defendant.
        EXPECT_FALSE(absl::StrContains(*summary, "Justice Centre")) << *summary;
        EXPECT_FALSE(absl::StrContains(*summary, "Defendant")) << *summary;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(SafeguardingOrderSummaryTest, UntilFurtherOrderIsSaidSo) {
  OrderFacts o = Consider(kFull);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_APPLY, Application());
  DecisionInput in = Decision(kDecisionDay);
  in.terms = Terms1();
  in.duration = OrderDuration::UntilFurtherOrder();
  auto t = ApplyOrderEvent(o, {v1::PROTECTION_ORDER_EVENT_GRANT, in}, kNow);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(SafeguardingOrderSummary(t->history, t->order),
            "Full protection order made: in force until further order");
}

}  // namespace
}  // namespace casebridge::domain
