// domain::Redact applied the way the server applies it to every response:
// what each audience reads of a whole case, of an order, and of the text
// that holds a restricted address. The table (domain/visibility.cc) is the
// source of truth; these tests pin its decisions on complete resources.
// (The table's own consistency and coverage: tests/unit/visibility_test.cc;
// the address matcher: tests/unit/restricted_address_test.cc.)
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/common.pb.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "casebridge/v1/sharing.pb.h"
#include "domain/protection_order_case.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/protection_order_views.h"
#include "domain/restricted_address.h"
#include "domain/validation.h"
#include "domain/visibility.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/unit/protection_order_scenarios.h"

namespace casebridge::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr Audience kPartnerAudiences[] = {Audience::kCouncil, Audience::kHealth,
                                          Audience::kVictimService};

// The victim's restricted address, and an open one of a protected person.
constexpr char kAddress[] = "14 Refuge Close, Hanley, ST1 1AA";
constexpr char kOpenAddress[] = "22 Open Road, Stoke, ST4 2AB";

// What the runner compiles from the restricted addresses of the case.
RestrictedAddressMatcher Matcher() { return RestrictedAddressMatcher::For({kAddress}); }
RestrictedAddressMatcher NoAddress() { return RestrictedAddressMatcher(); }

google::protobuf::Timestamp Ts(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

template <typename M>
M Redacted(std::optional<Audience> audience, const RestrictedAddressMatcher& matcher,
           M message) {
  Redact(audience, matcher, &message);
  return message;
}

std::string Name(std::optional<Audience> audience) {
  return audience.has_value() ? std::string(AudienceName(*audience)) : "no audience";
}

// ---- A whole case ----------------------------------------------------------

// Every field of a case set, no address in its text (the restricted-text
// tests below add them).
v1::Case FullCase() {
  v1::Case c;
  c.set_name("cases/SP-2026-000001");
  c.set_reference("SP-2026-000001");
  c.set_owning_agency("agencies/staffordshire-police");
  c.set_officer_in_charge("users/pc.hughes");
  c.set_status(v1::CASE_STATUS_CLOSED);
  *c.mutable_open_time() = Ts(1'770'000'000);
  *c.mutable_close_time() = Ts(1'775'000'000);
  c.set_close_reason("No further action");
  c.set_summary("Follows her from work every evening");

  v1::Person* victim = c.mutable_victim();
  victim->set_given_name("Sarah");
  victim->set_family_name("Bennett");
  victim->add_aliases("Sal");
  victim->mutable_date_of_birth()->set_year(1991);
  victim->mutable_date_of_birth()->set_month(5);
  victim->mutable_date_of_birth()->set_day(4);
  victim->mutable_safe_contact()->set_phone("07700 900123");
  victim->mutable_safe_contact()->set_email("sarah@example.org");
  victim->mutable_safe_contact()->set_safe_contact_notes("Text first");
  victim->set_address(kAddress);
  victim->set_address_restricted(true);
  victim->set_notes("Moved after the last incident");

  v1::Person* suspect = c.add_suspects();
  suspect->set_given_name("Mark");
  suspect->set_family_name("Doyle");
  suspect->set_address("3 Station Road, Leek, ST13 5AB");
  suspect->set_notes("On bail");

  v1::Person* child = c.add_protected_persons();
  child->set_given_name("Amy");
  child->set_family_name("Bennett");
  child->mutable_date_of_birth()->set_year(2015);
  child->mutable_safe_contact()->set_phone("07700 900456");
  child->set_address(kOpenAddress);
  child->set_notes("Attends Hanley Primary");

  c.set_relationship(v1::RELATIONSHIP_EX_INTIMATE);
  c.set_typology(v1::STALKER_TYPOLOGY_REJECTED);

  v1::CaseFlag* weapons = c.add_flags();
  weapons->set_name("cases/SP-2026-000001/flags/1");
  weapons->set_type(v1::FLAG_TYPE_WEAPONS);
  weapons->set_reason("Knife seen in his car");
  *weapons->mutable_raise_time() = Ts(1'771'000'000);
  weapons->set_raised_by("users/pc.hughes");
  *weapons->mutable_clear_time() = Ts(1'772'000'000);
  weapons->set_cleared_by("users/sgt.khan");
  weapons->set_clear_reason("Knife recovered");
  v1::CaseFlag* overdue = c.add_flags();
  overdue->set_name("cases/SP-2026-000001/protectionOrders/o1");
  overdue->set_type(v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE);
  overdue->set_reason("The defendant's notification is overdue");

  c.mutable_spo_consideration()->set_considered(true);
  c.mutable_spo_consideration()->set_reason("Fixated and escalating");
  *c.mutable_spo_consideration()->mutable_record_time() = Ts(1'771'500'000);
  c.mutable_spo_consideration()->set_recorded_by("users/pc.hughes");

  v1::VictimServicesReferral* referral = c.mutable_victim_services_referral();
  referral->set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
  referral->set_agency("agencies/victim-support");
  referral->set_reason("Asked for support at court");
  *referral->mutable_record_time() = Ts(1'771'600'000);
  referral->set_recorded_by("users/pc.hughes");

  c.set_lawful_basis_notes("Crime and Disorder Act 1998 s.115");
  c.set_risk_level(v1::RISK_LEVEL_HIGH);

  v1::CasePattern* pattern = c.mutable_pattern();
  pattern->set_incident_count(4);
  pattern->set_course_of_conduct(true);
  *pattern->mutable_first_incident_time() = Ts(1'769'000'000);
  *pattern->mutable_last_incident_time() = Ts(1'771'000'000);
  pattern->set_duration_days(23);
  pattern->set_incidents_last_14_days(3);
  pattern->set_incidents_previous_14_days(1);
  pattern->add_new_behaviours(v1::BEHAVIOUR_LOITERING);
  pattern->set_escalating(true);
  pattern->set_escalation_reason("Three incidents in the last 14 days");
  pattern->set_highest_risk_indicator(true);
  pattern->set_rapid_escalation(true);
  pattern->add_four_signs_seen(v1::FOUR_SIGN_FIXATED);
  pattern->add_behaviours_seen(v1::BEHAVIOUR_FOLLOWING);
  v1::Recommendation* rec = pattern->add_recommendations();
  rec->set_code("MARAC_REFERRAL");
  rec->set_text("Refer to MARAC");

  c.set_has_active_order(true);
  *c.mutable_create_time() = Ts(1'770'000'001);
  *c.mutable_update_time() = Ts(1'775'000'001);
  c.set_etag("7");
  v1::RestrictedTextFinding* finding = c.add_restricted_text_to_rewrite();
  finding->set_resource("cases/SP-2026-000001/incidents/2");
  finding->set_field("location");
  finding->set_part("the street");
  return c;
}

void ExpectEquals(const Message& got, const Message& want) {
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(want, got)) << diff;
}

TEST(RedactCaseTest, ThePoliceKeepEverything) {
  const v1::Case full = FullCase();
  ExpectEquals(Redacted(Audience::kPolice, Matcher(), full), full);
}

TEST(RedactCaseTest, TheCpsLoseOnlyThePoliceHousekeepingAndTheRestrictedAddress) {
  v1::Case want = FullCase();
  want.clear_etag();  // only the police change the case
  want.clear_restricted_text_to_rewrite();
  want.mutable_victim()->clear_address();
  ExpectEquals(Redacted(Audience::kCps, Matcher(), FullCase()), want);
  // The marker itself stays: the CPS know there is an address they may not see.
  EXPECT_TRUE(Redacted(Audience::kCps, Matcher(), FullCase()).victim().address_restricted());
}

TEST(RedactCaseTest, PartnersGetOnlyWhatSafeguardingNeeds) {
  const v1::Case full = FullCase();
  v1::Case want;
  want.set_name(full.name());
  want.set_reference(full.reference());
  want.set_owning_agency(full.owning_agency());
  want.set_officer_in_charge(full.officer_in_charge());
  want.set_status(full.status());
  *want.mutable_open_time() = full.open_time();
  *want.mutable_close_time() = full.close_time();
  // The victim: who, when born, how to contact safely; never the restricted
  // address, other names or police notes.
  v1::Person* victim = want.mutable_victim();
  victim->set_given_name("Sarah");
  victim->set_family_name("Bennett");
  *victim->mutable_date_of_birth() = full.victim().date_of_birth();
  *victim->mutable_safe_contact() = full.victim().safe_contact();
  victim->set_address_restricted(true);
  // A protected person whose address is not restricted: seen.
  v1::Person* child = want.add_protected_persons();
  child->set_given_name("Amy");
  child->set_family_name("Bennett");
  *child->mutable_date_of_birth() = full.protected_persons(0).date_of_birth();
  *child->mutable_safe_contact() = full.protected_persons(0).safe_contact();
  child->set_address(kOpenAddress);
  // Flags: why (how to visit safely), not who raised or cleared them; the
  // overdue-notification flag is police and CPS work on the order.
  v1::CaseFlag* weapons = want.add_flags();
  weapons->set_name(full.flags(0).name());
  weapons->set_type(v1::FLAG_TYPE_WEAPONS);
  weapons->set_reason("Knife seen in his car");
  *weapons->mutable_raise_time() = full.flags(0).raise_time();
  *weapons->mutable_clear_time() = full.flags(0).clear_time();
  // Whether the victim was referred, not why or by whom.
  want.mutable_victim_services_referral()->set_state(
      v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
  want.mutable_victim_services_referral()->set_agency("agencies/victim-support");
  *want.mutable_victim_services_referral()->mutable_record_time() =
      full.victim_services_referral().record_time();
  want.set_risk_level(v1::RISK_LEVEL_HIGH);
  // The risk indicators, not the incident detail behind them.
  want.mutable_pattern()->set_course_of_conduct(true);
  want.mutable_pattern()->set_escalating(true);
  want.mutable_pattern()->set_highest_risk_indicator(true);
  want.mutable_pattern()->set_rapid_escalation(true);
  want.set_has_active_order(true);
  *want.mutable_create_time() = full.create_time();
  *want.mutable_update_time() = full.update_time();

  for (Audience partner : kPartnerAudiences) {
    SCOPED_TRACE(AudienceName(partner));
    const v1::Case got = Redacted(partner, Matcher(), full);
    ExpectEquals(got, want);
    EXPECT_EQ(got.suspects_size(), 0) << "partners never receive suspect details";
    EXPECT_FALSE(got.has_spo_consideration());
    EXPECT_TRUE(got.etag().empty());
  }
}

TEST(RedactCaseTest, TheVictimsAddressIsClearedOutsideThePoliceOnlyWhenRestricted) {
  for (Audience audience : kAllAudiences) {
    SCOPED_TRACE(AudienceName(audience));
    const v1::Case restricted = Redacted(audience, Matcher(), FullCase());
    EXPECT_EQ(restricted.victim().address(),
              audience == Audience::kPolice ? kAddress : "");
    EXPECT_TRUE(restricted.victim().address_restricted());

    v1::Case open = FullCase();
    open.mutable_victim()->set_address_restricted(false);
    // Nobody on the case is restricted: the runner compiles no address.
    Redact(audience, NoAddress(), &open);
    EXPECT_EQ(open.victim().address(), kAddress);
  }
}

TEST(RedactCaseTest, TimestampsSurviveWhole) {
  // A google.protobuf.Timestamp is a value: the field holding it decides.
  const v1::Case full = FullCase();
  for (Audience audience : kAllAudiences) {
    SCOPED_TRACE(AudienceName(audience));
    const v1::Case got = Redacted(audience, Matcher(), full);
    ExpectEquals(got.create_time(), full.create_time());
    ExpectEquals(got.update_time(), full.update_time());
    ExpectEquals(got.open_time(), full.open_time());
    ASSERT_GE(got.flags_size(), 1);
    ExpectEquals(got.flags(0).raise_time(), full.flags(0).raise_time());
  }
  // Where the field is hidden, so is its timestamp.
  const v1::Case partner = Redacted(Audience::kCouncil, Matcher(), full);
  EXPECT_FALSE(partner.pattern().has_first_incident_time());
  EXPECT_FALSE(partner.spo_consideration().has_record_time());
}

// Every string and scalar set in `m` (recursively; not inside well-known
// types), with its path.
void CollectSetValues(const Message& m, const std::string& path,
                      std::vector<std::string>* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string here = absl::StrCat(path, ".", f->name());
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      out->push_back(here);
      continue;
    }
    if (f->message_type()->file()->package() != "casebridge.v1") continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        CollectSetValues(r->GetRepeatedMessage(m, f, i), absl::StrCat(here, "[", i, "]"),
                         out);
      }
    } else {
      CollectSetValues(r->GetMessage(m, f), here, out);
    }
  }
}

TEST(RedactCaseTest, NoAudienceKeepsOnlyTheNames) {
  const v1::Case got = Redacted(std::nullopt, Matcher(), FullCase());
  std::vector<std::string> kept;
  CollectSetValues(got, "Case", &kept);
  EXPECT_THAT(kept, ::testing::ElementsAre("Case.name"));
  EXPECT_EQ(got.name(), "cases/SP-2026-000001");
  EXPECT_EQ(got.flags_size(), 0) << "no element whose kind it cannot see";
  EXPECT_THAT(got.DebugString(), Not(HasSubstr("Sarah")));

  v1::ListCasesResponse list;
  *list.add_cases() = FullCase();
  list.set_next_page_token("page-2");
  Redact(std::nullopt, Matcher(), &list);
  ASSERT_EQ(list.cases_size(), 1);
  EXPECT_EQ(list.cases(0).name(), "cases/SP-2026-000001");
  EXPECT_TRUE(list.cases(0).reference().empty());
  EXPECT_EQ(list.next_page_token(), "page-2");
}

// Redact keeps every message field for a reader with no audience (to reach
// the names inside), and a google.protobuf value is kept whole: so the
// case's timestamps (open, close, create, update) survive for such a
// reader, although domain/visibility.h says it "keeps only the names of
// what it was answered with". (The messages it recursed into also stay, as
// empty shells.) Disabled until domain/visibility.cc decides: reported, not
// changed here.
TEST(RedactCaseTest, DISABLED_NoAudienceKeepsNoTimestamps) {
  const v1::Case got = Redacted(std::nullopt, Matcher(), FullCase());
  EXPECT_FALSE(got.has_open_time());
  EXPECT_FALSE(got.has_close_time());
  EXPECT_FALSE(got.has_create_time());
  EXPECT_FALSE(got.has_update_time());
}

// ---- Derived order indicators on the case -----------------------------------

TEST(RedactCaseTest, TheOverdueNotificationFlagAndRecommendationAreForPoliceAndCps) {
  using namespace scenarios;  // NOLINT: test timeline and builders.
  v1::Case c;
  c.set_name("cases/c");
  c.add_flags()->set_type(v1::FLAG_TYPE_RISK_TO_STAFF);
  AddOrderIndicators({{"cases/c/protectionOrders/a", Served(kFull)}}, kNow, &c);
  ASSERT_EQ(c.flags_size(), 2);
  for (Audience audience : {Audience::kPolice, Audience::kCps}) {
    const v1::Case seen = Redacted(audience, NoAddress(), c);
    EXPECT_EQ(seen.flags_size(), 2) << AudienceName(audience);
    EXPECT_EQ(seen.pattern().recommendations_size(), 1) << AudienceName(audience);
  }
  for (Audience partner : kPartnerAudiences) {
    const v1::Case seen = Redacted(partner, NoAddress(), c);
    ASSERT_EQ(seen.flags_size(), 1) << AudienceName(partner);
    EXPECT_EQ(seen.flags(0).type(), v1::FLAG_TYPE_RISK_TO_STAFF);
    EXPECT_EQ(seen.pattern().recommendations_size(), 0);
  }
}

// ---- Restricted text in a case ----------------------------------------------

// The restricted address typed into text every kind of reader sees.
v1::Case CaseWithRestrictedText() {
  v1::Case c = FullCase();
  c.set_summary("She moved to 14 Refuge Close after the assault");
  c.mutable_victim()->mutable_safe_contact()->set_safe_contact_notes(
      "Call first; she lives at ST1 1AA now");
  c.mutable_suspects(0)->set_notes("Seen near 14 Refuge Close");
  c.mutable_flags(0)->set_reason("Visits to 14 Refuge Close in pairs");
  return c;
}

TEST(RedactCaseTest, ARestrictedAddressInTextIsReplacedOutsideThePolice) {
  const v1::Case police = Redacted(Audience::kPolice, Matcher(), CaseWithRestrictedText());
  EXPECT_EQ(police.flags(0).reason(), "Visits to 14 Refuge Close in pairs");
  EXPECT_EQ(police.summary(), "She moved to 14 Refuge Close after the assault");
  EXPECT_EQ(police.victim().address(), kAddress);

  for (Audience audience : kAllAudiences) {
    if (audience == Audience::kPolice) continue;
    SCOPED_TRACE(AudienceName(audience));
    const v1::Case c = Redacted(audience, Matcher(), CaseWithRestrictedText());
    ASSERT_GE(c.flags_size(), 1);
    EXPECT_EQ(c.flags(0).reason(), "Visits to [restricted] in pairs");
    EXPECT_EQ(c.victim().safe_contact().safe_contact_notes(),
              "Call first; she lives at [restricted] now");
    for (const char* part : {"Refuge", "ST1 1AA"}) {
      EXPECT_THAT(c.DebugString(), Not(HasSubstr(part)));
    }
    // An open address is not the restricted one: left as it is.
    EXPECT_EQ(c.protected_persons(0).address(), kOpenAddress);
  }
  const v1::Case cps = Redacted(Audience::kCps, Matcher(), CaseWithRestrictedText());
  EXPECT_EQ(cps.summary(), "She moved to [restricted] after the assault");
  EXPECT_EQ(cps.suspects(0).notes(), "Seen near [restricted]");
  EXPECT_EQ(cps.suspects(0).address(), "3 Station Road, Leek, ST13 5AB")
      << "a suspect's open address is the CPS's to see";
}

TEST(RedactCaseTest, WithoutARestrictedAddressTextIsLeftForPartners) {
  v1::Case c = CaseWithRestrictedText();
  c.mutable_victim()->set_address_restricted(false);
  Redact(Audience::kCouncil, NoAddress(), &c);
  EXPECT_EQ(c.victim().address(), kAddress);
  EXPECT_EQ(c.flags(0).reason(), "Visits to 14 Refuge Close in pairs");
}

// ---- A protection order -------------------------------------------------------

// A served order with every kind of detail, named as the service names it.
v1::ProtectionOrder DetailedOrder() {
  using namespace scenarios;  // NOLINT: test timeline and builders.
  OrderFacts o = Served(kFull);
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION,
         NotificationInput{NotificationAt(kNotifyTime)});
  o = Do(o, v1::PROTECTION_ORDER_EVENT_RECORD_BREACH,
         BreachInput{kBreachTime, "Waited outside 14 Refuge Close", ""});
  o = Do(o, v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
         ChangeApplication(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION, kFull));
  o = Do(o, v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL, Appeal(v1::ORDER_PARTY_DEFENDANT));
  o.protected_persons = {"Sarah Bennett"};
  o.consideration_notes = "Fixated and escalating";
  o.grounds = "Repeated following";
  v1::ProtectionOrder p = OrderToProto(o, kNow);
  p.set_name("cases/c1/protectionOrders/o1");
  p.set_etag("7");
  *p.mutable_create_time() = ToProtoTime(kNow);
  *p.mutable_update_time() = ToProtoTime(kNow);
  p.add_interim_orders("cases/c1/protectionOrders/o2");
  return p;
}

TEST(RedactOrderTest, PartnersKeepWhetherInForceAndTheTermsNotTheGroundsOrCourt) {
  const v1::ProtectionOrder full = DetailedOrder();
  ASSERT_FALSE(full.grounds().empty());
  ASSERT_FALSE(full.court().empty());
  ASSERT_FALSE(full.consideration_notes().empty());
  ASSERT_EQ(full.terms_size(), 2);
  // Exactly these fields, from the full order.
  v1::ProtectionOrder want;
  want.set_name(full.name());
  want.set_kind(full.kind());
  want.set_active(true);
  *want.mutable_terms() = full.terms();
  *want.mutable_duration() = full.duration();
  *want.mutable_made_date() = full.made_date();
  *want.mutable_end_date() = full.end_date();
  *want.mutable_end_time() = full.end_time();
  for (Audience partner : kPartnerAudiences) {
    SCOPED_TRACE(AudienceName(partner));
    const v1::ProtectionOrder p = Redacted(partner, Matcher(), full);
    ExpectEquals(p, want);
    EXPECT_TRUE(p.grounds().empty());
    EXPECT_TRUE(p.court().empty());
    EXPECT_TRUE(p.consideration_notes().empty());
    EXPECT_TRUE(p.defendant().empty());
    EXPECT_EQ(p.hearings_size() + p.applications_size() + p.appeals_size() +
                  p.breaches_size() + p.notification_obligations_size(),
              0);
    EXPECT_FALSE(p.has_service());
    EXPECT_FALSE(p.has_decision()) << "the court's decision and its reasons";
    EXPECT_TRUE(p.etag().empty());
  }
}

TEST(RedactOrderTest, TheCpsKeepsTheDetailButNotTheEtagOrRestrictedText) {
  const v1::ProtectionOrder p = Redacted(Audience::kCps, Matcher(), DetailedOrder());
  EXPECT_TRUE(p.etag().empty()) << "the CPS does not change orders";
  EXPECT_EQ(p.defendant(), "Invented Defendant");
  EXPECT_EQ(p.grounds(), "Repeated following");
  ASSERT_EQ(p.breaches_size(), 1);
  EXPECT_EQ(p.breaches(0).description(), "Waited outside [restricted]");
  EXPECT_EQ(p.notification_obligations_size(), 1);
  EXPECT_EQ(p.appeals_size(), 1);
  EXPECT_EQ(p.protected_persons(0), "Sarah Bennett");
  v1::ProtectionOrder want = DetailedOrder();
  want.clear_etag();
  want.mutable_breaches(0)->set_description("Waited outside [restricted]");
  ExpectEquals(p, want);

  const v1::ProtectionOrder police = Redacted(Audience::kPolice, Matcher(), DetailedOrder());
  ExpectEquals(police, DetailedOrder());
  EXPECT_EQ(police.breaches(0).description(), "Waited outside 14 Refuge Close");

  const v1::ProtectionOrder none = Redacted(std::nullopt, Matcher(), DetailedOrder());
  EXPECT_EQ(none.name(), "cases/c1/protectionOrders/o1");
  std::vector<std::string> kept;
  CollectSetValues(none, "ProtectionOrder", &kept);
  EXPECT_THAT(kept, ::testing::ElementsAre("ProtectionOrder.name"));
}

TEST(RedactOrderTest, PartnersGetTheTermsWithoutARestrictedAddress) {
  v1::ProtectionOrder p = DetailedOrder();
  p.mutable_terms(0)->set_text("Not to enter 14 REFUGE CLOSE or ST1 1AA");
  p.mutable_terms(1)->mutable_geographic_limit()->set_area(
      "Within 100 m of 14 Refuge Close, Hanley, ST1 1AA");
  const v1::ProtectionOrder police = Redacted(Audience::kPolice, Matcher(), p);
  EXPECT_EQ(police.terms(0).text(), "Not to enter 14 REFUGE CLOSE or ST1 1AA");
  for (Audience partner : kPartnerAudiences) {
    SCOPED_TRACE(AudienceName(partner));
    const v1::ProtectionOrder seen = Redacted(partner, Matcher(), p);
    EXPECT_EQ(seen.terms(0).text(), "Not to enter [restricted] or [restricted]");
    EXPECT_EQ(seen.terms(1).geographic_limit().area(), "Within 100 m of [restricted]");
    EXPECT_EQ(seen.terms(1).kind(), p.terms(1).kind());
  }
}

// ---- Restricted text reaches every string, never identifiers ------------------

TEST(RedactTextTest, ReachesNestedAndRepeatedStringsButNotIdentifiers) {
  v1::GetOrderHistoryResponse r;
  r.add_entries()->set_summary("Not pursued: victim moved to 14 Refuge Close");
  r.add_terms_versions()->add_terms()->mutable_geographic_limit()->set_area("ST1 1AA");
  r.set_next_page_token("st1-1aa");
  Redact(Audience::kCps, Matcher(), &r);
  EXPECT_EQ(r.entries(0).summary(), "Not pursued: victim moved to [restricted]");
  EXPECT_EQ(r.terms_versions(0).terms(0).geographic_limit().area(), "[restricted]");
  EXPECT_EQ(r.next_page_token(), "st1-1aa");

  v1::ProtectionOrder o;
  o.add_protected_persons("Resident of 14 Refuge Close");
  o.set_name("cases/x/protectionOrders/st1-1aa");
  Redact(Audience::kCps, Matcher(), &o);
  EXPECT_EQ(o.protected_persons(0), "Resident of [restricted]");
  EXPECT_EQ(o.name(), "cases/x/protectionOrders/st1-1aa");

  // An etag the reader gets is an identifier too.
  v1::ChargingFile file;
  file.set_name("cases/x/chargingFiles/st1-1aa");
  file.set_etag("ST1 1AA");
  file.set_summary("Arrested outside 14 Refuge Close");
  Redact(Audience::kCps, Matcher(), &file);
  EXPECT_EQ(file.etag(), "ST1 1AA");
  EXPECT_EQ(file.name(), "cases/x/chargingFiles/st1-1aa");
  EXPECT_EQ(file.summary(), "Arrested outside [restricted]");
}

TEST(RedactTextTest, APartnersActionLosesTheAddressThePoliceKeepIt) {
  v1::SafeguardingAction action;
  action.set_description("Fit an alarm at 14 Refuge Close");
  action.set_notes("Met her at ST1 1AA");
  action.set_outcome("Alarm fitted at 14 refuge close");
  const v1::SafeguardingAction police = Redacted(Audience::kPolice, Matcher(), action);
  ExpectEquals(police, action);
  for (Audience partner : kPartnerAudiences) {
    SCOPED_TRACE(AudienceName(partner));
    const v1::SafeguardingAction seen = Redacted(partner, Matcher(), action);
    EXPECT_EQ(seen.description(), "Fit an alarm at [restricted]");
    EXPECT_EQ(seen.notes(), "Met her at [restricted]");
    EXPECT_EQ(seen.outcome(), "Alarm fitted at [restricted]");
  }
  // Partners' actions are not the CPS's to read at all.
  const v1::SafeguardingAction cps = Redacted(Audience::kCps, Matcher(), action);
  EXPECT_TRUE(cps.description().empty());
  EXPECT_TRUE(cps.notes().empty());
  EXPECT_TRUE(cps.outcome().empty());
}

// ---- Every string field of every message -----------------------------------
//
// Not a sample: every message type of the case-carrying API files, every
// string field in it (nested and repeated messages included) is given the
// restricted address in one of the ways people type it, and no audience but
// the police may get any of it back.

// How the address is typed into a field: the whole of it, parts of it, in
// other cases and punctuation, inside other words of a sentence.
constexpr const char* kTyped[] = {
    "She lives at 14 Refuge Close, Hanley, ST1 1AA now.",
    "Seen at 14 REFUGE-close, hanley (ST11AA) again",
    "st1 1aa",
    "Outside 14 refuge close at 2am",
    "14 Refuge Close, Hanley, ST1 1AA",
};
constexpr char kIdentifier[] = "cases/st1-1aa";

bool IsIdentifier(const FieldDescriptor* f) {
  return f->name() == "name" || f->name() == "etag" || f->name() == "next_page_token";
}

bool IsText(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
         f->type() != FieldDescriptor::TYPE_BYTES;
}

// Sets every string field of `m` (to kTyped, in turn), two elements of
// every repeated field, down to `depth` levels of messages. Returns how many
// strings it set.
int FillStrings(Message* m, int depth, int* turn) {
  const Reflection* r = m->GetReflection();
  const Descriptor* d = m->GetDescriptor();
  int set = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_map()) continue;
    if (IsText(f)) {
      const std::string text = IsIdentifier(f) ? kIdentifier : kTyped[(*turn)++ % 5];
      if (f->is_repeated()) {
        r->AddString(m, f, text);
        r->AddString(m, f, kTyped[(*turn)++ % 5]);
        set += 2;
      } else {
        r->SetString(m, f, text);
        ++set;
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth > 0) {
      if (f->message_type()->full_name().rfind("google.protobuf.", 0) == 0) continue;
      if (f->is_repeated()) {
        set += FillStrings(r->AddMessage(m, f), depth - 1, turn);
        set += FillStrings(r->AddMessage(m, f), depth - 1, turn);
      } else {
        set += FillStrings(r->MutableMessage(m, f), depth - 1, turn);
      }
    }
  }
  return set;
}

// Letters and digits only, lower case: the address in any spelling.
std::string Squeezed(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c)) out.push_back(absl::ascii_tolower(c));
  }
  return out;
}

// Every string of `m` but its identifiers, with where it is.
void CollectStrings(const Message& m, const std::string& path,
                    std::vector<std::pair<std::string, std::string>>* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string here = absl::StrCat(path, ".", f->name());
    if (IsText(f)) {
      if (IsIdentifier(f)) continue;
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          out->emplace_back(absl::StrCat(here, "[", i, "]"), r->GetRepeatedString(m, f, i));
        }
      } else {
        out->emplace_back(here, r->GetString(m, f));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          CollectStrings(r->GetRepeatedMessage(m, f, i), absl::StrCat(here, "[", i, "]"),
                         out);
        }
      } else {
        CollectStrings(r->GetMessage(m, f), here, out);
      }
    }
  }
}

// What may not survive: the street and the postcode, in any spelling.
std::vector<std::string> Leaks(const Message& m) {
  std::vector<std::pair<std::string, std::string>> strings;
  CollectStrings(m, m.GetDescriptor()->name(), &strings);
  std::vector<std::string> leaks;
  for (const auto& [where, text] : strings) {
    const std::string squeezed = Squeezed(text);
    if (squeezed.find("refugeclose") != std::string::npos ||
        squeezed.find("st11aa") != std::string::npos) {
      leaks.push_back(absl::StrCat(where, " = \"", text, "\""));
    }
  }
  return leaks;
}

// Every identifier left in `m` is as it was set.
void ExpectIdentifiersUnchanged(const Message& m, const std::string& where) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (IsText(f) && IsIdentifier(f) && !f->is_repeated()) {
      EXPECT_EQ(r->GetString(m, f), kIdentifier) << where << "." << f->name();
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      ExpectIdentifiersUnchanged(r->GetMessage(m, f), absl::StrCat(where, ".", f->name()));
    }
  }
}

void AddMessageTypes(const Descriptor* d, std::vector<const Descriptor*>* out) {
  if (d->options().map_entry()) return;
  out->push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) AddMessageTypes(d->nested_type(i), out);
}

// Every message type of the files whose responses carry case text, but
// those the table says carry no case content (left whole by design).
std::vector<const Descriptor*> CaseTextMessageTypes() {
  std::vector<const Descriptor*> all;
  for (const google::protobuf::FileDescriptor* file :
       {v1::Case::descriptor()->file(), v1::ChargingFile::descriptor()->file(),
        v1::ProtectionOrder::descriptor()->file(),
        v1::SafeguardingAction::descriptor()->file(), v1::CaseShare::descriptor()->file(),
        v1::Date::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      AddMessageTypes(file->message_type(i), &all);
    }
  }
  std::vector<const Descriptor*> out;
  for (const Descriptor* d : all) {
    if (!CarriesNoCaseContent(d)) out.push_back(d);
  }
  return out;
}

// Whether the table has a rule for every field reachable from `d` (a
// response message, as opposed to a request): the police then get it whole.
bool EveryFieldHasARule(const Descriptor* d, std::set<const Descriptor*>* seen) {
  if (d->file()->package() != "casebridge.v1" || !seen->insert(d).second) return true;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (FieldRuleOf(f) == nullptr) return false;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !EveryFieldHasARule(f->message_type(), seen)) {
      return false;
    }
  }
  return true;
}

TEST(RedactTextTest, EveryStringOfEveryMessageTypeIsRedactedOutsideThePolice) {
  const RestrictedAddressMatcher matcher = Matcher();
  const std::vector<const Descriptor*> types = CaseTextMessageTypes();
  ASSERT_GT(types.size(), 50u);
  int strings = 0;
  int whole_for_police = 0;
  for (const Descriptor* type : types) {
    std::unique_ptr<Message> filled(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
    int turn = 0;
    strings += FillStrings(filled.get(), 4, &turn);

    std::set<const Descriptor*> seen;
    if (EveryFieldHasARule(type, &seen)) {
      ++whole_for_police;
      std::unique_ptr<Message> police(filled->New());
      police->CopyFrom(*filled);
      Redact(Audience::kPolice, matcher, police.get());
      EXPECT_EQ(police->SerializeAsString(), filled->SerializeAsString())
          << type->full_name() << ": the police get every word";
    }

    std::vector<std::optional<Audience>> others = {std::nullopt};
    for (Audience a : kAllAudiences) {
      if (a != Audience::kPolice) others.push_back(a);
    }
    for (const std::optional<Audience>& audience : others) {
      std::unique_ptr<Message> other(filled->New());
      other->CopyFrom(*filled);
      Redact(audience, matcher, other.get());
      EXPECT_THAT(Leaks(*other), IsEmpty()) << type->full_name() << " for " << Name(audience);
      ExpectIdentifiersUnchanged(*other, absl::StrCat(type->full_name(), " for ",
                                                      Name(audience)));
    }
  }
  EXPECT_GT(strings, 1000) << "the filler reached the strings";
  EXPECT_GT(whole_for_police, 50) << "the response messages were checked for the police";
}

TEST(RedactTextTest, EveryStringOfTheCaseIsRedactedForEveryoneButThePolice) {
  v1::Case filled;
  int turn = 0;
  FillStrings(&filled, 4, &turn);
  filled.set_name("cases/c");
  filled.mutable_victim()->set_address(kAddress);
  filled.mutable_victim()->set_address_restricted(true);
  ASSERT_FALSE(Leaks(filled).empty());

  const v1::Case police = Redacted(Audience::kPolice, Matcher(), filled);
  EXPECT_EQ(police.SerializeAsString(), filled.SerializeAsString());

  std::vector<std::optional<Audience>> others = {std::nullopt};
  for (Audience a : kAllAudiences) {
    if (a != Audience::kPolice) others.push_back(a);
  }
  for (const std::optional<Audience>& audience : others) {
    const v1::Case c = Redacted(audience, Matcher(), filled);
    EXPECT_THAT(Leaks(c), IsEmpty()) << Name(audience);
    EXPECT_EQ(c.name(), "cases/c") << Name(audience);
  }

  // With no restricted address on the case (the runner compiles none), free
  // text is left alone.
  v1::Case open = filled;
  open.mutable_victim()->set_address_restricted(false);
  Redact(Audience::kCps, NoAddress(), &open);
  EXPECT_THAT(open.summary(), HasSubstr("Refuge")) << open.summary();
}

}  // namespace
}  // namespace casebridge::domain
