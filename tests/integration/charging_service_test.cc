// ChargingService through a real gRPC channel and a real PostgreSQL, with a
// fake clock: the prosecutor's journey, validation, etags, the state
// machine's refusals, who sees what, lists, progress figures, and the SPO
// breach referral the protection order service opens.
#include <functional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/charging_progress.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/case_access.h"
#include "services/charging_referrals.h"
#include "storage/crypto.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::CreateCaseAs;
using test_support::FieldOf;
using test_support::SampleCase;
using test_support::TestServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Stub = v1::ChargingService::Stub;

// Saturday 21 November 2026, 10:00 GMT (UK and UTC days agree in winter).
absl::Time Start() {
  return test_support::TestStartTime();
}

absl::Time Utc(int y, int m, int d, int hh = 10, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

v1::Date D(int y, int m, int d) { return domain::ToProtoDate(absl::CivilDay(y, m, d)); }

// A valid submission: one suspect on pre-charge bail, stalking offences.
v1::SubmitChargingFileRequest ValidSubmit(
    const std::string& parent,
    v1::ChargingFileKind kind = v1::CHARGING_FILE_KIND_FULL_FILE,
    v1::ChargingUrgency urgency = v1::CHARGING_URGENCY_GREEN) {
  v1::SubmitChargingFileRequest r;
  r.set_parent(parent);
  v1::ChargingFile* f = r.mutable_charging_file();
  f->set_kind(kind);
  f->set_urgency(urgency);
  v1::ChargingSuspect* s = f->add_suspects();
  s->set_suspect_number(1);
  s->set_bail_status(v1::BAIL_STATUS_PRE_CHARGE_BAIL);
  *s->mutable_release_date() = D(2026, 11, 20);
  *s->mutable_bail_return_date() = D(2026, 12, 18);
  s->set_bail_conditions("Not to contact the victim directly or indirectly");
  f->add_proposed_offences()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
  v1::OffenceDetail* o = f->add_proposed_offences();
  o->set_offence(v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE);
  o->set_particulars("Between 1 August and 19 November 2026 at Hanley");
  f->set_summary("Ex-partner; 23 incidents logged; threats made on 18 Nov.");
  return r;
}

v1::ChargingDecision FullCodeCharge() {
  v1::ChargingDecision d;
  d.set_test(v1::CHARGING_TEST_FULL_CODE);
  d.set_outcome(v1::CHARGING_OUTCOME_CHARGE);
  v1::OffenceDetail* o = d.add_offences();
  o->set_offence(v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE);
  o->set_particulars("Between 1 August and 19 November 2026 at Hanley");
  d.set_rationale(
      "Evidential stage met on the messages and CCTV; public "
      "interest requires a prosecution given the escalation.");
  return d;
}

v1::ChargingDecision ThresholdCharge(v1::Date review_by) {
  v1::ChargingDecision d = FullCodeCharge();
  d.set_test(v1::CHARGING_TEST_THRESHOLD);
  d.set_threshold_grounds(
      "Substantial bail risk: breached bail twice; phone "
      "download expected within three weeks.");
  *d.mutable_threshold_review_by() = review_by;
  return d;
}

class ChargingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = TestServer::Start({.fake_clock = true, .start_time = Start()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    charging_ = v1::ChargingService::NewStub(server_->channel());
    cases_ = v1::CaseService::NewStub(server_->channel());
    sharing_ = v1::SharingService::NewStub(server_->channel());
    admin_ = v1::AdminService::NewStub(server_->channel());
  }

  // Calls `method` as `user`; the field a refusal names goes to *field.
  template <typename Request, typename Response>
  grpc::Status Call(absl::string_view user,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                 Response*),
                    const Request& request, Response* response,
                    std::string* field = nullptr) {
    std::unique_ptr<grpc::ClientContext> context = server_->Context(user);
    grpc::Status s = ((*charging_).*method)(context.get(), request, response);
    if (field != nullptr) *field = FieldOf(*context);
    return s;
  }

  v1::ChargingFile Submit(const v1::SubmitChargingFileRequest& request,
                          absl::string_view user = "pc.hughes") {
    v1::ChargingFile file;
    grpc::Status s = Call(user, &Stub::SubmitChargingFile, request, &file);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return file;
  }

  v1::ChargingFile Get(const std::string& name, absl::string_view user = "pc.hughes") {
    v1::GetChargingFileRequest req;
    req.set_name(name);
    v1::ChargingFile file;
    grpc::Status s = Call(user, &Stub::GetChargingFile, req, &file);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return file;
  }

  v1::ChargingProgress Progress(const std::string& name,
                                absl::string_view user = "pc.hughes") {
    v1::GetChargingProgressRequest req;
    req.set_name(name);
    v1::ChargingProgress p;
    grpc::Status s = Call(user, &Stub::GetChargingProgress, req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  }

  // Every page, in order.
  std::vector<v1::ChargingFile> List(absl::string_view user, const std::string& filter,
                                     const std::string& parent = "cases/-",
                                     int page_size = 0) {
    std::vector<v1::ChargingFile> out;
    v1::ListChargingFilesRequest req;
    req.set_parent(parent);
    req.set_filter(filter);
    req.set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListChargingFilesResponse resp;
      grpc::Status s = Call(user, &Stub::ListChargingFiles, req, &resp);
      EXPECT_TRUE(s.ok()) << filter << ": " << s.error_message();
      if (!s.ok()) break;
      for (const v1::ChargingFile& f : resp.charging_files()) out.push_back(f);
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return out;
  }

  static std::vector<std::string> Names(const std::vector<v1::ChargingFile>& files) {
    std::vector<std::string> out;
    for (const v1::ChargingFile& f : files) out.push_back(f.name());
    return out;
  }

  v1::ChargingFile IssuePlan(const v1::ChargingFile& file,
                             std::vector<std::pair<std::string, v1::Date>> items) {
    v1::IssueActionPlanRequest req;
    req.set_name(file.name());
    req.set_etag(file.etag());
    for (auto& [description, due] : items) {
      v1::ChargingActionItem* item = req.add_items();
      item->set_description(description);
      *item->mutable_due_date() = due;
    }
    v1::ChargingFile out;
    grpc::Status s = Call("cps.okafor", &Stub::IssueActionPlan, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::ChargingFile Respond(const v1::ChargingActionItem& item,
                           v1::ChargingActionItemResponse response,
                           const std::string& text = "") {
    v1::RespondToActionItemRequest req;
    req.set_name(item.name());
    req.set_etag(item.etag());
    req.set_response(response);
    if (response == v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE) req.set_reason(text);
    if (response == v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE) req.set_provided(text);
    v1::ChargingFile out;
    grpc::Status s = Call("pc.hughes", &Stub::RespondToActionItem, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::ChargingFile Decide(const v1::ChargingFile& file,
                          const v1::ChargingDecision& decision) {
    v1::RecordDecisionRequest req;
    req.set_name(file.name());
    req.set_etag(file.etag());
    *req.mutable_decision() = decision;
    v1::ChargingFile out;
    grpc::Status s = Call("cps.okafor", &Stub::RecordDecision, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  int64_t Count(absl::string_view sql) {
    absl::StatusOr<std::string> n = server_->Query(sql);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? std::stoll(*n) : -1;
  }

  // Rows every write touches: nothing may change when a call is refused.
  std::string Fingerprint() {
    return absl::StrCat(
        Count("SELECT count(*) FROM charging_files"), "/",
        Count("SELECT coalesce(sum(version), 0) FROM charging_files"), "/",
        Count("SELECT count(*) FROM charging_action_items"), "/",
        Count("SELECT coalesce(sum(version), 0) FROM charging_action_items"), "/",
        Count("SELECT count(*) FROM charging_decisions"), "/",
        Count("SELECT count(*) FROM charging_advice"), "/",
        Count("SELECT count(*) FROM charging_file_history"), "/",
        Count("SELECT count(*) FROM case_shares"), "/",
        Count("SELECT count(*) FROM case_timeline"));
  }

  std::vector<v1::TimelineEntry> Timeline(const std::string& case_name,
                                          absl::string_view user) {
    v1::GetCaseTimelineRequest req;
    req.set_name(case_name);
    req.set_page_size(domain::kMaxPageSize);
    v1::GetCaseTimelineResponse resp;
    grpc::Status s = cases_->GetCaseTimeline(server_->Context(user).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.entries().begin(), resp.entries().end()};
  }

  static int ChargingEntries(const std::vector<v1::TimelineEntry>& entries) {
    int n = 0;
    for (const v1::TimelineEntry& e : entries) {
      if (e.kind() == v1::TIMELINE_ENTRY_KIND_CHARGING ||
          absl::StrContains(e.resource(), "/chargingFiles/")) {
        ++n;
      }
    }
    return n;
  }

  void ShareWith(const std::string& case_name, const std::string& agency) {
    v1::ShareCaseRequest req;
    req.set_parent(case_name);
    req.mutable_share()->set_agency(agency);
    req.mutable_share()->set_purpose("Multi-agency safeguarding");
    req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare share;
    ASSERT_GRPC_OK(sharing_->ShareCase(server_->Context("pc.hughes").get(), req, &share));
  }

  absl::Time Now() { return server_->clock()->Now(); }
  void SetNow(absl::Time t) { server_->clock()->Set(t); }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Stub> charging_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

// The issue's "done when": a CPS user lists the files awaiting decision,
// issues an action plan, sees police complete it, and records a charge
// decision; the police user sees the progress at each step.
TEST_F(ChargingServiceTest, ProsecutorDecidesAfterAnActionPlanAndPoliceFollowProgress) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name(), v1::CHARGING_FILE_KIND_FULL_FILE,
                                             v1::CHARGING_URGENCY_GREEN_PRIORITY));
  EXPECT_THAT(file.name(), ::testing::StartsWith(c.name() + "/chargingFiles/"));
  EXPECT_EQ(file.case_reference(), c.reference());
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(file.origin(), v1::CHARGING_ORIGIN_POLICE_SUBMISSION);
  EXPECT_EQ(file.submitted_by(), server_->User("pc.hughes"));
  EXPECT_EQ(file.suspects(0).display_name(), "Mark Doyle");
  EXPECT_EQ(file.etag(), "1");
  EXPECT_TRUE(file.has_full_file_submit_time());
  EXPECT_EQ(file.progress().stage(), v1::CHARGING_STAGE_AWAITING_DECISION);

  // Police: with the CPS for a decision.
  v1::ChargingProgress p = Progress(file.name());
  EXPECT_EQ(p.stage(), v1::CHARGING_STAGE_AWAITING_DECISION);
  EXPECT_EQ(p.days_since_submission(), 0);
  EXPECT_EQ(p.stage_summary(), "With the CPS for a charging decision");

  // The prosecutor's list of files awaiting decision.
  EXPECT_THAT(Names(List("cps.okafor", "awaiting_decision=true")),
              ElementsAre(file.name()));

  // Next day: an action plan.
  SetNow(Start() + absl::Hours(24));
  file = IssuePlan(file, {{"Download and exhibit the victim's phone", D(2026, 11, 25)},
                          {"Statement from the reception witness", D(2026, 11, 29)}});
  ASSERT_EQ(file.action_items_size(), 2);
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  EXPECT_EQ(file.action_items(0).state(), v1::CHARGING_ACTION_ITEM_STATE_OPEN);
  EXPECT_EQ(file.action_items(0).issued_by(), server_->User("cps.okafor"));
  EXPECT_EQ(file.action_items(0).etag(), "1");
  EXPECT_TRUE(absl::StrContains(file.action_items(0).name(), "/actionItems/"));
  EXPECT_TRUE(List("cps.okafor", "awaiting_decision=true").empty());

  p = Progress(file.name());
  EXPECT_EQ(p.stage(), v1::CHARGING_STAGE_AWAITING_POLICE_ACTION);
  EXPECT_EQ(p.outstanding_items_size(), 2);
  EXPECT_EQ(p.overdue_items_size(), 0);
  EXPECT_EQ(p.days_since_submission(), 1);
  EXPECT_EQ(p.next_due_date().day(), 25);
  EXPECT_EQ(p.stage_summary(), "With police: 2 action items outstanding");

  // Five days on, the first item is overdue.
  SetNow(Start() + absl::Hours(24 * 5));
  p = Progress(file.name());
  EXPECT_EQ(p.overdue_items_size(), 1);
  EXPECT_EQ(p.stage_summary(), "With police: 2 action items outstanding, 1 overdue");
  EXPECT_THAT(Names(List("cps.okafor", "action_plan_overdue=true")),
              ElementsAre(file.name()));

  // Police accept the second and complete both.
  file = Respond(file.action_items(1), v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT);
  EXPECT_EQ(file.action_items(1).state(), v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED);
  EXPECT_EQ(file.action_items(1).responded_by(), server_->User("pc.hughes"));
  file = Respond(file.action_items(0), v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE,
                 "Exhibit DH/1: phone download report");
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  p = Progress(file.name());
  EXPECT_EQ(p.outstanding_items_size(), 1);
  EXPECT_EQ(p.overdue_items_size(), 0);  // Completed items are never overdue.
  file = Respond(file.action_items(1), v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE,
                 "Witness statement MG11 of the receptionist");
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE);
  EXPECT_EQ(file.action_items(0).provided(), "Exhibit DH/1: phone download report");
  EXPECT_TRUE(file.action_items(1).has_resolve_time());

  // The CPS sees it back with them.
  p = Progress(file.name(), "cps.okafor");
  EXPECT_EQ(p.stage(), v1::CHARGING_STAGE_AWAITING_DECISION);
  EXPECT_EQ(p.outstanding_items_size(), 0);
  EXPECT_THAT(Names(List("cps.okafor", "awaiting_decision=true")),
              ElementsAre(file.name()));

  // The charge decision, with the first hearing, orders sought and the
  // victim told.
  SetNow(Start() + absl::Hours(24 * 6));
  v1::RecordDecisionRequest decide;
  decide.set_name(file.name());
  decide.set_etag(file.etag());
  *decide.mutable_decision() = FullCodeCharge();
  decide.mutable_first_hearing()->set_court("North Staffordshire Justice Centre");
  *decide.mutable_first_hearing()->mutable_date() = D(2026, 12, 4);
  decide.add_ancillary_orders()->set_kind(v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
  decide.add_ancillary_orders()->set_kind(v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  decide.mutable_victim_informed()->set_informed(true);
  *decide.mutable_victim_informed()->mutable_inform_date() = D(2026, 11, 27);
  decide.mutable_victim_informed()->set_method("Phone call by the OIC");
  v1::ChargingFile decided;
  ASSERT_GRPC_OK(Call("cps.okafor", &Stub::RecordDecision, decide, &decided));
  EXPECT_EQ(decided.state(), v1::CHARGING_FILE_STATE_DECIDED);
  EXPECT_EQ(decided.decision().prosecutor(), server_->User("cps.okafor"));
  EXPECT_EQ(decided.decision().decision_date().day(), 27);
  EXPECT_TRUE(List("cps.okafor", "awaiting_decision=true").empty());

  p = Progress(file.name());
  EXPECT_EQ(p.stage(), v1::CHARGING_STAGE_DECIDED);
  EXPECT_EQ(p.stage_summary(), "Decided: CHARGE on the Full Code Test");
  EXPECT_EQ(p.decision().outcome(), v1::CHARGING_OUTCOME_CHARGE);
  ASSERT_EQ(p.decision().offences_size(), 1);
  EXPECT_EQ(p.decision().offences(0).offence(),
            v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE);
  EXPECT_EQ(p.first_hearing().court(), "North Staffordshire Justice Centre");
  EXPECT_EQ(p.first_hearing().date().day(), 4);
  EXPECT_EQ(p.ancillary_orders_size(), 2);
  EXPECT_TRUE(p.victim_informed().informed());
  EXPECT_EQ(p.victim_informed().recorded_by(), server_->User("cps.okafor"));
  EXPECT_EQ(p.days_since_submission(), 6);

  // What happened is on the timeline for police and CPS, in the history and
  // in the audit log.
  EXPECT_EQ(ChargingEntries(Timeline(c.name(), "pc.hughes")), 7);
  EXPECT_EQ(ChargingEntries(Timeline(c.name(), "cps.okafor")), 6);  // no SHARED
  const std::string file_id = file.name().substr(file.name().rfind('/') + 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM charging_file_history WHERE "
                               "file_id = '",
                               file_id, "'")),
            6);
  for (const char* method :
       {"SubmitChargingFile", "IssueActionPlan", "RespondToActionItem", "RecordDecision",
        "GetChargingProgress", "ListChargingFiles"}) {
    absl::StatusOr<int64_t> n = server_->CountAuditEvents(absl::StrCat(
        "method = '/casebridge.v1.ChargingService/", method, "' AND outcome = 'OK'"));
    ASSERT_TRUE(n.ok());
    EXPECT_GT(*n, 0) << method;
  }
  absl::StatusOr<int64_t> changes = server_->CountAuditEvents(
      absl::StrCat("method = '/casebridge.v1.ChargingService/RecordDecision' AND "
                   "old_etag = '",
                   file.etag(), "' AND new_etag = '", decided.etag(), "'"));
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(*changes, 1);
}

TEST_F(ChargingServiceTest, SubmittingSharesTheCaseWithTheForcesCpsArea) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::GetCaseRequest get_case;
  get_case.set_name(c.name());
  v1::Case seen;
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("cps.okafor").get(), get_case, &seen),
                   grpc::StatusCode::NOT_FOUND);

  v1::ChargingFile file = Submit(ValidSubmit(c.name()));
  v1::ListCaseSharesRequest list_shares;
  list_shares.set_parent(c.name());
  v1::ListCaseSharesResponse shares;
  ASSERT_GRPC_OK(sharing_->ListCaseShares(server_->Context("pc.hughes").get(),
                                          list_shares, &shares));
  ASSERT_EQ(shares.shares_size(), 1);
  EXPECT_EQ(shares.shares(0).agency(), server_->Agency("CPSWM"));
  EXPECT_EQ(shares.shares(0).basis(), v1::SHARE_BASIS_CHARGING_REFERRAL);
  EXPECT_EQ(shares.shares(0).view(), v1::CASE_VIEW_PROSECUTION);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM case_shares WHERE source = '",
                               file.name(), "'")),
            1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM charging_files f JOIN agencies a "
                               "ON a.id = f.cps_agency_id WHERE a.code = 'CPSWM'")),
            1);

  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("cps.okafor").get(), get_case, &seen));
  EXPECT_EQ(seen.view(), v1::CASE_VIEW_PROSECUTION);
  EXPECT_EQ(Get(file.name(), "cps.okafor").name(), file.name());

  // A second file refers nothing new.
  Submit(ValidSubmit(c.name(), v1::CHARGING_FILE_KIND_EARLY_ADVICE));
  ASSERT_GRPC_OK(sharing_->ListCaseShares(server_->Context("pc.hughes").get(),
                                          list_shares, &shares));
  EXPECT_EQ(shares.shares_size(), 1);
}

TEST_F(ChargingServiceTest, ARetryWithTheSameRequestIdReturnsTheFirstFile) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::SubmitChargingFileRequest req = ValidSubmit(c.name());
  req.set_request_id("mg3-2026-0042");
  v1::ChargingFile first = Submit(req);
  v1::ChargingFile again = Submit(req);
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(Count("SELECT count(*) FROM charging_files"), 1);

  // The same id for a file of another case is another request: refused,
  // naming request_id, rather than answered with a foreign file.
  v1::Case other = CreateCaseAs(*server_, "pc.hughes");
  req.set_parent(other.name());
  v1::ChargingFile out;
  std::string field;
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::SubmitChargingFile, req, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "request_id");
  EXPECT_EQ(Count("SELECT count(*) FROM charging_files"), 1);
}

TEST_F(ChargingServiceTest, InvalidSubmissionsNameTheFieldAndWriteNothing) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  struct Bad {
    std::function<void(v1::SubmitChargingFileRequest&)> mutate;
    std::string field;
  } bad[] = {
      {[](auto& r) { r.set_parent("cases/nope"); }, "parent"},
      {[](auto& r) { r.clear_charging_file(); }, "charging_file"},
      {[](auto& r) { r.mutable_charging_file()->clear_kind(); }, "charging_file.kind"},
      {[](auto& r) {
         r.mutable_charging_file()->set_urgency(static_cast<v1::ChargingUrgency>(9));
       },
       "charging_file.urgency"},
      {[](auto& r) { r.mutable_charging_file()->clear_suspects(); },
       "charging_file.suspects"},
      // The case has one suspect.
      {[](auto& r) {
         r.mutable_charging_file()->mutable_suspects(0)->set_suspect_number(2);
       },
       "charging_file.suspects[0].suspect_number"},
      {[](auto& r) {
         r.mutable_charging_file()->mutable_suspects(0)->clear_bail_return_date();
       },
       "charging_file.suspects[0].bail_return_date"},
      {[](auto& r) {
         *r.mutable_charging_file()->mutable_suspects(0)->mutable_release_date() =
             D(2026, 11, 22);  // tomorrow
       },
       "charging_file.suspects[0].release_date"},
      {[](auto& r) {
         r.mutable_charging_file()->mutable_proposed_offences(1)->set_offence(
             v1::OFFENCE_PHA_S2A_STALKING);
       },
       "charging_file.proposed_offences[1].offence"},
      {[](auto& r) { r.mutable_charging_file()->clear_proposed_offences(); },
       "charging_file.proposed_offences"},
      {[](auto& r) { r.mutable_charging_file()->set_summary("  "); },
       "charging_file.summary"},
      {[](auto& r) { r.set_request_id(std::string(101, 'x')); }, "request_id"},
  };
  const std::string before = Fingerprint();
  for (const Bad& b : bad) {
    v1::SubmitChargingFileRequest req = ValidSubmit(c.name());
    b.mutate(req);
    v1::ChargingFile out;
    std::string field;
    grpc::Status s = Call("pc.hughes", &Stub::SubmitChargingFile, req, &out, &field);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << b.field;
    EXPECT_EQ(field, b.field) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(b.field));
  }
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChargingServiceTest, InvalidChangesNameTheFieldAndWriteNothing) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name()));
  file = IssuePlan(file, {{"Phone download", D(2026, 11, 28)}});
  const std::string before = Fingerprint();
  std::string field;
  v1::ChargingFile out;

  v1::IssueActionPlanRequest plan;
  plan.set_name(file.name());
  plan.set_etag(file.etag());
  v1::ChargingActionItem* item = plan.add_items();
  item->set_description("CCTV from the bus station");
  *item->mutable_due_date() = D(2026, 11, 20);  // yesterday
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::IssueActionPlan, plan, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "items[0].due_date");

  v1::RecordDecisionRequest decide;
  decide.set_name(file.name());
  decide.set_etag(file.etag());
  *decide.mutable_decision() = ThresholdCharge(D(2026, 12, 10));
  decide.mutable_decision()->set_outcome(v1::CHARGING_OUTCOME_NO_FURTHER_ACTION);
  decide.mutable_decision()->clear_offences();
  decide.mutable_decision()->set_nfa_reason(v1::NFA_REASON_EVIDENTIAL);
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::RecordDecision, decide, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "decision.outcome");

  *decide.mutable_decision() = ThresholdCharge(D(2026, 11, 21));  // not after today
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::RecordDecision, decide, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "decision.threshold_review_by");

  v1::RespondToActionItemRequest respond;
  respond.set_name(file.action_items(0).name());
  respond.set_etag(file.action_items(0).etag());
  respond.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE);
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::RespondToActionItem, respond, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "reason");

  v1::RecordAdviceRequest advice;
  advice.set_name(file.name());
  advice.set_etag("one");
  advice.set_advice("Obtain the CCTV");
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::RecordAdvice, advice, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "etag");

  v1::RecordDecisionFollowUpRequest follow;
  follow.set_name(file.name());
  follow.set_etag(file.etag());
  follow.mutable_update_mask()->add_paths("decision");
  EXPECT_GRPC_CODE(
      Call("cps.okafor", &Stub::RecordDecisionFollowUp, follow, &out, &field),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "update_mask");

  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChargingServiceTest, StaleEtagsAreAbortedAndChangeNothing) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile first = Submit(ValidSubmit(c.name()));
  v1::ChargingFile planned = IssuePlan(first, {{"Phone download", D(2026, 11, 28)}});
  const std::string before = Fingerprint();

  v1::RecordAdviceRequest advice;
  advice.set_name(first.name());
  advice.set_etag(first.etag());  // before the plan
  advice.set_advice("Consider s.4A rather than s.2A");
  v1::ChargingFile out;
  grpc::Status s = Call("cps.okafor", &Stub::RecordAdvice, advice, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(s.error_message(),
              HasSubstr(absl::StrCat("current etag ", planned.etag())));

  // The item's own etag.
  v1::ChargingFile accepted =
      Respond(planned.action_items(0), v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT);
  EXPECT_EQ(accepted.action_items(0).etag(), "2");
  const std::string after_accept = Fingerprint();
  v1::RespondToActionItemRequest respond;
  respond.set_name(planned.action_items(0).name());
  respond.set_etag(planned.action_items(0).etag());  // "1": stale
  respond.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE);
  respond.set_provided("Download report");
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::RespondToActionItem, respond, &out),
                   grpc::StatusCode::ABORTED);
  EXPECT_EQ(Fingerprint(), after_accept);
  EXPECT_NE(before, after_accept);
}

TEST_F(ChargingServiceTest, IllegalMovesNameTheStateAndTheAllowedEvents) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile early =
      Submit(ValidSubmit(c.name(), v1::CHARGING_FILE_KIND_EARLY_ADVICE));
  v1::RecordDecisionRequest decide;
  decide.set_name(early.name());
  decide.set_etag(early.etag());
  *decide.mutable_decision() = FullCodeCharge();
  v1::ChargingFile out;
  grpc::Status s = Call("cps.okafor", &Stub::RecordDecision, decide, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("SUBMITTED"));
  EXPECT_THAT(s.error_message(), HasSubstr("FULL_FILE"));

  v1::ChargingFile full = Submit(ValidSubmit(c.name()));
  v1::ChargingFile decided = Decide(full, FullCodeCharge());
  const std::string before = Fingerprint();
  v1::WithdrawChargingFileRequest withdraw;
  withdraw.set_name(decided.name());
  withdraw.set_etag(decided.etag());
  withdraw.set_reason("Suspect died");
  s = Call("pc.hughes", &Stub::WithdrawChargingFile, withdraw, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("charging file is DECIDED"));
  EXPECT_THAT(s.error_message(), HasSubstr("allowed events: RECORD_FOLLOW_UP"));

  v1::SubmitFullFileRequest full_again;
  full_again.set_name(decided.name());
  full_again.set_etag(decided.etag());
  *full_again.mutable_charging_file() = ValidSubmit(c.name()).charging_file();
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::SubmitFullFile, full_again, &out),
                   grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChargingServiceTest, EarlyAdviceThenTheFullFile) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(
      c.name(), v1::CHARGING_FILE_KIND_EARLY_ADVICE, v1::CHARGING_URGENCY_GREEN));
  EXPECT_FALSE(file.has_full_file_submit_time());
  EXPECT_EQ(Progress(file.name(), "cps.okafor").stage(),
            v1::CHARGING_STAGE_AWAITING_ADVICE);

  v1::RecordAdviceRequest advice;
  advice.set_name(file.name());
  advice.set_etag(file.etag());
  advice.set_advice("Obtain the CCTV from the bus station before a decision.");
  ASSERT_GRPC_OK(Call("cps.okafor", &Stub::RecordAdvice, advice, &file));
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_ADVICE_GIVEN);
  ASSERT_EQ(file.advice_size(), 1);
  EXPECT_EQ(file.advice(0).prosecutor(), server_->User("cps.okafor"));
  EXPECT_EQ(Progress(file.name()).stage(), v1::CHARGING_STAGE_AWAITING_FULL_FILE);

  SetNow(Start() + absl::Hours(48));
  v1::SubmitFullFileRequest full;
  full.set_name(file.name());
  full.set_etag(file.etag());
  *full.mutable_charging_file() = ValidSubmit(c.name()).charging_file();
  full.mutable_charging_file()->set_urgency(v1::CHARGING_URGENCY_RED);
  full.mutable_charging_file()->mutable_suspects(0)->set_bail_status(
      v1::BAIL_STATUS_IN_CUSTODY);
  full.mutable_charging_file()->mutable_suspects(0)->clear_release_date();
  full.mutable_charging_file()->mutable_suspects(0)->clear_bail_return_date();
  full.mutable_charging_file()->mutable_suspects(0)->clear_bail_conditions();
  ASSERT_GRPC_OK(Call("pc.hughes", &Stub::SubmitFullFile, full, &file));
  EXPECT_EQ(file.kind(), v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(file.urgency(), v1::CHARGING_URGENCY_RED);
  EXPECT_EQ(file.suspects(0).bail_status(), v1::BAIL_STATUS_IN_CUSTODY);
  EXPECT_FALSE(file.suspects(0).has_release_date());
  EXPECT_EQ(file.advice_size(), 1);
  EXPECT_TRUE(file.has_full_file_submit_time());
  EXPECT_THAT(Names(List("cps.okafor", "awaiting_decision=true AND urgency=RED")),
              ElementsAre(file.name()));
}

TEST_F(ChargingServiceTest, DisputedItemsGoBackToTheCps) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name()));
  file = IssuePlan(file, {{"Third-party material from the gym", D(2026, 11, 28)},
                          {"Phone download", D(2026, 11, 28)}});
  file = Respond(file.action_items(0), v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE,
                 "The gym has closed; no records survive");
  file = Respond(file.action_items(1), v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE,
                 "Download report DH/1");
  EXPECT_EQ(file.action_items(0).dispute_reason(),
            "The gym has closed; no records survive");
  EXPECT_EQ(Progress(file.name(), "cps.okafor").stage(),
            v1::CHARGING_STAGE_AWAITING_DISPUTE_REVIEW);

  v1::ReviewActionItemRequest review;
  review.set_name(file.action_items(0).name());
  review.set_etag(file.action_items(0).etag());
  review.set_review(v1::CHARGING_ACTION_ITEM_REVIEW_WITHDRAW);
  review.set_note("Not needed: the messages suffice");
  ASSERT_GRPC_OK(Call("cps.okafor", &Stub::ReviewActionItem, review, &file));
  EXPECT_EQ(file.action_items(0).state(), v1::CHARGING_ACTION_ITEM_STATE_WITHDRAWN);
  EXPECT_EQ(file.action_items(0).review_note(), "Not needed: the messages suffice");
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE);

  // Police may not review; the CPS may not respond.
  v1::ChargingFile out;
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::ReviewActionItem, review, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  v1::RespondToActionItemRequest respond;
  respond.set_name(file.action_items(0).name());
  respond.set_etag(file.action_items(0).etag());
  respond.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT);
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::RespondToActionItem, respond, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // An item that is not the file's.
  respond.set_name(absl::StrCat(file.name(), "/actionItems/", storage::NewUuid()));
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::RespondToActionItem, respond, &out),
                   grpc::StatusCode::NOT_FOUND);
}

TEST_F(ChargingServiceTest, AThresholdDecisionIsReviewedThenReplacedByTheFullCode) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::SubmitChargingFileRequest req =
      ValidSubmit(c.name(), v1::CHARGING_FILE_KIND_FULL_FILE, v1::CHARGING_URGENCY_RED);
  v1::ChargingFile file = Submit(req);
  file = Decide(file, ThresholdCharge(D(2026, 12, 10)));
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);

  v1::ReviewThresholdDecisionRequest review;
  review.set_name(file.name());
  review.set_etag(file.etag());
  review.set_note("Phone download delayed by the lab; bail risk unchanged");
  *review.mutable_next_review_by() = D(2026, 12, 20);
  ASSERT_GRPC_OK(Call("cps.okafor", &Stub::ReviewThresholdDecision, review, &file));
  ASSERT_EQ(file.decision().threshold_reviews_size(), 1);
  EXPECT_EQ(file.decision().threshold_reviews(0).previous_review_by().day(), 10);
  EXPECT_EQ(file.decision().threshold_review_by().day(), 20);

  v1::RecordDecisionFollowUpRequest follow;
  follow.set_name(file.name());
  follow.set_etag(file.etag());
  follow.mutable_update_mask()->add_paths("first_hearing");
  follow.mutable_first_hearing()->set_court("North Staffordshire Justice Centre");
  *follow.mutable_first_hearing()->mutable_date() = D(2026, 11, 23);
  ASSERT_GRPC_OK(Call("cps.okafor", &Stub::RecordDecisionFollowUp, follow, &file));
  EXPECT_EQ(file.first_hearing().date().day(), 23);

  SetNow(Utc(2026, 12, 15));
  file = Decide(file, FullCodeCharge());
  EXPECT_EQ(file.state(), v1::CHARGING_FILE_STATE_DECIDED);
  EXPECT_EQ(file.decision().test(), v1::CHARGING_TEST_FULL_CODE);
  ASSERT_EQ(file.superseded_decisions_size(), 1);
  EXPECT_EQ(file.superseded_decisions(0).test(), v1::CHARGING_TEST_THRESHOLD);
  EXPECT_EQ(file.superseded_decisions(0).threshold_reviews_size(), 1);
  EXPECT_EQ(file.first_hearing().date().day(), 23);  // carried over
  EXPECT_EQ(Count("SELECT count(*) FROM charging_decisions WHERE superseded"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM charging_decisions WHERE NOT superseded"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM charging_threshold_reviews"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM charging_decision_offences"), 2);
}

TEST_F(ChargingServiceTest, ACpsOfAnotherAreaSeesNothing) {
  ASSERT_TRUE(server_
                  ->AddUser("cps.north", "CPSNE", "CPS North East", v1::AGENCY_KIND_CPS,
                            v1::ROLE_PROSECUTOR)
                  .ok());
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name()));

  auto expect_nothing = [&](const std::string& when) {
    v1::GetChargingFileRequest get;
    get.set_name(file.name());
    v1::ChargingFile out;
    EXPECT_GRPC_CODE(Call("cps.north", &Stub::GetChargingFile, get, &out),
                     grpc::StatusCode::NOT_FOUND);
    v1::GetChargingProgressRequest progress;
    progress.set_name(file.name());
    v1::ChargingProgress p;
    EXPECT_GRPC_CODE(Call("cps.north", &Stub::GetChargingProgress, progress, &p),
                     grpc::StatusCode::NOT_FOUND);
    v1::RecordAdviceRequest advice;
    advice.set_name(file.name());
    advice.set_etag(file.etag());
    advice.set_advice("Charge s.2A");
    EXPECT_GRPC_CODE(Call("cps.north", &Stub::RecordAdvice, advice, &out),
                     grpc::StatusCode::NOT_FOUND);
    EXPECT_TRUE(List("cps.north", "").empty()) << when;
  };
  v1::GetCaseRequest get_case;
  get_case.set_name(c.name());
  v1::Case seen;
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("cps.north").get(), get_case, &seen),
                   grpc::StatusCode::NOT_FOUND);
  expect_nothing("not shared");

  // Even when police share the case with that CPS area explicitly, the file
  // (referred to CPS West Midlands) is not theirs.
  ShareWith(c.name(), server_->Agency("CPSNE"));
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("cps.north").get(), get_case, &seen));
  expect_nothing("shared explicitly");
  EXPECT_TRUE(List("cps.north", "", c.name()).empty());
  // Nor does the case's timeline show them the file's history, while the
  // file's own area and the police see it.
  auto charging_entries = [&](const std::string& who) {
    v1::GetCaseTimelineRequest timeline;
    timeline.set_name(c.name());
    v1::GetCaseTimelineResponse entries;
    EXPECT_GRPC_OK(cases_->GetCaseTimeline(server_->Context(who).get(), timeline, &entries));
    int n = 0;
    for (const auto& e : entries.entries()) {
      if (e.kind() == v1::TIMELINE_ENTRY_KIND_CHARGING) ++n;
    }
    return n;
  };
  EXPECT_EQ(charging_entries("cps.north"), 0);
  EXPECT_GE(charging_entries("cps.okafor"), 1);
  EXPECT_GE(charging_entries("pc.hughes"), 1);
  EXPECT_THAT(Names(List("cps.okafor", "", c.name())), ElementsAre(file.name()));

  // A force whose CPS area is CPS North East refers to it, not to West
  // Midlands.
  v1::CreateAgencyRequest force;
  force.mutable_agency()->set_code("NP");
  force.mutable_agency()->set_display_name("Northumbria Police");
  force.mutable_agency()->set_kind(v1::AGENCY_KIND_POLICE);
  force.mutable_agency()->set_prosecuting_agency(server_->Agency("CPSNE"));
  v1::Agency np;
  ASSERT_GRPC_OK(admin_->CreateAgency(server_->Context("admin").get(), force, &np));
  absl::StatusOr<std::string> north_token = server_->AddUser(
      "pc.north", "NP", "Northumbria Police", v1::AGENCY_KIND_POLICE,
      v1::ROLE_POLICE_OFFICER);
  ASSERT_TRUE(north_token.ok()) << north_token.status();
  v1::IssueTokenResponse token;
  token.set_secret(*north_token);
  auto as_north = [&] {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token.secret()));
    return context;
  };
  v1::CreateCaseRequest create;
  *create.mutable_case_() = SampleCase();
  v1::Case north_case;
  ASSERT_GRPC_OK(cases_->CreateCase(as_north().get(), create, &north_case));
  v1::ChargingFile north_file;
  ASSERT_GRPC_OK(charging_->SubmitChargingFile(
      as_north().get(), ValidSubmit(north_case.name()), &north_file));
  EXPECT_THAT(Names(List("cps.north", "")), ElementsAre(north_file.name()));
  EXPECT_THAT(Names(List("cps.okafor", "")), ElementsAre(file.name()));
  v1::GetChargingFileRequest get;
  get.set_name(north_file.name());
  v1::ChargingFile out;
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::GetChargingFile, get, &out),
                   grpc::StatusCode::NOT_FOUND);
}

TEST_F(ChargingServiceTest, OnlyTheCpsDecidesAndOnlyTheOwningForceSubmitsAndResponds) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name()), "sgt.khan");
  const std::string before = Fingerprint();
  v1::ChargingFile out;

  v1::RecordDecisionRequest decide;
  decide.set_name(file.name());
  decide.set_etag(file.etag());
  *decide.mutable_decision() = FullCodeCharge();
  grpc::Status s = Call("pc.hughes", &Stub::RecordDecision, decide, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("record prosecution advice or decisions"));
  EXPECT_GRPC_CODE(Call("sgt.khan", &Stub::RecordDecision, decide, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  v1::RecordAdviceRequest advice;
  advice.set_name(file.name());
  advice.set_etag(file.etag());
  advice.set_advice("Charge");
  EXPECT_GRPC_CODE(Call("pc.hughes", &Stub::RecordAdvice, advice, &out),
                   grpc::StatusCode::PERMISSION_DENIED);

  // The CPS may not submit, withdraw or submit the full file for police.
  EXPECT_GRPC_CODE(
      Call("cps.okafor", &Stub::SubmitChargingFile, ValidSubmit(c.name()), &out),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::WithdrawChargingFileRequest withdraw;
  withdraw.set_name(file.name());
  withdraw.set_etag(file.etag());
  withdraw.set_reason("No longer needed");
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::WithdrawChargingFile, withdraw, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Fingerprint(), before);
  // Refusals are audited.
  absl::StatusOr<int64_t> denied = server_->CountAuditEvents(
      "method LIKE '/casebridge.v1.ChargingService/%' AND outcome = 'PERMISSION_DENIED'");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(*denied, 5);

  // Police withdraw their own file.
  ASSERT_GRPC_OK(Call("pc.hughes", &Stub::WithdrawChargingFile, withdraw, &out));
  EXPECT_EQ(out.state(), v1::CHARGING_FILE_STATE_WITHDRAWN);
  EXPECT_EQ(out.withdraw_reason(), "No longer needed");
  EXPECT_EQ(out.progress().stage(), v1::CHARGING_STAGE_WITHDRAWN);
}

TEST_F(ChargingServiceTest, PartnersAndOtherForcesSeeNothingOfCharging) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name()));
  file = IssuePlan(file, {{"Phone download", D(2026, 11, 28)}});
  ShareWith(c.name(), server_->Agency("SOTCC"));
  ShareWith(c.name(), server_->Agency("WMP"));

  for (const char* user : {"council.patel", "pc.west"}) {
    v1::GetChargingFileRequest get;
    get.set_name(file.name());
    v1::ChargingFile out;
    EXPECT_EQ(Call(user, &Stub::GetChargingFile, get, &out).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << user;
    v1::GetChargingProgressRequest progress;
    progress.set_name(file.name());
    v1::ChargingProgress p;
    EXPECT_EQ(Call(user, &Stub::GetChargingProgress, progress, &p).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << user;
    v1::RespondToActionItemRequest respond;
    respond.set_name(file.action_items(0).name());
    respond.set_etag(file.action_items(0).etag());
    respond.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT);
    EXPECT_EQ(Call(user, &Stub::RespondToActionItem, respond, &out).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << user;
    v1::ListChargingFilesRequest list;
    list.set_parent(c.name());
    v1::ListChargingFilesResponse listed;
    EXPECT_EQ(Call(user, &Stub::ListChargingFiles, list, &listed).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << user;
    EXPECT_EQ(
        Call(user, &Stub::SubmitChargingFile, ValidSubmit(c.name()), &out).error_code(),
        grpc::StatusCode::PERMISSION_DENIED)
        << user;
  }
  v1::ListChargingFilesRequest all;
  v1::ListChargingFilesResponse listed;
  EXPECT_GRPC_CODE(Call("council.patel", &Stub::ListChargingFiles, all, &listed),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(List("pc.west", "").empty());

  // Not through the case timeline either.
  EXPECT_EQ(ChargingEntries(Timeline(c.name(), "council.patel")), 0);
  EXPECT_GT(ChargingEntries(Timeline(c.name(), "pc.hughes")), 0);
}

TEST_F(ChargingServiceTest, AForceWithoutACpsAreaIsToldTheFix) {
  v1::Case c = CreateCaseAs(*server_, "pc.west");
  const std::string before = Fingerprint();
  v1::ChargingFile out;
  grpc::Status s =
      Call("pc.west", &Stub::SubmitChargingFile, ValidSubmit(c.name()), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("West Mercia Police"));
  EXPECT_THAT(s.error_message(), HasSubstr("an administrator must set the force's "
                                           "prosecuting_agency"));
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChargingServiceTest, ListsSortByUrgencyThenAgeAndFilterAsTheDomainSays) {
  v1::Case a = CreateCaseAs(*server_, "pc.hughes");
  v1::Case b = CreateCaseAs(*server_, "pc.hughes");
  auto submit_at = [&](absl::Duration after, const std::string& parent,
                       v1::ChargingFileKind kind, v1::ChargingUrgency urgency) {
    SetNow(Start() + after);
    return Submit(ValidSubmit(parent, kind, urgency));
  };
  using K = v1::ChargingFileKind;
  constexpr K kFull = v1::CHARGING_FILE_KIND_FULL_FILE;
  constexpr K kEarly = v1::CHARGING_FILE_KIND_EARLY_ADVICE;
  v1::ChargingFile green0 =
      submit_at(absl::Minutes(0), a.name(), kFull, v1::CHARGING_URGENCY_GREEN);
  v1::ChargingFile red1 =
      submit_at(absl::Minutes(10), b.name(), kFull, v1::CHARGING_URGENCY_RED);
  v1::ChargingFile priority2 =
      submit_at(absl::Minutes(20), a.name(), kFull, v1::CHARGING_URGENCY_GREEN_PRIORITY);
  v1::ChargingFile red3 =
      submit_at(absl::Minutes(30), a.name(), kFull, v1::CHARGING_URGENCY_RED);
  v1::ChargingFile early4 =
      submit_at(absl::Minutes(40), b.name(), kEarly, v1::CHARGING_URGENCY_GREEN);
  v1::ChargingFile threshold5 =
      submit_at(absl::Minutes(50), b.name(), kFull, v1::CHARGING_URGENCY_RED);

  // States: a plan on green0 (one item overdue later), red3 decided, a
  // Threshold decision on threshold5 (review due soon).
  SetNow(Start() + absl::Hours(1));
  green0 = IssuePlan(green0, {{"Phone download", D(2026, 11, 23)}});
  red3 = Decide(red3, FullCodeCharge());
  threshold5 = Decide(threshold5, ThresholdCharge(D(2026, 11, 30)));
  const absl::Time decided_at = Now();
  SetNow(Utc(2026, 11, 24));  // green0's item overdue; threshold due in 6 days

  const std::vector<std::string> order = {red1.name(),       red3.name(),
                                          threshold5.name(), priority2.name(),
                                          green0.name(),     early4.name()};
  EXPECT_EQ(Names(List("cps.okafor", "")), order);
  EXPECT_EQ(Names(List("cps.okafor", "", "cases/-", 2)), order);  // paged by 2
  EXPECT_EQ(Names(List("pc.hughes", "", "", 4)), order);
  EXPECT_TRUE(List("pc.west", "").empty());
  EXPECT_THAT(Names(List("cps.okafor", "", a.name())),
              ElementsAre(red3.name(), priority2.name(), green0.name()));

  EXPECT_THAT(Names(List("cps.okafor", "awaiting_decision=true")),
              ElementsAre(red1.name(), priority2.name()));
  EXPECT_THAT(Names(List("cps.okafor", "action_plan_overdue=true")),
              ElementsAre(green0.name()));
  EXPECT_THAT(Names(List("cps.okafor", "threshold_review_due=true")),
              ElementsAre(threshold5.name()));
  EXPECT_THAT(Names(List("cps.okafor", "kind=EARLY_ADVICE")), ElementsAre(early4.name()));
  EXPECT_THAT(Names(List("cps.okafor", "state=DECIDED")), ElementsAre(red3.name()));
  EXPECT_THAT(Names(List("cps.okafor", "urgency=RED AND awaiting_decision=false")),
              ElementsAre(red3.name(), threshold5.name()));
  const std::string since =
      absl::FormatTime(absl::RFC3339_full, decided_at, absl::UTCTimeZone());
  EXPECT_THAT(Names(List("cps.okafor", absl::StrCat("decided_since=", since))),
              ElementsAre(red3.name(), threshold5.name()));
  EXPECT_TRUE(List("cps.okafor", absl::StrCat("decided_before=", since)).empty());

  // Storage selects exactly what the domain's predicate accepts.
  const std::vector<v1::ChargingFile> all = List("cps.okafor", "");
  const domain::ChargingClock clock{Now()};
  for (
      const std::string& filter : std::vector<std::string>{
          "awaiting_decision=true", "awaiting_decision=false", "action_plan_overdue=true",
          "action_plan_overdue=false", "threshold_review_due=true",
          "threshold_review_due=false", "state=SUBMITTED", "kind=FULL_FILE",
          "urgency=GREEN", "origin=POLICE_SUBMISSION", "origin=SPO_BREACH",
          absl::StrCat("decided_since=", since), absl::StrCat("decided_before=", since),
          "decided_since=2026-11-01T00:00:00Z AND decided_before=2026-12-01T00:00:00Z"}) {
    absl::StatusOr<domain::ChargingListFilter> parsed =
        domain::ParseChargingListFilter(filter);
    ASSERT_TRUE(parsed.ok()) << filter;
    std::vector<std::string> want;
    for (const v1::ChargingFile& f : all) {
      if (domain::MatchesChargingListFilter(f, *parsed, clock)) want.push_back(f.name());
    }
    EXPECT_EQ(Names(List("cps.okafor", filter)), want) << filter;
  }

  // A token is bound to its query; a malformed filter names it.
  v1::ListChargingFilesRequest req;
  req.set_page_size(1);
  v1::ListChargingFilesResponse first;
  ASSERT_GRPC_OK(Call("cps.okafor", &Stub::ListChargingFiles, req, &first));
  req.set_page_token(first.next_page_token());
  req.set_filter("urgency=RED");
  v1::ListChargingFilesResponse out;
  std::string field;
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::ListChargingFiles, req, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "page_token");
  req.clear_page_token();
  req.set_filter("colour=RED");
  EXPECT_GRPC_CODE(Call("cps.okafor", &Stub::ListChargingFiles, req, &out, &field),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "filter");
}

// Overdue is counted from the due dates against the UK "today" of the
// request, not from when items were issued or from the real clock.
TEST_F(ChargingServiceTest, ProgressFiguresAtFixedTimes) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::ChargingFile file = Submit(ValidSubmit(c.name()));
  SetNow(Utc(2026, 11, 22));
  file = IssuePlan(file, {{"Phone download", D(2026, 11, 25)},
                          {"Witness statement", D(2026, 11, 28)}});

  SetNow(Utc(2026, 11, 25, 23, 59));  // due today: not overdue
  v1::ChargingProgress p = Progress(file.name());
  EXPECT_EQ(p.overdue_items_size(), 0);
  EXPECT_EQ(p.days_since_submission(), 4);
  EXPECT_EQ(p.as_of().day(), 25);

  SetNow(Utc(2026, 11, 26, 0, 1));
  p = Progress(file.name());
  ASSERT_EQ(p.overdue_items_size(), 1);
  EXPECT_EQ(p.overdue_items(0).description(), "Phone download");
  EXPECT_EQ(p.days_since_submission(), 5);

  // Completing the overdue item late clears it; the other falls due later.
  file = Respond(Get(file.name()).action_items(0),
                 v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE, "Report DH/1");
  SetNow(Utc(2026, 11, 30));
  p = Progress(file.name());
  EXPECT_EQ(p.outstanding_items_size(), 1);
  ASSERT_EQ(p.overdue_items_size(), 1);
  EXPECT_EQ(p.overdue_items(0).description(), "Witness statement");
  EXPECT_EQ(p.next_due_date().day(), 28);

  // Threshold review figures.
  v1::ChargingFile t = Submit(
      ValidSubmit(c.name(), v1::CHARGING_FILE_KIND_FULL_FILE, v1::CHARGING_URGENCY_RED));
  t = Decide(t, ThresholdCharge(D(2026, 12, 10)));
  SetNow(Utc(2026, 12, 2));
  p = Progress(t.name(), "cps.okafor");
  EXPECT_EQ(p.days_to_threshold_review(), 8);
  EXPECT_FALSE(p.threshold_review_due());
  SetNow(Utc(2026, 12, 3));
  p = Progress(t.name(), "cps.okafor");
  EXPECT_EQ(p.days_to_threshold_review(), 7);
  EXPECT_TRUE(p.threshold_review_due());
  EXPECT_FALSE(p.threshold_review_overdue());
  SetNow(Utc(2026, 12, 11));
  p = Progress(t.name(), "cps.okafor");
  EXPECT_EQ(p.days_to_threshold_review(), -1);
  EXPECT_TRUE(p.threshold_review_overdue());
  EXPECT_THAT(p.stage_summary(), HasSubstr("overdue by 1 day"));

  // In summer the UK day starts an hour before the UTC day.
  v1::ChargingFile summer = Submit(ValidSubmit(c.name()));
  SetNow(Utc(2027, 6, 20));
  summer = IssuePlan(summer, {{"CCTV", D(2027, 7, 1)}});
  SetNow(Utc(2027, 6, 30, 22, 59));  // 23:59 BST on 30 June
  EXPECT_EQ(Progress(summer.name()).next_due_date().day(), 1);
  EXPECT_EQ(Progress(summer.name()).as_of().day(), 30);
  SetNow(Utc(2027, 7, 1, 23, 30));  // 00:30 BST on 2 July, still 1 July in UTC
  p = Progress(summer.name());
  EXPECT_EQ(p.as_of().day(), 2);
  EXPECT_EQ(p.overdue_items_size(), 1);
}

// The breach -> charging referral the protection order service opens inside
// its own transaction, called here through a small in-process harness.
class SpoBreachReferralTest : public ChargingServiceTest {
 protected:
  services::CallContext PoliceCall(absl::string_view username, absl::string_view code) {
    services::CallContext call;
    call.method = "/casebridge.v1.ProtectionOrderService/RecordBreach";
    call.now = Now();
    call.principal.user_id = server_->User(username).substr(sizeof("users/") - 1);
    call.principal.username = std::string(username);
    call.principal.agency_id = server_->Agency(code).substr(sizeof("agencies/") - 1);
    call.principal.agency_kind = v1::AGENCY_KIND_POLICE;
    call.principal.roles = {v1::ROLE_POLICE_OFFICER};
    return call;
  }

  absl::StatusOr<v1::ChargingFile> Open(services::CallContext& call,
                                        const std::string& case_name,
                                        const domain::SpoBreachReferral& referral) {
    absl::StatusOr<domain::CaseKey> key = domain::ParseCaseName(case_name, "name");
    if (!key.ok()) return key.status();
    std::optional<absl::StatusOr<v1::ChargingFile>> result;
    absl::Status s = server_->app().database().Transact(
        absl::InfiniteFuture(), [&](storage::Tx& tx) -> absl::Status {
          absl::StatusOr<services::CaseScope> scope = services::AuthorizeCase(
              call, tx, *key, domain::Action::kManageProtectionOrders);
          if (!scope.ok()) return scope.status();
          result = services::OpenSpoBreachReferral(call, tx, *scope, referral);
          return result->status();
        });
    if (!s.ok()) return s;
    return **std::move(result);
  }

  static domain::SpoBreachReferral Referral(const std::string& case_name) {
    domain::SpoBreachReferral r;
    r.source_order = absl::StrCat(case_name, "/protectionOrders/", storage::NewUuid());
    r.suspect.set_suspect_number(1);
    r.suspect.set_bail_status(v1::BAIL_STATUS_IN_CUSTODY);
    r.summary =
        "Breach on 20 Nov 2026: waited outside the victim's workplace "
        "inside the exclusion zone; arrested at the scene.";
    r.urgency = v1::CHARGING_URGENCY_RED;
    return r;
  }
};

TEST_F(SpoBreachReferralTest, OpensAFileAndSharesTheCaseWithTheCps) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  services::CallContext call = PoliceCall("pc.hughes", "SP");
  domain::SpoBreachReferral referral = Referral(c.name());
  referral.recorded_by = server_->User("pc.hughes");
  absl::StatusOr<v1::ChargingFile> file = Open(call, c.name(), referral);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->origin(), v1::CHARGING_ORIGIN_SPO_BREACH);
  EXPECT_EQ(file->source_order(), referral.source_order);
  EXPECT_EQ(file->kind(), v1::CHARGING_FILE_KIND_EARLY_ADVICE);
  EXPECT_EQ(file->state(), v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(file->urgency(), v1::CHARGING_URGENCY_RED);
  ASSERT_EQ(file->proposed_offences_size(), 1);
  EXPECT_EQ(file->proposed_offences(0).offence(), v1::OFFENCE_SPO_BREACH);
  EXPECT_EQ(file->suspects(0).display_name(), "Mark Doyle");
  EXPECT_EQ(file->submitted_by(), server_->User("pc.hughes"));
  EXPECT_EQ(file->etag(), "1");
  EXPECT_EQ(file->progress().stage(), v1::CHARGING_STAGE_AWAITING_ADVICE);
  EXPECT_THAT(call.audit.resources, ::testing::Contains(file->name()));

  // Shared with the CPS, which now sees the referral and lists it.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM case_shares s JOIN agencies a ON "
                               "a.id = s.agency_id WHERE a.code = 'CPSWM' AND s.basis = "
                               "2 AND s.withdraw_time IS NULL AND s.source = '",
                               file->name(), "'")),
            1);
  EXPECT_EQ(Get(file->name(), "cps.okafor").origin(), v1::CHARGING_ORIGIN_SPO_BREACH);
  EXPECT_THAT(Names(List("cps.okafor", "origin=SPO_BREACH")), ElementsAre(file->name()));
  EXPECT_EQ(ChargingEntries(Timeline(c.name(), "cps.okafor")), 1);
  EXPECT_EQ(ChargingEntries(Timeline(c.name(), "pc.hughes")), 2);  // + SHARED

  // Police then submit the full file for a decision.
  v1::SubmitFullFileRequest full;
  full.set_name(file->name());
  full.set_etag(file->etag());
  *full.mutable_charging_file() = ValidSubmit(c.name()).charging_file();
  v1::ChargingFile out;
  ASSERT_GRPC_OK(Call("pc.hughes", &Stub::SubmitFullFile, full, &out));
  EXPECT_EQ(out.kind(), v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_EQ(out.origin(), v1::CHARGING_ORIGIN_SPO_BREACH);
}

TEST_F(SpoBreachReferralTest, RefusesAnotherCasesOrderAndAForceWithoutACpsArea) {
  v1::Case c = CreateCaseAs(*server_, "pc.hughes");
  v1::Case other = CreateCaseAs(*server_, "pc.hughes");
  v1::Case west = CreateCaseAs(*server_, "pc.west");
  const std::string before = Fingerprint();
  services::CallContext call = PoliceCall("pc.hughes", "SP");
  absl::StatusOr<v1::ChargingFile> file = Open(call, c.name(), Referral(other.name()));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(domain::FieldOf(file.status()), "source_order");

  domain::SpoBreachReferral bad = Referral(c.name());
  bad.suspect.set_suspect_number(3);
  file = Open(call, c.name(), bad);
  EXPECT_EQ(domain::FieldOf(file.status()), "referral.suspects[0].suspect_number");

  bad = Referral(c.name());
  bad.summary = "";
  file = Open(call, c.name(), bad);
  EXPECT_EQ(domain::FieldOf(file.status()), "referral.summary");

  services::CallContext west_call = PoliceCall("pc.west", "WMP");
  file = Open(west_call, west.name(), Referral(west.name()));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Fingerprint(), before);
}

}  // namespace
}  // namespace casebridge
