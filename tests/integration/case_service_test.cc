// CaseService through a real gRPC channel and a real PostgreSQL.
#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/migrations.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::CreateCaseAs;
using test_support::SampleCase;
using test_support::TestServer;
using ::testing::HasSubstr;
using ::testing::Not;

class CaseServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = TestServer::Start({.fake_clock = true,
                                      .start_time = test_support::TestStartTime()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    cases_ = v1::CaseService::NewStub(server_->channel());
  }

  v1::Incident AddIncident(const std::string& parent, absl::Time when,
                           std::vector<v1::Behaviour> behaviours,
                           const std::string& request_id = "") {
    v1::AddIncidentRequest req;
    req.set_parent(parent);
    req.set_request_id(request_id);
    *req.mutable_incident()->mutable_occur_time() = domain::ToProtoTime(when);
    for (v1::Behaviour b : behaviours) req.mutable_incident()->add_behaviours(b);
    req.mutable_incident()->set_location("outside work");
    v1::Incident out;
    grpc::Status s = cases_->AddIncident(server_->Context("pc.hughes").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  absl::Time Now() { return server_->clock()->Now(); }

  grpc::Status GetCase(const std::string& name, absl::string_view user,
                       v1::Case* out = nullptr) {
    v1::GetCaseRequest req;
    req.set_name(name);
    v1::Case ignored;
    return cases_->GetCase(server_->Context(user).get(), req, out ? out : &ignored);
  }

  grpc::Status Share(const std::string& case_name, absl::string_view agency_code,
                     v1::CaseShare* out = nullptr, std::string* message = nullptr) {
    auto sharing = v1::SharingService::NewStub(server_->channel());
    v1::ShareCaseRequest req;
    req.set_parent(case_name);
    req.mutable_share()->set_agency(server_->Agency(agency_code));
    req.mutable_share()->set_purpose("Multi-agency safeguarding");
    req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare ignored;
    grpc::Status s =
        sharing->ShareCase(server_->Context("pc.hughes").get(), req, out ? out : &ignored);
    if (message != nullptr) *message = s.error_message();
    return s;
  }

  // REFERRED to `agency_code`, or OPTED_OUT when it is empty.
  grpc::Status SetReferral(const std::string& case_name, absl::string_view agency_code,
                           v1::Case* out = nullptr) {
    v1::GetCaseRequest get;
    get.set_name(case_name);
    v1::Case current;
    EXPECT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &current));
    v1::SetVictimServicesReferralRequest req;
    req.set_name(case_name);
    if (agency_code.empty()) {
      req.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
      req.set_reason("Victim declined support");
    } else {
      req.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
      req.set_agency(server_->Agency(agency_code));
    }
    req.set_etag(current.etag());
    v1::Case ignored;
    return cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(), req,
                                             out ? out : &ignored);
  }

  // Active shares of the case with the agency, on any basis.
  std::string ActiveShares(const v1::Case& c, absl::string_view agency_code) {
    return *server_->Query(absl::StrCat(
        "SELECT count(*) FROM case_shares WHERE case_id = '", c.name().substr(6),
        "' AND agency_id = '", server_->Agency(agency_code).substr(9),
        "' AND withdraw_time IS NULL"));
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
};

TEST_F(CaseServiceTest, OfficerOpensCaseLogsTwentyIncidentsAndSeesThePattern) {
  v1::Case created = CreateCaseAs(*server_, "pc.hughes");
  EXPECT_THAT(created.name(), ::testing::StartsWith("cases/"));
  EXPECT_EQ(created.reference(), "SP-2026-000001");
  EXPECT_EQ(created.status(), v1::CASE_STATUS_OPEN);
  EXPECT_EQ(created.view(), v1::CASE_VIEW_FULL);
  EXPECT_EQ(created.officer_in_charge(), server_->User("pc.hughes"));
  EXPECT_EQ(created.victim().address(), "14 Refuge Close, Hanley, ST1 1AA");
  EXPECT_EQ(created.etag(), "1");
  EXPECT_FALSE(created.has_close_time());

  // Months of calls, then following, then a threat in the last week.
  for (int i = 0; i < 17; ++i) {
    AddIncident(created.name(), Now() - absl::Hours(24 * (90 - 4 * i)),
                {v1::BEHAVIOUR_CALLS_TEXTS_MESSAGES});
  }
  AddIncident(created.name(), Now() - absl::Hours(24 * 6), {v1::BEHAVIOUR_FOLLOWING});
  AddIncident(created.name(), Now() - absl::Hours(24 * 3), {v1::BEHAVIOUR_LOITERING});
  AddIncident(created.name(), Now() - absl::Hours(30),
              {v1::BEHAVIOUR_THREATS, v1::BEHAVIOUR_TURNING_UP});

  v1::RecordRiskAssessmentRequest risk;
  risk.set_parent(created.reference().empty() ? created.name()
                                              : "cases/" + created.reference());
  risk.mutable_assessment()->set_dash_yes_count(15);
  risk.mutable_assessment()->set_stalking_question_yes(true);
  risk.mutable_assessment()->mutable_sdash()->set_victim_very_frightened(true);
  risk.mutable_assessment()->mutable_sdash()->set_threats_of_physical_or_sexual_violence(true);
  v1::RiskAssessment assessment;
  ASSERT_GRPC_OK(cases_->RecordRiskAssessment(server_->Context("pc.hughes").get(),
                                              risk, &assessment));
  EXPECT_EQ(assessment.level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(assessment.sdash_yes_count(), 2);
  EXPECT_THAT(assessment.level_reason(), HasSubstr("15 of 27"));

  v1::GetCaseRequest get;
  get.set_name("cases/sp-2026-000001");  // By reference, any case.
  v1::Case got;
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &got));
  EXPECT_EQ(got.name(), created.name());
  EXPECT_EQ(got.risk_level(), v1::RISK_LEVEL_HIGH);
  const v1::CasePattern& p = got.pattern();
  EXPECT_EQ(p.incident_count(), 20);
  EXPECT_TRUE(p.course_of_conduct());
  EXPECT_EQ(p.duration_days(), 90);
  EXPECT_TRUE(p.escalating()) << p.escalation_reason();
  EXPECT_TRUE(p.highest_risk_indicator());
  EXPECT_THAT(p.new_behaviours(), ::testing::Contains(v1::BEHAVIOUR_THREATS));
  std::vector<std::string> codes;
  for (const auto& r : p.recommendations()) codes.push_back(r.code());
  EXPECT_THAT(codes, ::testing::Contains("MARAC_REFERRAL"));
  EXPECT_THAT(codes, ::testing::Contains("CONSIDER_SPO"));
}

TEST_F(CaseServiceTest, ReferencesAreNumberedPerForce) {
  EXPECT_EQ(CreateCaseAs(*server_, "pc.hughes").reference(), "SP-2026-000001");
  EXPECT_EQ(CreateCaseAs(*server_, "pc.hughes").reference(), "SP-2026-000002");
  EXPECT_EQ(CreateCaseAs(*server_, "pc.west").reference(), "WMP-2026-000001");
}

TEST_F(CaseServiceTest, InvalidInputNamesTheFieldAndWritesNothing) {
  struct Bad {
    std::function<void(v1::Case&)> mutate;
    std::string field;
  } cases[] = {
      {[](v1::Case& c) { c.clear_victim(); }, "case.victim"},
      {[](v1::Case& c) {
         c.mutable_victim()->clear_given_name();
         c.mutable_victim()->clear_family_name();
       },
       "case.victim.family_name"},
      {[](v1::Case& c) { c.mutable_victim()->mutable_safe_contact()->set_email("not-an-email"); },
       "case.victim.safe_contact.email"},
      {[](v1::Case& c) { c.mutable_victim()->mutable_date_of_birth()->set_day(31); c.mutable_victim()->mutable_date_of_birth()->set_month(2); },
       "case.victim.date_of_birth"},
      {[](v1::Case& c) { c.mutable_suspects(0)->set_given_name(std::string(201, 'x')); },
       "case.suspects[0].given_name"},
      {[](v1::Case& c) { c.set_relationship(static_cast<v1::Relationship>(42)); },
       "case.relationship"},
      {[](v1::Case& c) { c.set_summary("bad \x01 control"); }, "case.summary"},
      {[](v1::Case& c) { c.mutable_spo_consideration()->set_considered(false); },
       "case.spo_consideration.reason"},
      {[](v1::Case& c) { c.set_officer_in_charge("users/nobody"); },
       "case.officer_in_charge"},
  };
  for (const Bad& bad : cases) {
    v1::CreateCaseRequest req;
    *req.mutable_case_() = SampleCase();
    bad.mutate(*req.mutable_case_());
    auto context = server_->Context("pc.hughes");
    v1::Case out;
    grpc::Status s = cases_->CreateCase(context.get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.field;
    EXPECT_THAT(s.error_message(), HasSubstr(bad.field));
    EXPECT_EQ(test_support::FieldOf(*context), bad.field);
  }
  EXPECT_EQ(server_->Query("SELECT count(*) FROM cases").value(), "0");
  EXPECT_EQ(server_->Query("SELECT count(*) FROM case_people").value(), "0");
  // Every refused call was still audited.
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.CaseService/CreateCase' AND "
                "outcome = 'INVALID_ARGUMENT'"),
            static_cast<int64_t>(std::size(cases)));
}

TEST_F(CaseServiceTest, RetriedCreateWithTheSameRequestIdReturnsTheFirstResult) {
  v1::CreateCaseRequest req;
  *req.mutable_case_() = SampleCase();
  req.set_request_id("create-42");
  v1::Case first, second;
  ASSERT_GRPC_OK(cases_->CreateCase(server_->Context("pc.hughes").get(), req, &first));
  ASSERT_GRPC_OK(cases_->CreateCase(server_->Context("pc.hughes").get(), req, &second));
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(server_->Query("SELECT count(*) FROM cases").value(), "1");

  v1::Incident a = AddIncident(first.name(), Now() - absl::Hours(2),
                               {v1::BEHAVIOUR_GIFTS}, "incident-1");
  v1::Incident b = AddIncident(first.name(), Now() - absl::Hours(2),
                               {v1::BEHAVIOUR_GIFTS}, "incident-1");
  EXPECT_EQ(a.name(), b.name());
  EXPECT_EQ(server_->Query("SELECT count(*) FROM incidents").value(), "1");
}

TEST_F(CaseServiceTest, IncidentInTheFutureIsRefused) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::AddIncidentRequest req;
  req.set_parent(c.name());
  *req.mutable_incident()->mutable_occur_time() =
      domain::ToProtoTime(Now() + absl::Hours(2));
  auto context = server_->Context("pc.hughes");
  v1::Incident out;
  EXPECT_GRPC_CODE(cases_->AddIncident(context.get(), req, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "incident.occur_time");
  req.mutable_incident()->clear_occur_time();
  EXPECT_GRPC_CODE(cases_->AddIncident(server_->Context("pc.hughes").get(), req, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(server_->Query("SELECT count(*) FROM incidents").value(), "0");
}

TEST_F(CaseServiceTest, PagesThroughAThousandIncidentsWithoutGapOrRepeat) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  // Set-based insert: the paging under test is the read side. Half share an
  // occur_time so the id tie-breaker matters.
  std::string case_id = c.name().substr(6);
  auto inserted = server_->Query(absl::StrCat(
      "WITH ins AS (INSERT INTO incidents (case_id, occur_time, report_time) "
      "SELECT '", case_id, "', now() - (CASE WHEN g % 2 = 0 THEN g ELSE 0 END) * "
      "interval '1 minute', now() FROM generate_series(1, 1000) g RETURNING 1) "
      "SELECT count(*) FROM ins"));
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  ASSERT_EQ(*inserted, "1000");
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  absl::Time previous = absl::InfiniteFuture();
  do {
    v1::ListIncidentsRequest req;
    req.set_parent(c.name());
    req.set_page_size(77);
    req.set_page_token(token);
    v1::ListIncidentsResponse resp;
    ASSERT_GRPC_OK(cases_->ListIncidents(server_->Context("pc.hughes").get(), req, &resp));
    for (const v1::Incident& i : resp.incidents()) {
      EXPECT_TRUE(seen.insert(i.name()).second) << "repeated " << i.name();
      absl::Time t = domain::ToAbslTime(i.occur_time());
      EXPECT_LE(t, previous);
      previous = t;
    }
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(pages, 13);
}

TEST_F(CaseServiceTest, ConcurrentUpdatesWithTheSameEtagExactlyOneWins) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      auto stub = v1::CaseService::NewStub(server_->channel());
      v1::UpdateCaseRequest req;
      req.mutable_case_()->set_name(c.name());
      req.mutable_case_()->set_etag(c.etag());
      req.mutable_case_()->set_summary(absl::StrCat("writer ", i));
      req.mutable_update_mask()->add_paths("summary");
      v1::Case out;
      grpc::Status s = stub->UpdateCase(server_->Context("pc.hughes").get(), req, &out);
      if (s.ok()) ++ok;
      if (s.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), kWriters - 1);
  EXPECT_EQ(server_->Query(absl::StrCat("SELECT version FROM cases WHERE id = '",
                                        c.name().substr(6), "'"))
                .value(),
            "2");
}

TEST_F(CaseServiceTest, StaleEtagIsAbortedAndChangesNothing) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::UpdateCaseRequest req;
  req.mutable_case_()->set_name(c.name());
  req.mutable_case_()->set_etag(c.etag());
  req.mutable_case_()->set_summary("first");
  req.mutable_update_mask()->add_paths("summary");
  v1::Case updated;
  ASSERT_GRPC_OK(cases_->UpdateCase(server_->Context("pc.hughes").get(), req, &updated));
  EXPECT_EQ(updated.etag(), "2");
  req.mutable_case_()->set_summary("second, from a stale read");
  EXPECT_GRPC_CODE(cases_->UpdateCase(server_->Context("pc.hughes").get(), req, &updated),
                   grpc::StatusCode::ABORTED);
  EXPECT_EQ(server_->Query("SELECT summary FROM cases").value(), "first");
}

TEST_F(CaseServiceTest, UpdateMaskIsCheckedAndNestedPathsMerge) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::UpdateCaseRequest req;
  req.mutable_case_()->set_name(c.name());
  req.mutable_case_()->set_etag(c.etag());
  req.mutable_case_()->set_reference("HACKED-2026-000001");
  req.mutable_update_mask()->add_paths("reference");
  v1::Case out;
  auto context = server_->Context("pc.hughes");
  EXPECT_GRPC_CODE(cases_->UpdateCase(context.get(), req, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "update_mask");

  req.clear_update_mask();
  req.mutable_update_mask()->add_paths("victim.safe_contact.phone");
  req.mutable_case_()->mutable_victim()->mutable_safe_contact()->set_phone("01782 000000");
  ASSERT_GRPC_OK(cases_->UpdateCase(server_->Context("pc.hughes").get(), req, &out));
  EXPECT_EQ(out.victim().safe_contact().phone(), "01782 000000");
  EXPECT_EQ(out.victim().given_name(), "Sarah");  // Untouched.
  EXPECT_EQ(out.victim().safe_contact().email(), "sarah.b@example.org");
}

TEST_F(CaseServiceTest, CloseAndReopenFollowTheirPreconditions) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::CloseCaseRequest close;
  close.set_name(c.name());
  close.set_reason("No further action; victim safe");
  close.set_etag(c.etag());
  v1::Case closed;
  ASSERT_GRPC_OK(cases_->CloseCase(server_->Context("pc.hughes").get(), close, &closed));
  EXPECT_EQ(closed.status(), v1::CASE_STATUS_CLOSED);
  close.set_etag(closed.etag());
  grpc::Status again = cases_->CloseCase(server_->Context("pc.hughes").get(), close, &closed);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(again.error_message(), HasSubstr("ReopenCase"));
  v1::AddIncidentRequest add;
  add.set_parent(c.name());
  *add.mutable_incident()->mutable_occur_time() = domain::ToProtoTime(Now());
  v1::Incident incident;
  EXPECT_GRPC_CODE(cases_->AddIncident(server_->Context("pc.hughes").get(), add, &incident),
                   grpc::StatusCode::FAILED_PRECONDITION);
  v1::ReopenCaseRequest reopen;
  reopen.set_name(c.name());
  reopen.set_reason("New incident reported");
  reopen.set_etag(closed.etag());
  ASSERT_GRPC_OK(cases_->ReopenCase(server_->Context("pc.hughes").get(), reopen, &closed));
  EXPECT_EQ(closed.status(), v1::CASE_STATUS_OPEN);
}

TEST_F(CaseServiceTest, OtherForceAndUnsharedPartnersGetNotFoundLikeAMissingCase) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  for (const char* who : {"pc.west", "council.patel", "cps.okafor", "admin"}) {
    v1::GetCaseRequest get;
    get.set_name(c.name());
    v1::Case out;
    grpc::Status s = cases_->GetCase(server_->Context(who).get(), get, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << who;
    get.set_name("cases/SP-2026-999999");
    grpc::Status missing = cases_->GetCase(server_->Context(who).get(), get, &out);
    EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND) << who;
  }
}

TEST_F(CaseServiceTest, SharedPartnerSeesOnlyTheSafeguardingView) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  auto sharing = v1::SharingService::NewStub(server_->channel());
  v1::ShareCaseRequest share;
  share.set_parent(c.name());
  share.mutable_share()->set_agency(server_->Agency("SOTCC"));
  share.mutable_share()->set_purpose("Housing safeguarding");
  share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare made;
  ASSERT_GRPC_OK(sharing->ShareCase(server_->Context("pc.hughes").get(), share, &made));
  EXPECT_EQ(made.view(), v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_TRUE(made.has_create_time());
  EXPECT_FALSE(made.has_withdraw_time());  // Unset, not an empty timestamp.

  v1::GetCaseRequest get;
  get.set_name(c.name());
  v1::Case seen;
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("council.patel").get(), get, &seen));
  EXPECT_EQ(seen.view(), v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_EQ(seen.victim().given_name(), "Sarah");
  EXPECT_EQ(seen.victim().safe_contact().phone(), "07700 900123");
  EXPECT_EQ(seen.victim().address(), "");  // Restricted.
  EXPECT_EQ(seen.victim().notes(), "");
  EXPECT_EQ(seen.suspects_size(), 0);
  EXPECT_EQ(seen.summary(), "");
  EXPECT_EQ(seen.relationship(), v1::RELATIONSHIP_UNSPECIFIED);
  EXPECT_EQ(seen.etag(), "");

  // Incidents stay with police and CPS: visible case, forbidden act.
  v1::ListIncidentsRequest incidents;
  incidents.set_parent(c.name());
  v1::ListIncidentsResponse listed;
  EXPECT_GRPC_CODE(cases_->ListIncidents(server_->Context("council.patel").get(),
                                         incidents, &listed),
                   grpc::StatusCode::PERMISSION_DENIED);

  // Withdrawing the share takes effect on the next call.
  v1::UnshareCaseRequest unshare;
  unshare.set_name(made.name());
  unshare.set_reason("Housing move complete");
  v1::CaseShare withdrawn;
  ASSERT_GRPC_OK(sharing->UnshareCase(server_->Context("pc.hughes").get(), unshare, &withdrawn));
  EXPECT_TRUE(withdrawn.has_withdraw_time());
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("council.patel").get(), get, &seen),
                   grpc::StatusCode::NOT_FOUND);
}

TEST_F(CaseServiceTest, VictimServicesOptOutWithdrawsTheShare) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::SetVictimServicesReferralRequest refer;
  refer.set_name(c.name());
  refer.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
  refer.set_agency(server_->Agency("SVG"));
  refer.set_etag(c.etag());
  v1::Case referred;
  ASSERT_GRPC_OK(cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(),
                                                   refer, &referred));
  v1::GetCaseRequest get;
  get.set_name(c.name());
  v1::Case seen;
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("isac.lewis").get(), get, &seen));

  v1::SetVictimServicesReferralRequest opt_out;
  opt_out.set_name(c.name());
  opt_out.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
  opt_out.set_reason("Victim declined support by phone");
  opt_out.set_etag(referred.etag());
  ASSERT_GRPC_OK(cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(),
                                                   opt_out, &referred));
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("isac.lewis").get(), get, &seen),
                   grpc::StatusCode::NOT_FOUND);
}

TEST_F(CaseServiceTest, VictimServicesOptOutAlsoStopsAnExplicitShareWithThem) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  auto sharing = v1::SharingService::NewStub(server_->channel());
  v1::ShareCaseRequest share;
  share.set_parent(c.name());
  share.mutable_share()->set_agency(server_->Agency("SVG"));
  share.mutable_share()->set_purpose("ISAC support");
  share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare made;
  ASSERT_GRPC_OK(sharing->ShareCase(server_->Context("pc.hughes").get(), share, &made));
  // A council share is not victim services: it stays.
  share.mutable_share()->set_agency(server_->Agency("SOTCC"));
  ASSERT_GRPC_OK(sharing->ShareCase(server_->Context("pc.hughes").get(), share, &made));

  v1::SetVictimServicesReferralRequest opt_out;
  opt_out.set_name(c.name());
  opt_out.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
  opt_out.set_reason("Victim declined support");
  opt_out.set_etag(c.etag());
  v1::Case out;
  ASSERT_GRPC_OK(cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(),
                                                   opt_out, &out));
  v1::GetCaseRequest get;
  get.set_name(c.name());
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("isac.lewis").get(), get, &out),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_OK(cases_->GetCase(server_->Context("council.patel").get(), get, &out));
}

// "An opt-out must stop the share" (docs/DOMAIN.md "Safeguarding and
// sharing"): while it stands, police cannot share the case with a victim
// service by hand either.
TEST_F(CaseServiceTest, NoExplicitShareWithAVictimServiceWhileTheVictimOptedOut) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  ASSERT_GRPC_OK(SetReferral(c.name(), ""));
  std::string message;
  EXPECT_GRPC_CODE(Share(c.name(), "SVG", nullptr, &message),
                   grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(message, HasSubstr("opted out"));
  EXPECT_EQ(ActiveShares(c, "SVG"), "0");
  EXPECT_GRPC_CODE(GetCase(c.name(), "isac.lewis"), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.SharingService/ShareCase' AND "
                "outcome = 'FAILED_PRECONDITION' AND changed_fields = '{}'"),
            1);
  // Other agencies are shared with as before.
  ASSERT_GRPC_OK(Share(c.name(), "SOTCC"));
  EXPECT_GRPC_OK(GetCase(c.name(), "council.patel"));
  // Once the victim self-refers, victim services may be shared with again.
  ASSERT_GRPC_OK(SetReferral(c.name(), "SVG"));
  v1::CaseShare explicit_share;
  ASSERT_GRPC_OK(Share(c.name(), "SVG", &explicit_share));
  EXPECT_EQ(explicit_share.basis(), v1::SHARE_BASIS_EXPLICIT);
  EXPECT_GRPC_OK(GetCase(c.name(), "isac.lewis"));
}

// The referral is to one victim service: referring the victim to another
// ends the first referral's share (and only that share).
TEST_F(CaseServiceTest, ReReferralToAnotherVictimServiceWithdrawsTheFirst) {
  ASSERT_TRUE(server_->AddUser("idva.two", "VS2", "Second Victim Service",
                               v1::AGENCY_KIND_VICTIM_SERVICE, v1::ROLE_VICTIM_ADVOCATE)
                  .ok());
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  ASSERT_GRPC_OK(Share(c.name(), "SOTCC"));
  ASSERT_GRPC_OK(SetReferral(c.name(), "SVG"));
  EXPECT_GRPC_OK(GetCase(c.name(), "isac.lewis"));
  // Referring again to the same service changes no share.
  ASSERT_GRPC_OK(SetReferral(c.name(), "SVG"));
  EXPECT_EQ(ActiveShares(c, "SVG"), "1");

  v1::Case referred;
  ASSERT_GRPC_OK(SetReferral(c.name(), "VS2", &referred));
  EXPECT_EQ(referred.victim_services_referral().agency(), server_->Agency("VS2"));
  EXPECT_GRPC_OK(GetCase(c.name(), "idva.two"));
  EXPECT_GRPC_CODE(GetCase(c.name(), "isac.lewis"), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ActiveShares(c, "SVG"), "0");
  EXPECT_EQ(ActiveShares(c, "VS2"), "1");
  EXPECT_EQ(ActiveShares(c, "SOTCC"), "1") << "not a victim-services referral";
  EXPECT_EQ(*server_->Query(absl::StrCat(
                "SELECT withdraw_reason FROM case_shares WHERE agency_id = '",
                server_->Agency("SVG").substr(9), "'")),
            "Victim referred to Second Victim Service instead");
  // Audited as a change of the shares, naming the one withdrawn.
  const std::string withdrawn = absl::StrCat(
      c.name(), "/shares/",
      *server_->Query(absl::StrCat("SELECT id FROM case_shares WHERE agency_id = '",
                                   server_->Agency("SVG").substr(9), "'")));
  EXPECT_EQ(*server_->CountAuditEvents(absl::StrCat(
                "method = '/casebridge.v1.CaseService/SetVictimServicesReferral' AND "
                "outcome = 'OK' AND changed_fields = '{victim_services_referral,shares}' "
                "AND resources @> ARRAY['",
                withdrawn, "']")),
            1);
}

// A share with victim services being made while the victim opts out: the
// opt-out waits for it and withdraws it, or the share sees the opt-out and
// is refused. Never an active share after the opt-out. The share's insert
// is held (on an advisory lock the test holds) past its check, and the
// opt-out is let run meanwhile: unless both take the case's lock first, it
// commits in between the share's check and its commit.
TEST_F(CaseServiceTest, ShareRacingAnOptOutNeverOutlivesIt) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  constexpr int kHold = 4242;
  ASSERT_TRUE(server_->Query(absl::StrCat(
      "CREATE FUNCTION test_hold_share() RETURNS trigger LANGUAGE plpgsql AS $$ "
      "BEGIN PERFORM pg_advisory_xact_lock(", kHold, "); RETURN NEW; END $$; SELECT 1"))
                  .ok());
  ASSERT_TRUE(server_->Query(
      "CREATE TRIGGER test_hold_share BEFORE INSERT ON case_shares FOR EACH ROW "
      "EXECUTE FUNCTION test_hold_share(); SELECT 1").ok());
  pqxx::connection holder(server_->database());
  pqxx::nontransaction hold(holder);
  hold.exec(absl::StrCat("SELECT pg_advisory_lock(", kHold, ")"));
  auto waiting = [&](absl::string_view locktype) {
    return *server_->Query(absl::StrCat("SELECT count(*) FROM pg_locks WHERE locktype = '",
                                        locktype, "' AND NOT granted")) != "0";
  };

  std::future<grpc::Status> share =
      std::async(std::launch::async, [&] { return Share(c.name(), "SVG"); });
  bool held = false;
  for (int i = 0; i < 500 && !held; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    held = waiting("advisory");
  }
  ASSERT_TRUE(held) << "the share never reached its insert";
  std::future<grpc::Status> opt_out =
      std::async(std::launch::async, [&] { return SetReferral(c.name(), ""); });
  // The opt-out either finishes (nothing makes it wait) or waits for the
  // share's transaction.
  for (int i = 0; i < 500; ++i) {
    if (opt_out.wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) {
      break;
    }
    if (waiting("transactionid") || waiting("tuple")) break;
  }
  hold.exec(absl::StrCat("SELECT pg_advisory_unlock(", kHold, ")"));
  ASSERT_GRPC_OK(share.get());
  ASSERT_GRPC_OK(opt_out.get());
  EXPECT_EQ(ActiveShares(c, "SVG"), "0");
  EXPECT_GRPC_CODE(GetCase(c.name(), "isac.lewis"), grpc::StatusCode::NOT_FOUND);
}

// Who else holds a case is for police to know (they read the shares); a
// partner or the CPS may not narrow its list by it, not even to its own
// agency.
TEST_F(CaseServiceTest, OnlyPoliceFilterCasesByWhoTheyAreSharedWith) {
  v1::Case a = CreateCaseAs(*server_, "pc.hughes");
  v1::Case b = CreateCaseAs(*server_, "pc.hughes");
  for (const v1::Case* c : {&a, &b}) ASSERT_GRPC_OK(Share(c->name(), "SOTCC"));
  ASSERT_GRPC_OK(Share(a.name(), "CPSWM"));
  auto list = [&](absl::string_view user, absl::string_view code,
                  v1::ListCasesResponse* out) {
    v1::ListCasesRequest req;
    req.set_filter(absl::StrCat("shared_with=", server_->Agency(code)));
    return cases_->ListCases(server_->Context(user).get(), req, out);
  };
  v1::ListCasesResponse resp;
  ASSERT_GRPC_OK(list("pc.hughes", "CPSWM", &resp));
  ASSERT_EQ(resp.cases_size(), 1);
  EXPECT_EQ(resp.cases(0).name(), a.name());
  for (const auto& [user, code] :
       std::vector<std::pair<std::string, std::string>>{{"council.patel", "CPSWM"},
                                                        {"council.patel", "SOTCC"},
                                                        {"cps.okafor", "SOTCC"},
                                                        {"cps.okafor", "CPSWM"}}) {
    SCOPED_TRACE(absl::StrCat(user, " shared_with=", code));
    v1::ListCasesResponse denied;
    EXPECT_GRPC_CODE(list(user, code, &denied), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(denied.cases_size(), 0);
  }
  // Their lists without it are as before.
  v1::ListCasesResponse all;
  ASSERT_GRPC_OK(cases_->ListCases(server_->Context("council.patel").get(),
                                   v1::ListCasesRequest(), &all));
  EXPECT_EQ(all.cases_size(), 2);
}

// The officer in charge is police of the owning force (the policy table's
// kBeOfficerInCharge): not another force's, a partner's, nor a disabled one.
TEST_F(CaseServiceTest, OfficerInChargeIsPoliceOfTheOwningForce) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  auto set_officer = [&](absl::string_view user, std::string* field) {
    v1::GetCaseRequest get;
    get.set_name(c.name());
    v1::Case current;
    EXPECT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &current));
    v1::UpdateCaseRequest req;
    req.mutable_case_()->set_name(c.name());
    req.mutable_case_()->set_etag(current.etag());
    req.mutable_case_()->set_officer_in_charge(server_->User(user));
    req.mutable_update_mask()->add_paths("officer_in_charge");
    v1::Case out;
    auto context = server_->Context("pc.hughes");
    grpc::Status s = cases_->UpdateCase(context.get(), req, &out);
    *field = test_support::FieldOf(*context);
    return s;
  };
  std::string field;
  EXPECT_GRPC_OK(set_officer("sgt.khan", &field));
  for (const char* user : {"pc.west", "council.patel", "cps.okafor", "auditor.shah"}) {
    SCOPED_TRACE(user);
    EXPECT_GRPC_CODE(set_officer(user, &field), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(field, "case.officer_in_charge") << user;
  }
  ASSERT_TRUE(server_->Query(absl::StrCat("UPDATE users SET disabled = true WHERE id = '",
                                          server_->User("sgt.khan").substr(6),
                                          "'; SELECT 1"))
                  .ok());
  EXPECT_GRPC_CODE(set_officer("sgt.khan", &field), grpc::StatusCode::INVALID_ARGUMENT);
}

// A token that decodes but whose position this server cannot have issued
// (forged or garbled) is refused naming page_token: never a silent first
// page, never a failed statement.
TEST_F(CaseServiceTest, ForgedPageTokensAreInvalidArgumentNamingPageToken) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  const std::string uuid = "5b0e4c1a-9f3d-4c6e-8a77-0d1e2f3a4b5c";
  const std::vector<std::pair<std::string, std::string>> positions = {
      {"not-a-time", uuid}, {"1795251600123456", "not-a-uuid"}, {"", ""}};
  for (const auto& [sort_key, id] : positions) {
    SCOPED_TRACE(absl::StrCat(sort_key, " / ", id));
    // ListCases binds its token to its filter ("" here).
    v1::ListCasesRequest list;
    list.set_page_token(domain::EncodePageToken({sort_key, id}, ""));
    v1::ListCasesResponse cases;
    auto context = server_->Context("pc.hughes");
    EXPECT_GRPC_CODE(cases_->ListCases(context.get(), list, &cases),
                     grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(test_support::FieldOf(*context), "page_token");
    EXPECT_EQ(cases.cases_size(), 0);
    // ListRiskAssessments to the case's name.
    v1::ListRiskAssessmentsRequest risks;
    risks.set_parent(c.name());
    risks.set_page_token(domain::EncodePageToken({sort_key, id}, c.name()));
    v1::ListRiskAssessmentsResponse risks_out;
    context = server_->Context("pc.hughes");
    EXPECT_GRPC_CODE(cases_->ListRiskAssessments(context.get(), risks, &risks_out),
                     grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(test_support::FieldOf(*context), "page_token");
  }
  v1::ListCasesRequest garbled;
  garbled.set_page_token("%%% not base64 %%%");
  v1::ListCasesResponse out;
  auto context = server_->Context("pc.hughes");
  EXPECT_GRPC_CODE(cases_->ListCases(context.get(), garbled, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "page_token");
}

TEST_F(CaseServiceTest, ListCasesFiltersAndPagesNewestFirst) {
  for (int i = 0; i < 7; ++i) {
    CreateCaseAs(*server_, "pc.hughes");
    server_->clock()->Advance(absl::Minutes(1));
  }
  CreateCaseAs(*server_, "pc.west");
  std::vector<std::string> refs;
  std::string token;
  do {
    v1::ListCasesRequest req;
    req.set_page_size(3);
    req.set_page_token(token);
    req.set_filter("status=OPEN");
    v1::ListCasesResponse resp;
    ASSERT_GRPC_OK(cases_->ListCases(server_->Context("pc.hughes").get(), req, &resp));
    for (const auto& c : resp.cases()) refs.push_back(c.reference());
    token = resp.next_page_token();
  } while (!token.empty());
  ASSERT_EQ(refs.size(), 7u);
  EXPECT_EQ(refs.front(), "SP-2026-000007");
  EXPECT_EQ(refs.back(), "SP-2026-000001");

  v1::ListCasesRequest bad;
  bad.set_filter("colour=red");
  v1::ListCasesResponse resp;
  auto context = server_->Context("pc.hughes");
  EXPECT_GRPC_CODE(cases_->ListCases(context.get(), bad, &resp),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "filter");
}

TEST_F(CaseServiceTest, TimelineShowsEachViewOnlyItsEntries) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  AddIncident(c.name(), Now() - absl::Hours(3), {v1::BEHAVIOUR_FOLLOWING});
  auto sharing = v1::SharingService::NewStub(server_->channel());
  v1::ShareCaseRequest share;
  share.set_parent(c.name());
  share.mutable_share()->set_agency(server_->Agency("NSCHT"));
  share.mutable_share()->set_purpose("GP alert");
  share.mutable_share()->set_lawful_basis("UK GDPR Art 6(1)(e), 9(2)(h)");
  v1::CaseShare made;
  ASSERT_GRPC_OK(sharing->ShareCase(server_->Context("pc.hughes").get(), share, &made));

  v1::GetCaseTimelineRequest req;
  req.set_name(c.name());
  v1::GetCaseTimelineResponse police, health;
  ASSERT_GRPC_OK(cases_->GetCaseTimeline(server_->Context("pc.hughes").get(), req, &police));
  ASSERT_GRPC_OK(cases_->GetCaseTimeline(server_->Context("nhs.morgan").get(), req, &health));
  std::vector<v1::TimelineEntryKind> police_kinds, health_kinds;
  for (const auto& e : police.entries()) police_kinds.push_back(e.kind());
  for (const auto& e : health.entries()) health_kinds.push_back(e.kind());
  EXPECT_THAT(police_kinds, ::testing::ElementsAre(v1::TIMELINE_ENTRY_KIND_CASE_OPENED,
                                                   v1::TIMELINE_ENTRY_KIND_INCIDENT,
                                                   v1::TIMELINE_ENTRY_KIND_SHARED));
  EXPECT_THAT(health_kinds, ::testing::ElementsAre(v1::TIMELINE_ENTRY_KIND_CASE_OPENED));
}

// A paper assessment from last month entered after today's must not become
// the case's level: the case follows its latest assessment by assess_time.
TEST_F(CaseServiceTest, BackdatedRiskAssessmentDoesNotOverrideTheLatest) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  auto record = [&](int dash_yes, std::optional<absl::Time> assessed) {
    v1::RecordRiskAssessmentRequest req;
    req.set_parent(c.name());
    req.mutable_assessment()->set_dash_yes_count(dash_yes);
    if (assessed.has_value()) {
      *req.mutable_assessment()->mutable_assess_time() = domain::ToProtoTime(*assessed);
    }
    v1::RiskAssessment out;
    EXPECT_GRPC_OK(
        cases_->RecordRiskAssessment(server_->Context("pc.hughes").get(), req, &out));
    return out;
  };
  auto current = [&] {
    v1::GetCaseRequest get;
    get.set_name(c.name());
    v1::Case got;
    EXPECT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &got));
    return got;
  };

  const v1::RiskAssessment high = record(15, std::nullopt);
  ASSERT_EQ(high.level(), v1::RISK_LEVEL_HIGH);
  const v1::Case after_high = current();
  EXPECT_EQ(after_high.risk_level(), v1::RISK_LEVEL_HIGH);

  const v1::RiskAssessment old = record(2, Now() - absl::Hours(24 * 30));
  ASSERT_EQ(old.level(), v1::RISK_LEVEL_STANDARD);
  const v1::Case after_old = current();
  EXPECT_EQ(after_old.risk_level(), v1::RISK_LEVEL_HIGH)
      << "a backdated assessment must not downgrade the case";
  EXPECT_EQ(after_old.etag(), after_high.etag()) << "the case record did not change";
  EXPECT_EQ(*server_->CountAuditEvents(
                "method LIKE '%/RecordRiskAssessment' AND outcome = 'OK' AND "
                "changed_fields = '{risk_assessments}' AND new_etag = ''"),
            1);

  // Newest first, as before: the backdated one is listed after today's.
  v1::ListRiskAssessmentsRequest list;
  list.set_parent(c.name());
  v1::ListRiskAssessmentsResponse listed;
  ASSERT_GRPC_OK(
      cases_->ListRiskAssessments(server_->Context("pc.hughes").get(), list, &listed));
  ASSERT_EQ(listed.assessments_size(), 2);
  EXPECT_EQ(listed.assessments(0).name(), high.name());
  EXPECT_EQ(listed.assessments(1).name(), old.name());

  // A newer assessment still moves the level, down as well as up.
  server_->clock()->Advance(absl::Hours(1));
  record(2, std::nullopt);
  const v1::Case after_new = current();
  EXPECT_EQ(after_new.risk_level(), v1::RISK_LEVEL_STANDARD);
  EXPECT_NE(after_new.etag(), after_old.etag());
  // One assessed between the two: older than the latest, so no change.
  record(15, Now() - absl::Minutes(30));
  EXPECT_EQ(current().risk_level(), v1::RISK_LEVEL_STANDARD);
}

// Migration 0009 puts a case that an earlier backdated assessment
// downgraded back on its latest assessment, with a new etag; cases already
// right are left alone.
TEST_F(CaseServiceTest, MigrationPutsDowngradedCasesBackOnTheirLatestAssessment) {
  v1::Case wrong = CreateCaseAs(*server_, "pc.hughes");
  v1::Case right = CreateCaseAs(*server_, "pc.hughes");
  auto record = [&](const v1::Case& c, int dash_yes, absl::Time assessed) {
    v1::RecordRiskAssessmentRequest req;
    req.set_parent(c.name());
    req.mutable_assessment()->set_dash_yes_count(dash_yes);
    *req.mutable_assessment()->mutable_assess_time() = domain::ToProtoTime(assessed);
    v1::RiskAssessment out;
    EXPECT_GRPC_OK(
        cases_->RecordRiskAssessment(server_->Context("pc.hughes").get(), req, &out));
  };
  auto get = [&](const v1::Case& c) {
    v1::GetCaseRequest req;
    req.set_name(c.name());
    v1::Case got;
    EXPECT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), req, &got));
    return got;
  };
  for (const v1::Case* c : {&wrong, &right}) {
    record(*c, 15, Now());
    record(*c, 2, Now() - absl::Hours(24 * 30));
  }
  // What the server did before the fix: the last one entered won.
  const std::string id = wrong.name().substr(sizeof("cases/") - 1);
  ASSERT_TRUE(server_
                  ->Query(absl::StrCat("UPDATE cases SET risk_level = 1 WHERE id = '", id,
                                       "'; SELECT 1"))
                  .ok());
  const v1::Case before = get(wrong);
  ASSERT_EQ(before.risk_level(), v1::RISK_LEVEL_STANDARD);
  const v1::Case right_before = get(right);

  const storage::Migration* migration = nullptr;
  for (const storage::Migration& m : storage::Migrations()) {
    if (absl::StrContains(m.file_name, "case_risk_follows_latest")) migration = &m;
  }
  ASSERT_NE(migration, nullptr);
  absl::StatusOr<std::string> ran =
      server_->Query(absl::StrCat(migration->sql, "; SELECT 1"));
  ASSERT_TRUE(ran.ok()) << ran.status();

  const v1::Case after = get(wrong);
  EXPECT_EQ(after.risk_level(), v1::RISK_LEVEL_HIGH);
  EXPECT_NE(after.etag(), before.etag());
  EXPECT_EQ(get(right).etag(), right_before.etag()) << "a right case is left alone";
}

// Assessments recorded at once settle on the latest, whichever commits last.
TEST_F(CaseServiceTest, ConcurrentRiskAssessmentsSettleOnTheLatest) {
  for (int round = 0; round < 3; ++round) {
    v1::Case c = CreateCaseAs(*server_, "pc.hughes");
    constexpr int kThreads = 8;
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        v1::RecordRiskAssessmentRequest req;
        req.set_parent(c.name());
        // The latest (i == round) is HIGH; every other one STANDARD.
        req.mutable_assessment()->set_dash_yes_count(i == round ? 15 : 2);
        *req.mutable_assessment()->mutable_assess_time() =
            domain::ToProtoTime(Now() - absl::Minutes(i == round ? 0 : 10 + i));
        v1::RiskAssessment out;
        auto stub = v1::CaseService::NewStub(server_->channel());
        if (!stub->RecordRiskAssessment(server_->Context("pc.hughes").get(), req, &out)
                 .ok()) {
          ++failed;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failed.load(), 0);
    v1::GetCaseRequest get;
    get.set_name(c.name());
    v1::Case got;
    ASSERT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &got));
    EXPECT_EQ(got.risk_level(), v1::RISK_LEVEL_HIGH) << "round " << round;
  }
}

}  // namespace
}  // namespace casebridge
