// ProtectionOrderService through a real gRPC channel and a real PostgreSQL.
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/dates.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::CreateCaseAs;
using test_support::SampleCase;
using test_support::TestServer;
using ::testing::HasSubstr;
using ::testing::Not;
using Stub = v1::ProtectionOrderService::Stub;

constexpr char kCourt[] = "North Staffordshire Justice Centre";
constexpr char kRestrictedAddress[] = "14 Refuge Close, Hanley, ST1 1AA";

v1::OrderTerm Term(v1::OrderTermKind kind, const std::string& text,
                   const std::string& area = "", int metres = 0,
                   v1::ProtectedPlace place = v1::PROTECTED_PLACE_UNSPECIFIED) {
  v1::OrderTerm t;
  t.set_kind(kind);
  t.set_text(text);
  if (!area.empty() || place != v1::PROTECTED_PLACE_UNSPECIFIED) {
    t.mutable_geographic_limit()->set_area(area);
    t.mutable_geographic_limit()->set_distance_metres(metres);
    t.mutable_geographic_limit()->set_place(place);
  }
  return t;
}

constexpr char kZoneAroundHome[] = "within 100 metres of the protected person's home";

// The exclusion zone around the victim's (restricted) home names the place,
// not the address.
std::vector<v1::OrderTerm> Terms1() {
  return {Term(v1::ORDER_TERM_KIND_PROHIBITION,
               "Not to contact Sarah Bennett directly or indirectly"),
          Term(v1::ORDER_TERM_KIND_PROHIBITION,
               "Not to enter the exclusion zone around her home", "", 100,
               v1::PROTECTED_PLACE_HOME)};
}

std::vector<v1::OrderTerm> Terms2() {
  std::vector<v1::OrderTerm> t = Terms1();
  t.push_back(
      Term(v1::ORDER_TERM_KIND_REQUIREMENT, "Attend a perpetrator programme"));
  return t;
}

std::vector<v1::OrderTerm> Terms3() {
  std::vector<v1::OrderTerm> t = Terms2();
  t.push_back(Term(v1::ORDER_TERM_KIND_PROHIBITION,
                   "Not to enter Hanley town centre",
                   "Hanley town centre inside the ring road"));
  return t;
}

template <typename Repeated>
void SetTerms(Repeated* out, const std::vector<v1::OrderTerm>& terms) {
  for (const v1::OrderTerm& t : terms) *out->Add() = t;
}

class ProtectionOrderServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = TestServer::Start(
        {.fake_clock = true,
         .start_time = test_support::TestStartTime()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    orders_ = v1::ProtectionOrderService::NewStub(server_->channel());
    cases_ = v1::CaseService::NewStub(server_->channel());
    sharing_ = v1::SharingService::NewStub(server_->channel());
  }

  absl::Time Now() { return server_->clock()->Now(); }
  void Advance(absl::Duration d) { server_->clock()->Advance(d); }
  absl::CivilDay Today() { return domain::UkDay(Now()); }
  static v1::Date Date(absl::CivilDay day) { return domain::ToProtoDate(day); }
  static google::protobuf::Timestamp Ts(absl::Time t) {
    return domain::ToProtoTime(t);
  }

  // One call as `user`; `field` gets the casebridge-field of a failure.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    const Request& request, Response* response,
                    absl::string_view user = "pc.hughes",
                    std::string* field = nullptr) {
    auto context = server_->Context(user);
    grpc::Status s = (orders_.get()->*method)(context.get(), request, response);
    if (field != nullptr) *field = test_support::FieldOf(*context);
    return s;
  }

  // The same call that must succeed.
  template <typename Request, typename Response = v1::ProtectionOrder>
  Response Ok(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                           Response*),
              const Request& request, absl::string_view user = "pc.hughes") {
    Response response;
    grpc::Status s = Call(method, request, &response, user);
    EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
    return response;
  }

  v1::Case NewCase(absl::string_view user = "pc.hughes") {
    return CreateCaseAs(*server_, user,
                        SampleCase(/*restricted_address=*/true));
  }

  v1::Incident AddIncident(const std::string& case_name, absl::Time when) {
    v1::AddIncidentRequest req;
    req.set_parent(case_name);
    *req.mutable_incident()->mutable_occur_time() = Ts(when);
    req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_FOLLOWING);
    req.mutable_incident()->set_location("outside work");
    v1::Incident out;
    EXPECT_GRPC_OK(
        cases_->AddIncident(server_->Context("pc.hughes").get(), req, &out));
    return out;
  }

  v1::Case GetCase(const std::string& name,
                   absl::string_view user = "pc.hughes") {
    v1::GetCaseRequest req;
    req.set_name(name);
    v1::Case out;
    EXPECT_GRPC_OK(cases_->GetCase(server_->Context(user).get(), req, &out));
    return out;
  }

  void Share(const std::string& case_name, absl::string_view agency_code) {
    v1::ShareCaseRequest req;
    req.set_parent(case_name);
    req.mutable_share()->set_agency(server_->Agency(agency_code));
    req.mutable_share()->set_purpose("Multi-agency safeguarding");
    req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare out;
    EXPECT_GRPC_OK(
        sharing_->ShareCase(server_->Context("pc.hughes").get(), req, &out));
  }

  v1::CreateProtectionOrderRequest ConsiderRequest(
      const std::string& parent, v1::ProtectionOrderKind kind,
      const std::string& main = "") {
    v1::CreateProtectionOrderRequest req;
    req.set_parent(parent);
    v1::ProtectionOrder* o = req.mutable_protection_order();
    o->set_kind(kind);
    o->set_main_order(main);
    o->set_defendant("Mark Doyle");
    o->add_protected_persons("Sarah Bennett");
    o->set_consideration_notes("Fixated, escalating; ex-partner");
    return req;
  }

  v1::ProtectionOrder Consider(const std::string& parent,
                               v1::ProtectionOrderKind kind,
                               const std::string& main = "") {
    return Ok(&Stub::CreateProtectionOrder,
              ConsiderRequest(parent, kind, main));
  }

  v1::ApplyForOrderRequest ApplyRequest(const v1::ProtectionOrder& o) {
    v1::ApplyForOrderRequest req;
    req.set_name(o.name());
    req.set_etag(o.etag());
    *req.mutable_application_date() = Date(Today());
    req.set_court(kCourt);
    req.set_grounds("Course of conduct amounting to stalking");
    SetTerms(req.mutable_terms(), Terms1());
    return req;
  }

  v1::ProtectionOrder Apply(const v1::ProtectionOrder& o) {
    return Ok(&Stub::ApplyForOrder, ApplyRequest(o));
  }

  v1::RecordCourtDecisionRequest GrantRequest(
      const v1::ProtectionOrder& o, std::optional<absl::CivilDay> end) {
    v1::RecordCourtDecisionRequest req;
    req.set_name(o.name());
    req.set_etag(o.etag());
    req.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
    *req.mutable_decision_date() = Date(Today());
    req.set_court(kCourt);
    SetTerms(req.mutable_terms(), Terms1());
    if (end.has_value()) {
      *req.mutable_duration()->mutable_end_date() = Date(*end);
    } else {
      req.mutable_duration()->set_until_further_order(true);
    }
    return req;
  }

  v1::ProtectionOrder Grant(const v1::ProtectionOrder& o,
                            std::optional<absl::CivilDay> end) {
    return Ok(&Stub::RecordCourtDecision, GrantRequest(o, end));
  }

  v1::ProtectionOrder Serve(const v1::ProtectionOrder& o, absl::Time when) {
    v1::RecordServiceRequest req;
    req.set_name(o.name());
    req.set_etag(o.etag());
    *req.mutable_service_time() = Ts(when);
    req.set_method("personally, at Hanley police station");
    return Ok(&Stub::RecordService, req);
  }

  v1::ProtectionOrder Notify(const v1::ProtectionOrder& o, absl::Time when) {
    v1::RecordNotificationRequest req;
    req.set_name(o.name());
    req.set_etag(o.etag());
    *req.mutable_notify_time() = Ts(when);
    req.add_names("Mark Doyle");
    req.set_home_address("3 Station Road, Leek, ST13 5AB");
    req.set_acknowledgement("Receipt 42 given by PC 1234");
    return Ok(&Stub::RecordNotification, req);
  }

  v1::ProtectionOrder Vary(const v1::ProtectionOrder& o,
                           const std::vector<v1::OrderTerm>& terms) {
    v1::ApplyForVariationRequest apply;
    apply.set_name(o.name());
    apply.set_etag(o.etag());
    apply.set_applicant(v1::ORDER_PARTY_POLICE);
    *apply.mutable_application_date() = Date(Today());
    apply.set_grounds("Continued contact attempts");
    SetTerms(apply.mutable_proposed_terms(), terms);
    v1::ProtectionOrder applied = Ok(&Stub::ApplyForVariation, apply);
    v1::RecordApplicationDecisionRequest decide;
    decide.set_name(o.name());
    decide.set_etag(applied.etag());
    decide.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
    *decide.mutable_decision_date() = Date(Today());
    decide.set_court(kCourt);
    return Ok(&Stub::RecordApplicationDecision, decide);
  }

  v1::ProtectionOrder Get(const std::string& name,
                          absl::string_view user = "pc.hughes") {
    v1::GetProtectionOrderRequest req;
    req.set_name(name);
    return Ok(&Stub::GetProtectionOrder, req, user);
  }

  std::vector<v1::ProtectionOrder> List(const std::string& parent,
                                        const std::string& filter = "",
                                        absl::string_view user = "pc.hughes") {
    v1::ListProtectionOrdersRequest req;
    req.set_parent(parent);
    req.set_filter(filter);
    req.set_page_size(500);
    v1::ListProtectionOrdersResponse resp =
        Ok<v1::ListProtectionOrdersRequest, v1::ListProtectionOrdersResponse>(
            &Stub::ListProtectionOrders, req, user);
    EXPECT_TRUE(resp.next_page_token().empty());
    return {resp.protection_orders().begin(), resp.protection_orders().end()};
  }

  std::vector<std::string> ListedCases(const std::string& filter) {
    v1::ListCasesRequest req;
    req.set_filter(filter);
    v1::ListCasesResponse resp;
    EXPECT_GRPC_OK(
        cases_->ListCases(server_->Context("pc.hughes").get(), req, &resp));
    std::vector<std::string> names;
    for (const v1::Case& c : resp.cases()) names.push_back(c.name());
    return names;
  }

  int64_t Rows(absl::string_view table) {
    absl::StatusOr<std::string> n =
        server_->Query(absl::StrCat("SELECT count(*) FROM ", table));
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? std::stoll(*n) : -1;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Stub> orders_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
};

std::vector<std::string> RecommendationCodes(const v1::Case& c) {
  std::vector<std::string> codes;
  for (const auto& r : c.pattern().recommendations()) codes.push_back(r.code());
  return codes;
}

bool HasOverdueFlag(const v1::Case& c) {
  for (const v1::CaseFlag& f : c.flags()) {
    if (f.type() == v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE) return true;
  }
  return false;
}

// The "done when": considered -> interim -> full -> service ->
// notification -> one variation -> a breach; a health user sees only the
// active terms.
TEST_F(ProtectionOrderServiceTest,
       PoliceTakeAnOrderThroughItsLifeAndHealthSeesOnlyTheTerms) {
  v1::Case c = NewCase();
  AddIncident(c.name(), Now() - absl::Hours(24 * 10));
  v1::Incident incident = AddIncident(c.name(), Now() - absl::Hours(24 * 2));
  EXPECT_THAT(RecommendationCodes(GetCase(c.name())),
              ::testing::Contains("CONSIDER_SPO"));

  // Considered: the case records it and stops recommending it.
  v1::ProtectionOrder full = Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
  EXPECT_EQ(full.status(), v1::PROTECTION_ORDER_STATUS_CONSIDERED);
  EXPECT_EQ(full.etag(), "1");
  EXPECT_THAT(full.name(),
              ::testing::StartsWith(c.name() + "/protectionOrders/"));
  v1::Case considered = GetCase(c.name());
  EXPECT_TRUE(considered.spo_consideration().considered());
  EXPECT_THAT(considered.spo_consideration().reason(),
              HasSubstr("Full protection order considered"));
  EXPECT_EQ(considered.etag(), "2") << "the case's version moved";
  EXPECT_THAT(RecommendationCodes(considered),
              ::testing::Not(::testing::Contains("CONSIDER_SPO")));

  // The draft, then the application; an interim order alongside it.
  v1::UpdateProtectionOrderRequest draft;
  draft.mutable_protection_order()->set_name(full.name());
  draft.mutable_protection_order()->set_etag(full.etag());
  draft.mutable_protection_order()->set_court(kCourt);
  SetTerms(draft.mutable_protection_order()->mutable_proposed_terms(),
           Terms1());
  draft.mutable_update_mask()->add_paths("court");
  draft.mutable_update_mask()->add_paths("proposed_terms");
  full = Ok(&Stub::UpdateProtectionOrder, draft);
  EXPECT_EQ(full.court(), kCourt);
  EXPECT_EQ(full.proposed_terms_size(), 2);
  full = Apply(full);
  EXPECT_EQ(full.status(), v1::PROTECTION_ORDER_STATUS_APPLIED);

  v1::ProtectionOrder interim =
      Consider(c.name(), v1::PROTECTION_ORDER_KIND_INTERIM, full.name());
  EXPECT_EQ(interim.main_order(), full.name());
  interim = Apply(interim);
  const absl::CivilDay interim_end = Today() + 90;
  interim = Grant(interim, interim_end);
  EXPECT_EQ(interim.status(), v1::PROTECTION_ORDER_STATUS_GRANTED);
  EXPECT_TRUE(interim.active());
  EXPECT_EQ(Get(full.name()).interim_orders(0), interim.name());
  EXPECT_TRUE(GetCase(c.name()).has_active_order());
  EXPECT_THAT(ListedCases("has_active_order=true"),
              ::testing::Contains(c.name()));

  // Interim served and notified in time.
  interim = Serve(interim, Now());
  ASSERT_EQ(interim.notification_obligations_size(), 1);
  EXPECT_EQ(interim.notification_status(), v1::ORDER_NOTIFICATION_STATUS_DUE);
  Advance(absl::Hours(30));
  interim = Notify(interim, Now());
  EXPECT_EQ(interim.notification_status(),
            v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
  EXPECT_FALSE(interim.notification_obligations(0).late());

  // The full application: listed, adjourned, decided. The interim order ends.
  v1::RecordHearingRequest list;
  list.set_name(full.name());
  list.set_etag(full.etag());
  list.set_status(v1::ORDER_HEARING_STATUS_LISTED);
  *list.mutable_hearing_time() = Ts(Now() + absl::Hours(24 * 7));
  list.set_court(kCourt);
  full = Ok(&Stub::RecordHearing, list);
  EXPECT_EQ(full.status(), v1::PROTECTION_ORDER_STATUS_LISTED);
  Advance(absl::Hours(24 * 7));
  v1::RecordHearingRequest adjourn;
  adjourn.set_name(full.name());
  adjourn.set_etag(full.etag());
  adjourn.set_status(v1::ORDER_HEARING_STATUS_ADJOURNED);
  adjourn.set_adjournment_reason("Defendant's solicitor unavailable");
  *adjourn.mutable_next_hearing_time() = Ts(Now() + absl::Hours(24 * 14));
  full = Ok(&Stub::RecordHearing, adjourn);
  EXPECT_EQ(full.status(), v1::PROTECTION_ORDER_STATUS_ADJOURNED);
  ASSERT_EQ(full.hearings_size(), 2);
  EXPECT_EQ(full.hearings(0).status(), v1::ORDER_HEARING_STATUS_ADJOURNED);
  EXPECT_EQ(full.hearings(1).court(), kCourt);
  Advance(absl::Hours(24 * 14));
  const absl::CivilDay full_end = domain::AddYears(Today(), 3);
  full = Grant(full, full_end);
  EXPECT_EQ(full.status(), v1::PROTECTION_ORDER_STATUS_GRANTED);
  EXPECT_EQ(full.terms_version(), 1);
  EXPECT_EQ(Get(interim.name()).status(),
            v1::PROTECTION_ORDER_STATUS_SUPERSEDED);

  // Served: the interim order's notification carries over.
  full = Serve(full, Now());
  EXPECT_EQ(full.status(), v1::PROTECTION_ORDER_STATUS_SERVED);
  EXPECT_TRUE(full.notification_carried_from_interim());
  EXPECT_EQ(full.notification_obligations_size(), 0);
  EXPECT_EQ(full.notification_status(), v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);

  // One variation, then a breach linked to the case's incident.
  Advance(absl::Hours(24 * 10));
  full = Vary(full, Terms2());
  EXPECT_EQ(full.terms_version(), 2);
  EXPECT_EQ(full.variation_count(), 1);
  EXPECT_EQ(full.terms_size(), 3);
  Advance(absl::Hours(2));
  v1::RecordBreachRequest breach;
  breach.set_name(full.name());
  breach.set_etag(full.etag());
  *breach.mutable_breach()->mutable_occur_time() = Ts(Now() - absl::Hours(1));
  breach.mutable_breach()->set_description("Waited outside her workplace");
  breach.mutable_breach()->set_incident(
      absl::StrCat("cases/", c.reference(), "/incidents/",
                   incident.name().substr(incident.name().rfind('/') + 1)));
  v1::RecordBreachResponse breached =
      Ok<v1::RecordBreachRequest, v1::RecordBreachResponse>(&Stub::RecordBreach,
                                                            breach);
  EXPECT_EQ(breached.breach().id(), 1);
  EXPECT_EQ(breached.breach().incident(), incident.name()) << "canonical name";
  EXPECT_EQ(breached.protection_order().breaches_size(), 1);
  // The breach opened a charging referral to the force's CPS area, in the
  // same transaction: the CPS now sees the case and the file.
  ASSERT_THAT(breached.charging_file(), ::testing::StartsWith(c.name() + "/chargingFiles/"));
  EXPECT_EQ(breached.breach().charging_file(), breached.charging_file());
  EXPECT_EQ(Get(full.name()).breaches(0).charging_file(), breached.charging_file());
  {
    auto charging = v1::ChargingService::NewStub(server_->channel());
    v1::GetChargingFileRequest get_file;
    get_file.set_name(breached.charging_file());
    v1::ChargingFile file;
    ASSERT_GRPC_OK(charging->GetChargingFile(server_->Context("cps.okafor").get(),
                                             get_file, &file));
    EXPECT_EQ(file.origin(), v1::CHARGING_ORIGIN_SPO_BREACH);
    EXPECT_EQ(file.source_order(), full.name());
    ASSERT_GE(file.proposed_offences_size(), 1);
    EXPECT_EQ(file.suspects(0).display_name(), "Mark Doyle");
  }

  // Police see everything; the zone is the protected person's home, in
  // the same words for every reader.
  full = Get(full.name());
  EXPECT_EQ(full.defendant(), "Mark Doyle");
  EXPECT_EQ(full.terms(1).geographic_limit().place(), v1::PROTECTED_PLACE_HOME);
  EXPECT_EQ(full.terms(1).geographic_limit().description(), kZoneAroundHome);

  // Health, once the case is shared with it: the active order's terms only.
  Share(c.name(), "NSCHT");
  v1::ProtectionOrder seen = Get(full.name(), "nhs.morgan");
  EXPECT_EQ(seen.kind(), v1::PROTECTION_ORDER_KIND_FULL);
  EXPECT_TRUE(seen.active());
  EXPECT_EQ(seen.terms_size(), 3);
  EXPECT_EQ(seen.terms(1).geographic_limit().description(), kZoneAroundHome);
  EXPECT_EQ(seen.terms(1).geographic_limit().distance_metres(), 100);
  EXPECT_EQ(seen.end_date().year(), full_end.year());
  EXPECT_TRUE(seen.has_made_date());
  EXPECT_TRUE(seen.defendant().empty());
  EXPECT_EQ(seen.protected_persons_size(), 0);
  EXPECT_EQ(seen.hearings_size() + seen.breaches_size() +
                seen.notification_obligations_size() + seen.applications_size(),
            0);
  EXPECT_FALSE(seen.has_service());
  EXPECT_FALSE(seen.has_decision());
  EXPECT_TRUE(seen.etag().empty());
  EXPECT_EQ(seen.status(), v1::PROTECTION_ORDER_STATUS_UNSPECIFIED);
  EXPECT_FALSE(absl::StrContains(seen.DebugString(), "Doyle"));
  // The ended interim order does not exist for health; nor does its history.
  v1::GetProtectionOrderRequest get_interim;
  get_interim.set_name(interim.name());
  v1::ProtectionOrder unused;
  EXPECT_GRPC_CODE(
      Call(&Stub::GetProtectionOrder, get_interim, &unused, "nhs.morgan"),
      grpc::StatusCode::NOT_FOUND);
  std::vector<v1::ProtectionOrder> listed = List(c.name(), "", "nhs.morgan");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name(), full.name());
  v1::GetOrderHistoryRequest history;
  history.set_name(full.name());
  v1::GetOrderHistoryResponse no_history;
  EXPECT_GRPC_CODE(
      Call(&Stub::GetOrderHistory, history, &no_history, "nhs.morgan"),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::Case health_case = GetCase(c.name(), "nhs.morgan");
  EXPECT_TRUE(health_case.has_active_order());

  // Health's timeline: the order made, varied and replaced, in entries of
  // their own kind; none of the police and CPS order entries.
  v1::GetCaseTimelineRequest timeline;
  timeline.set_name(c.name());
  timeline.set_page_size(500);
  v1::GetCaseTimelineResponse entries;
  ASSERT_GRPC_OK(cases_->GetCaseTimeline(server_->Context("nhs.morgan").get(),
                                         timeline, &entries));
  std::vector<std::string> order_entries;
  for (const v1::TimelineEntry& e : entries.entries()) {
    EXPECT_NE(e.kind(), v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER) << e.summary();
    if (e.kind() == v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE) {
      order_entries.push_back(e.summary());
    }
  }
  EXPECT_THAT(
      order_entries,
      ::testing::ElementsAre(
          HasSubstr("Interim protection order made: in force until"),
          // The same instant: the decision, then what it ended.
          HasSubstr("Full protection order made: in force until"),
          HasSubstr("Interim protection order ended"),
          HasSubstr("Full protection order varied: new terms (version 2)")));
  // Police read every event.
  ASSERT_GRPC_OK(cases_->GetCaseTimeline(server_->Context("pc.hughes").get(),
                                         timeline, &entries));
  int police_entries = 0;
  for (const v1::TimelineEntry& e : entries.entries()) {
    if (e.kind() == v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER) ++police_entries;
    EXPECT_FALSE(absl::StrContains(e.summary(), "in force until") &&
                 absl::StartsWith(e.summary(), "Full protection order made"))
        << "partner wording is the partners' own: " << e.summary();
  }
  EXPECT_EQ(police_entries, 16);

  // Audit: every change recorded with what changed.
  absl::StatusOr<int64_t> audited = server_->CountAuditEvents(
      "method = '/casebridge.v1.ProtectionOrderService/RecordBreach' AND "
      "outcome = 'OK' AND 'breaches' = ANY (changed_fields)");
  ASSERT_TRUE(audited.ok()) << audited.status();
  EXPECT_EQ(*audited, 1);
}

TEST_F(ProtectionOrderServiceTest, TheCpsReadsTheProsecutionView) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o =
      Grant(Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)),
            domain::AddYears(Today(), 2));
  Share(c.name(), "CPSWM");
  v1::ProtectionOrder seen = Get(o.name(), "cps.okafor");
  EXPECT_EQ(seen.defendant(), "Mark Doyle");
  EXPECT_EQ(seen.status(), v1::PROTECTION_ORDER_STATUS_GRANTED);
  EXPECT_EQ(seen.court(), kCourt);
  EXPECT_TRUE(seen.etag().empty()) << "the CPS does not change orders";
  EXPECT_EQ(seen.terms(1).geographic_limit().description(), kZoneAroundHome);
  EXPECT_FALSE(absl::StrContains(seen.DebugString(), "Refuge Close"));
  v1::GetOrderHistoryRequest history;
  history.set_name(o.name());
  v1::GetOrderHistoryResponse h =
      Ok<v1::GetOrderHistoryRequest, v1::GetOrderHistoryResponse>(
          &Stub::GetOrderHistory, history, "cps.okafor");
  EXPECT_EQ(h.entries_size(), 3);
  EXPECT_FALSE(absl::StrContains(h.DebugString(), "Refuge Close"));
  // The CPS reads, never records.
  v1::RecordServiceRequest serve;
  serve.set_name(o.name());
  serve.set_etag(o.etag());
  *serve.mutable_service_time() = Ts(Now());
  v1::ProtectionOrder unused;
  EXPECT_GRPC_CODE(Call(&Stub::RecordService, serve, &unused, "cps.okafor"),
                   grpc::StatusCode::PERMISSION_DENIED);
  // Another force sees nothing of a case not shared with it.
  v1::GetProtectionOrderRequest get;
  get.set_name(o.name());
  EXPECT_GRPC_CODE(Call(&Stub::GetProtectionOrder, get, &unused, "pc.west"),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(
      Call(&Stub::GetProtectionOrder, get, &unused, "council.patel"),
      grpc::StatusCode::NOT_FOUND);
}

// A breach at the victim's new home: the CPS reads the breach (and the
// charging referral made from it), so its description may not spell out the
// restricted address. The write is refused, naming the field and what to
// write instead, and nothing of it is stored: no breach, no file.
TEST_F(ProtectionOrderServiceTest, ABreachNamingTheRestrictedAddressIsRefused) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o =
      Serve(Grant(Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)), std::nullopt),
            Now());
  Advance(absl::Hours(3));
  v1::RecordBreachRequest breach;
  breach.set_name(o.name());
  breach.set_etag(o.etag());
  *breach.mutable_breach()->mutable_occur_time() = Ts(Now() - absl::Hours(1));
  breach.mutable_breach()->set_description(
      "Turned up at her new home, 14 Refuge Close (st1 1aa), at 2am");
  v1::RecordBreachResponse refused;
  std::string field;
  grpc::Status s = Call(&Stub::RecordBreach, breach, &refused, "pc.hughes", &field);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(field, "breach.description");
  EXPECT_THAT(s.error_message(), HasSubstr("the victim's home"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("Refuge")));
  v1::ProtectionOrder unchanged = Get(o.name());
  EXPECT_EQ(unchanged.breaches_size(), 0);
  EXPECT_EQ(unchanged.etag(), o.etag());

  breach.mutable_breach()->set_description("Turned up at the victim's home at 2am");
  v1::RecordBreachResponse r =
      Ok<v1::RecordBreachRequest, v1::RecordBreachResponse>(&Stub::RecordBreach, breach);
  ASSERT_FALSE(r.charging_file().empty());
  auto charging = v1::ChargingService::NewStub(server_->channel());
  v1::GetChargingFileRequest get_file;
  get_file.set_name(r.charging_file());
  v1::ChargingFile file;
  ASSERT_GRPC_OK(
      charging->GetChargingFile(server_->Context("cps.okafor").get(), get_file, &file));
  EXPECT_THAT(file.summary(), HasSubstr("Turned up at the victim's home at 2am"));
}

// An order's zone written as the address, in any spelling, is refused: the
// term is read by partners. Naming the place is what the API offers instead.
TEST_F(ProtectionOrderServiceTest, AZoneSpelledAsTheRestrictedAddressIsRefused) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o = Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
  for (const std::string& area :
       {std::string("Within 100 metres of ") + kRestrictedAddress,
        std::string("100m of 14 refuge cl."), std::string("Refuge\u00a0Close"),
        std::string("postcode ST1\u00a01AA")}) {
    v1::ApplyForOrderRequest apply = ApplyRequest(o);
    apply.clear_terms();
    *apply.add_terms() =
        Term(v1::ORDER_TERM_KIND_PROHIBITION, "Not to enter the zone", area, 100);
    v1::ProtectionOrder unused;
    std::string field;
    grpc::Status s = Call(&Stub::ApplyForOrder, apply, &unused, "pc.hughes", &field);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << area;
    EXPECT_THAT(field, ::testing::EndsWith("terms[0].geographic_limit.area")) << area;
    EXPECT_EQ(Get(o.name()).etag(), o.etag()) << area;
  }
}

TEST_F(ProtectionOrderServiceTest,
       AFullOrderRunsAtLeastTwoYearsFromTheDayMade) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  // Made 2026-11-21: the fixed period ends no earlier than 2028-11-20.
  v1::ProtectionOrder unused;
  std::string field;
  grpc::Status s = Call(&Stub::RecordCourtDecision,
                        GrantRequest(o, absl::CivilDay(2028, 11, 19)), &unused,
                        "pc.hughes", &field);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "duration.end_date");
  EXPECT_THAT(s.error_message(), HasSubstr("2028-11-20"));
  EXPECT_EQ(Get(o.name()).status(), v1::PROTECTION_ORDER_STATUS_APPLIED);
  v1::ProtectionOrder granted = Grant(o, absl::CivilDay(2028, 11, 20));
  EXPECT_EQ(granted.end_date().year(), 2028);
  EXPECT_EQ(granted.end_date().day(), 20);
  // Or until further order.
  v1::ProtectionOrder other = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)), std::nullopt);
  EXPECT_TRUE(other.duration().until_further_order());
  EXPECT_FALSE(other.has_end_time());
}

TEST_F(ProtectionOrderServiceTest,
       NotificationClockAcrossServiceAndReplacement) {
  v1::Case c = NewCase();
  Share(c.name(), "CPSWM");
  Share(c.name(), "SOTCC");
  v1::ProtectionOrder full =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  v1::ProtectionOrder interim = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_INTERIM, full.name())),
      Today() + 60);
  // Served Saturday 21 November 10:00 (GMT): the 3 days beginning with the
  // day of service (Stalking Protection Act 2019 s.9) are 21, 22 and 23
  // November, so notification is due by the end of the 23rd, not 72 hours
  // after service (10:00 on the 24th).
  const absl::Time served = Now();
  const absl::Time due =
      absl::FromCivil(absl::CivilSecond(2026, 11, 23, 23, 59, 59), absl::UTCTimeZone()) +
      absl::Milliseconds(999);
  interim = Serve(interim, served);
  ASSERT_EQ(interim.notification_obligations_size(), 1);
  EXPECT_EQ(domain::ToAbslTime(interim.notification_obligations(0).due_time()), due);

  // Exactly at the due time: still due. A millisecond later (midnight):
  // overdue.
  Advance(due - Now());
  EXPECT_FALSE(Get(interim.name()).notification_overdue());
  EXPECT_FALSE(HasOverdueFlag(GetCase(c.name())));
  Advance(absl::Milliseconds(1));
  interim = Get(interim.name());
  EXPECT_TRUE(interim.notification_overdue());
  EXPECT_EQ(interim.notification_obligations(0).status(),
            v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  // Flagged on the case for police and CPS, not for partners.
  v1::Case police = GetCase(c.name());
  EXPECT_TRUE(HasOverdueFlag(police));
  EXPECT_THAT(RecommendationCodes(police),
              ::testing::Contains("SPO_NOTIFICATION_OVERDUE"));
  EXPECT_TRUE(HasOverdueFlag(GetCase(c.name(), "cps.okafor")));
  EXPECT_FALSE(HasOverdueFlag(GetCase(c.name(), "council.patel")));
  // And listed.
  std::vector<v1::ProtectionOrder> overdue =
      List("cases/-", "notification_overdue=true");
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].name(), interim.name());
  EXPECT_EQ(List(c.name(), "notification_overdue=false").size(), 1u);
  // A derived flag is not raised or cleared by hand.
  v1::FlagCaseRequest flag;
  flag.set_name(c.name());
  flag.set_type(v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE);
  flag.set_reason("By hand");
  v1::CaseFlag made;
  EXPECT_GRPC_CODE(
      cases_->FlagCase(server_->Context("pc.hughes").get(), flag, &made),
      grpc::StatusCode::INVALID_ARGUMENT);

  // Notified late: no longer overdue, and recorded as late.
  interim = Notify(interim, Now());
  EXPECT_EQ(interim.notification_status(),
            v1::ORDER_NOTIFICATION_STATUS_NOTIFIED);
  EXPECT_TRUE(interim.notification_obligations(0).late());
  EXPECT_FALSE(HasOverdueFlag(GetCase(c.name())));

  // The full order replaces the notified interim one: nothing new is due.
  full = Grant(Get(full.name()), domain::AddYears(Today(), 2));
  full = Serve(full, Now());
  EXPECT_TRUE(full.notification_carried_from_interim());
  EXPECT_EQ(full.notification_obligations_size(), 0);
  Advance(absl::Hours(24 * 5));
  EXPECT_FALSE(Get(full.name()).notification_overdue());

  // A change of address starts its own clock: 3 days beginning with the day
  // of the change. Moved at 23:30 on 28 November: due by the end of the 30th.
  const absl::Time moved =
      absl::FromCivil(absl::CivilSecond(2026, 11, 28, 23, 30, 0), absl::UTCTimeZone());
  const absl::Time change_due =
      absl::FromCivil(absl::CivilSecond(2026, 11, 30, 23, 59, 59), absl::UTCTimeZone()) +
      absl::Milliseconds(999);
  ASSERT_LE(moved, Now());
  v1::RecordDetailsChangeRequest change;
  change.set_name(full.name());
  change.set_etag(Get(full.name()).etag());
  change.set_change(v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE);
  *change.mutable_change_time() = Ts(moved);
  change.set_details("Moved to Leek");
  full = Ok(&Stub::RecordDetailsChange, change);
  ASSERT_EQ(full.notification_obligations_size(), 1);
  EXPECT_EQ(full.notification_obligations(0).trigger(),
            v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE);
  EXPECT_EQ(domain::ToAbslTime(full.notification_obligations(0).due_time()),
            change_due);
  EXPECT_EQ(full.notification_status(), v1::ORDER_NOTIFICATION_STATUS_DUE);
  Advance(change_due - Now());
  EXPECT_FALSE(Get(full.name()).notification_overdue());
  Advance(absl::Milliseconds(1));
  EXPECT_TRUE(Get(full.name()).notification_overdue());
  EXPECT_TRUE(HasOverdueFlag(GetCase(c.name())));
}

// Partners see that an order is in force, its kind, terms and end; not
// whether it was served or its notifications. A list filter on those would
// tell them what their view hides, so they may not use one.
TEST_F(ProtectionOrderServiceTest, PartnersFilterOrdersOnlyOnWhatTheirViewShows) {
  v1::Case c = NewCase();
  Share(c.name(), "SOTCC");
  v1::ProtectionOrder o = Serve(
      Grant(Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)), std::nullopt),
      Now());
  EXPECT_EQ(Get(o.name(), "council.patel").status(),
            v1::PROTECTION_ORDER_STATUS_UNSPECIFIED)
      << "the status is not in the safeguarding view";
  Advance(absl::Hours(24 * 5));
  ASSERT_TRUE(Get(o.name()).notification_overdue());

  for (const std::string& parent : {std::string("cases/-"), c.name()}) {
    for (const char* filter :
         {"status=SERVED", "status=GRANTED", "notification_overdue=true",
          "notification_overdue=false", "active=true AND status=SERVED"}) {
      v1::ListProtectionOrdersRequest req;
      req.set_parent(parent);
      req.set_filter(filter);
      v1::ListProtectionOrdersResponse resp;
      grpc::Status s = Call(&Stub::ListProtectionOrders, req, &resp, "council.patel");
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << parent << " " << filter;
      EXPECT_THAT(s.error_message(), ::testing::HasSubstr("filter")) << filter;
      EXPECT_EQ(resp.protection_orders_size(), 0);
    }
    // What the view shows, they filter on.
    EXPECT_EQ(List(parent, "active=true", "council.patel").size(), 1u) << parent;
    EXPECT_EQ(List(parent, "kind=FULL", "council.patel").size(), 1u) << parent;
    EXPECT_EQ(List(parent, "kind=INTERIM", "council.patel").size(), 0u) << parent;
    // Police and the CPS filter on everything.
    EXPECT_EQ(List(parent, "status=SERVED").size(), 1u) << parent;
    EXPECT_EQ(List(parent, "notification_overdue=true").size(), 1u) << parent;
  }
  Share(c.name(), "CPSWM");
  EXPECT_EQ(List("cases/-", "status=SERVED", "cps.okafor").size(), 1u);
}

TEST_F(ProtectionOrderServiceTest,
       AFullOrderAfterAnUnnotifiedInterimStartsItsOwnClock) {
  v1::Case c = NewCase();
  v1::ProtectionOrder full =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  v1::ProtectionOrder interim = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_INTERIM, full.name())),
      Today() + 60);
  Serve(interim, Now());
  Advance(absl::Hours(24));
  full = Serve(Grant(Get(full.name()), std::nullopt), Now());
  EXPECT_FALSE(full.notification_carried_from_interim());
  ASSERT_EQ(full.notification_obligations_size(), 1);
  EXPECT_EQ(full.notification_status(), v1::ORDER_NOTIFICATION_STATUS_DUE);
  // The interim's own duty lapsed when it was replaced, before it fell due.
  interim = Get(interim.name());
  EXPECT_EQ(interim.status(), v1::PROTECTION_ORDER_STATUS_SUPERSEDED);
  Advance(absl::Hours(24 * 3) + absl::Minutes(1));
  EXPECT_EQ(Get(interim.name()).notification_status(),
            v1::ORDER_NOTIFICATION_STATUS_UNSPECIFIED);
  EXPECT_EQ(Get(interim.name()).notification_obligations(0).status(),
            v1::ORDER_NOTIFICATION_STATUS_LAPSED);
  EXPECT_TRUE(Get(full.name()).notification_overdue());
}

TEST_F(ProtectionOrderServiceTest,
       HistoryKeepsEveryTermsVersionAfterTwoVariations) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o =
      Serve(Grant(Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)),
                  domain::AddYears(Today(), 3)),
            Now());
  Advance(absl::Hours(24));
  o = Vary(o, Terms2());
  Advance(absl::Hours(24));
  o = Vary(o, Terms3());
  EXPECT_EQ(o.terms_version(), 3);
  EXPECT_EQ(o.variation_count(), 2);
  EXPECT_EQ(o.terms_size(), 4);

  v1::GetOrderHistoryRequest req;
  req.set_name(o.name());
  v1::GetOrderHistoryResponse all =
      Ok<v1::GetOrderHistoryRequest, v1::GetOrderHistoryResponse>(
          &Stub::GetOrderHistory, req);
  ASSERT_EQ(all.terms_versions_size(), 3);
  EXPECT_EQ(all.terms_versions(0).version(), 1);
  EXPECT_EQ(all.terms_versions(0).terms_size(), 2) << "version 1 kept as made";
  EXPECT_EQ(all.terms_versions(0).made_by(), v1::PROTECTION_ORDER_EVENT_GRANT);
  EXPECT_EQ(all.terms_versions(0).terms(1).geographic_limit().distance_metres(),
            100);
  EXPECT_EQ(all.terms_versions(1).terms_size(), 3);
  EXPECT_EQ(all.terms_versions(1).made_by(),
            v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION);
  EXPECT_EQ(all.terms_versions(2).terms_size(), 4);
  EXPECT_EQ(all.terms_versions(2).terms(3).geographic_limit().area(),
            "Hanley town centre inside the ring road");
  std::vector<v1::ProtectionOrderEvent> events;
  for (const v1::OrderHistoryEntry& e : all.entries()) {
    events.push_back(e.event());
    EXPECT_EQ(e.actor(), server_->User("pc.hughes"));
    EXPECT_EQ(e.sequence(), static_cast<int64_t>(events.size()));
  }
  EXPECT_THAT(events, ::testing::ElementsAre(
                          v1::PROTECTION_ORDER_EVENT_CONSIDER,
                          v1::PROTECTION_ORDER_EVENT_APPLY,
                          v1::PROTECTION_ORDER_EVENT_GRANT,
                          v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
                          v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
                          v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION,
                          v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION,
                          v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION));
  EXPECT_EQ(all.entries(5).terms_version(), 2);
  EXPECT_EQ(all.entries(7).terms_version(), 3);

  // Paged: the versions come with the first page only.
  req.set_page_size(3);
  std::vector<v1::ProtectionOrderEvent> paged;
  int pages = 0;
  do {
    v1::GetOrderHistoryResponse page =
        Ok<v1::GetOrderHistoryRequest, v1::GetOrderHistoryResponse>(
            &Stub::GetOrderHistory, req);
    EXPECT_EQ(page.terms_versions_size(), pages == 0 ? 3 : 0);
    for (const auto& e : page.entries()) paged.push_back(e.event());
    req.set_page_token(page.next_page_token());
    ++pages;
  } while (!req.page_token().empty() && pages < 10);
  EXPECT_EQ(paged, events);
  EXPECT_EQ(pages, 3);
  // Stored as written: versions and history cannot be changed by the server.
  for (const char* table :
       {"protection_order_terms_versions", "protection_order_history"}) {
    absl::StatusOr<std::string> may_change = server_->Query(
        absl::StrCat("SELECT (has_table_privilege('casebridge_app', '", table,
                     "', 'UPDATE') OR has_table_privilege('casebridge_app', '",
                     table, "', 'DELETE'))::text"));
    ASSERT_TRUE(may_change.ok()) << may_change.status();
    EXPECT_EQ(*may_change, "false") << table;
  }
}

TEST_F(ProtectionOrderServiceTest, InvalidRequestsNameTheFieldAndWriteNothing) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  const int64_t orders = Rows("protection_orders");
  const int64_t history = Rows("protection_order_history");
  const int64_t terms = Rows("protection_order_terms");
  const int64_t versions = Rows("protection_order_terms_versions");

  struct Case {
    std::string what;
    std::function<grpc::Status(std::string*)> call;
    std::string field;
  };
  v1::ProtectionOrder unused;
  std::vector<Case> bad = {
      {"no kind",
       [&](std::string* f) {
         auto req = ConsiderRequest(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
         req.mutable_protection_order()->clear_kind();
         return Call(&Stub::CreateProtectionOrder, req, &unused, "pc.hughes",
                     f);
       },
       "protection_order.kind"},
      {"interim without its main order",
       [&](std::string* f) {
         auto req =
             ConsiderRequest(c.name(), v1::PROTECTION_ORDER_KIND_INTERIM);
         return Call(&Stub::CreateProtectionOrder, req, &unused, "pc.hughes",
                     f);
       },
       "protection_order.main_order"},
      {"interim of an order of another case",
       [&](std::string* f) {
         v1::Case other = NewCase();
         v1::ProtectionOrder elsewhere =
             Consider(other.name(), v1::PROTECTION_ORDER_KIND_FULL);
         auto req = ConsiderRequest(c.name(), v1::PROTECTION_ORDER_KIND_INTERIM,
                                    elsewhere.name());
         grpc::Status s =
             Call(&Stub::CreateProtectionOrder, req, &unused, "pc.hughes", f);
         return s;
       },
       "protection_order.main_order"},
      {"a term without text",
       [&](std::string* f) {
         auto req = ConsiderRequest(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
         req.mutable_protection_order()->add_proposed_terms()->set_kind(
             v1::ORDER_TERM_KIND_PROHIBITION);
         return Call(&Stub::CreateProtectionOrder, req, &unused, "pc.hughes",
                     f);
       },
       "protection_order.proposed_terms[0].text"},
      {"a bad request id",
       [&](std::string* f) {
         auto req = ConsiderRequest(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
         req.set_request_id(std::string(101, 'x'));
         return Call(&Stub::CreateProtectionOrder, req, &unused, "pc.hughes",
                     f);
       },
       "request_id"},
      {"granted without terms",
       [&](std::string* f) {
         auto req = GrantRequest(o, domain::AddYears(Today(), 3));
         req.clear_terms();
         return Call(&Stub::RecordCourtDecision, req, &unused, "pc.hughes", f);
       },
       "terms"},
      {"decided in the future",
       [&](std::string* f) {
         auto req = GrantRequest(o, domain::AddYears(Today(), 3));
         *req.mutable_decision_date() = Date(Today() + 1);
         return Call(&Stub::RecordCourtDecision, req, &unused, "pc.hughes", f);
       },
       "decision_date"},
      {"an end date that does not exist",
       [&](std::string* f) {
         auto req = GrantRequest(o, std::nullopt);
         v1::Date* d = req.mutable_duration()->mutable_end_date();
         d->set_year(2030);
         d->set_month(2);
         d->set_day(31);
         return Call(&Stub::RecordCourtDecision, req, &unused, "pc.hughes", f);
       },
       "duration.end_date"},
      {"a hearing without a court",
       [&](std::string* f) {
         v1::RecordHearingRequest req;
         req.set_name(o.name());
         req.set_etag(o.etag());
         req.set_status(v1::ORDER_HEARING_STATUS_LISTED);
         *req.mutable_hearing_time() = Ts(Now() + absl::Hours(48));
         return Call(&Stub::RecordHearing, req, &unused, "pc.hughes", f);
       },
       "court"},
      {"a malformed name",
       [&](std::string* f) {
         v1::RecordHearingRequest req;
         req.set_name("cases/x/protectionOrders/y");
         req.set_etag("1");
         return Call(&Stub::RecordHearing, req, &unused, "pc.hughes", f);
       },
       "name"},
      {"no etag",
       [&](std::string* f) {
         auto req = GrantRequest(o, domain::AddYears(Today(), 3));
         req.clear_etag();
         return Call(&Stub::RecordCourtDecision, req, &unused, "pc.hughes", f);
       },
       "etag"},
      {"an unknown update path",
       [&](std::string* f) {
         v1::UpdateProtectionOrderRequest req;
         req.mutable_protection_order()->set_name(o.name());
         req.mutable_protection_order()->set_etag(o.etag());
         req.mutable_update_mask()->add_paths("status");
         return Call(&Stub::UpdateProtectionOrder, req, &unused, "pc.hughes",
                     f);
       },
       "update_mask"},
      {"an unknown list filter key",
       [&](std::string* f) {
         v1::ListProtectionOrdersRequest req;
         req.set_parent(c.name());
         req.set_filter("risk_level=HIGH");
         v1::ListProtectionOrdersResponse resp;
         return Call(&Stub::ListProtectionOrders, req, &resp, "pc.hughes", f);
       },
       "filter"},
      {"measures over an inverted range",
       [&](std::string* f) {
         v1::GetOrderMeasuresRequest req;
         *req.mutable_start_date() = Date(Today());
         *req.mutable_end_date() = Date(Today() - 1);
         v1::OrderMeasures m;
         return Call(&Stub::GetOrderMeasures, req, &m, "pc.hughes", f);
       },
       "end_date"},
  };
  for (const Case& b : bad) {
    SCOPED_TRACE(b.what);
    std::string field;
    grpc::Status s = b.call(&field);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
    EXPECT_EQ(field, b.field) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(b.field));
  }
  // One case and one order were made on purpose (another case's order).
  EXPECT_EQ(Rows("protection_orders"), orders + 1);
  EXPECT_EQ(Rows("protection_order_history"), history + 1);
  EXPECT_EQ(Rows("protection_order_terms"), terms);
  EXPECT_EQ(Rows("protection_order_terms_versions"), versions);
  EXPECT_EQ(Get(o.name()).etag(), o.etag());
  absl::StatusOr<int64_t> refused = server_->CountAuditEvents(
      "method LIKE '/casebridge.v1.ProtectionOrderService/%' AND "
      "outcome = 'INVALID_ARGUMENT'");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(*refused, static_cast<int64_t>(bad.size()));
}

TEST_F(ProtectionOrderServiceTest, AStaleEtagIsAbortedAndChangesNothing) {
  v1::Case c = NewCase();
  v1::ProtectionOrder first =
      Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
  v1::ProtectionOrder applied = Apply(first);
  EXPECT_EQ(applied.etag(), "2");
  const int64_t history = Rows("protection_order_history");
  v1::RecordOrderNotPursuedRequest stale;
  stale.set_name(first.name());
  stale.set_etag(first.etag());
  stale.set_reason("Victim withdrew support");
  v1::ProtectionOrder unused;
  grpc::Status s = Call(&Stub::RecordOrderNotPursued, stale, &unused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(s.error_message(), HasSubstr("current etag 2"));
  EXPECT_EQ(Rows("protection_order_history"), history);
  v1::ProtectionOrder now = Get(first.name());
  EXPECT_EQ(now.etag(), "2");
  EXPECT_EQ(now.status(), v1::PROTECTION_ORDER_STATUS_APPLIED);
}

TEST_F(ProtectionOrderServiceTest,
       IllegalEventsNameTheStatusAndTheAllowedEvents) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o = Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
  v1::ProtectionOrder unused;
  v1::RecordServiceRequest serve;
  serve.set_name(o.name());
  serve.set_etag(o.etag());
  *serve.mutable_service_time() = Ts(Now());
  grpc::Status s = Call(&Stub::RecordService, serve, &unused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "cannot RECORD_SERVICE: full order is CONSIDERED; allowed events: "
            "DRAFT_APPLICATION, DECIDE_NOT_TO_PURSUE, APPLY");

  // Not pursued is final; the case says why.
  v1::RecordOrderNotPursuedRequest drop;
  drop.set_name(o.name());
  drop.set_etag(o.etag());
  drop.set_reason("Victim moved out of the area");
  o = Ok(&Stub::RecordOrderNotPursued, drop);
  EXPECT_EQ(o.status(), v1::PROTECTION_ORDER_STATUS_NOT_PURSUED);
  EXPECT_THAT(GetCase(c.name()).spo_consideration().reason(),
              HasSubstr("not pursued: Victim moved out of the area"));
  v1::ApplyForOrderRequest apply;
  apply.set_name(o.name());
  apply.set_etag(o.etag());
  *apply.mutable_application_date() = Date(Today());
  s = Call(&Stub::ApplyForOrder, apply, &unused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "cannot APPLY: full order is NOT_PURSUED; allowed events: none");

  // A decision with nothing pending says so.
  v1::ProtectionOrder granted = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)), std::nullopt);
  v1::RecordApplicationDecisionRequest decide;
  decide.set_name(granted.name());
  decide.set_etag(granted.etag());
  decide.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
  *decide.mutable_decision_date() = Date(Today());
  decide.set_court(kCourt);
  s = Call(&Stub::RecordApplicationDecision, decide, &unused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("full order is GRANTED"));
  // An interim order for a main application already decided.
  v1::CreateProtectionOrderRequest late = ConsiderRequest(
      c.name(), v1::PROTECTION_ORDER_KIND_INTERIM, granted.name());
  s = Call(&Stub::CreateProtectionOrder, late, &unused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("the main application is GRANTED"));
  // A breach of an order never served.
  v1::RecordBreachRequest breach;
  breach.set_name(granted.name());
  breach.set_etag(granted.etag());
  *breach.mutable_breach()->mutable_occur_time() = Ts(Now());
  breach.mutable_breach()->set_description("Turned up at her work");
  v1::RecordBreachResponse no_breach;
  s = Call(&Stub::RecordBreach, breach, &no_breach);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("full order is GRANTED"));
}

TEST_F(ProtectionOrderServiceTest, ABreachIncidentMustBeOfTheSameCase) {
  v1::Case c = NewCase();
  v1::Case other = NewCase();
  v1::Incident elsewhere = AddIncident(other.name(), Now() - absl::Hours(5));
  v1::ProtectionOrder o =
      Serve(Grant(Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)),
                  std::nullopt),
            Now());
  v1::RecordBreachRequest breach;
  breach.set_name(o.name());
  breach.set_etag(o.etag());
  *breach.mutable_breach()->mutable_occur_time() = Ts(Now());
  breach.mutable_breach()->set_description("Phoned her 30 times");
  breach.mutable_breach()->set_incident(elsewhere.name());
  v1::RecordBreachResponse unused;
  std::string field;
  EXPECT_GRPC_CODE(
      Call(&Stub::RecordBreach, breach, &unused, "pc.hughes", &field),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "breach.incident");
  // Same case, no such incident.
  breach.mutable_breach()->set_incident(absl::StrCat(
      c.name(), "/incidents/", "00000000-0000-4000-8000-000000000001"));
  EXPECT_GRPC_CODE(
      Call(&Stub::RecordBreach, breach, &unused, "pc.hughes", &field),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "breach.incident");
  EXPECT_EQ(Get(o.name()).breaches_size(), 0);
}

TEST_F(ProtectionOrderServiceTest, ExpiryIsReadFromTheDateWithoutAnyJob) {
  v1::Case c = NewCase();
  v1::Case without = NewCase();
  v1::ProtectionOrder full =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  const absl::CivilDay last_day = Today() + 30;
  v1::ProtectionOrder interim = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_INTERIM, full.name())),
      last_day);
  EXPECT_THAT(ListedCases("has_active_order=true"),
              ::testing::ElementsAre(c.name()));
  EXPECT_THAT(List("cases/-", "expiring_within_days=30"), ::testing::SizeIs(1));
  EXPECT_THAT(List("cases/-", "expiring_within_days=29"), ::testing::IsEmpty());

  // The last day, late in the evening (GMT in December): still in force.
  server_->clock()->Set(domain::EndOfUkDay(last_day) - absl::Seconds(1));
  EXPECT_TRUE(Get(interim.name()).active());
  EXPECT_TRUE(GetCase(c.name()).has_active_order());
  // Midnight: expired.
  Advance(absl::Seconds(1));
  interim = Get(interim.name());
  EXPECT_EQ(interim.status(), v1::PROTECTION_ORDER_STATUS_EXPIRED);
  EXPECT_FALSE(interim.active());
  EXPECT_FALSE(GetCase(c.name()).has_active_order());
  EXPECT_THAT(ListedCases("has_active_order=true"), ::testing::IsEmpty());
  EXPECT_THAT(ListedCases("has_active_order=false"),
              ::testing::UnorderedElementsAre(c.name(), without.name()));
  EXPECT_THAT(List(c.name(), "status=EXPIRED"), ::testing::SizeIs(1));
  EXPECT_THAT(List(c.name(), "active=true"), ::testing::IsEmpty());
  // An expired order cannot be served.
  v1::RecordServiceRequest serve;
  serve.set_name(interim.name());
  serve.set_etag(interim.etag());
  *serve.mutable_service_time() = Ts(Now());
  v1::ProtectionOrder unused;
  grpc::Status s = Call(&Stub::RecordService, serve, &unused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("interim order is EXPIRED"));
}

TEST_F(ProtectionOrderServiceTest,
       TheCaseIsActiveUntilTheLatestEndOrFurtherOrder) {
  v1::Case c = NewCase();
  v1::ProtectionOrder a =
      Grant(Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)),
            domain::AddYears(Today(), 2));
  auto until = [&] {
    absl::StatusOr<std::string> v =
        server_->Query(absl::StrCat("SELECT coalesce(order_active_until::text, "
                                    "'none') || ' ' || order_active "
                                    "FROM cases WHERE id = '",
                                    c.name().substr(6), "'"));
    return v.ok() ? *v : v.status().ToString();
  };
  EXPECT_EQ(
      until(),
      absl::StrCat(domain::FormatDay(domain::AddYears(Today(), 2)), " true"));
  v1::ProtectionOrder b = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)), std::nullopt);
  EXPECT_EQ(until(), "none true");
  // Discharging the order until further order leaves the other's end date.
  v1::ApplyForDischargeRequest discharge;
  discharge.set_name(b.name());
  discharge.set_etag(b.etag());
  discharge.set_applicant(v1::ORDER_PARTY_DEFENDANT);
  *discharge.mutable_application_date() = Date(Today());
  b = Ok(&Stub::ApplyForDischarge, discharge);
  v1::RecordApplicationDecisionRequest decide;
  decide.set_name(b.name());
  decide.set_etag(b.etag());
  decide.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
  *decide.mutable_decision_date() = Date(Today());
  decide.set_court(kCourt);
  b = Ok(&Stub::RecordApplicationDecision, decide);
  EXPECT_EQ(b.status(), v1::PROTECTION_ORDER_STATUS_DISCHARGED);
  EXPECT_EQ(
      until(),
      absl::StrCat(domain::FormatDay(domain::AddYears(Today(), 2)), " true"));
  // The case etag did not move for any of this; only considering did.
  EXPECT_EQ(GetCase(c.name()).etag(), "3");
}

TEST_F(ProtectionOrderServiceTest, ListingAcrossCasesShowsEachCallerItsOwn) {
  v1::Case shared = NewCase();
  v1::Case unshared = NewCase();
  v1::Case west = NewCase("pc.west");
  // Lists are oldest first: a minute passes between the orders.
  v1::ProtectionOrder active =
      Grant(Apply(Consider(shared.name(), v1::PROTECTION_ORDER_KIND_FULL)),
            std::nullopt);
  Advance(absl::Minutes(1));
  v1::ProtectionOrder pending =
      Apply(Consider(shared.name(), v1::PROTECTION_ORDER_KIND_FULL));
  Advance(absl::Minutes(1));
  v1::ProtectionOrder hidden =
      Grant(Apply(Consider(unshared.name(), v1::PROTECTION_ORDER_KIND_FULL)),
            std::nullopt);
  Ok(&Stub::CreateProtectionOrder,
     ConsiderRequest(west.name(), v1::PROTECTION_ORDER_KIND_FULL), "pc.west");
  Share(shared.name(), "SOTCC");
  Share(shared.name(), "CPSWM");

  auto names = [](const std::vector<v1::ProtectionOrder>& orders) {
    std::vector<std::string> out;
    for (const auto& o : orders) out.push_back(o.name());
    return out;
  };
  EXPECT_THAT(
      names(List("cases/-")),
      ::testing::ElementsAre(active.name(), pending.name(), hidden.name()));
  EXPECT_THAT(names(List("cases/-", "status=APPLIED")),
              ::testing::ElementsAre(pending.name()));
  EXPECT_THAT(names(List("cases/-", "kind=FULL AND active=true")),
              ::testing::ElementsAre(active.name(), hidden.name()));
  EXPECT_THAT(List("cases/-", "", "pc.west"), ::testing::SizeIs(1));
  // The CPS: every order of the cases referred to it.
  EXPECT_THAT(names(List("cases/-", "", "cps.okafor")),
              ::testing::ElementsAre(active.name(), pending.name()));
  // A partner: only orders in force of cases shared with it, redacted.
  std::vector<v1::ProtectionOrder> partner =
      List("cases/-", "", "council.patel");
  ASSERT_EQ(partner.size(), 1u);
  EXPECT_EQ(partner[0].name(), active.name());
  EXPECT_TRUE(partner[0].defendant().empty());
  EXPECT_THAT(List("cases/-", "active=false", "council.patel"),
              ::testing::IsEmpty());
  EXPECT_THAT(List("cases/-", "", "county.evans"), ::testing::IsEmpty());
  // Auditors and administrators read no case content.
  v1::ListProtectionOrdersRequest req;
  req.set_parent("cases/-");
  v1::ListProtectionOrdersResponse resp;
  EXPECT_GRPC_CODE(
      Call(&Stub::ListProtectionOrders, req, &resp, "auditor.shah"),
      grpc::StatusCode::PERMISSION_DENIED);

  // Paging across cases: one order a page, the same three in order.
  req.set_page_size(1);
  std::vector<std::string> paged;
  for (int i = 0; i < 10; ++i) {
    v1::ListProtectionOrdersResponse page =
        Ok<v1::ListProtectionOrdersRequest, v1::ListProtectionOrdersResponse>(
            &Stub::ListProtectionOrders, req);
    for (const auto& o : page.protection_orders()) paged.push_back(o.name());
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(paged, ::testing::ElementsAre(active.name(), pending.name(),
                                            hidden.name()));
  // A token is bound to its query.
  req.set_filter("active=true");
  std::string field;
  EXPECT_GRPC_CODE(
      Call(&Stub::ListProtectionOrders, req, &resp, "pc.hughes", &field),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "page_token");
}

TEST_F(ProtectionOrderServiceTest, ARetriedCreateReturnsTheFirstOrder) {
  v1::Case c = NewCase();
  v1::CreateProtectionOrderRequest req =
      ConsiderRequest(c.name(), v1::PROTECTION_ORDER_KIND_FULL);
  req.set_request_id("consider-1");
  v1::ProtectionOrder first = Ok(&Stub::CreateProtectionOrder, req);
  v1::ProtectionOrder again = Ok(&Stub::CreateProtectionOrder, req);
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(Rows("protection_orders"), 1);
  EXPECT_EQ(GetCase(c.name()).etag(), "2") << "considered once";
}

TEST_F(ProtectionOrderServiceTest,
       MeasuresCountConsiderationAndOrdersPerForce) {
  // Day 1: four SP cases; orders considered on two (three orders), a full
  // order and an interim order made. Another force's case and order do not
  // count.
  std::vector<v1::Case> cases;
  for (int i = 0; i < 4; ++i) cases.push_back(NewCase());
  v1::Case west = NewCase("pc.west");
  Ok(&Stub::CreateProtectionOrder,
     ConsiderRequest(west.name(), v1::PROTECTION_ORDER_KIND_FULL), "pc.west");
  v1::ProtectionOrder full =
      Apply(Consider(cases[0].name(), v1::PROTECTION_ORDER_KIND_FULL));
  Grant(Apply(Consider(cases[0].name(), v1::PROTECTION_ORDER_KIND_INTERIM,
                       full.name())),
        Today() + 30);
  Grant(Get(full.name()), std::nullopt);
  v1::CreateProtectionOrderRequest dropped =
      ConsiderRequest(cases[1].name(), v1::PROTECTION_ORDER_KIND_FULL);
  dropped.set_not_pursued_reason("Victim does not support an application");
  EXPECT_EQ(Ok(&Stub::CreateProtectionOrder, dropped).status(),
            v1::PROTECTION_ORDER_STATUS_NOT_PURSUED);
  const absl::CivilDay day1 = Today();
  // Day 2: one more case, no order.
  Advance(absl::Hours(24));
  NewCase();

  v1::GetOrderMeasuresRequest req;
  *req.mutable_start_date() = Date(day1);
  *req.mutable_end_date() = Date(day1);
  v1::OrderMeasures m = Ok<v1::GetOrderMeasuresRequest, v1::OrderMeasures>(
      &Stub::GetOrderMeasures, req);
  EXPECT_EQ(m.agency(), server_->Agency("SP"));
  EXPECT_EQ(m.stalking_cases(), 4);
  EXPECT_EQ(m.cases_with_order_considered(), 2);
  EXPECT_DOUBLE_EQ(m.considered_case_rate(), 0.5);
  EXPECT_EQ(m.orders_considered(), 3);
  EXPECT_DOUBLE_EQ(m.orders_considered_per_case(), 0.75);
  EXPECT_EQ(m.full_orders_made(), 1);
  EXPECT_EQ(m.interim_orders_made(), 1);
  EXPECT_DOUBLE_EQ(m.orders_per_1000_cases(), 250.0);

  *req.mutable_end_date() = Date(day1 + 1);
  m = Ok<v1::GetOrderMeasuresRequest, v1::OrderMeasures>(
      &Stub::GetOrderMeasures, req);
  EXPECT_EQ(m.stalking_cases(), 5);
  EXPECT_DOUBLE_EQ(m.orders_per_1000_cases(), 200.0);
  // Another force's figures: not for an officer of this force (issue
  // "Least privilege at every edge": any officer read any force's), but for
  // that force's own officers and for a national analyst.
  req.set_agency(server_->Agency("WMP"));
  EXPECT_GRPC_CODE(Call(&Stub::GetOrderMeasures, req, &m, "pc.hughes"),
                   grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(server_
                  ->AddUser("analyst.national", "SP", "", v1::AGENCY_KIND_POLICE,
                            v1::ROLE_NATIONAL_ANALYST)
                  .ok());
  for (const char* reader : {"pc.west", "analyst.national"}) {
    m = Ok<v1::GetOrderMeasuresRequest, v1::OrderMeasures>(&Stub::GetOrderMeasures, req,
                                                           reader);
    EXPECT_EQ(m.stalking_cases(), 1) << reader;
    EXPECT_EQ(m.orders_considered(), 1) << reader;
    EXPECT_EQ(m.full_orders_made(), 0) << reader;
    EXPECT_DOUBLE_EQ(m.orders_per_1000_cases(), 0.0) << reader;
  }
  // Only police forces have measures; only police and national analysts
  // read them.
  req.set_agency(server_->Agency("CPSWM"));
  std::string field;
  EXPECT_GRPC_CODE(Call(&Stub::GetOrderMeasures, req, &m, "analyst.national", &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "agency");
  req.clear_agency();
  EXPECT_GRPC_CODE(Call(&Stub::GetOrderMeasures, req, &m, "cps.okafor"),
                   grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ProtectionOrderServiceTest,
       ConcurrentEventsWithTheSameEtagExactlyOneWins) {
  v1::Case c = NewCase();
  v1::ProtectionOrder o = Grant(
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL)), std::nullopt);
  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      auto stub = v1::ProtectionOrderService::NewStub(server_->channel());
      v1::RecordServiceRequest req;
      req.set_name(o.name());
      req.set_etag(o.etag());
      *req.mutable_service_time() = Ts(Now() - absl::Minutes(i));
      v1::ProtectionOrder out;
      grpc::Status s =
          stub->RecordService(server_->Context("pc.hughes").get(), req, &out);
      if (s.ok()) ++ok;
      if (s.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), kWriters - 1);
  v1::ProtectionOrder served = Get(o.name());
  EXPECT_EQ(served.notification_obligations_size(), 1);
  v1::GetOrderHistoryRequest history;
  history.set_name(o.name());
  EXPECT_EQ((Ok<v1::GetOrderHistoryRequest, v1::GetOrderHistoryResponse>(
                 &Stub::GetOrderHistory, history))
                .entries_size(),
            4);
}

TEST_F(ProtectionOrderServiceTest,
       ConcurrentDecisionsOnOneCaseKeepItsActiveOrderRight) {
  // Two applications decided at once: the case is in force until further
  // order, whichever commits last.
  v1::Case c = NewCase();
  v1::ProtectionOrder fixed =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  v1::ProtectionOrder open =
      Apply(Consider(c.name(), v1::PROTECTION_ORDER_KIND_FULL));
  std::thread a([&] { Grant(fixed, domain::AddYears(Today(), 2)); });
  std::thread b([&] { Grant(open, std::nullopt); });
  a.join();
  b.join();
  absl::StatusOr<std::string> row =
      server_->Query(absl::StrCat("SELECT order_active || ' ' || "
                                  "coalesce(order_active_until::text, 'none') "
                                  "FROM cases WHERE id = '",
                                  c.name().substr(6), "'"));
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(*row, "true none");
}

}  // namespace
}  // namespace casebridge
