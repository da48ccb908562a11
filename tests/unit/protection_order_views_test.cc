#include "domain/protection_order_views.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/unit/protection_order_scenarios.h"

namespace casebridge::domain {
namespace {

using namespace scenarios;  // NOLINT: test timeline and builders.
using google::protobuf::util::MessageDifferencer;

std::vector<v1::OrderTermsVersion> Versions(const OrderFacts& o) {
  std::vector<v1::OrderTermsVersion> out;
  for (const TermsVersion& v : o.versions)
    out.push_back(TermsVersionToProto(v));
  return out;
}

// What storage would do: keep the message, the stored status and the
// versions; load them back; the service re-attaches the linked facts.
OrderFacts RoundTrip(const OrderFacts& o, absl::Time now) {
  auto back = OrderFromProto(OrderToProto(o, now), o.status, Versions(o));
  EXPECT_TRUE(back.ok()) << back.status();
  if (!back.ok()) return o;
  back->linked = o.linked;
  return *back;
}

TEST(OrderToProtoTest, DerivedFieldsOfAServedVariedOrder) {
  OrderFacts o = Reach(v1::PROTECTION_ORDER_STATUS_SERVED, kFull,
                       v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION,
         Decision(kLaterDecisionDay));
  o = Do(o, v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL,
         Appeal(v1::ORDER_PARTY_DEFENDANT));
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
         BreachInput{kBreachTime, "Loitering outside", ""});
  v1::ProtectionOrder p = OrderToProto(o, kNow);
  EXPECT_EQ(p.kind(), v1::PROTECTION_ORDER_KIND_FULL);
  EXPECT_EQ(p.status(), v1::PROTECTION_ORDER_STATUS_SERVED);
  EXPECT_TRUE(p.active());
  EXPECT_EQ(p.terms_version(), 2);
  EXPECT_EQ(p.terms_size(), 3);  // Terms2
  EXPECT_EQ(p.terms(1).geographic_limit().area(),
            "Hanley town centre inside the ring road");
  EXPECT_EQ(p.end_date().year(), 2029);
  EXPECT_EQ(p.duration().end_date().day(), 16);
  EXPECT_EQ(ToAbslTime(p.end_time()), At(2029, 3, 17, 0, 0));
  EXPECT_EQ(p.made_date().day(), 17);
  EXPECT_EQ(p.variation_count(), 1);
  EXPECT_EQ(p.renewal_count(), 0);
  EXPECT_TRUE(p.appeal_pending());
  EXPECT_EQ(p.applications(0).status(), v1::ORDER_APPLICATION_STATUS_GRANTED);
  EXPECT_EQ(p.breaches_size(), 1);
  // Served 2026-03-18 12:00 and never notified: overdue on 1 April.
  ASSERT_EQ(p.notification_obligations_size(), 1);
  EXPECT_EQ(p.notification_obligations(0).status(),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  EXPECT_TRUE(p.notification_overdue());
  EXPECT_EQ(p.notification_status(), v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  EXPECT_TRUE(p.name().empty() && p.etag().empty()) << "the service's";
}

TEST(OrderToProtoTest, ExpiredReadsExpiredAndPendingApplicationsLapse) {
  OrderFacts o =
      Do(Served(kInterim), v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
         ChangeApplication(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
                           kInterim));
  v1::ProtectionOrder before = OrderToProto(o, kNow);
  EXPECT_EQ(before.applications(0).status(),
            v1::ORDER_APPLICATION_STATUS_PENDING);
  v1::ProtectionOrder after = OrderToProto(o, ExpiredNow(kInterim));
  EXPECT_EQ(after.status(), v1::PROTECTION_ORDER_STATUS_EXPIRED);
  EXPECT_FALSE(after.active());
  EXPECT_EQ(after.applications(0).status(),
            v1::ORDER_APPLICATION_STATUS_LAPSED);
  // Stored, it is still pending (LAPSED is only ever derived).
  auto back = OrderFromProto(after, o.status, Versions(o));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->applications[0].status, v1::ORDER_APPLICATION_STATUS_PENDING);
}

TEST(OrderToProtoTest, NextHearingIsTheEarliestListedInTheFuture) {
  OrderFacts o = Reach(v1::PROTECTION_ORDER_STATUS_ADJOURNED, kFull,
                       v1::PROTECTION_ORDER_EVENT_LIST_HEARING);
  // 10 March adjourned to 17 March; read on 12 March.
  v1::ProtectionOrder p = OrderToProto(o, At(2026, 3, 12, 0, 0));
  EXPECT_EQ(ToAbslTime(p.next_hearing_time()), kAdjournedTo);
  EXPECT_EQ(p.hearings(0).status(), v1::ORDER_HEARING_STATUS_ADJOURNED);
  EXPECT_FALSE(OrderToProto(o, kNow).has_next_hearing_time());
}

// Every order the lifecycle can reach, saved and loaded, then given every
// event: the loaded order behaves exactly as the original.
TEST(OrderFromProtoTest, RoundTripPreservesBehaviourInEveryStatus) {
  int compared = 0;
  for (OrderKind kind : {kFull, kInterim}) {
    for (int s = 1; s <= 13; ++s) {
      const auto status = static_cast<OrderStatus>(s);
      if (status == v1::PROTECTION_ORDER_STATUS_SUPERSEDED && kind == kFull)
        continue;
      for (int e = 2; e <= 26; ++e) {
        const auto event = static_cast<OrderEvent>(e);
        SCOPED_TRACE(absl::StrCat(OrderStatusName(status), " + ",
                                  OrderEventName(event)));
        const absl::Time now = NowFor(status, kind);
        OrderFacts original = Reach(status, kind, event);
        OrderFacts loaded = RoundTrip(original, now);
        ASSERT_TRUE(MessageDifferencer::Equals(OrderToProto(original, now),
                                               OrderToProto(loaded, now)));
        OrderEventInput input = InputFor(event, status, kind);
        auto a = ApplyOrderEvent(original, input, now);
        auto b = ApplyOrderEvent(loaded, input, now);
        ASSERT_EQ(a.status(), b.status());
        if (a.ok()) {
          EXPECT_TRUE(MessageDifferencer::Equals(OrderToProto(a->order, now),
                                                 OrderToProto(b->order, now)));
          EXPECT_EQ(a->order.status, b->order.status);
          EXPECT_EQ(a->order.versions.size(), b->order.versions.size());
          EXPECT_EQ(a->history.summary, b->history.summary);
        }
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 25 * 25);
}

TEST(OrderFromProtoTest, KeepsANotificationCarriedFromTheInterimOrder) {
  OrderFacts full = Granted(kFull);
  full.linked.replaced_interim_notified = true;
  full = Do(full, v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
            ServiceInput{kServiceTime, "", ""});
  OrderFacts loaded = RoundTrip(full, kNow);
  EXPECT_TRUE(loaded.notification_carried_from_interim);
  EXPECT_EQ(NotificationSummary(loaded, kNow),
            v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
}

TEST(OrderFromProtoTest, MalformedStoredDataIsDataLoss) {
  OrderFacts o = Served(kFull);
  v1::ProtectionOrder p = OrderToProto(o, kNow);
  p.mutable_application_date()->set_month(14);
  EXPECT_EQ(OrderFromProto(p, o.status, Versions(o)).status().code(),
            absl::StatusCode::kDataLoss);
  p = OrderToProto(o, kNow);
  std::vector<v1::OrderTermsVersion> versions = Versions(o);
  versions[0].set_version(2);
  EXPECT_EQ(OrderFromProto(p, o.status, versions).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(HistoryEntryToProtoTest, CarriesTheRecord) {
  auto r = ApplyOrderEvent(Granted(kFull),
                           {v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
                            ServiceInput{kServiceTime, "personally", ""}},
                           kNow);
  ASSERT_TRUE(r.ok());
  v1::OrderHistoryEntry e = HistoryEntryToProto(r->history);
  EXPECT_EQ(e.event(), v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE);
  EXPECT_EQ(e.from_status(), v1::PROTECTION_ORDER_STATUS_GRANTED);
  EXPECT_EQ(e.to_status(), v1::PROTECTION_ORDER_STATUS_SERVED);
  EXPECT_EQ(ToAbslTime(e.occur_time()), kServiceTime);
  EXPECT_FALSE(e.has_occur_date());
  EXPECT_EQ(ToAbslTime(e.record_time()), kNow);
  EXPECT_EQ(e.summary(),
            "Served on the defendant at 2026-03-18 12:00; notification of "
            "name(s) and home address due by 2026-03-20 23:59");
  EXPECT_EQ(e.terms_version(), 0);
}

// ---- DescribeGeographicLimit -------------------------------------------------

v1::GeographicLimit Limit(v1::ProtectedPlace place, absl::string_view area,
                          int distance_metres) {
  v1::GeographicLimit g;
  g.set_place(place);
  g.set_area(std::string(area));
  g.set_distance_metres(distance_metres);
  return g;
}

TEST(DescribeGeographicLimitTest, EachProtectedPlaceByWhatItIsWithAndWithoutADistance) {
  struct Case {
    v1::ProtectedPlace place;
    const char* alone;
  };
  const Case cases[] = {
      {v1::PROTECTED_PLACE_HOME, "the protected person's home"},
      {v1::PROTECTED_PLACE_WORKPLACE, "the protected person's workplace"},
      {v1::PROTECTED_PLACE_SCHOOL, "the protected person's school or nursery"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(v1::ProtectedPlace_Name(c.place));
    EXPECT_EQ(DescribeGeographicLimit(Limit(c.place, "", 0)), c.alone);
    EXPECT_EQ(DescribeGeographicLimit(Limit(c.place, "", 100)),
              absl::StrCat("within 100 metres of ", c.alone));
  }
  // Every place the API knows has its words (a new one would read as the
  // area, or as nothing).
  const google::protobuf::EnumDescriptor* places = v1::ProtectedPlace_descriptor();
  for (int i = 0; i < places->value_count(); ++i) {
    const auto place = static_cast<v1::ProtectedPlace>(places->value(i)->number());
    if (place == v1::PROTECTED_PLACE_UNSPECIFIED) continue;
    EXPECT_THAT(DescribeGeographicLimit(Limit(place, "", 0)),
                ::testing::StartsWith("the protected person's"))
        << places->value(i)->name();
  }
}

TEST(DescribeGeographicLimitTest, AnAreaAloneIsItsOwnWords) {
  EXPECT_EQ(DescribeGeographicLimit(
                Limit(v1::PROTECTED_PLACE_UNSPECIFIED,
                      "Hanley town centre inside the ring road", 0)),
            "Hanley town centre inside the ring road");
  EXPECT_EQ(DescribeGeographicLimit(Limit(v1::PROTECTED_PLACE_UNSPECIFIED, "Hanley", 250)),
            "within 250 metres of Hanley");
  // A place number this build does not know reads as the area.
  EXPECT_EQ(DescribeGeographicLimit(
                Limit(static_cast<v1::ProtectedPlace>(9), "Hanley", 0)),
            "Hanley");
  EXPECT_EQ(DescribeGeographicLimit(v1::GeographicLimit()), "");
}

TEST(DescribeGeographicLimitTest, APlaceAndAnAreaNameThePlaceAndQualifyIt) {
  EXPECT_EQ(DescribeGeographicLimit(Limit(v1::PROTECTED_PLACE_HOME, "Hanley", 0)),
            "the protected person's home (Hanley)");
  EXPECT_EQ(DescribeGeographicLimit(Limit(v1::PROTECTED_PLACE_SCHOOL, "Burslem", 50)),
            "within 50 metres of the protected person's school or nursery (Burslem)");
}

TEST(DescribeGeographicLimitTest, TermToProtoDescribesTheLimit) {
  const v1::OrderTerm term = TermToProto(
      OrderTerm{v1::ORDER_TERM_KIND_PROHIBITION, "Not to go near her home",
                GeographicLimit{"", 100, v1::PROTECTED_PLACE_HOME}});
  EXPECT_EQ(term.geographic_limit().place(), v1::PROTECTED_PLACE_HOME);
  EXPECT_EQ(term.geographic_limit().description(),
            "within 100 metres of the protected person's home");
  EXPECT_FALSE(TermToProto(OrderTerm{v1::ORDER_TERM_KIND_PROHIBITION, "No contact",
                                     std::nullopt})
                   .has_geographic_limit());
}

// ---- List filter
// ---------------------------------------------------------------

TEST(OrderListFilterTest, ParsesKeysAndRejectsBadValues) {
  auto f = ParseOrderListFilter(
      "status=EXPIRED AND kind=interim AND active=false AND "
      "notification_overdue=true AND expiring_within_days=30");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->status, v1::PROTECTION_ORDER_STATUS_EXPIRED);
  EXPECT_EQ(f->kind, v1::PROTECTION_ORDER_KIND_INTERIM);
  EXPECT_EQ(f->active, false);
  EXPECT_EQ(f->notification_overdue, true);
  EXPECT_EQ(f->expiring_within_days, 30);
  for (const char* bad :
       {"status=LAPSED", "expiring_within_days=-1", "expiring_within_days=3651",
        "active=maybe", "risk_level=HIGH"}) {
    auto r = ParseOrderListFilter(bad);
    EXPECT_EQ(FieldOf(r.status()), "filter") << bad;
  }
  EXPECT_TRUE(ParseOrderListFilter("")->status == std::nullopt);
}

TEST(OrderListFilterTest, MatchesOnDerivedStatusOverdueAndExpiry) {
  OrderFacts served = Served(kFull);  // ends 2029-03-16, notification overdue
  auto matches = [&](absl::string_view filter, absl::Time now) {
    auto f = ParseOrderListFilter(filter);
    EXPECT_TRUE(f.ok()) << f.status();
    return MatchesOrderListFilter(served, *f, now);
  };
  EXPECT_TRUE(matches("status=SERVED AND active=true", kNow));
  EXPECT_FALSE(matches("status=EXPIRED", kNow));
  EXPECT_TRUE(matches("status=EXPIRED AND active=false", ExpiredNow(kFull)));
  EXPECT_TRUE(matches("notification_overdue=true", kNow));
  EXPECT_FALSE(matches("notification_overdue=true", kNotificationDue));
  EXPECT_TRUE(matches("notification_overdue=false", kNotificationDue));
  EXPECT_TRUE(matches("notification_overdue=true",
                      kNotificationDue + absl::Milliseconds(1)));
  EXPECT_FALSE(matches("kind=INTERIM", kNow));
  // The last day is 2029-03-16: on 2029-02-14 it is 30 days away.
  const absl::Time feb14 = At(2029, 2, 14, 12, 0);
  EXPECT_TRUE(matches("expiring_within_days=30", feb14));
  EXPECT_FALSE(matches("expiring_within_days=29", feb14));
  EXPECT_TRUE(ExpiresWithinDays(served, 0, At(2029, 3, 16, 12, 0)));
  EXPECT_FALSE(ExpiresWithinDays(served, 3650, ExpiredNow(kFull))) << "expired";
}

// Filtering on what a view hides would tell it: partners may filter only on
// what their view shows (in force, kind, end).
TEST(OrderListFilterTest, EachViewFiltersOnlyOnWhatItShows) {
  struct Case {
    const char* filter;
    bool safeguarding_may;
  };
  const Case cases[] = {
      {"", true},
      {"active=true", true},
      {"active=false", true},
      {"kind=FULL", true},
      {"expiring_within_days=30", true},
      {"active=true AND kind=INTERIM AND expiring_within_days=7", true},
      {"status=SERVED", false},
      {"status=GRANTED", false},
      {"status=EXPIRED", false},
      {"notification_overdue=true", false},
      {"notification_overdue=false", false},
      {"active=true AND status=SERVED", false},
      {"kind=FULL AND notification_overdue=true", false},
  };
  for (const Case& c : cases) {
    auto f = ParseOrderListFilter(c.filter);
    ASSERT_TRUE(f.ok()) << c.filter;
    for (v1::CaseView view : {v1::CASE_VIEW_UNSPECIFIED, v1::CASE_VIEW_FULL,
                              v1::CASE_VIEW_PROSECUTION, v1::CASE_VIEW_SAFEGUARDING}) {
      absl::Status s = CheckOrderListFilterForView(*f, view);
      const bool want = view != v1::CASE_VIEW_SAFEGUARDING || c.safeguarding_may;
      EXPECT_EQ(s.ok(), want) << c.filter << " in view " << view;
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << c.filter;
        EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("filter"));
      }
    }
  }
}

// ---- Views ------------------------------------------------------------------
//
// What each agency reads of an order is the visibility table's
// (tests/unit/visibility_redact_test.cc); which orders it reads is here.

TEST(OrderViewTest, PartnersSeeOnlyOrdersInForce) {
  for (int s = 1; s <= 13; ++s) {
    const auto status = static_cast<OrderStatus>(s);
    if (status == v1::PROTECTION_ORDER_STATUS_SUPERSEDED) continue;
    const absl::Time now = NowFor(status, kFull);
    OrderFacts o = Reach(status, kFull, v1::PROTECTION_ORDER_EVENT_UNSPECIFIED);
    ASSERT_EQ(EffectiveStatus(o, now), status);
    const bool in_force = status == v1::PROTECTION_ORDER_STATUS_GRANTED ||
                          status == v1::PROTECTION_ORDER_STATUS_SERVED;
    EXPECT_EQ(OrderVisibleInView(v1::CASE_VIEW_SAFEGUARDING, o, now), in_force)
        << OrderStatusName(status);
    EXPECT_TRUE(OrderVisibleInView(v1::CASE_VIEW_FULL, o, now));
    EXPECT_TRUE(OrderVisibleInView(v1::CASE_VIEW_PROSECUTION, o, now));
    EXPECT_FALSE(OrderVisibleInView(v1::CASE_VIEW_UNSPECIFIED, o, now));
  }
}

}  // namespace
}  // namespace casebridge::domain
