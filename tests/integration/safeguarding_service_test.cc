// SafeguardingService through a real gRPC channel and a real PostgreSQL.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/dates.h"
#include "domain/safeguarding_schedule.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/migrations.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using absl::CivilDay;
using test_support::CreateCaseAs;
using test_support::SampleCase;
using test_support::TestServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr v1::SafeguardingActionStatus kOpen = v1::SAFEGUARDING_ACTION_STATUS_OPEN;
constexpr v1::SafeguardingActionStatus kInProgress =
    v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS;
constexpr v1::SafeguardingActionStatus kBlocked = v1::SAFEGUARDING_ACTION_STATUS_BLOCKED;
constexpr v1::SafeguardingActionStatus kCompleted =
    v1::SAFEGUARDING_ACTION_STATUS_COMPLETED;
constexpr v1::SafeguardingActionStatus kCancelled =
    v1::SAFEGUARDING_ACTION_STATUS_CANCELLED;

// 10:00 UTC on a Saturday in November (GMT: the UK day is the UTC day).
absl::Time NovemberMorning() {
  return test_support::TestStartTime();
}

class SafeguardingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(NovemberMorning()); }

  void StartServer(absl::Time start) {
    server_.reset();
    auto started = TestServer::Start({.fake_clock = true, .start_time = start});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    cases_ = v1::CaseService::NewStub(server_->channel());
    sharing_ = v1::SharingService::NewStub(server_->channel());
    sg_ = v1::SafeguardingService::NewStub(server_->channel());
  }

  absl::Time Now() { return server_->clock()->Now(); }
  CivilDay Today() { return domain::UkDay(Now()); }
  std::string Count(absl::string_view table, absl::string_view where = "true") {
    return server_->Query(absl::StrCat("SELECT count(*) FROM ", table, " WHERE ", where))
        .value();
  }

  // A case with an incident naming the suspect and a risk assessment at
  // `level` (HIGH: 15 DASH answers; MEDIUM: professional judgement).
  v1::Case CaseAt(v1::RiskLevel level, absl::string_view owner = "pc.hughes") {
    v1::Case c = CreateCaseAs(*server_, owner);
    v1::AddIncidentRequest add;
    add.set_parent(c.name());
    *add.mutable_incident()->mutable_occur_time() =
        domain::ToProtoTime(Now() - absl::Hours(30));
    add.mutable_incident()->add_behaviours(v1::BEHAVIOUR_THREATS);
    add.mutable_incident()->set_location("outside the victim's workplace");
    add.mutable_incident()->set_description(
        "Suspect shouted threats to kill at the victim");
    v1::Incident incident;
    EXPECT_GRPC_OK(cases_->AddIncident(server_->Context(owner).get(), add, &incident));
    if (level != v1::RISK_LEVEL_UNSPECIFIED) {
      v1::RecordRiskAssessmentRequest risk;
      risk.set_parent(c.name());
      if (level == v1::RISK_LEVEL_HIGH) {
        risk.mutable_assessment()->set_dash_yes_count(15);
      } else {
        risk.mutable_assessment()->set_dash_yes_count(4);
        risk.mutable_assessment()->set_professional_judgement_level(level);
        risk.mutable_assessment()->set_rationale("Officer's judgement after interview");
      }
      risk.mutable_assessment()->set_stalking_question_yes(true);
      v1::RiskAssessment assessed;
      EXPECT_GRPC_OK(
          cases_->RecordRiskAssessment(server_->Context(owner).get(), risk, &assessed));
      EXPECT_EQ(assessed.level(), level);
    }
    return c;
  }

  v1::SafeguardingAction Input(
      absl::string_view agency_code, v1::SafeguardingActionType type, int due_in_days = 7,
      v1::SafeguardingActionPriority priority = v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL) {
    v1::SafeguardingAction a;
    a.set_type(type);
    a.set_assigned_agency(server_->Agency(agency_code));
    *a.mutable_due_date() = domain::ToProtoDate(Today() + due_in_days);
    a.set_priority(priority);
    a.set_description(absl::StrCat(
        "Do the ", domain::ShortEnumName(v1::SafeguardingActionType_descriptor(), type)));
    a.set_rationale("High risk of violence to the victim");
    return a;
  }

  grpc::Status Create(absl::string_view user, const std::string& parent,
                      const v1::SafeguardingAction& input, v1::SafeguardingAction* out,
                      const std::string& request_id = "") {
    v1::CreateSafeguardingActionRequest req;
    req.set_parent(parent);
    *req.mutable_safeguarding_action() = input;
    req.set_request_id(request_id);
    return sg_->CreateSafeguardingAction(server_->Context(user).get(), req, out);
  }
  v1::SafeguardingAction MustCreate(absl::string_view user, const std::string& parent,
                                    const v1::SafeguardingAction& input) {
    v1::SafeguardingAction out;
    grpc::Status s = Create(user, parent, input, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Get(absl::string_view user, const std::string& name,
                   v1::SafeguardingAction* out) {
    v1::GetSafeguardingActionRequest req;
    req.set_name(name);
    return sg_->GetSafeguardingAction(server_->Context(user).get(), req, out);
  }
  v1::SafeguardingAction MustGet(absl::string_view user, const std::string& name) {
    v1::SafeguardingAction out;
    grpc::Status s = Get(user, name, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status SetStatus(absl::string_view user, const v1::SafeguardingAction& current,
                         v1::SafeguardingActionStatus status, v1::SafeguardingAction* out,
                         const std::string& notes = "") {
    v1::UpdateSafeguardingActionRequest req;
    req.mutable_safeguarding_action()->set_name(current.name());
    req.mutable_safeguarding_action()->set_etag(current.etag());
    req.mutable_safeguarding_action()->set_status(status);
    req.mutable_update_mask()->add_paths("status");
    if (!notes.empty()) {
      req.mutable_safeguarding_action()->set_notes(notes);
      req.mutable_update_mask()->add_paths("notes");
    }
    return sg_->UpdateSafeguardingAction(server_->Context(user).get(), req, out);
  }
  grpc::Status Complete(absl::string_view user, const v1::SafeguardingAction& current,
                        v1::SafeguardingAction* out,
                        const std::string& outcome = "Done as agreed") {
    v1::CompleteSafeguardingActionRequest req;
    req.set_name(current.name());
    req.set_etag(current.etag());
    req.set_outcome(outcome);
    return sg_->CompleteSafeguardingAction(server_->Context(user).get(), req, out);
  }
  grpc::Status Cancel(absl::string_view user, const v1::SafeguardingAction& current,
                      v1::SafeguardingAction* out,
                      const std::string& reason = "No longer needed") {
    v1::CancelSafeguardingActionRequest req;
    req.set_name(current.name());
    req.set_etag(current.etag());
    req.set_reason(reason);
    return sg_->CancelSafeguardingAction(server_->Context(user).get(), req, out);
  }

  std::vector<v1::SafeguardingActionHistoryEntry> History(absl::string_view user,
                                                          const std::string& name) {
    v1::GetSafeguardingActionHistoryRequest req;
    req.set_name(name);
    v1::GetSafeguardingActionHistoryResponse out;
    EXPECT_GRPC_OK(
        sg_->GetSafeguardingActionHistory(server_->Context(user).get(), req, &out));
    return {out.entries().begin(), out.entries().end()};
  }

  // Every page of the caller's work list.
  std::vector<v1::MyWorkItem> MyWork(absl::string_view user,
                                     const std::string& filter = "", int page_size = 0,
                                     int* pages = nullptr) {
    std::vector<v1::MyWorkItem> items;
    v1::ListMyWorkRequest req;
    req.set_page_size(page_size);
    req.set_filter(filter);
    int n = 0;
    do {
      v1::ListMyWorkResponse resp;
      grpc::Status s = sg_->ListMyWork(server_->Context(user).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      ++n;
      items.insert(items.end(), resp.items().begin(), resp.items().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty() && n < 1000);
    if (pages != nullptr) *pages = n;
    return items;
  }

  std::vector<v1::SafeguardingAction> List(absl::string_view user,
                                           const std::string& parent,
                                           const std::string& filter = "") {
    v1::ListSafeguardingActionsRequest req;
    req.set_parent(parent);
    req.set_filter(filter);
    req.set_page_size(500);
    v1::ListSafeguardingActionsResponse resp;
    grpc::Status s =
        sg_->ListSafeguardingActions(server_->Context(user).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(resp.next_page_token().empty());
    return {resp.safeguarding_actions().begin(), resp.safeguarding_actions().end()};
  }

  std::vector<v1::TimelineEntry> Timeline(absl::string_view user,
                                          const std::string& name) {
    v1::GetCaseTimelineRequest req;
    req.set_name(name);
    req.set_page_size(500);
    v1::GetCaseTimelineResponse resp;
    EXPECT_GRPC_OK(cases_->GetCaseTimeline(server_->Context(user).get(), req, &resp));
    return {resp.entries().begin(), resp.entries().end()};
  }

  std::string CaseEtag(const std::string& name) {
    v1::GetCaseRequest get;
    get.set_name(name);
    v1::Case c;
    EXPECT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &c));
    return c.etag();
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
  std::unique_ptr<v1::SafeguardingService::Stub> sg_;
};

std::vector<std::string> Names(const std::vector<v1::SafeguardingAction>& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) out.push_back(a.name());
  return out;
}

// ---- The journey of the issue ----------------------------------------------

// Police assign actions to the council and health after a HIGH risk
// assessment; each partner sees and completes its own, and neither sees
// anything else of the case.
TEST_F(SafeguardingServiceTest,
       AfterHighRiskEachPartnerCompletesItsOwnAndSeesNothingElse) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  // A MARAC referral to do, on the owning force: the referral completes it.
  v1::SafeguardingAction marac_todo =
      MustCreate("pc.hughes", kase.name(),
                 Input("SP", v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL, 2));
  EXPECT_EQ(Count("case_shares"), "0");  // Work of the owning force shares nothing.

  v1::ReferToMaracRequest refer;
  refer.set_parent(kase.name());
  *refer.mutable_referral()->mutable_marac_date() = domain::ToProtoDate(Today() + 5);
  refer.mutable_referral()->set_reason("DASH 15/27; threats to kill");
  *refer.add_actions() = Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE, 14,
                               v1::SAFEGUARDING_ACTION_PRIORITY_HIGH);
  v1::SafeguardingAction gp = Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT, 3);
  gp.set_assigned_user(server_->User("nhs.morgan"));
  *refer.add_actions() = gp;
  refer.set_request_id("marac-1");
  v1::ReferToMaracResponse referred;
  ASSERT_GRPC_OK(
      sg_->ReferToMarac(server_->Context("pc.hughes").get(), refer, &referred));
  EXPECT_THAT(referred.referral().name(), HasSubstr("/maracReferrals/"));
  EXPECT_EQ(referred.referral().risk_level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(referred.referral().case_reference(), kase.reference());
  EXPECT_EQ(referred.referral().referred_by(), server_->User("pc.hughes"));
  ASSERT_EQ(referred.actions_size(), 2);
  const v1::SafeguardingAction housing = referred.actions(0);
  const v1::SafeguardingAction alert = referred.actions(1);
  EXPECT_EQ(housing.assigned_agency(), server_->Agency("SOTCC"));
  EXPECT_EQ(alert.assigned_agency(), server_->Agency("NSCHT"));
  EXPECT_EQ(alert.assigned_user(), server_->User("nhs.morgan"));
  for (const auto& a : referred.actions()) {
    EXPECT_EQ(a.status(), kOpen);
    EXPECT_EQ(a.marac_referral(), referred.referral().name());
    EXPECT_EQ(a.case_reference(), kase.reference());
    EXPECT_EQ(a.etag(), "1");
  }
  EXPECT_THAT(referred.referral().actions(), ElementsAre(housing.name(), alert.name()));
  EXPECT_THAT(referred.completed_referral_actions(), ElementsAre(marac_todo.name()));
  v1::SafeguardingAction done_todo = MustGet("pc.hughes", marac_todo.name());
  EXPECT_EQ(done_todo.status(), kCompleted);
  EXPECT_THAT(done_todo.outcome(), HasSubstr("Referred to MARAC"));

  // A retry answers with the first referral and writes nothing more.
  v1::ReferToMaracResponse retried;
  ASSERT_GRPC_OK(sg_->ReferToMarac(server_->Context("pc.hughes").get(), refer, &retried));
  EXPECT_EQ(retried.referral().name(), referred.referral().name());
  EXPECT_EQ(Names({retried.actions().begin(), retried.actions().end()}),
            Names({referred.actions().begin(), referred.actions().end()}));
  EXPECT_THAT(retried.completed_referral_actions(), ElementsAre(marac_todo.name()));
  EXPECT_EQ(Count("marac_referrals"), "1");
  EXPECT_EQ(Count("safeguarding_actions"), "3");

  // Assigning shared the safeguarding view with each agency, lawful basis
  // recorded.
  v1::ListCaseSharesRequest shares_req;
  shares_req.set_parent(kase.name());
  v1::ListCaseSharesResponse shares;
  ASSERT_GRPC_OK(
      sharing_->ListCaseShares(server_->Context("pc.hughes").get(), shares_req, &shares));
  ASSERT_EQ(shares.shares_size(), 2);
  std::set<std::string> shared_with;
  for (const v1::CaseShare& s : shares.shares()) {
    shared_with.insert(s.agency());
    EXPECT_EQ(s.basis(), v1::SHARE_BASIS_SAFEGUARDING_ACTION);
    EXPECT_EQ(s.view(), v1::CASE_VIEW_SAFEGUARDING);
    EXPECT_EQ(s.lawful_basis(), "Crime and Disorder Act 1998 s.115");
    EXPECT_THAT(s.purpose(), HasSubstr("Safeguarding action"));
  }
  EXPECT_EQ(shared_with,
            (std::set<std::string>{server_->Agency("SOTCC"), server_->Agency("NSCHT")}));

  // Each partner's first screen: its own work, nothing of the other's.
  std::vector<v1::MyWorkItem> council_work = MyWork("council.patel");
  ASSERT_EQ(council_work.size(), 1u);
  EXPECT_EQ(council_work[0].action(), housing.name());
  EXPECT_EQ(council_work[0].case_(), kase.name());
  EXPECT_EQ(council_work[0].case_reference(), kase.reference());
  EXPECT_EQ(council_work[0].risk_level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(council_work[0].due_date().day(), housing.due_date().day());
  EXPECT_FALSE(council_work[0].overdue());
  std::vector<v1::MyWorkItem> health_work = MyWork("nhs.morgan");
  ASSERT_EQ(health_work.size(), 1u);
  EXPECT_EQ(health_work[0].action(), alert.name());
  EXPECT_THAT(MyWork("nhs.morgan", "assignee=me"), ::testing::SizeIs(1));
  EXPECT_THAT(MyWork("county.evans"), IsEmpty());  // Another council.
  EXPECT_THAT(MyWork("isac.lewis"), IsEmpty());

  // Neither reads the other's action, by name or by list.
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(Get("council.patel", alert.name(), &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(Get("nhs.morgan", housing.name(), &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(Get("nhs.morgan", marac_todo.name(), &out),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(Names(List("council.patel", kase.name())), ElementsAre(housing.name()));
  EXPECT_THAT(Names(List("nhs.morgan", "cases/-")), ElementsAre(alert.name()));
  // The police see every action of their case, in work order.
  EXPECT_THAT(Names(List("pc.hughes", kase.name())),
              ElementsAre(marac_todo.name(), alert.name(), housing.name()));

  // Nothing else of the case: the safeguarding view, no incidents, no
  // suspects, no risk assessments.
  v1::GetCaseRequest get_case;
  get_case.set_name(kase.name());
  v1::Case council_case;
  ASSERT_GRPC_OK(
      cases_->GetCase(server_->Context("council.patel").get(), get_case, &council_case));
  EXPECT_EQ(council_case.view(), v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_EQ(council_case.suspects_size(), 0);
  EXPECT_TRUE(council_case.summary().empty());
  v1::ListIncidentsRequest incidents;
  incidents.set_parent(kase.name());
  v1::ListIncidentsResponse incidents_out;
  for (const char* partner : {"council.patel", "nhs.morgan"}) {
    EXPECT_GRPC_CODE(
        cases_->ListIncidents(server_->Context(partner).get(), incidents, &incidents_out),
        grpc::StatusCode::PERMISSION_DENIED);
    v1::ListRiskAssessmentsRequest risks;
    risks.set_parent(kase.name());
    v1::ListRiskAssessmentsResponse risks_out;
    EXPECT_GRPC_CODE(
        cases_->ListRiskAssessments(server_->Context(partner).get(), risks, &risks_out),
        grpc::StatusCode::PERMISSION_DENIED);
  }
  // Each partner's timeline shows the work about its own action only.
  std::set<v1::TimelineEntryKind> police_kinds;
  auto resources = [&](absl::string_view user) {
    std::set<std::string> out;
    for (const v1::TimelineEntry& e : Timeline(user, kase.name())) {
      if (user == "pc.hughes") {
        police_kinds.insert(e.kind());
      } else {
        EXPECT_NE(e.kind(), v1::TIMELINE_ENTRY_KIND_INCIDENT) << user;
        EXPECT_NE(e.kind(), v1::TIMELINE_ENTRY_KIND_SHARED) << user;
      }
      out.insert(e.resource());
    }
    return out;
  };
  std::set<std::string> council_sees = resources("council.patel");
  EXPECT_TRUE(council_sees.count(housing.name()));
  EXPECT_FALSE(council_sees.count(alert.name()));
  EXPECT_FALSE(council_sees.count(marac_todo.name()));
  EXPECT_FALSE(council_sees.count(referred.referral().name()));
  std::set<std::string> health_sees = resources("nhs.morgan");
  EXPECT_TRUE(health_sees.count(alert.name()));
  EXPECT_FALSE(health_sees.count(housing.name()));
  std::set<std::string> police_see = resources("pc.hughes");
  EXPECT_TRUE(police_see.count(housing.name()) && police_see.count(alert.name()) &&
              police_see.count(referred.referral().name()));
  // The police see the incidents and the shares the assignments made.
  EXPECT_TRUE(police_kinds.count(v1::TIMELINE_ENTRY_KIND_INCIDENT));
  EXPECT_TRUE(police_kinds.count(v1::TIMELINE_ENTRY_KIND_SHARED));

  // Neither may work on the other's action.
  EXPECT_GRPC_CODE(Complete("council.patel", alert, &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(SetStatus("nhs.morgan", housing, kInProgress, &out),
                   grpc::StatusCode::NOT_FOUND);

  // Each completes its own.
  v1::SafeguardingAction started, completed;
  ASSERT_GRPC_OK(SetStatus("council.patel", housing, kInProgress, &started,
                           "Housing officer allocated"));
  EXPECT_EQ(started.status(), kInProgress);
  EXPECT_EQ(started.notes(), "Housing officer allocated");
  EXPECT_EQ(started.etag(), "2");
  ASSERT_GRPC_OK(Complete("council.patel", started, &completed,
                          "Moved to a new tenancy, address not disclosed"));
  EXPECT_EQ(completed.status(), kCompleted);
  EXPECT_EQ(completed.closed_by(), server_->User("council.patel"));
  EXPECT_TRUE(completed.has_close_time());
  ASSERT_GRPC_OK(Complete("nhs.morgan", alert, &completed, "GP practice alerted"));
  EXPECT_EQ(completed.status(), kCompleted);
  EXPECT_THAT(MyWork("council.patel"), IsEmpty());
  EXPECT_THAT(MyWork("nhs.morgan"), IsEmpty());
  // Their work done, the shares the assignments made have ended: neither
  // sees the case any more.
  for (const char* partner : {"council.patel", "nhs.morgan"}) {
    SCOPED_TRACE(partner);
    v1::SafeguardingAction gone;
    EXPECT_GRPC_CODE(Get(partner, housing.name(), &gone), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL"), "0");

  // Every change kept, each with the action as it was.
  std::vector<v1::SafeguardingActionHistoryEntry> history =
      History("pc.hughes", housing.name());
  ASSERT_EQ(history.size(), 3u);
  const v1::SafeguardingActionEvent events[] = {v1::SAFEGUARDING_ACTION_EVENT_CREATE,
                                                v1::SAFEGUARDING_ACTION_EVENT_START,
                                                v1::SAFEGUARDING_ACTION_EVENT_COMPLETE};
  for (size_t i = 0; i < history.size(); ++i) {
    EXPECT_EQ(history[i].revision(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(history[i].event(), events[i]);
    EXPECT_EQ(history[i].snapshot().etag(), absl::StrCat(i + 1));
    EXPECT_EQ(history[i].snapshot().name(), housing.name());
  }
  EXPECT_EQ(history[0].actor(), server_->User("pc.hughes"));
  EXPECT_EQ(history[1].actor(), server_->User("council.patel"));
  EXPECT_EQ(history[1].actor_agency(), server_->Agency("SOTCC"));
  EXPECT_EQ(history[1].from_status(), kOpen);
  EXPECT_EQ(history[1].to_status(), kInProgress);
  EXPECT_THAT(history[1].changed_fields(), ElementsAre("status", "notes"));
  EXPECT_EQ(history[1].snapshot().status(), kInProgress);
  EXPECT_EQ(history[2].snapshot().outcome(),
            "Moved to a new tenancy, address not disclosed");

  // Audited: who changed what; each completion also ended its share.
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.SafeguardingService/CompleteSafeguardingAction'"
                " AND outcome = 'OK' AND changed_fields = '{status,outcome,shares}'"),
            2);
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.SafeguardingService/GetSafeguardingAction'"
                " AND outcome = 'NOT_FOUND' AND case_reference <> ''"),
            5);  // 3 of each other's actions, 2 after their shares ended
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.SafeguardingService/ReferToMarac' AND "
                "outcome = 'OK' AND request_id = 'marac-1'"),
            2);
}

// ---- Validation -------------------------------------------------------------

TEST_F(SafeguardingServiceTest, InvalidInputNamesTheFieldAndWritesNothing) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  const std::string shares_before = Count("case_shares");
  struct Bad {
    std::string what;
    std::function<void(v1::CreateSafeguardingActionRequest&)> mutate;
    std::string field;
    grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
  };
  const std::string wmp = server_->Agency("WMP");
  const std::string cps = server_->Agency("CPSWM");
  const std::string nobody = "agencies/6b0f7f8e-1d7a-4c5e-9a0b-0c1d2e3f4a5b";
  const std::string council_user = server_->User("council.patel");
  const std::string admin_user = server_->User("admin");
  const Bad cases[] = {
      {"no parent", [](auto& r) { r.clear_parent(); }, "parent"},
      {"no action", [](auto& r) { r.clear_safeguarding_action(); },
       "safeguarding_action"},
      {"no type", [](auto& r) { r.mutable_safeguarding_action()->clear_type(); },
       "safeguarding_action.type"},
      {"unknown type",
       [](auto& r) {
         r.mutable_safeguarding_action()->set_type(
             static_cast<v1::SafeguardingActionType>(99));
       },
       "safeguarding_action.type"},
      {"no agency",
       [](auto& r) { r.mutable_safeguarding_action()->clear_assigned_agency(); },
       "safeguarding_action.assigned_agency"},
      {"malformed agency",
       [](auto& r) {
         r.mutable_safeguarding_action()->set_assigned_agency("agencies/SOTCC");
       },
       "safeguarding_action.assigned_agency"},
      {"no such agency",
       [&](auto& r) { r.mutable_safeguarding_action()->set_assigned_agency(nobody); },
       "safeguarding_action.assigned_agency"},
      {"the CPS",
       [&](auto& r) { r.mutable_safeguarding_action()->set_assigned_agency(cps); },
       "safeguarding_action.assigned_agency"},
      {"another police force",
       [&](auto& r) { r.mutable_safeguarding_action()->set_assigned_agency(wmp); },
       "safeguarding_action.assigned_agency"},
      {"malformed user",
       [](auto& r) { r.mutable_safeguarding_action()->set_assigned_user("nhs.morgan"); },
       "safeguarding_action.assigned_user"},
      {"a user of another agency",
       [&](auto& r) { r.mutable_safeguarding_action()->set_assigned_user(council_user); },
       "safeguarding_action.assigned_user"},
      {"an administrator of the agency",
       [&](auto& r) {
         // admin belongs to the force: assign the force, then the admin.
         r.mutable_safeguarding_action()->set_assigned_agency(server_->Agency("SP"));
         r.mutable_safeguarding_action()->set_assigned_user(admin_user);
       },
       "safeguarding_action.assigned_user"},
      {"no due date", [](auto& r) { r.mutable_safeguarding_action()->clear_due_date(); },
       "safeguarding_action.due_date"},
      {"due yesterday",
       [&](auto& r) {
         *r.mutable_safeguarding_action()->mutable_due_date() =
             domain::ToProtoDate(Today() - 1);
       },
       "safeguarding_action.due_date"},
      {"due in three years",
       [&](auto& r) {
         *r.mutable_safeguarding_action()->mutable_due_date() =
             domain::ToProtoDate(Today() + 3 * 365);
       },
       "safeguarding_action.due_date"},
      {"30 February",
       [](auto& r) {
         v1::Date* d = r.mutable_safeguarding_action()->mutable_due_date();
         d->set_year(2027);
         d->set_month(2);
         d->set_day(30);
       },
       "safeguarding_action.due_date"},
      {"unknown priority",
       [](auto& r) {
         r.mutable_safeguarding_action()->set_priority(
             static_cast<v1::SafeguardingActionPriority>(9));
       },
       "safeguarding_action.priority"},
      {"no description",
       [](auto& r) { r.mutable_safeguarding_action()->clear_description(); },
       "safeguarding_action.description"},
      {"no rationale",
       [](auto& r) { r.mutable_safeguarding_action()->clear_rationale(); },
       "safeguarding_action.rationale"},
      {"control characters",
       [](auto& r) { r.mutable_safeguarding_action()->set_notes("bad \x01 notes"); },
       "safeguarding_action.notes"},
      {"request id too long", [](auto& r) { r.set_request_id(std::string(101, 'r')); },
       "request_id"},
  };
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.what);
    v1::CreateSafeguardingActionRequest req;
    req.set_parent(kase.name());
    *req.mutable_safeguarding_action() =
        Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
    req.mutable_safeguarding_action()->set_assigned_user(server_->User("nhs.morgan"));
    bad.mutate(req);
    auto context = server_->Context("pc.hughes");
    v1::SafeguardingAction out;
    grpc::Status s = sg_->CreateSafeguardingAction(context.get(), req, &out);
    EXPECT_EQ(s.error_code(), bad.code) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(bad.field));
    EXPECT_EQ(test_support::FieldOf(*context), bad.field);
  }

  // ReferToMarac names the action at fault.
  struct BadMarac {
    std::string what;
    std::function<void(v1::ReferToMaracRequest&)> mutate;
    std::string field;
  };
  const BadMarac marac_cases[] = {
      {"no date", [](auto& r) { r.mutable_referral()->clear_marac_date(); },
       "referral.marac_date"},
      {"no reason", [](auto& r) { r.mutable_referral()->clear_reason(); },
       "referral.reason"},
      {"second action due in the past",
       [&](auto& r) {
         *r.mutable_actions(1)->mutable_due_date() = domain::ToProtoDate(Today() - 3);
       },
       "actions[1].due_date"},
      {"a MARAC referral as an agreed action",
       [](auto& r) {
         r.mutable_actions(0)->set_type(v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL);
       },
       "actions[0].type"},
      {"work for the CPS",
       [&](auto& r) { r.mutable_actions(1)->set_assigned_agency(cps); },
       "actions[1].assigned_agency"},
      {"a user of another agency",
       [&](auto& r) { r.mutable_actions(1)->set_assigned_user(council_user); },
       "actions[1].assigned_user"},
  };
  for (const BadMarac& bad : marac_cases) {
    SCOPED_TRACE(bad.what);
    v1::ReferToMaracRequest req;
    req.set_parent(kase.name());
    *req.mutable_referral()->mutable_marac_date() = domain::ToProtoDate(Today() + 5);
    req.mutable_referral()->set_reason("High risk");
    *req.add_actions() = Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
    *req.add_actions() = Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
    bad.mutate(req);
    auto context = server_->Context("pc.hughes");
    v1::ReferToMaracResponse out;
    grpc::Status s = sg_->ReferToMarac(context.get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_EQ(test_support::FieldOf(*context), bad.field) << s.error_message();
  }

  EXPECT_EQ(Count("safeguarding_actions"), "0");
  EXPECT_EQ(Count("safeguarding_action_history"), "0");
  EXPECT_EQ(Count("marac_referrals"), "0");
  EXPECT_EQ(Count("case_shares"), shares_before);
  EXPECT_EQ(Count("case_timeline", "kind = 13"), "0");
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.SafeguardingService/CreateSafeguardingAction'"
                " AND outcome = 'INVALID_ARGUMENT'"),
            static_cast<int64_t>(std::size(cases)));
}

TEST_F(SafeguardingServiceTest, UpdateValidatesItsMaskAndValues) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction a = MustCreate(
      "pc.hughes", kase.name(), Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN));
  struct Bad {
    std::string what;
    std::function<void(v1::UpdateSafeguardingActionRequest&)> mutate;
    std::string field;
  };
  const Bad cases[] = {
      {"no mask", [](auto& r) { r.clear_update_mask(); }, "update_mask"},
      {"unknown path",
       [](auto& r) { r.mutable_update_mask()->add_paths("assigned_agency"); },
       "update_mask"},
      {"no etag", [](auto& r) { r.mutable_safeguarding_action()->clear_etag(); },
       "safeguarding_action.etag"},
      {"bad name", [](auto& r) { r.mutable_safeguarding_action()->set_name("cases/x"); },
       "safeguarding_action.name"},
      {"complete by update",
       [](auto& r) {
         r.mutable_safeguarding_action()->set_status(kCompleted);
         r.mutable_update_mask()->add_paths("status");
       },
       "safeguarding_action.status"},
      {"due before the action was made",
       [&](auto& r) {
         *r.mutable_safeguarding_action()->mutable_due_date() =
             domain::ToProtoDate(Today() - 1);
         r.mutable_update_mask()->add_paths("due_date");
       },
       "safeguarding_action.due_date"},
      {"empty description",
       [](auto& r) {
         r.mutable_safeguarding_action()->clear_description();
         r.mutable_update_mask()->add_paths("description");
       },
       "safeguarding_action.description"},
      {"user of another agency",
       [&](auto& r) {
         r.mutable_safeguarding_action()->set_assigned_user(server_->User("nhs.morgan"));
         r.mutable_update_mask()->add_paths("assigned_user");
       },
       "safeguarding_action.assigned_user"},
  };
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.what);
    v1::UpdateSafeguardingActionRequest req;
    req.mutable_safeguarding_action()->set_name(a.name());
    req.mutable_safeguarding_action()->set_etag(a.etag());
    req.mutable_safeguarding_action()->set_notes("working on it");
    req.mutable_update_mask()->add_paths("notes");
    bad.mutate(req);
    auto context = server_->Context("pc.hughes");
    v1::SafeguardingAction out;
    grpc::Status s = sg_->UpdateSafeguardingAction(context.get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_EQ(test_support::FieldOf(*context), bad.field) << s.error_message();
  }
  // Complete and cancel need their text and etag.
  v1::CompleteSafeguardingActionRequest complete;
  complete.set_name(a.name());
  complete.set_etag(a.etag());
  auto context = server_->Context("pc.hughes");
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(sg_->CompleteSafeguardingAction(context.get(), complete, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "outcome");
  v1::CancelSafeguardingActionRequest cancel;
  cancel.set_name(a.name());
  cancel.set_reason("Duplicate");
  context = server_->Context("pc.hughes");
  EXPECT_GRPC_CODE(sg_->CancelSafeguardingAction(context.get(), cancel, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "etag");

  EXPECT_EQ(MustGet("pc.hughes", a.name()).etag(), "1");
  EXPECT_EQ(Count("safeguarding_action_history"), "1");

  // A user of the assigned agency may be given the work, and the change is
  // kept; the same values again change nothing.
  v1::UpdateSafeguardingActionRequest assign;
  assign.mutable_safeguarding_action()->set_name(a.name());
  assign.mutable_safeguarding_action()->set_etag(a.etag());
  assign.mutable_safeguarding_action()->set_assigned_user(server_->User("council.patel"));
  assign.mutable_safeguarding_action()->set_priority(
      v1::SAFEGUARDING_ACTION_PRIORITY_URGENT);
  assign.mutable_update_mask()->add_paths("assigned_user");
  assign.mutable_update_mask()->add_paths("priority");
  v1::SafeguardingAction assigned;
  ASSERT_GRPC_OK(sg_->UpdateSafeguardingAction(server_->Context("pc.hughes").get(),
                                               assign, &assigned));
  EXPECT_EQ(assigned.assigned_user(), server_->User("council.patel"));
  EXPECT_EQ(assigned.etag(), "2");
  assign.mutable_safeguarding_action()->set_etag("2");
  v1::SafeguardingAction again;
  ASSERT_GRPC_OK(
      sg_->UpdateSafeguardingAction(server_->Context("pc.hughes").get(), assign, &again));
  EXPECT_EQ(again.etag(), "2");
  EXPECT_EQ(Count("safeguarding_action_history"), "2");
  EXPECT_THAT(MyWork("council.patel", "assignee=me AND priority=URGENT"),
              ::testing::SizeIs(1));
}

// ---- Concurrency and the lifecycle -------------------------------------------

TEST_F(SafeguardingServiceTest, StaleEtagIsAbortedAndChangesNothing) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction first = MustCreate(
      "pc.hughes", kase.name(), Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN));
  v1::SafeguardingAction second;
  ASSERT_GRPC_OK(SetStatus("council.patel", first, kInProgress, &second));
  EXPECT_EQ(second.etag(), "2");

  // Someone still holding etag 1.
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(SetStatus("pc.hughes", first, kBlocked, &out),
                   grpc::StatusCode::ABORTED);
  EXPECT_GRPC_CODE(Complete("council.patel", first, &out), grpc::StatusCode::ABORTED);
  EXPECT_GRPC_CODE(Cancel("pc.hughes", first, &out), grpc::StatusCode::ABORTED);
  v1::SafeguardingAction now = MustGet("pc.hughes", first.name());
  EXPECT_EQ(now.etag(), "2");
  EXPECT_EQ(now.status(), kInProgress);
  EXPECT_EQ(Count("safeguarding_action_history"), "2");
  EXPECT_EQ(*server_->CountAuditEvents("outcome = 'ABORTED'"), 3);
}

TEST_F(SafeguardingServiceTest, LifecycleThroughTheApiAndFinalStatesStayFinal) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction a = MustCreate(
      "pc.hughes", kase.name(), Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT));
  // Other open work keeps health and the council on the case (their last
  // closing would end their shares) so that they can still try below.
  MustCreate("pc.hughes", kase.name(),
             Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_PERPETRATOR_MENTAL_HEALTH_ASSESSMENT));
  MustCreate("pc.hughes", kase.name(),
             Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE));
  // OPEN -> BLOCKED -> IN_PROGRESS (resume) -> OPEN -> IN_PROGRESS -> COMPLETED.
  const v1::SafeguardingActionStatus walk[] = {kBlocked, kInProgress, kOpen, kInProgress};
  const v1::SafeguardingActionEvent events[] = {
      v1::SAFEGUARDING_ACTION_EVENT_BLOCK, v1::SAFEGUARDING_ACTION_EVENT_RESUME,
      v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN, v1::SAFEGUARDING_ACTION_EVENT_START};
  for (v1::SafeguardingActionStatus s : walk) {
    v1::SafeguardingAction next;
    ASSERT_GRPC_OK(SetStatus("nhs.morgan", a, s, &next));
    EXPECT_EQ(next.status(), s);
    a = next;
  }
  v1::SafeguardingAction done;
  ASSERT_GRPC_OK(Complete("nhs.morgan", a, &done, "Alert placed on the GP record"));
  std::vector<v1::SafeguardingActionHistoryEntry> history =
      History("pc.hughes", a.name());
  ASSERT_EQ(history.size(), 6u);
  for (size_t i = 0; i < std::size(events); ++i) {
    EXPECT_EQ(history[i + 1].event(), events[i]);
  }
  EXPECT_EQ(history[5].event(), v1::SAFEGUARDING_ACTION_EVENT_COMPLETE);

  // Nothing about a completed action changes: status, notes, cancel,
  // complete again. The refusal names the state.
  v1::SafeguardingAction out;
  grpc::Status s = SetStatus("nhs.morgan", done, kInProgress, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("COMPLETED"));
  v1::UpdateSafeguardingActionRequest notes;
  notes.mutable_safeguarding_action()->set_name(done.name());
  notes.mutable_safeguarding_action()->set_etag(done.etag());
  notes.mutable_safeguarding_action()->set_notes("later thoughts");
  notes.mutable_update_mask()->add_paths("notes");
  EXPECT_GRPC_CODE(
      sg_->UpdateSafeguardingAction(server_->Context("pc.hughes").get(), notes, &out),
      grpc::StatusCode::FAILED_PRECONDITION);
  s = Cancel("pc.hughes", done, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("COMPLETED"));
  EXPECT_GRPC_CODE(Complete("nhs.morgan", done, &out),
                   grpc::StatusCode::FAILED_PRECONDITION);

  // A cancelled one too; the reason is kept.
  v1::SafeguardingAction b = MustCreate(
      "pc.hughes", kase.name(), Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN));
  v1::SafeguardingAction cancelled;
  ASSERT_GRPC_OK(Cancel("pc.hughes", b, &cancelled, "Victim moved out of the area"));
  EXPECT_EQ(cancelled.status(), kCancelled);
  EXPECT_EQ(cancelled.cancel_reason(), "Victim moved out of the area");
  EXPECT_EQ(cancelled.closed_by(), server_->User("pc.hughes"));
  s = SetStatus("council.patel", cancelled, kOpen, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("CANCELLED"));
  EXPECT_EQ(MustGet("pc.hughes", done.name()).etag(), done.etag());
  EXPECT_EQ(MustGet("pc.hughes", b.name()).etag(), cancelled.etag());
}

// ---- Overdue on the UK day ----------------------------------------------------

// In summer the UK day starts at 23:00 UTC: an action due on 30 June is
// overdue from 00:00 BST on 1 July, while UTC still says 30 June.
TEST_F(SafeguardingServiceTest, OverdueStartsAtUkMidnight) {
  StartServer(
      absl::FromCivil(absl::CivilSecond(2026, 6, 30, 9, 0, 0), absl::UTCTimeZone()));
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction today_due =
      MustCreate("pc.hughes", kase.name(),
                 Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE, 0));
  v1::SafeguardingAction tomorrow_due =
      MustCreate("pc.hughes", kase.name(),
                 Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN, 1));
  EXPECT_EQ(today_due.due_date().day(), 30);

  // 23:59 BST on 30 June: due today is not overdue.
  server_->clock()->Set(
      absl::FromCivil(absl::CivilSecond(2026, 6, 30, 22, 59, 0), absl::UTCTimeZone()));
  EXPECT_FALSE(MustGet("council.patel", today_due.name()).overdue());
  EXPECT_THAT(MyWork("council.patel", "overdue=true"), IsEmpty());
  EXPECT_THAT(MyWork("council.patel", "due_within_days=0"), ::testing::SizeIs(1));

  // 00:01 BST on 1 July (23:01 UTC on 30 June): overdue.
  server_->clock()->Set(
      absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 1, 0), absl::UTCTimeZone()));
  EXPECT_TRUE(MustGet("council.patel", today_due.name()).overdue());
  EXPECT_FALSE(MustGet("council.patel", tomorrow_due.name()).overdue());
  std::vector<v1::MyWorkItem> overdue = MyWork("council.patel", "overdue=true");
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].action(), today_due.name());
  EXPECT_TRUE(overdue[0].overdue());
  std::vector<v1::MyWorkItem> all = MyWork("council.patel");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].action(), today_due.name());  // Soonest due first.
  EXPECT_TRUE(all[0].overdue());
  EXPECT_FALSE(all[1].overdue());
  EXPECT_THAT(MyWork("council.patel", "due_within_days=0"), ::testing::SizeIs(2));
  EXPECT_THAT(MyWork("council.patel", "due_within_days=0 AND overdue=false"),
              ::testing::SizeIs(1));
  EXPECT_THAT(Names(List("pc.hughes", kase.name(), "overdue=true")),
              ElementsAre(today_due.name()));
  // A new action may be due on the UK today, not the UTC one.
  v1::SafeguardingAction late;
  v1::SafeguardingAction input =
      Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN, 0);
  EXPECT_EQ(input.due_date().day(), 1);
  *input.mutable_due_date() = domain::ToProtoDate(CivilDay(2026, 6, 30));
  EXPECT_GRPC_CODE(Create("pc.hughes", kase.name(), input, &late),
                   grpc::StatusCode::INVALID_ARGUMENT);

  // Completed work is never overdue.
  v1::SafeguardingAction done;
  ASSERT_GRPC_OK(Complete("council.patel", today_due, &done));
  EXPECT_FALSE(done.overdue());
  EXPECT_THAT(MyWork("council.patel", "overdue=true"), IsEmpty());
}

// ---- The partner's list across many cases --------------------------------------

TEST_F(SafeguardingServiceTest, PartnerWorkListAcrossSixtyCasesPagesWithoutGapOrRepeat) {
  constexpr int kCases = 60;
  const v1::SafeguardingActionPriority priorities[] = {
      v1::SAFEGUARDING_ACTION_PRIORITY_LOW, v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL,
      v1::SAFEGUARDING_ACTION_PRIORITY_HIGH, v1::SAFEGUARDING_ACTION_PRIORITY_URGENT};
  std::map<std::string, std::string> reference_of;  // case name -> reference
  std::set<std::string> expected_council, expected_health;
  std::vector<v1::SafeguardingAction> council_actions;
  std::string withdrawn_case;
  int withdrawn_open = 0;
  for (int i = 0; i < kCases; ++i) {
    v1::Case kase = CaseAt(i % 3 == 0 ? v1::RISK_LEVEL_HIGH : v1::RISK_LEVEL_UNSPECIFIED);
    reference_of[kase.name()] = kase.reference();
    // Few distinct due dates, so the order leans on priority and creation.
    for (int k = 0; k < 2; ++k) {
      v1::SafeguardingAction a =
          MustCreate("pc.hughes", kase.name(),
                     Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE,
                           (i * 7 + k) % 5, priorities[(i + k) % 4]));
      council_actions.push_back(a);
      expected_council.insert(a.name());
    }
    v1::SafeguardingAction h =
        MustCreate("pc.hughes", kase.name(),
                   Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT, i % 4));
    expected_health.insert(h.name());
    if (i % 10 == 5) {  // Done already: not work any more.
      v1::SafeguardingAction done;
      ASSERT_GRPC_OK(Complete("pc.hughes", council_actions.back(), &done));
      expected_council.erase(done.name());
    }
    if (i == 17) withdrawn_case = kase.name();
  }
  // Another force's case, not shared with the council: never listed.
  v1::Case other = CaseAt(v1::RISK_LEVEL_HIGH, "pc.west");
  MustCreate("pc.west", other.name(),
             Input("WMP", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN, 1));

  int pages = 0;
  std::vector<v1::MyWorkItem> work = MyWork("council.patel", "", 7, &pages);
  EXPECT_EQ(pages, static_cast<int>((expected_council.size() + 6) / 7) +
                       (expected_council.size() % 7 == 0 ? 1 : 0));
  std::set<std::string> seen;
  for (const v1::MyWorkItem& item : work) {
    EXPECT_TRUE(seen.insert(item.action()).second) << "repeated " << item.action();
    EXPECT_EQ(item.case_reference(), reference_of[item.case_()]);
    EXPECT_EQ(item.type(), v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
  }
  EXPECT_EQ(seen, expected_council);  // No gap, nothing foreign.
  // Soonest due first, then URGENT before LOW.
  for (size_t i = 1; i < work.size(); ++i) {
    const CivilDay a = *domain::ToCivilDay(work[i - 1].due_date());
    const CivilDay b = *domain::ToCivilDay(work[i].due_date());
    ASSERT_LE(a, b) << i;
    if (a == b) {
      EXPECT_LE(domain::SafeguardingPriorityRank(work[i - 1].priority()),
                domain::SafeguardingPriorityRank(work[i].priority()))
          << i;
    }
  }
  // The same list in one page.
  std::vector<v1::MyWorkItem> one_page = MyWork("council.patel", "", 500);
  ASSERT_EQ(one_page.size(), work.size());
  for (size_t i = 0; i < work.size(); ++i)
    EXPECT_EQ(one_page[i].action(), work[i].action());

  std::set<std::string> health;
  for (const v1::MyWorkItem& item : MyWork("nhs.morgan", "", 9))
    health.insert(item.action());
  EXPECT_EQ(health, expected_health);

  // Filters.
  for (const v1::MyWorkItem& item : MyWork("council.patel", "risk_level=HIGH", 5)) {
    EXPECT_EQ(item.risk_level(), v1::RISK_LEVEL_HIGH);
  }
  EXPECT_EQ(
      MyWork("council.patel", "risk_level=HIGH", 5).size(),
      static_cast<size_t>(std::count_if(work.begin(), work.end(), [](const auto& w) {
        return w.risk_level() == v1::RISK_LEVEL_HIGH;
      })));
  for (const v1::MyWorkItem& item : MyWork("council.patel", "due_within_days=1", 5)) {
    EXPECT_LE(*domain::ToCivilDay(item.due_date()), Today() + 1);
  }
  // A page token belongs to its query.
  v1::ListMyWorkRequest req;
  req.set_page_size(3);
  v1::ListMyWorkResponse first_page;
  ASSERT_GRPC_OK(
      sg_->ListMyWork(server_->Context("council.patel").get(), req, &first_page));
  req.set_page_token(first_page.next_page_token());
  req.set_filter("priority=URGENT");
  auto context = server_->Context("council.patel");
  EXPECT_GRPC_CODE(sg_->ListMyWork(context.get(), req, &first_page),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "page_token");

  // Withdrawing the council's share of one case takes its work off the list.
  for (const v1::SafeguardingAction& a : council_actions) {
    if (absl::StartsWith(a.name(), withdrawn_case + "/") &&
        expected_council.count(a.name()) > 0) {
      ++withdrawn_open;
    }
  }
  ASSERT_GT(withdrawn_open, 0);
  v1::ListCaseSharesRequest shares_req;
  shares_req.set_parent(withdrawn_case);
  v1::ListCaseSharesResponse shares;
  ASSERT_GRPC_OK(
      sharing_->ListCaseShares(server_->Context("pc.hughes").get(), shares_req, &shares));
  for (const v1::CaseShare& s : shares.shares()) {
    if (s.agency() != server_->Agency("SOTCC")) continue;
    v1::UnshareCaseRequest unshare;
    unshare.set_name(s.name());
    unshare.set_reason("Council work paused");
    v1::CaseShare withdrawn;
    ASSERT_GRPC_OK(
        sharing_->UnshareCase(server_->Context("pc.hughes").get(), unshare, &withdrawn));
  }
  EXPECT_EQ(MyWork("council.patel", "", 50).size(), work.size() - withdrawn_open);
  EXPECT_THAT(List("council.patel", "cases/-",
                   absl::StrCat("case=", reference_of[withdrawn_case])),
              IsEmpty());
  EXPECT_EQ(List("council.patel", "cases/-").size(),
            council_actions.size() - 2);  // Completed ones included; case 17's not.
  v1::SafeguardingAction out;
  for (const v1::SafeguardingAction& a : council_actions) {
    if (absl::StartsWith(a.name(), withdrawn_case + "/")) {
      EXPECT_GRPC_CODE(Get("council.patel", a.name(), &out), grpc::StatusCode::NOT_FOUND);
    }
  }
}

// ---- Victim-services opt-out ------------------------------------------------------

TEST_F(SafeguardingServiceTest, OptOutWithdrawsVisibilityAndCancelsVictimServiceWork) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SetVictimServicesReferralRequest refer;
  refer.set_name(kase.name());
  refer.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
  refer.set_agency(server_->Agency("SVG"));
  refer.set_etag(CaseEtag(kase.name()));
  v1::Case referred;
  ASSERT_GRPC_OK(cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(),
                                                   refer, &referred));

  v1::SafeguardingAction advocate =
      MustCreate("pc.hughes", kase.name(),
                 Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_ADVOCATE_REFERRAL, 2));
  v1::SafeguardingAction plan =
      MustCreate("pc.hughes", kase.name(),
                 Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN, 4));
  v1::SafeguardingAction started;
  ASSERT_GRPC_OK(SetStatus("isac.lewis", plan, kInProgress, &started));
  v1::SafeguardingAction locks =
      MustCreate("pc.hughes", kase.name(),
                 Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE, 1));
  v1::SafeguardingAction finished = MustCreate(
      "pc.hughes", kase.name(), Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_OTHER, 1));
  v1::SafeguardingAction finished_done;
  ASSERT_GRPC_OK(Complete("isac.lewis", finished, &finished_done, "Leaflets sent"));
  EXPECT_THAT(MyWork("isac.lewis"), ::testing::SizeIs(2));

  v1::SetVictimServicesReferralRequest opt_out;
  opt_out.set_name(kase.name());
  opt_out.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
  opt_out.set_reason("Victim declined support");
  opt_out.set_etag(CaseEtag(kase.name()));
  v1::Case opted;
  ASSERT_GRPC_OK(cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(),
                                                   opt_out, &opted));

  // Victim services see nothing of the case any more.
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(Get("isac.lewis", advocate.name(), &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(MyWork("isac.lewis"), IsEmpty());
  v1::GetCaseRequest get_case;
  get_case.set_name(kase.name());
  v1::Case seen;
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("isac.lewis").get(), get_case, &seen),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      Count("case_shares", absl::StrCat("agency_id = '", server_->Agency("SVG").substr(9),
                                        "' AND withdraw_time IS NULL")),
      "0");

  // Their open work is cancelled, reason recorded; finished work and other
  // agencies' safety work stand.
  for (const v1::SafeguardingAction* a : {&advocate, &plan}) {
    v1::SafeguardingAction now = MustGet("pc.hughes", a->name());
    EXPECT_EQ(now.status(), kCancelled);
    EXPECT_EQ(now.cancel_reason(),
              "Victim opted out of victim services: Victim declined support");
    EXPECT_EQ(now.closed_by(), server_->User("pc.hughes"));
    std::vector<v1::SafeguardingActionHistoryEntry> h = History("pc.hughes", a->name());
    ASSERT_FALSE(h.empty());
    EXPECT_EQ(h.back().event(), v1::SAFEGUARDING_ACTION_EVENT_CANCEL);
    EXPECT_EQ(h.back().actor(), server_->User("pc.hughes"));
    EXPECT_EQ(h.back().snapshot().status(), kCancelled);
  }
  EXPECT_EQ(MustGet("pc.hughes", locks.name()).status(), kOpen);
  EXPECT_EQ(MustGet("pc.hughes", finished.name()).status(), kCompleted);
  EXPECT_THAT(MyWork("council.patel"), ::testing::SizeIs(1));
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.CaseService/SetVictimServicesReferral' AND "
                "changed_fields = "
                "'{victim_services_referral,shares,safeguarding_actions}'"),
            1);

  // No new work for victim services until the victim self-refers.
  const std::string actions_before = Count("safeguarding_actions");
  grpc::Status s =
      Create("pc.hughes", kase.name(),
             Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_ADVOCATE_REFERRAL), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("opted out"));
  v1::ReferToMaracRequest marac;
  marac.set_parent(kase.name());
  *marac.mutable_referral()->mutable_marac_date() = domain::ToProtoDate(Today() + 5);
  marac.mutable_referral()->set_reason("High risk");
  *marac.add_actions() = Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_ADVOCATE_REFERRAL);
  v1::ReferToMaracResponse marac_out;
  EXPECT_GRPC_CODE(
      sg_->ReferToMarac(server_->Context("pc.hughes").get(), marac, &marac_out),
      grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Count("safeguarding_actions"), actions_before);
  EXPECT_EQ(Count("marac_referrals"), "0");
  EXPECT_EQ(
      Count("case_shares", absl::StrCat("agency_id = '", server_->Agency("SVG").substr(9),
                                        "' AND withdraw_time IS NULL")),
      "0");

  // Self-referral: work may be given again.
  refer.set_etag(CaseEtag(kase.name()));
  ASSERT_GRPC_OK(cases_->SetVictimServicesReferral(server_->Context("pc.hughes").get(),
                                                   refer, &referred));
  v1::SafeguardingAction again =
      MustCreate("pc.hughes", kase.name(),
                 Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_ADVOCATE_REFERRAL));
  EXPECT_THAT(MyWork("isac.lewis"), ::testing::SizeIs(1));
  EXPECT_EQ(MustGet("isac.lewis", again.name()).status(), kOpen);
}

// ---- Access --------------------------------------------------------------------

// A case shared with the council only (by its action): health can neither
// read nor work on the council's action, nor tell it exists.
TEST_F(SafeguardingServiceTest,
       HealthCannotReadOrUpdateTheCouncilsActionOnACaseNotSharedWithIt) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction council =
      MustCreate("pc.hughes", kase.name(),
                 Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE));
  const std::string missing = absl::StrCat(
      kase.name(), "/safeguardingActions/6b0f7f8e-1d7a-4c5e-9a0b-0c1d2e3f4a5b");

  v1::SafeguardingAction out;
  grpc::Status read = Get("nhs.morgan", council.name(), &out);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(read.error_message(), absl::StrCat(kase.name(), " not found"));
  EXPECT_GRPC_CODE(SetStatus("nhs.morgan", council, kInProgress, &out),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(Complete("nhs.morgan", council, &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(Cancel("nhs.morgan", council, &out), grpc::StatusCode::NOT_FOUND);
  v1::GetSafeguardingActionHistoryRequest history;
  history.set_name(council.name());
  v1::GetSafeguardingActionHistoryResponse history_out;
  EXPECT_GRPC_CODE(sg_->GetSafeguardingActionHistory(server_->Context("nhs.morgan").get(),
                                                     history, &history_out),
                   grpc::StatusCode::NOT_FOUND);
  v1::ListSafeguardingActionsRequest list;
  list.set_parent(kase.name());
  v1::ListSafeguardingActionsResponse list_out;
  EXPECT_GRPC_CODE(
      sg_->ListSafeguardingActions(server_->Context("nhs.morgan").get(), list, &list_out),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(List("nhs.morgan", "cases/-", absl::StrCat("case=", kase.reference())),
              IsEmpty());
  EXPECT_THAT(MyWork("nhs.morgan"), IsEmpty());
  // Nor may health give itself work on the case.
  EXPECT_GRPC_CODE(Create("nhs.morgan", kase.name(),
                          Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT), &out),
                   grpc::StatusCode::NOT_FOUND);

  // Once the case is shared with health (for its own work), the council's
  // action is still not health's: it does not exist to health, like a
  // missing one; working on it is refused the same way.
  MustCreate("pc.hughes", kase.name(),
             Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT));
  grpc::Status hidden = Get("nhs.morgan", council.name(), &out);
  grpc::Status absent = Get("nhs.morgan", missing, &out);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(absent.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message(), absl::StrCat(council.name(), " not found"));
  EXPECT_GRPC_CODE(SetStatus("nhs.morgan", council, kInProgress, &out),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_CODE(Complete("nhs.morgan", council, &out), grpc::StatusCode::NOT_FOUND);
  // Health may not give the council work either.
  EXPECT_GRPC_CODE(Create("nhs.morgan", kase.name(),
                          Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // The council's action is untouched.
  v1::SafeguardingAction now = MustGet("pc.hughes", council.name());
  EXPECT_EQ(now.etag(), "1");
  EXPECT_EQ(now.status(), kOpen);
  EXPECT_EQ(*server_->CountAuditEvents(
                absl::StrCat("username = 'nhs.morgan' AND outcome = 'NOT_FOUND' AND "
                             "method LIKE '/casebridge.v1.SafeguardingService/%'")),
            11);
}

// ---- The shares assignments make ---------------------------------------------

// The share an assignment made lasts while the agency has work on the case:
// closing its last open action (cancelled or completed) ends it; a share
// made otherwise (explicitly) is not the assignment's to end.
TEST_F(SafeguardingServiceTest, ClosingAnAgencysLastActionEndsTheShareItMade) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction wrong =
      MustCreate("pc.hughes", kase.name(),
                 Input("SCC", v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE));
  v1::SafeguardingAction plan = MustCreate(
      "pc.hughes", kase.name(), Input("SCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN));
  // Work for the owning force makes, and ends, no share with itself.
  v1::SafeguardingAction own = MustCreate(
      "pc.hughes", kase.name(), Input("SP", v1::SAFEGUARDING_ACTION_TYPE_OTHER));
  EXPECT_EQ(Count("case_shares"), "1");
  v1::SafeguardingAction out;
  ASSERT_GRPC_OK(Complete("pc.hughes", own, &out));
  EXPECT_EQ(Count("case_shares", "agency_id IN (SELECT owning_agency_id FROM cases)"), "0");
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL"), "1");

  // One of two cancelled: the county still has work, and the case.
  ASSERT_GRPC_OK(Cancel("pc.hughes", wrong, &out, "Assigned to the wrong council"));
  EXPECT_EQ(MustGet("county.evans", plan.name()).name(), plan.name());
  // The last one completed, by the county itself: the share ends with it.
  ASSERT_GRPC_OK(Complete("county.evans", plan, &out, "Safety plan agreed"));
  EXPECT_EQ(out.status(), kCompleted);
  EXPECT_GRPC_CODE(Get("county.evans", plan.name(), &out), grpc::StatusCode::NOT_FOUND);
  v1::GetCaseRequest get;
  get.set_name(kase.name());
  v1::Case seen;
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("county.evans").get(), get, &seen),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(MyWork("county.evans"), IsEmpty());
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL"), "0");
  EXPECT_EQ(Count("case_shares",
                  "withdraw_reason = 'The agency''s last safeguarding action on the "
                  "case was closed'"),
            "1");
  std::vector<v1::TimelineEntry> timeline = Timeline("pc.hughes", kase.name());
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(timeline.back().kind(), v1::TIMELINE_ENTRY_KIND_UNSHARED);
  EXPECT_THAT(timeline.back().summary(), HasSubstr("Staffordshire County Council"));
  // The completing call's audit event names the share it ended.
  EXPECT_EQ(*server_->CountAuditEvents(
                "username = 'county.evans' AND outcome = 'OK' AND method = "
                "'/casebridge.v1.SafeguardingService/CompleteSafeguardingAction' "
                "AND 'shares' = ANY (changed_fields) AND EXISTS (SELECT 1 FROM "
                "unnest(resources) r WHERE r LIKE 'cases/%/shares/%')"),
            1);
  EXPECT_EQ(*server_->CountAuditEvents(
                "method = '/casebridge.v1.SafeguardingService/CancelSafeguardingAction' "
                "AND 'shares' = ANY (changed_fields)"),
            0);

  // New work shares the case again; cancelling it ends that share too.
  v1::SafeguardingAction again = MustCreate(
      "pc.hughes", kase.name(), Input("SCC", v1::SAFEGUARDING_ACTION_TYPE_OTHER));
  EXPECT_EQ(MustGet("county.evans", again.name()).status(), kOpen);
  ASSERT_GRPC_OK(Cancel("pc.hughes", again, &out));
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("county.evans").get(), get, &seen),
                   grpc::StatusCode::NOT_FOUND);

  // Shared explicitly as well: the explicit share stands when the work ends.
  v1::ShareCaseRequest share;
  share.set_parent(kase.name());
  share.mutable_share()->set_agency(server_->Agency("SCC"));
  share.mutable_share()->set_purpose("Adult social care");
  share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare made;
  ASSERT_GRPC_OK(sharing_->ShareCase(server_->Context("pc.hughes").get(), share, &made));
  v1::SafeguardingAction last = MustCreate(
      "pc.hughes", kase.name(), Input("SCC", v1::SAFEGUARDING_ACTION_TYPE_OTHER));
  ASSERT_GRPC_OK(Complete("county.evans", last, &out));
  EXPECT_GRPC_OK(cases_->GetCase(server_->Context("county.evans").get(), get, &seen));
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL AND basis = 1"), "1");
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL AND basis <> 1"), "0");
}

// A partner may give itself work on a case shared with it, on that share:
// the work makes no share of its own, so it does not keep the partner in
// the case once that share is withdrawn, nor keep an assignment's share
// alive once the work the owning force gave it is done.
TEST_F(SafeguardingServiceTest, WorkAPartnerGivesItselfDoesNotKeepItInTheCase) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::ShareCaseRequest share;
  share.set_parent(kase.name());
  share.mutable_share()->set_agency(server_->Agency("SOTCC"));
  share.mutable_share()->set_purpose("Housing");
  share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare made;
  ASSERT_GRPC_OK(sharing_->ShareCase(server_->Context("pc.hughes").get(), share, &made));
  v1::SafeguardingAction own = MustCreate(
      "council.patel", kase.name(), Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_OTHER));
  EXPECT_EQ(Count("case_shares"), "1") << "the partner's own work shares nothing";

  v1::UnshareCaseRequest unshare;
  unshare.set_name(made.name());
  unshare.set_reason("No longer necessary");
  v1::CaseShare withdrawn;
  ASSERT_GRPC_OK(
      sharing_->UnshareCase(server_->Context("pc.hughes").get(), unshare, &withdrawn));
  v1::GetCaseRequest get;
  get.set_name(kase.name());
  v1::Case seen;
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("council.patel").get(), get, &seen),
                   grpc::StatusCode::NOT_FOUND);
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(Get("council.patel", own.name(), &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(MyWork("council.patel"), IsEmpty());
  // The work itself is still there for the police to see and reassign.
  EXPECT_EQ(MustGet("pc.hughes", own.name()).status(), kOpen);

  // Work from the owning force shares the case again; the partner's own
  // open work does not keep that share once the owning force's is done.
  v1::SafeguardingAction given = MustCreate(
      "pc.hughes", kase.name(), Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE));
  v1::SafeguardingAction more = MustCreate(
      "council.patel", kase.name(), Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_OTHER));
  ASSERT_GRPC_OK(Complete("council.patel", given, &out, "Moved"));
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("council.patel").get(), get, &seen),
                   grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MustGet("pc.hughes", more.name()).status(), kOpen);
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL"), "0");
}

// A MARAC referral completes the case's MARAC_REFERRAL actions: one assigned
// to a partner (its last work on the case) ends that partner's share, as
// closing it by hand would.
TEST_F(SafeguardingServiceTest, MaracCompletingAPartnersLastActionEndsItsShare) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction todo = MustCreate(
      "pc.hughes", kase.name(), Input("SVG", v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL));
  EXPECT_EQ(MustGet("isac.lewis", todo.name()).status(), kOpen);
  v1::ReferToMaracRequest marac;
  marac.set_parent(kase.name());
  *marac.mutable_referral()->mutable_marac_date() = domain::ToProtoDate(Today() + 5);
  marac.mutable_referral()->set_reason("High risk");
  *marac.add_actions() = Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
  v1::ReferToMaracResponse referred;
  ASSERT_GRPC_OK(sg_->ReferToMarac(server_->Context("pc.hughes").get(), marac, &referred));
  ASSERT_THAT(referred.completed_referral_actions(), ElementsAre(todo.name()));
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(Get("isac.lewis", todo.name(), &out), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MustGet("council.patel", referred.actions(0).name()).status(), kOpen);
}

// Shares made before that rule: migration 0010 ends a safeguarding-action
// share with no work given to the agency behind it (a partner's share made by
// its own action, one that outlived its work), and leaves the others.
TEST_F(SafeguardingServiceTest, MigrationEndsSafeguardingSharesWithoutWorkBehindThem) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::ShareCaseRequest share;
  share.set_parent(kase.name());
  share.mutable_share()->set_agency(server_->Agency("SOTCC"));
  share.mutable_share()->set_purpose("Housing");
  share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare explicit_share;
  ASSERT_GRPC_OK(
      sharing_->ShareCase(server_->Context("pc.hughes").get(), share, &explicit_share));
  MustCreate("council.patel", kase.name(),
             Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_OTHER));
  v1::SafeguardingAction county = MustCreate(
      "pc.hughes", kase.name(), Input("SCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN));
  v1::SafeguardingAction done;
  ASSERT_GRPC_OK(Complete("county.evans", county, &done));
  MustCreate("pc.hughes", kase.name(), Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT));
  // What the old rules left: a share the council's own action made, and the
  // county's share still active after its work was done.
  for (const char* code : {"SOTCC", "SCC"}) {
    ASSERT_TRUE(server_->Query(absl::StrCat(
                    "INSERT INTO case_shares (case_id, agency_id, basis) VALUES ('",
                    kase.name().substr(6), "', '", server_->Agency(code).substr(9),
                    "', 3); SELECT 1")).ok());
  }
  v1::UnshareCaseRequest unshare;
  unshare.set_name(explicit_share.name());
  unshare.set_reason("No longer necessary");
  v1::CaseShare withdrawn;
  ASSERT_GRPC_OK(
      sharing_->UnshareCase(server_->Context("pc.hughes").get(), unshare, &withdrawn));
  v1::GetCaseRequest get;
  get.set_name(kase.name());
  v1::Case seen;
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("council.patel").get(), get, &seen));
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("county.evans").get(), get, &seen));

  ASSERT_TRUE(server_->Query("DELETE FROM schema_migrations WHERE version = 10; SELECT 1")
                  .ok());
  ASSERT_TRUE(storage::ApplyMigrations(server_->database()).ok());
  for (const char* user : {"council.patel", "county.evans"}) {
    SCOPED_TRACE(user);
    EXPECT_GRPC_CODE(cases_->GetCase(server_->Context(user).get(), get, &seen),
                     grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_GRPC_OK(cases_->GetCase(server_->Context("nhs.morgan").get(), get, &seen));
  EXPECT_EQ(Count("case_shares", "withdraw_time IS NULL"), "1");
}

TEST_F(SafeguardingServiceTest, WhoMayCreateAndWork) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  for (const char* code : {"SOTCC", "CPSWM", "WMP"}) {
    v1::ShareCaseRequest share;
    share.set_parent(kase.name());
    share.mutable_share()->set_agency(server_->Agency(code));
    share.mutable_share()->set_purpose("Multi-agency safeguarding");
    share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare made;
    ASSERT_GRPC_OK(
        sharing_->ShareCase(server_->Context("pc.hughes").get(), share, &made));
  }
  // A partner gives its own agency work on a case shared with it ...
  v1::SafeguardingAction own;
  ASSERT_GRPC_OK(Create("council.patel", kase.name(),
                        Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &own));
  EXPECT_EQ(own.created_by(), server_->User("council.patel"));
  // ... but no other agency.
  v1::SafeguardingAction out;
  EXPECT_GRPC_CODE(Create("council.patel", kase.name(),
                          Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(Create("council.patel", kase.name(),
                          Input("SP", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // The CPS reads the case but takes no part in safeguarding actions.
  EXPECT_GRPC_CODE(Get("cps.okafor", own.name(), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(Create("cps.okafor", kase.name(),
                          Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // Another force the case is shared with reads every action, works on none.
  EXPECT_EQ(MustGet("pc.west", own.name()).name(), own.name());
  EXPECT_GRPC_CODE(SetStatus("pc.west", own, kInProgress, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(Create("pc.west", kase.name(),
                          Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // The owning police work on any action of their case.
  v1::SafeguardingAction started;
  ASSERT_GRPC_OK(SetStatus("sgt.khan", own, kInProgress, &started));
  // Auditors and administrators see no case content at all.
  EXPECT_GRPC_CODE(Get("auditor.shah", own.name(), &out), grpc::StatusCode::NOT_FOUND);
  v1::ListMyWorkRequest work;
  v1::ListMyWorkResponse work_out;
  EXPECT_GRPC_CODE(sg_->ListMyWork(server_->Context("admin").get(), work, &work_out),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(sg_->ListMyWork(server_->Context("cps.okafor").get(), work, &work_out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // A partner lists only its own agency's actions.
  v1::ListSafeguardingActionsRequest list;
  list.set_parent("cases/-");
  list.set_filter(absl::StrCat("agency=", server_->Agency("NSCHT")));
  v1::ListSafeguardingActionsResponse list_out;
  EXPECT_GRPC_CODE(sg_->ListSafeguardingActions(server_->Context("council.patel").get(),
                                                list, &list_out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // Only the owning force refers to MARAC.
  v1::ReferToMaracRequest marac;
  marac.set_parent(kase.name());
  *marac.mutable_referral()->mutable_marac_date() = domain::ToProtoDate(Today() + 5);
  marac.mutable_referral()->set_reason("High risk");
  v1::ReferToMaracResponse marac_out;
  EXPECT_GRPC_CODE(
      sg_->ReferToMarac(server_->Context("pc.west").get(), marac, &marac_out),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(
      sg_->ReferToMarac(server_->Context("council.patel").get(), marac, &marac_out),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Count("marac_referrals"), "0");
}

TEST_F(SafeguardingServiceTest, MaracNeedsAHighRiskOpenCase) {
  for (v1::RiskLevel level : {v1::RISK_LEVEL_UNSPECIFIED, v1::RISK_LEVEL_MEDIUM}) {
    v1::Case kase = CaseAt(level);
    v1::ReferToMaracRequest marac;
    marac.set_parent(kase.name());
    *marac.mutable_referral()->mutable_marac_date() = domain::ToProtoDate(Today() + 5);
    marac.mutable_referral()->set_reason("Escalating");
    *marac.add_actions() = Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
    v1::ReferToMaracResponse out;
    grpc::Status s = sg_->ReferToMarac(server_->Context("pc.hughes").get(), marac, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(),
                HasSubstr(level == v1::RISK_LEVEL_MEDIUM ? "it is MEDIUM"
                                                         : "it is not assessed"));
  }
  EXPECT_EQ(Count("marac_referrals"), "0");
  EXPECT_EQ(Count("safeguarding_actions"), "0");
  EXPECT_EQ(Count("case_shares"), "0");
}

TEST_F(SafeguardingServiceTest, RetriedCreateReturnsTheFirstAction) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction first, second;
  ASSERT_GRPC_OK(Create("pc.hughes", kase.name(),
                        Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &first,
                        "assign-1"));
  ASSERT_GRPC_OK(Create("pc.hughes", kase.name(),
                        Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN), &second,
                        "assign-1"));
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(Count("safeguarding_actions"), "1");
  EXPECT_EQ(Count("safeguarding_action_history"), "1");
  // The same id on another case is another request: refused (naming
  // request_id) rather than answered with a foreign action.
  v1::Case other = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction third;
  grpc::Status s = Create("pc.hughes", other.name(),
                          Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN),
                          &third, "assign-1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("request_id: was already used"));
  EXPECT_EQ(Count("safeguarding_actions"), "1");
}

TEST_F(SafeguardingServiceTest, PoliceListFiltersAndOrder) {
  v1::Case kase = CaseAt(v1::RISK_LEVEL_HIGH);
  v1::SafeguardingAction later =
      MustCreate("pc.hughes", kase.name(),
                 Input("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE, 9));
  v1::SafeguardingAction low =
      MustCreate("pc.hughes", kase.name(),
                 Input("NSCHT", v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT, 2,
                       v1::SAFEGUARDING_ACTION_PRIORITY_LOW));
  v1::SafeguardingAction urgent =
      MustCreate("pc.hughes", kase.name(),
                 Input("SP", v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE, 2,
                       v1::SAFEGUARDING_ACTION_PRIORITY_URGENT));
  v1::SafeguardingAction cancelled;
  ASSERT_GRPC_OK(Cancel("pc.hughes", later, &cancelled));

  EXPECT_THAT(Names(List("pc.hughes", kase.name())),
              ElementsAre(urgent.name(), low.name(), later.name()));
  EXPECT_THAT(
      Names(List("pc.hughes", absl::StrCat("cases/", kase.reference()), "active=true")),
      ElementsAre(urgent.name(), low.name()));
  EXPECT_THAT(Names(List("pc.hughes", kase.name(), "status=CANCELLED")),
              ElementsAre(later.name()));
  EXPECT_THAT(Names(List("pc.hughes", kase.name(), "agency=mine")),
              ElementsAre(urgent.name()));
  EXPECT_THAT(Names(List("pc.hughes", kase.name(),
                         absl::StrCat("agency=", server_->Agency("NSCHT")))),
              ElementsAre(low.name()));
  EXPECT_THAT(Names(List("pc.hughes", "cases/-",
                         absl::StrCat("case=", kase.reference(), " AND type=GP_ALERT"))),
              ElementsAre(low.name()));
  EXPECT_THAT(Names(List("pc.hughes", kase.name(), "due_within_days=1")), IsEmpty());
  EXPECT_THAT(Names(List("pc.hughes", kase.name(), "due_within_days=2")),
              ElementsAre(urgent.name(), low.name()));
  EXPECT_THAT(Names(List("pc.hughes", kase.name(), "risk_level=MEDIUM")), IsEmpty());
  // Police my-work: the force's own work.
  std::vector<v1::MyWorkItem> police_work = MyWork("sgt.khan");
  ASSERT_EQ(police_work.size(), 1u);
  EXPECT_EQ(police_work[0].action(), urgent.name());

  // Paging through the case's actions one by one.
  v1::ListSafeguardingActionsRequest req;
  req.set_parent(kase.name());
  req.set_page_size(1);
  std::vector<std::string> paged;
  do {
    v1::ListSafeguardingActionsResponse resp;
    ASSERT_GRPC_OK(
        sg_->ListSafeguardingActions(server_->Context("pc.hughes").get(), req, &resp));
    for (const auto& a : resp.safeguarding_actions()) paged.push_back(a.name());
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_THAT(paged, ElementsAre(urgent.name(), low.name(), later.name()));
  // A malformed filter names the filter.
  auto context = server_->Context("pc.hughes");
  v1::ListSafeguardingActionsRequest bad;
  bad.set_parent(kase.name());
  bad.set_filter("overdue=maybe");
  v1::ListSafeguardingActionsResponse bad_out;
  EXPECT_GRPC_CODE(sg_->ListSafeguardingActions(context.get(), bad, &bad_out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "filter");
}

}  // namespace
}  // namespace casebridge
