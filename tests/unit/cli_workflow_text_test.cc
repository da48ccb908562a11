#include "clients/cli/workflow_text.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace casebridge::cli {
namespace {

v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

google::protobuf::Timestamp At(absl::CivilSecond cs, absl::TimeZone tz) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(absl::FromCivil(cs, tz)));
  return ts;
}

const absl::CivilDay kToday(2026, 11, 21);

TEST(CliWorkflowTextTest, DueDatesRelativeToToday) {
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 28), false, kToday), "2026-11-28 (in 7 days)");
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 22), false, kToday), "2026-11-22 (tomorrow)");
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 21), false, kToday), "2026-11-21 (today)");
  EXPECT_EQ(FormatDueIn(Day(2027, 1, 1), false, kToday), "2027-01-01 (in 41 days)");
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 18), true, kToday), "2026-11-18 OVERDUE (3 days)");
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 20), true, kToday), "2026-11-20 OVERDUE (1 day)");
  // The server's verdict wins: OVERDUE without a count when the days disagree
  // (a client whose clock is a day ahead), and no mark when it says not.
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 21), true, kToday), "2026-11-21 OVERDUE");
  EXPECT_EQ(FormatDueIn(Day(2026, 11, 20), false, kToday), "2026-11-20");
  EXPECT_EQ(FormatDueIn(v1::Date(), false, kToday), "");
  EXPECT_EQ(FormatDueIn(v1::Date(), true, kToday), "OVERDUE");
}

TEST(CliWorkflowTextTest, OffencesAsProsecutorsSayThem) {
  EXPECT_EQ(OffenceShort(v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE),
            "s.4A stalking (fear of violence)");
  EXPECT_EQ(OffenceShort(v1::OFFENCE_PHA_S2_HARASSMENT), "s.2 harassment");
  EXPECT_EQ(OffenceShort(v1::OFFENCE_SPO_BREACH), "SPO breach (s.8)");
  EXPECT_EQ(OffenceLong(v1::OFFENCE_PHA_S2A_STALKING), "stalking (PHA 1997 s.2A)");
  EXPECT_EQ(OffenceLong(v1::OFFENCE_SPO_FAILURE_TO_NOTIFY),
            "failure to notify under a Stalking Protection Order (SPA 2019 s.11)");
  // Every offence has both forms (a new enum value must be named here).
  const google::protobuf::EnumDescriptor* type = v1::Offence_descriptor();
  for (int i = 0; i < type->value_count(); ++i) {
    auto o = static_cast<v1::Offence>(type->value(i)->number());
    if (o == v1::OFFENCE_UNSPECIFIED) continue;
    EXPECT_NE(OffenceShort(o).find("s."), std::string::npos) << type->value(i)->name();
    EXPECT_NE(OffenceLong(o).find(" s."), std::string::npos) << type->value(i)->name();
  }
}

TEST(CliWorkflowTextTest, OffenceListsJoinAndKeepParticulars) {
  google::protobuf::RepeatedPtrField<v1::OffenceDetail> list;
  list.Add()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
  v1::OffenceDetail* second = list.Add();
  second->set_offence(v1::OFFENCE_PHA_S4_FEAR_OF_VIOLENCE);
  second->set_particulars("20 November, outside work");
  EXPECT_EQ(OffenceList(list, false), "s.2A stalking; s.4 fear of violence");
  EXPECT_EQ(OffenceList(list, true),
            "stalking (PHA 1997 s.2A); putting people in fear of violence (PHA 1997 "
            "s.4): 20 November, outside work");
  EXPECT_EQ(OffenceList({}, true), "");
}

TEST(CliWorkflowTextTest, ChargingDecisions) {
  v1::ChargingDecision d;
  EXPECT_EQ(ChargingDecisionText(d), "");
  d.set_test(v1::CHARGING_TEST_FULL_CODE);
  d.set_outcome(v1::CHARGING_OUTCOME_CHARGE);
  d.add_offences()->set_offence(v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE);
  EXPECT_EQ(ChargingDecisionText(d), "CHARGED: s.4A stalking (fear of violence)");
  d.set_test(v1::CHARGING_TEST_THRESHOLD);
  *d.mutable_threshold_review_by() = Day(2026, 12, 5);
  EXPECT_EQ(ChargingDecisionText(d),
            "CHARGED on the Threshold Test (Full Code review by 2026-12-05): s.4A "
            "stalking (fear of violence)");

  v1::ChargingDecision nfa;
  nfa.set_outcome(v1::CHARGING_OUTCOME_NO_FURTHER_ACTION);
  nfa.set_nfa_reason(v1::NFA_REASON_PUBLIC_INTEREST);
  EXPECT_EQ(ChargingDecisionText(nfa), "NO FURTHER ACTION (public interest)");

  v1::ChargingDecision oocd;
  oocd.set_outcome(v1::CHARGING_OUTCOME_OUT_OF_COURT_DISPOSAL);
  oocd.add_offences()->set_offence(v1::OFFENCE_PHA_S2_HARASSMENT);
  EXPECT_EQ(ChargingDecisionText(oocd), "OUT-OF-COURT DISPOSAL: s.2 harassment");
}

TEST(CliWorkflowTextTest, ChargingListCells) {
  v1::ChargingFile f;
  f.set_state(v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(ChargingOutcomeCell(f), "");
  f.set_state(v1::CHARGING_FILE_STATE_DECIDED);
  f.mutable_decision()->set_outcome(v1::CHARGING_OUTCOME_CHARGE);
  f.mutable_decision()->add_offences()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
  EXPECT_EQ(ChargingOutcomeCell(f), "CHARGED: s.2A stalking");
  *f.mutable_first_hearing()->mutable_date() = Day(2026, 12, 5);
  EXPECT_EQ(ChargingOutcomeCell(f), "CHARGED: s.2A stalking; first hearing 2026-12-05");
  v1::ChargingFile withdrawn;
  withdrawn.set_state(v1::CHARGING_FILE_STATE_WITHDRAWN);
  EXPECT_EQ(ChargingOutcomeCell(withdrawn), "WITHDRAWN by police");

  v1::ChargingProgress p;
  *p.mutable_as_of() = Day(2026, 11, 21);
  EXPECT_EQ(ChargingItemsCell(p), "-");
  EXPECT_EQ(ChargingNextDueCell(p), "-");
  v1::ChargingActionItem* item = p.add_outstanding_items();
  *item->mutable_due_date() = Day(2026, 11, 18);
  p.add_outstanding_items();
  *p.add_overdue_items() = *item;
  *p.mutable_next_due_date() = Day(2026, 11, 18);
  EXPECT_EQ(ChargingItemsCell(p), "2 (1 OVERDUE)");
  EXPECT_EQ(ChargingNextDueCell(p), "2026-11-18 OVERDUE (3 days)");

  v1::ChargingProgress threshold;
  *threshold.mutable_as_of() = Day(2026, 11, 21);
  *threshold.mutable_threshold_review_by() = Day(2026, 12, 5);
  EXPECT_EQ(ChargingNextDueCell(threshold), "review 2026-12-05 (in 14 days)");
  threshold.set_threshold_review_overdue(true);
  *threshold.mutable_threshold_review_by() = Day(2026, 11, 20);
  EXPECT_EQ(ChargingNextDueCell(threshold), "review 2026-11-20 OVERDUE (1 day)");
}

TEST(CliWorkflowTextTest, OrderTermsAndDurations) {
  v1::OrderTerm t;
  t.set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  t.set_text("Not to contact Alex Morgan");
  EXPECT_EQ(OrderTermText(t), "prohibition: Not to contact Alex Morgan");
  // The zone in the server's words, for every reader alike.
  t.mutable_geographic_limit()->set_place(v1::PROTECTED_PLACE_HOME);
  t.mutable_geographic_limit()->set_distance_metres(100);
  t.mutable_geographic_limit()->set_description(
      "within 100 metres of the protected person's home");
  EXPECT_EQ(OrderTermText(t),
            "prohibition: Not to contact Alex Morgan (within 100 metres of the "
            "protected person's home)");
  // A server that does not describe it: the area as written.
  t.mutable_geographic_limit()->clear_description();
  t.mutable_geographic_limit()->set_area("Hanley town centre");
  EXPECT_EQ(OrderTermText(t), "prohibition: Not to contact Alex Morgan (Hanley town centre)");
  v1::OrderTerm r;
  r.set_kind(v1::ORDER_TERM_KIND_REQUIREMENT);
  r.set_text("Attend a programme");
  EXPECT_EQ(OrderTermText(r), "requirement: Attend a programme");

  v1::OrderDuration d;
  EXPECT_EQ(OrderDurationText(d), "");
  d.set_until_further_order(true);
  EXPECT_EQ(OrderDurationText(d), "until further order");
  *d.mutable_end_date() = Day(2027, 1, 16);
  EXPECT_EQ(OrderDurationText(d), "until 2027-01-16");
}

TEST(CliWorkflowTextTest, SafeguardingViewHasNoStatus) {
  v1::ProtectionOrder o;
  EXPECT_TRUE(IsSafeguardingView(o));
  o.set_status(v1::PROTECTION_ORDER_STATUS_SERVED);
  EXPECT_FALSE(IsSafeguardingView(o));
}

class CliOrderNotificationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &tz_)); }

  v1::NotificationObligation* Add(v1::OrderNotificationStatus status,
                                  absl::CivilSecond due) {
    v1::NotificationObligation* n = order_.add_notification_obligations();
    n->set_status(status);
    n->set_trigger(v1::ORDER_NOTIFICATION_TRIGGER_SERVICE);
    *n->mutable_due_time() = At(due, tz_);
    return n;
  }

  absl::TimeZone tz_;
  v1::ProtectionOrder order_;
};

TEST_F(CliOrderNotificationTest, NoDutyYet) {
  EXPECT_EQ(OrderNotificationText(order_, tz_), "");
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "");
  order_.set_notification_carried_from_interim(true);
  EXPECT_EQ(OrderNotificationText(order_, tz_),
            "carried over from the interim order (no new notification on service)");
}

TEST_F(CliOrderNotificationTest, DueAfterService) {
  Add(v1::ORDER_NOTIFICATION_STATUS_DUE, absl::CivilSecond(2026, 11, 24, 14, 0, 0));
  EXPECT_EQ(OrderNotificationText(order_, tz_),
            "DUE by 2026-11-24 14:00: name(s) and home address, within 3 days of "
            "service");
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "DUE by 2026-11-24 14:00");
}

TEST_F(CliOrderNotificationTest, OverdueIsTheWorstAndSaysItIsAnOffence) {
  Add(v1::ORDER_NOTIFICATION_STATUS_NOTIFIED, absl::CivilSecond(2026, 11, 10, 9, 0, 0));
  v1::NotificationObligation* change =
      Add(v1::ORDER_NOTIFICATION_STATUS_OVERDUE, absl::CivilSecond(2026, 11, 19, 8, 0, 0));
  change->set_trigger(v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE);
  Add(v1::ORDER_NOTIFICATION_STATUS_DUE, absl::CivilSecond(2026, 11, 23, 8, 0, 0));
  EXPECT_EQ(OrderNotificationText(order_, tz_),
            "OVERDUE since 2026-11-19 08:00: the new home address, within 3 days of the "
            "change, not notified; failing to notify is an offence");
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "OVERDUE since 2026-11-19 08:00");
}

TEST_F(CliOrderNotificationTest, EarliestOutstandingDutyFirst) {
  Add(v1::ORDER_NOTIFICATION_STATUS_DUE, absl::CivilSecond(2026, 11, 25, 8, 0, 0));
  Add(v1::ORDER_NOTIFICATION_STATUS_DUE, absl::CivilSecond(2026, 11, 23, 8, 0, 0));
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "DUE by 2026-11-23 08:00");
}

TEST_F(CliOrderNotificationTest, NotifiedShowsWhenAndWhetherLate) {
  v1::NotificationObligation* n =
      Add(v1::ORDER_NOTIFICATION_STATUS_NOTIFIED, absl::CivilSecond(2026, 11, 24, 14, 0, 0));
  *n->mutable_notification()->mutable_notify_time() = At(absl::CivilSecond(2026, 11, 22, 10, 0, 0), tz_);
  EXPECT_EQ(OrderNotificationText(order_, tz_), "NOTIFIED (2026-11-22 10:00)");
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "NOTIFIED");
  n->set_late(true);
  EXPECT_EQ(OrderNotificationText(order_, tz_), "NOTIFIED late (2026-11-22 10:00)");
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "NOTIFIED late");
}

TEST_F(CliOrderNotificationTest, LapsedIsNotRequired) {
  Add(v1::ORDER_NOTIFICATION_STATUS_LAPSED, absl::CivilSecond(2026, 11, 24, 14, 0, 0));
  EXPECT_EQ(OrderNotificationText(order_, tz_),
            "not required: the order stopped having effect before it fell due");
  EXPECT_EQ(OrderNotificationCell(order_, tz_), "");
}

}  // namespace
}  // namespace casebridge::cli
