#include "domain/protection_order_requests.h"

#include <string>

#include "domain/dates.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/protection_order_scenarios.h"

namespace casebridge::domain {
namespace {

using scenarios::At;
using scenarios::kNow;  // 2026-04-01 12:00 UTC

constexpr char kOrder[] =
    "cases/SP-2026-000001/protectionOrders/"
    "3f2b7c1e-0000-4000-8000-000000000001";

// Field by field: no normalisation, so impossible dates can be written.
v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

void AddTerm(google::protobuf::RepeatedPtrField<v1::OrderTerm>* terms,
             absl::string_view text) {
  v1::OrderTerm* t = terms->Add();
  t->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  t->set_text(std::string(text));
}

template <typename T>
std::string FieldOfResult(const absl::StatusOr<T>& r) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
      << r.status();
  return FieldOf(r.status()).value_or("<no field>");
}

// ---- Building blocks
// -----------------------------------------------------------

TEST(ParseOrderTermsTest, KindTextAndGeographicLimit) {
  google::protobuf::RepeatedPtrField<v1::OrderTerm> terms;
  AddTerm(&terms, "No contact");
  v1::OrderTerm* zone = terms.Add();
  zone->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  zone->set_text("Not to enter the area");
  zone->mutable_geographic_limit()->set_area("Hanley");
  zone->mutable_geographic_limit()->set_distance_metres(100);
  auto ok = ParseOrderTerms("terms", terms);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_FALSE((*ok)[0].geographic_limit.has_value());
  EXPECT_EQ((*ok)[1].geographic_limit, (GeographicLimit{"Hanley", 100}));

  zone->mutable_geographic_limit()->set_distance_metres(-1);
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)),
            "terms[1].geographic_limit.distance_metres");
  zone->mutable_geographic_limit()->set_distance_metres(kMaxDistanceMetres + 1);
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)),
            "terms[1].geographic_limit.distance_metres");
  zone->mutable_geographic_limit()->set_distance_metres(0);
  zone->mutable_geographic_limit()->set_area(" ");
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)),
            "terms[1].geographic_limit.area");
  zone->clear_geographic_limit();
  zone->set_text("");
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)), "terms[1].text");
  zone->set_text(std::string(kMaxTermText + 1, 'x'));
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)), "terms[1].text");
  zone->set_text("ok");
  zone->set_kind(v1::ORDER_TERM_KIND_UNSPECIFIED);
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)), "terms[1].kind");
  zone->set_kind(static_cast<v1::OrderTermKind>(9));
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)), "terms[1].kind");
}

// A zone around the protected person's home is named by `place`, never by
// the (possibly restricted) address: no area is needed with a place.
TEST(ParseOrderTermsTest, AProtectedPlaceStandsInForTheArea) {
  google::protobuf::RepeatedPtrField<v1::OrderTerm> terms;
  AddTerm(&terms, "No contact");
  v1::OrderTerm* zone = terms.Add();
  zone->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  zone->set_text("Not to go near the protected person's home");
  v1::GeographicLimit* limit = zone->mutable_geographic_limit();
  limit->set_place(v1::PROTECTED_PLACE_HOME);
  auto home = ParseOrderTerms("terms", terms);
  ASSERT_TRUE(home.ok()) << home.status();
  EXPECT_EQ((*home)[1].geographic_limit,
            (GeographicLimit{"", 0, v1::PROTECTED_PLACE_HOME}));

  limit->set_distance_metres(100);
  limit->set_area("Hanley");
  auto both = ParseOrderTerms("terms", terms);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ((*both)[1].geographic_limit,
            (GeographicLimit{"Hanley", 100, v1::PROTECTED_PLACE_HOME}));
}

TEST(ParseOrderTermsTest, NoPlaceAndNoAreaIsRefusedNamingTheArea) {
  google::protobuf::RepeatedPtrField<v1::OrderTerm> terms;
  AddTerm(&terms, "No contact");
  v1::OrderTerm* zone = terms.Add();
  zone->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  zone->set_text("Not to enter the zone");
  zone->mutable_geographic_limit()->set_distance_metres(100);
  auto r = ParseOrderTerms("terms", terms);
  EXPECT_EQ(FieldOfResult(r), "terms[1].geographic_limit.area");
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::StartsWith("terms[1].geographic_limit.area: is required "
                                    "without a place"));
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("place: HOME"));
  // An empty limit too.
  zone->mutable_geographic_limit()->Clear();
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)),
            "terms[1].geographic_limit.area");
}

TEST(ParseOrderTermsTest, AnUnknownPlaceIsRefusedNamingThePlace) {
  google::protobuf::RepeatedPtrField<v1::OrderTerm> terms;
  v1::OrderTerm* zone = terms.Add();
  zone->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  zone->set_text("Not to go near the place");
  zone->mutable_geographic_limit()->set_place(static_cast<v1::ProtectedPlace>(9));
  zone->mutable_geographic_limit()->set_area("Hanley");
  auto r = ParseOrderTerms("terms", terms);
  EXPECT_EQ(FieldOfResult(r), "terms[0].geographic_limit.place");
  EXPECT_EQ(r.status().message(),
            "terms[0].geographic_limit.place: is not a known value");
  zone->mutable_geographic_limit()->set_place(static_cast<v1::ProtectedPlace>(-1));
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)),
            "terms[0].geographic_limit.place");
}

TEST(ParseOrderTermsTest, AtMostFiftyTerms) {
  google::protobuf::RepeatedPtrField<v1::OrderTerm> terms;
  for (size_t i = 0; i < kMaxOrderTerms; ++i) AddTerm(&terms, "t");
  EXPECT_TRUE(ParseOrderTerms("terms", terms).ok());
  AddTerm(&terms, "t");
  EXPECT_EQ(FieldOfResult(ParseOrderTerms("terms", terms)), "terms");
}

TEST(ParseOrderDurationTest, ExactlyOneOfEndDateOrUntilFurtherOrder) {
  v1::OrderDuration d;
  EXPECT_EQ(*ParseOrderDuration("duration", d, false), std::nullopt);
  EXPECT_EQ(FieldOfResult(ParseOrderDuration("duration", d, true)), "duration");
  d.set_until_further_order(false);
  EXPECT_EQ(FieldOfResult(ParseOrderDuration("duration", d, true)),
            "duration.until_further_order");
  d.set_until_further_order(true);
  EXPECT_EQ(*ParseOrderDuration("duration", d, true),
            OrderDuration::UntilFurtherOrder());
  *d.mutable_end_date() = D(2028, 3, 9);
  EXPECT_EQ(*ParseOrderDuration("duration", d, true),
            OrderDuration::FixedUntil(absl::CivilDay(2028, 3, 9)));
  *d.mutable_end_date() = D(2027, 2, 29);
  EXPECT_EQ(FieldOfResult(ParseOrderDuration("duration", d, true)),
            "duration.end_date");
}

TEST(PastDatesAndTimesTest, TodayIsUkTodayAndClockSkewIsAllowed) {
  // 2026-07-01 23:30 UTC is already 2 July in the UK.
  const absl::Time late_evening = At(2026, 7, 1, 23, 30);
  EXPECT_TRUE(ParsePastDate("d", D(2026, 7, 2), late_evening).ok());
  EXPECT_EQ(FieldOfResult(ParsePastDate("d", D(2026, 7, 3), late_evening)),
            "d");
  google::protobuf::Timestamp ts = ToProtoTime(kNow + absl::Minutes(4));
  EXPECT_TRUE(ParsePastTime("t", ts, true, kNow).ok());
  ts = ToProtoTime(kNow + absl::Minutes(6));
  EXPECT_EQ(FieldOfResult(ParsePastTime("t", ts, true, kNow)), "t");
  EXPECT_EQ(FieldOfResult(ParsePastTime("t", ts, false, kNow)), "t");
}

// ---- Requests
// ------------------------------------------------------------------

TEST(ParseCreateTest, FullAndInterim) {
  v1::CreateProtectionOrderRequest req;
  req.set_parent("cases/SP-2026-000001");
  req.mutable_protection_order()->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
  req.mutable_protection_order()->set_defendant("Invented Defendant");
  req.mutable_protection_order()->add_protected_persons("Invented Victim");
  AddTerm(req.mutable_protection_order()->mutable_proposed_terms(),
          "No contact");
  req.set_not_pursued_reason("");
  auto full = ParseCreateProtectionOrder(req);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->kind, v1::PROTECTION_ORDER_KIND_FULL);
  EXPECT_EQ(full->proposed_terms.size(), 1u);
  EXPECT_EQ(full->protected_persons.size(), 1u);

  req.mutable_protection_order()->set_main_order(kOrder);
  EXPECT_EQ(FieldOfResult(ParseCreateProtectionOrder(req)),
            "protection_order.main_order");
  req.mutable_protection_order()->set_kind(v1::PROTECTION_ORDER_KIND_INTERIM);
  auto interim = ParseCreateProtectionOrder(req);
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(interim->main_order, kOrder);
  req.mutable_protection_order()->set_main_order(
      "cases/SP-2026-000002/protectionOrders/"
      "3f2b7c1e-0000-4000-8000-000000000001");
  EXPECT_EQ(FieldOfResult(ParseCreateProtectionOrder(req)),
            "protection_order.main_order");
  req.mutable_protection_order()->clear_main_order();
  EXPECT_EQ(FieldOfResult(ParseCreateProtectionOrder(req)),
            "protection_order.main_order");

  req.mutable_protection_order()->set_kind(
      v1::PROTECTION_ORDER_KIND_UNSPECIFIED);
  EXPECT_EQ(FieldOfResult(ParseCreateProtectionOrder(req)),
            "protection_order.kind");
  req.mutable_protection_order()->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
  req.mutable_protection_order()->add_protected_persons(" ");
  EXPECT_EQ(FieldOfResult(ParseCreateProtectionOrder(req)),
            "protection_order.protected_persons[1]");
  req.mutable_protection_order()->clear_protected_persons();
  req.set_parent("incidents/x");
  EXPECT_EQ(FieldOfResult(ParseCreateProtectionOrder(req)), "parent");
}

TEST(ParseUpdateTest, MaskPathsOnly) {
  v1::UpdateProtectionOrderRequest req;
  EXPECT_EQ(FieldOfResult(ParseUpdateProtectionOrder(req)), "update_mask");
  req.mutable_protection_order()->set_court("Court A");
  req.mutable_protection_order()->set_defendant("ignored: not in the mask");
  req.mutable_update_mask()->add_paths("court");
  req.mutable_update_mask()->add_paths("proposed_duration");
  auto r = ParseUpdateProtectionOrder(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->event, v1::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION);
  const auto& draft = std::get<DraftInput>(r->payload);
  EXPECT_EQ(draft.court, "Court A");
  EXPECT_FALSE(draft.defendant.has_value());
  EXPECT_TRUE(draft.set_proposed_duration);
  EXPECT_FALSE(draft.proposed_duration.has_value()) << "unset clears";
  req.mutable_update_mask()->add_paths("status");
  auto bad = ParseUpdateProtectionOrder(req);
  EXPECT_EQ(FieldOfResult(bad), "update_mask");
  EXPECT_EQ(
      bad.status().message(),
      "update_mask: cannot update \"status\"; updatable paths: defendant, "
      "protected_persons, consideration_notes, proposed_terms, "
      "proposed_duration, court, grounds");
}

TEST(ParseNotPursuedTest, ReasonRequired) {
  v1::RecordOrderNotPursuedRequest req;
  EXPECT_EQ(FieldOfResult(ParseRecordOrderNotPursued(req)), "reason");
  req.set_reason("Victim relocated; other measures");
  EXPECT_EQ(ParseRecordOrderNotPursued(req)->event,
            v1::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE);
}

TEST(ParseApplyTest, DateRequiredAndNotInTheFuture) {
  v1::ApplyForOrderRequest req;
  EXPECT_EQ(FieldOfResult(ParseApplyForOrder(req, kNow)), "application_date");
  *req.mutable_application_date() = D(2026, 4, 2);
  EXPECT_EQ(FieldOfResult(ParseApplyForOrder(req, kNow)), "application_date");
  *req.mutable_application_date() = D(2026, 4, 1);
  req.mutable_duration()->set_until_further_order(true);
  auto r = ParseApplyForOrder(req, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& in = std::get<ApplyInput>(r->payload);
  EXPECT_EQ(in.application_date, absl::CivilDay(2026, 4, 1));
  EXPECT_TRUE(in.terms.empty()) << "falls back to the draft";
  EXPECT_EQ(in.duration, OrderDuration::UntilFurtherOrder());
}

TEST(ParseHearingTest, ListedOrAdjourned) {
  v1::RecordHearingRequest req;
  EXPECT_EQ(FieldOfResult(ParseRecordHearing(req)), "status");
  req.set_status(v1::ORDER_HEARING_STATUS_LISTED);
  EXPECT_EQ(FieldOfResult(ParseRecordHearing(req)), "hearing_time");
  *req.mutable_hearing_time() = ToProtoTime(At(2026, 5, 1, 10, 0));
  EXPECT_EQ(FieldOfResult(ParseRecordHearing(req)), "court");
  req.set_court("North Staffordshire Justice Centre");
  auto listed = ParseRecordHearing(req);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->event, v1::PROTECTION_ORDER_EVENT_LIST_HEARING);
  req.set_adjournment_reason("x");
  EXPECT_EQ(FieldOfResult(ParseRecordHearing(req)), "adjournment_reason");

  req.set_status(v1::ORDER_HEARING_STATUS_ADJOURNED);
  EXPECT_EQ(FieldOfResult(ParseRecordHearing(req)), "hearing_time");
  req.clear_hearing_time();
  req.clear_court();
  req.set_next_court("Other court");
  EXPECT_EQ(FieldOfResult(ParseRecordHearing(req)), "next_court");
  *req.mutable_next_hearing_time() = ToProtoTime(At(2026, 5, 8, 10, 0));
  auto adjourned = ParseRecordHearing(req);
  ASSERT_TRUE(adjourned.ok()) << adjourned.status();
  EXPECT_EQ(adjourned->event, v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING);
  const auto& in = std::get<HearingInput>(adjourned->payload);
  EXPECT_EQ(in.next_hearing_time, At(2026, 5, 8, 10, 0));
  EXPECT_EQ(in.next_court, "Other court");
}

TEST(ParseCourtDecisionTest, OutcomeDecidesWhatIsNeeded) {
  v1::RecordCourtDecisionRequest req;
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)), "outcome");
  req.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)),
            "decision_date");
  *req.mutable_decision_date() = D(2026, 4, 2);
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)),
            "decision_date");
  *req.mutable_decision_date() = D(2026, 3, 30);
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)), "court");
  req.set_court("North Staffordshire Justice Centre");
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)), "terms");
  AddTerm(req.mutable_terms(), "No contact");
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)), "duration");
  *req.mutable_duration()->mutable_end_date() = D(2028, 3, 29);
  auto granted = ParseRecordCourtDecision(req, kNow);
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_EQ(granted->event, v1::PROTECTION_ORDER_EVENT_GRANT);

  req.set_outcome(v1::ORDER_DECISION_OUTCOME_REFUSED);
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)), "terms");
  req.clear_terms();
  EXPECT_EQ(FieldOfResult(ParseRecordCourtDecision(req, kNow)), "duration");
  req.clear_duration();
  EXPECT_EQ(ParseRecordCourtDecision(req, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_REFUSE);
  req.set_outcome(v1::ORDER_DECISION_OUTCOME_WITHDRAWN);
  req.clear_court();
  EXPECT_EQ(ParseRecordCourtDecision(req, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_WITHDRAW);
}

TEST(ParseServiceTest, TimeRequired) {
  v1::RecordServiceRequest req;
  EXPECT_EQ(FieldOfResult(ParseRecordService(req, kNow)), "service_time");
  *req.mutable_service_time() = ToProtoTime(At(2026, 3, 31, 9, 0));
  auto r = ParseRecordService(req, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ServiceInput>(r->payload).service_time,
            At(2026, 3, 31, 9, 0));
}

TEST(ParseNotificationTest, AcknowledgementAndSomethingNotified) {
  v1::RecordNotificationRequest req;
  *req.mutable_notify_time() = ToProtoTime(At(2026, 3, 31, 9, 0));
  EXPECT_EQ(FieldOfResult(ParseRecordNotification(req, kNow)), "names");
  req.set_home_address("1 Invented Street");
  EXPECT_EQ(FieldOfResult(ParseRecordNotification(req, kNow)),
            "acknowledgement");
  req.set_acknowledgement("Receipt 42, PC 1234");
  req.add_names("");
  EXPECT_EQ(FieldOfResult(ParseRecordNotification(req, kNow)), "names[0]");
  req.set_names(0, "Invented Defendant");
  auto r = ParseRecordNotification(req, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<NotificationInput>(r->payload).notification.names.size(),
            1u);
}

TEST(ParseDetailsChangeTest, NameOrAddressOnly) {
  v1::RecordDetailsChangeRequest req;
  *req.mutable_change_time() = ToProtoTime(At(2026, 3, 31, 9, 0));
  EXPECT_EQ(FieldOfResult(ParseRecordDetailsChange(req, kNow)), "change");
  req.set_change(v1::ORDER_NOTIFICATION_TRIGGER_SERVICE);
  EXPECT_EQ(FieldOfResult(ParseRecordDetailsChange(req, kNow)), "change");
  req.set_change(v1::ORDER_NOTIFICATION_TRIGGER_NAME_CHANGE);
  EXPECT_EQ(ParseRecordDetailsChange(req, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE);
}

TEST(ParseChangeApplicationsTest, ApplicantDateAndWhatIsSought) {
  v1::ApplyForVariationRequest vary;
  EXPECT_EQ(FieldOfResult(ParseApplyForVariation(vary, kNow)), "applicant");
  vary.set_applicant(v1::ORDER_PARTY_DEFENDANT);
  EXPECT_EQ(FieldOfResult(ParseApplyForVariation(vary, kNow)),
            "application_date");
  *vary.mutable_application_date() = D(2026, 3, 31);
  EXPECT_EQ(FieldOfResult(ParseApplyForVariation(vary, kNow)),
            "proposed_terms");
  vary.mutable_proposed_duration()->set_until_further_order(true);
  EXPECT_EQ(ParseApplyForVariation(vary, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION);

  v1::ApplyForRenewalRequest renew;
  renew.set_applicant(v1::ORDER_PARTY_POLICE);
  *renew.mutable_application_date() = D(2026, 3, 31);
  EXPECT_EQ(ParseApplyForRenewal(renew, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL);
  v1::ApplyForDischargeRequest discharge;
  discharge.set_applicant(static_cast<v1::OrderParty>(7));
  *discharge.mutable_application_date() = D(2026, 3, 31);
  EXPECT_EQ(FieldOfResult(ParseApplyForDischarge(discharge, kNow)),
            "applicant");
  discharge.set_applicant(v1::ORDER_PARTY_DEFENDANT);
  EXPECT_EQ(ParseApplyForDischarge(discharge, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE);
}

TEST(ApplicationDecisionTest, EventFollowsThePendingApplication) {
  v1::RecordApplicationDecisionRequest req;
  req.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
  *req.mutable_decision_date() = D(2026, 3, 31);
  req.set_court("North Staffordshire Justice Centre");
  auto decision = ParseRecordApplicationDecision(req, kNow);
  ASSERT_TRUE(decision.ok()) << decision.status();

  using scenarios::Reach;
  const auto served = v1::PROTECTION_ORDER_STATUS_SERVED;
  struct Case {
    OrderEvent prepared_for;
    OrderEvent want;
  };
  for (Case c : {Case{v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION,
                      v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION},
                 Case{v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL,
                      v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL},
                 Case{v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE,
                      v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE}}) {
    OrderFacts o = Reach(served, scenarios::kFull, c.prepared_for);
    auto event = ApplicationDecisionEvent(o, *decision, kNow);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->event, c.want);
  }
  OrderFacts none = scenarios::Served(scenarios::kFull);
  auto no_pending = ApplicationDecisionEvent(none, *decision, kNow);
  EXPECT_EQ(no_pending.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_pending.status().message(),
            "no variation, renewal or discharge application is pending; full "
            "order is SERVED");

  // A discharge takes no terms.
  AddTerm(req.mutable_terms(), "x");
  auto with_terms = ParseRecordApplicationDecision(req, kNow);
  ASSERT_TRUE(with_terms.ok());
  OrderFacts discharge = Reach(served, scenarios::kFull,
                               v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE);
  EXPECT_EQ(
      FieldOfResult(ApplicationDecisionEvent(discharge, *with_terms, kNow)),
      "terms");
  // Refused or withdrawn: no terms, any application.
  req.set_outcome(v1::ORDER_DECISION_OUTCOME_REFUSED);
  EXPECT_EQ(FieldOfResult(ParseRecordApplicationDecision(req, kNow)), "terms");
  req.clear_terms();
  auto refused = ParseRecordApplicationDecision(req, kNow);
  EXPECT_EQ(ApplicationDecisionEvent(none, *refused, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION);
  req.set_outcome(v1::ORDER_DECISION_OUTCOME_WITHDRAWN);
  req.clear_court();
  auto withdrawn = ParseRecordApplicationDecision(req, kNow);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(ApplicationDecisionEvent(none, *withdrawn, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_WITHDRAW_APPLICATION);
}

TEST(ParseAppealTest, AppealAndItsDecision) {
  v1::RecordAppealRequest appeal;
  appeal.set_appellant(v1::ORDER_PARTY_DEFENDANT);
  *appeal.mutable_lodge_date() = D(2026, 3, 31);
  EXPECT_EQ(FieldOfResult(ParseRecordAppeal(appeal, kNow)), "court");
  appeal.set_court("Stoke-on-Trent Crown Court");
  EXPECT_EQ(ParseRecordAppeal(appeal, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL);

  v1::RecordAppealDecisionRequest decision;
  *decision.mutable_decision_date() = D(2026, 3, 31);
  decision.set_court("Stoke-on-Trent Crown Court");
  EXPECT_EQ(FieldOfResult(ParseRecordAppealDecision(decision, kNow)),
            "outcome");
  decision.set_outcome(v1::ORDER_APPEAL_OUTCOME_VARIED);
  EXPECT_EQ(FieldOfResult(ParseRecordAppealDecision(decision, kNow)), "terms");
  decision.mutable_duration()->set_until_further_order(true);
  EXPECT_EQ(ParseRecordAppealDecision(decision, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL);
  decision.set_outcome(v1::ORDER_APPEAL_OUTCOME_UPHELD);
  EXPECT_EQ(FieldOfResult(ParseRecordAppealDecision(decision, kNow)),
            "duration");
  decision.clear_duration();
  EXPECT_EQ(ParseRecordAppealDecision(decision, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL);
  decision.set_outcome(v1::ORDER_APPEAL_OUTCOME_QUASHED);
  AddTerm(decision.mutable_terms(), "No contact");  // left to the guard
  EXPECT_EQ(ParseRecordAppealDecision(decision, kNow)->event,
            v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL);
}

TEST(ParseBreachTest, TimeDescriptionAndIncident) {
  v1::RecordBreachRequest req;
  EXPECT_EQ(FieldOfResult(ParseRecordBreach(req, kNow)), "breach.occur_time");
  *req.mutable_breach()->mutable_occur_time() =
      ToProtoTime(At(2026, 3, 31, 18, 0));
  EXPECT_EQ(FieldOfResult(ParseRecordBreach(req, kNow)), "breach.description");
  req.mutable_breach()->set_description("Sent 14 messages");
  req.mutable_breach()->set_incident(
      "cases/SP-2026-000001/incidents/not-a-uuid");
  EXPECT_EQ(FieldOfResult(ParseRecordBreach(req, kNow)), "breach.incident");
  req.mutable_breach()->set_incident(
      "cases/SP-2026-000001/incidents/3f2b7c1e-0000-4000-8000-000000000009");
  auto r = ParseRecordBreach(req, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<BreachInput>(r->payload).incident,
            req.breach().incident());
}

}  // namespace
}  // namespace casebridge::domain
