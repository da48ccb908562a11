// The edges of the API's input, end to end through gRPC and PostgreSQL:
//  - what reaches SQL is range-checked first: a page token whose position
//    this server cannot have issued (INT64_MIN microseconds, year 0 or
//    10000, text that is not UTF-8) and a list filter's time outside years
//    0001..9999 are INVALID_ARGUMENT naming the field, never INTERNAL;
//  - a request_id sent again with the same request is answered with the
//    first result, with a different request refused, and nothing is written
//    twice;
//  - authorisation comes before validating what only the authorised may
//    send: for every case-scoped write, an invalid body from a caller who
//    may read the case but not act is PERMISSION_DENIED, and from one who
//    may not see the case NOT_FOUND (as for a case that does not exist),
//    never INVALID_ARGUMENT.
// Each refusal is checked to have written nothing but its audit event.
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/access_policy.h"
#include "domain/dates.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/matrix/probe.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::TestServer;
using ::testing::HasSubstr;

absl::Time Start() {
  return test_support::TestStartTime();
}

// What a call answered: its status and the field a refusal named.
struct Answer {
  grpc::Status status;
  std::string field;
};

// One unary call as `user` through a stub of its own.
template <typename Stub, typename Request, typename Response>
Answer Call(TestServer& server, absl::string_view user,
            grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
            const Request& request, Response* response = nullptr) {
  Stub stub(server.channel());
  std::unique_ptr<grpc::ClientContext> context = server.Context(user);
  Response ignored;
  Answer a;
  a.status = (stub.*rpc)(context.get(), request, response != nullptr ? response : &ignored);
  a.field = test_support::FieldOf(*context);
  return a;
}

// The same call, failing the test unless it succeeds.
template <typename Stub, typename Request, typename Response>
Response Ok(TestServer& server, absl::string_view user,
            grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
            const Request& request) {
  Response out;
  Answer a = Call(server, user, rpc, request, &out);
  EXPECT_TRUE(a.status.ok()) << a.status.error_code() << ": " << a.status.error_message();
  return out;
}

// Every row of every table but the audit log's, as one string: two equal
// snapshots mean nothing was written in between (counts alone would miss
// an update).
std::string Snapshot(const TestServer& server) {
  absl::StatusOr<std::string> rows = server.Query(R"sql(
SELECT string_agg(c.relname || '=' || (xpath('/row/h/text()', query_to_xml(
         format('SELECT md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), ''''))'
                ' AS h FROM %I t', c.relname), false, true, '')))[1]::text, ','
         ORDER BY c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
  AND c.relname NOT LIKE 'audit%' AND c.relname <> 'schema_migrations')sql");
  EXPECT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(rows.value_or(""), HasSubstr("cases=")) << "the snapshot sees no tables";
  return rows.value_or("");
}

int64_t AuditCount(const TestServer& server, absl::string_view where) {
  absl::StatusOr<int64_t> n = server.CountAuditEvents(where);
  EXPECT_TRUE(n.ok()) << n.status();
  return n.value_or(-1);
}

// A page token the server issued, with its position replaced: what a client
// holding one token can forge. The query binding stays, so the server gets
// as far as the position.
std::string WithPosition(const std::string& token, absl::string_view sort_key,
                         std::optional<std::string> id = std::nullopt) {
  std::string raw;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(token, &raw)) << token;
  std::vector<std::string> parts = absl::StrSplit(raw, '\n');
  EXPECT_EQ(parts.size(), 4u) << raw;
  if (parts.size() != 4) return token;
  parts[2] = std::string(sort_key);
  if (id.has_value()) parts[3] = *id;
  return absl::WebSafeBase64Escape(absl::StrJoin(parts, "\n"));
}

v1::Date D(absl::CivilDay day) { return domain::ToProtoDate(day); }

// The names of what the world holds (or, for the missing case, names of the
// same shape under a case that does not exist).
struct Names {
  std::string case_name;
  std::string incident;
  std::string flag;
  std::string share;    // with the city council (SOTCC)
  std::string order;    // a full order, considered
  std::string file;     // a charging file, referred to CPS West Midlands
  std::string item;     // an action-plan item of the file
  std::string action;   // a safeguarding action assigned to SOTCC
};

Names MissingCase() {
  const std::string c = "cases/5b0e4c1a-9f3d-4c6e-8a77-0d1e2f3a4b5c";
  const std::string child = "00000000-0000-4000-8000-00000000c0de";
  const std::string file = absl::StrCat(c, "/chargingFiles/", child);
  return Names{c,
               absl::StrCat(c, "/incidents/", child),
               absl::StrCat(c, "/flags/", child),
               absl::StrCat(c, "/shares/", child),
               absl::StrCat(c, "/protectionOrders/", child),
               file,
               absl::StrCat(file, "/actionItems/", child),
               absl::StrCat(c, "/safeguardingActions/", child)};
}

class InputEdgesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = TestServer::Start({.fake_clock = true, .start_time = Start()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
  }

  TestServer& server() { return *server_; }
  absl::CivilDay Today() { return domain::UkDay(server_->clock()->Now()); }

  v1::Incident AddIncident(const std::string& parent, int hours_ago) {
    v1::AddIncidentRequest req;
    req.set_parent(parent);
    *req.mutable_incident()->mutable_occur_time() =
        domain::ToProtoTime(Start() - absl::Hours(hours_ago));
    req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_FOLLOWING);
    req.mutable_incident()->set_location("outside work");
    return Ok(server(), "pc.hughes", &v1::CaseService::Stub::AddIncident, req);
  }

  v1::CaseShare Share(const std::string& parent, absl::string_view agency_code) {
    v1::ShareCaseRequest req;
    req.set_parent(parent);
    req.mutable_share()->set_agency(server_->Agency(agency_code));
    req.mutable_share()->set_purpose("Multi-agency safeguarding");
    req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    return Ok(server(), "pc.hughes", &v1::SharingService::Stub::ShareCase, req);
  }

  v1::ProtectionOrder ConsiderOrder(const std::string& parent) {
    v1::CreateProtectionOrderRequest req;
    req.set_parent(parent);
    v1::ProtectionOrder* o = req.mutable_protection_order();
    o->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
    o->set_defendant("Mark Doyle");
    o->add_protected_persons("Sarah Bennett");
    o->set_consideration_notes("Fixated, escalating; ex-partner");
    return Ok(server(), "pc.hughes", &v1::ProtectionOrderService::Stub::CreateProtectionOrder,
              req);
  }

  v1::SubmitChargingFileRequest SubmitRequest(const std::string& parent) {
    v1::SubmitChargingFileRequest r;
    r.set_parent(parent);
    v1::ChargingFile* f = r.mutable_charging_file();
    f->set_kind(v1::CHARGING_FILE_KIND_FULL_FILE);
    f->set_urgency(v1::CHARGING_URGENCY_GREEN);
    v1::ChargingSuspect* s = f->add_suspects();
    s->set_suspect_number(1);
    s->set_bail_status(v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION);
    *s->mutable_release_date() = D(Today() - 1);
    f->add_proposed_offences()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
    f->set_summary("Ex-partner; incidents logged; threats made.");
    return r;
  }

  v1::SafeguardingAction CreateAction(const std::string& parent,
                                      absl::string_view agency_code,
                                      v1::SafeguardingActionType type) {
    v1::CreateSafeguardingActionRequest req;
    req.set_parent(parent);
    *req.mutable_safeguarding_action() = ActionInput(agency_code, type);
    return Ok(server(), "pc.hughes",
              &v1::SafeguardingService::Stub::CreateSafeguardingAction, req);
  }

  v1::SafeguardingAction ActionInput(absl::string_view agency_code,
                                     v1::SafeguardingActionType type) {
    v1::SafeguardingAction a;
    a.set_type(type);
    a.set_assigned_agency(server_->Agency(agency_code));
    *a.mutable_due_date() = D(Today() + 7);
    a.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL);
    a.set_description("Assess the victim for an emergency move");
    a.set_rationale("High risk of violence to the victim");
    return a;
  }

  v1::RiskAssessment HighRisk(int dash_yes) {
    v1::RiskAssessment a;
    a.set_dash_yes_count(dash_yes);
    a.set_stalking_question_yes(true);
    return a;
  }

  // A case with one of everything a write can name: an incident, a flag, a
  // share with the city council (council.patel reads it), a full order, a
  // charging file referred to the CPS (cps.okafor reads it) with an
  // action-plan item, and a safeguarding action assigned to the council.
  Names BuildWorld() {
    const v1::Case c = test_support::CreateCaseAs(server(), "pc.hughes");
    Names n;
    n.case_name = c.name();
    n.incident = AddIncident(c.name(), 30).name();
    v1::FlagCaseRequest flag;
    flag.set_name(c.name());
    flag.set_type(v1::FLAG_TYPE_CHILDREN_AT_RISK);
    flag.set_reason("Child lives with the victim");
    n.flag = Ok(server(), "pc.hughes", &v1::CaseService::Stub::FlagCase, flag).name();
    n.share = Share(c.name(), "SOTCC").name();
    n.order = ConsiderOrder(c.name()).name();
    const v1::ChargingFile file = Ok(server(), "pc.hughes",
                                     &v1::ChargingService::Stub::SubmitChargingFile,
                                     SubmitRequest(c.name()));
    n.file = file.name();
    v1::IssueActionPlanRequest plan;
    plan.set_name(file.name());
    plan.set_etag(file.etag());
    v1::ChargingActionItem* item = plan.add_items();
    item->set_description("CCTV from Hanley bus station");
    *item->mutable_due_date() = D(Today() + 7);
    const v1::ChargingFile planned =
        Ok(server(), "cps.okafor", &v1::ChargingService::Stub::IssueActionPlan, plan);
    if (planned.action_items_size() > 0) n.item = planned.action_items(0).name();
    n.action =
        CreateAction(c.name(), "SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE).name();
    return n;
  }

  std::unique_ptr<TestServer> server_;
};

// ---- Page tokens --------------------------------------------------------

// Instants as microseconds (cb_micros) outside years 0001..9999.
const std::vector<std::string>& ForgedInstants() {
  static const auto* keys = new std::vector<std::string>{
      absl::StrCat(std::numeric_limits<int64_t>::min()),
      absl::StrCat(std::numeric_limits<int64_t>::max()),
      "-62135596800000001",  // the last microsecond of year 0
      "253402300800000000",  // the first of year 10000
  };
  return *keys;
}

// One list RPC paged with a token: its first page of one item, then the
// same call with a forged token.
struct ListProbe {
  std::string method;
  std::string user;
  // Positions this server cannot have issued, in the list's own format.
  std::vector<std::string> forged;
  // Lists one item a page after `token`; returns the answer and the next
  // page's token.
  std::function<std::pair<Answer, std::string>(const std::string& token)> list;
};

template <typename Stub, typename Request, typename Response>
ListProbe Lister(TestServer& server, std::string method, std::string user,
                 std::vector<std::string> forged,
                 grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                 std::type_identity_t<std::function<void(Request&)>> fill) {
  return ListProbe{std::move(method), user, std::move(forged),
                   [&server, user, rpc, fill](const std::string& token) {
                     Request req;
                     fill(req);
                     req.set_page_size(1);
                     req.set_page_token(token);
                     Response out;
                     Answer a = Call(server, user, rpc, req, &out);
                     return std::make_pair(a, out.next_page_token());
                   }};
}

TEST_F(InputEdgesTest, PagePositionsSqlWouldRefuseAreInvalidArgumentNamingPageToken) {
  const Names n = BuildWorld();
  // Two of everything listed, so each list has a second page.
  test_support::CreateCaseAs(server(), "pc.hughes");
  AddIncident(n.case_name, 20);
  for (int dash : {15, 16}) {
    v1::RecordRiskAssessmentRequest risk;
    risk.set_parent(n.case_name);
    *risk.mutable_assessment() = HighRisk(dash);
    Ok(server(), "pc.hughes", &v1::CaseService::Stub::RecordRiskAssessment, risk);
  }
  ConsiderOrder(n.case_name);
  Ok(server(), "pc.hughes", &v1::ChargingService::Stub::SubmitChargingFile,
     SubmitRequest(n.case_name));
  CreateAction(n.case_name, "SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);

  const std::string c = n.case_name;
  std::vector<ListProbe> probes = {
      Lister(server(), "ListCases", "pc.hughes", ForgedInstants(),
             &v1::CaseService::Stub::ListCases, [](v1::ListCasesRequest&) {}),
      Lister(server(), "ListIncidents", "pc.hughes", ForgedInstants(),
             &v1::CaseService::Stub::ListIncidents,
             [c](v1::ListIncidentsRequest& r) { r.set_parent(c); }),
      Lister(server(), "ListRiskAssessments", "pc.hughes", ForgedInstants(),
             &v1::CaseService::Stub::ListRiskAssessments,
             [c](v1::ListRiskAssessmentsRequest& r) { r.set_parent(c); }),
      Lister(server(), "ListCaseShares", "pc.hughes", ForgedInstants(),
             &v1::SharingService::Stub::ListCaseShares,
             [c](v1::ListCaseSharesRequest& r) { r.set_parent(c); }),
      Lister(server(), "ListProtectionOrders", "pc.hughes", ForgedInstants(),
             &v1::ProtectionOrderService::Stub::ListProtectionOrders,
             [c](v1::ListProtectionOrdersRequest& r) { r.set_parent(c); }),
      Lister(server(), "ListProtectionOrders cases/-", "pc.hughes", ForgedInstants(),
             &v1::ProtectionOrderService::Stub::ListProtectionOrders,
             [](v1::ListProtectionOrdersRequest& r) { r.set_parent("cases/-"); }),
      // Urgency rank / 20 digits of microseconds offset by 1e17.
      Lister(server(), "ListChargingFiles", "cps.okafor",
             {"0/00000000000000000000", "0/09223372036854775807"},
             &v1::ChargingService::Stub::ListChargingFiles,
             [](v1::ListChargingFilesRequest&) {}),
      // Due date . priority rank . microseconds in offset binary.
      Lister(server(), "ListSafeguardingActions", "pc.hughes",
             {"2026-11-28.2.00000000000000000000", "2026-11-28.2.18446744073709551615"},
             &v1::SafeguardingService::Stub::ListSafeguardingActions,
             [c](v1::ListSafeguardingActionsRequest& r) { r.set_parent(c); }),
      Lister(server(), "ListMyWork", "council.patel",
             {"2026-11-28.2.00000000000000000000", "2026-11-28.2.18446744073709551615"},
             &v1::SafeguardingService::Stub::ListMyWork, [](v1::ListMyWorkRequest&) {}),
      // Lists ordered by text: bytes that are not UTF-8.
      Lister(server(), "ListCaseAccess", "auditor.shah", {"\xff\xfe", std::string("a\0b", 3)},
             &v1::AuditService::Stub::ListCaseAccess,
             [c](v1::ListCaseAccessRequest& r) { r.set_name(c); }),
      Lister(server(), "ListAgencies", "admin", {"\xff\xfe"},
             &v1::AdminService::Stub::ListAgencies, [](v1::ListAgenciesRequest&) {}),
  };

  const std::string before = Snapshot(server());
  const int64_t internal_before = AuditCount(server(), "outcome = 'INTERNAL'");
  int refused = 0;
  for (const ListProbe& probe : probes) {
    SCOPED_TRACE(probe.method);
    auto [first, token] = probe.list("");
    ASSERT_TRUE(first.status.ok()) << first.status.error_message();
    ASSERT_FALSE(token.empty()) << "no second page to forge a token for";
    for (const std::string& position : probe.forged) {
      SCOPED_TRACE(absl::CEscape(position));
      auto [answer, next] = probe.list(WithPosition(token, position));
      EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << answer.status.error_message();
      EXPECT_EQ(answer.field, "page_token");
      EXPECT_THAT(answer.status.error_message(),
                  HasSubstr("page_token: is not a token this server issued"));
      EXPECT_TRUE(next.empty());
      ++refused;
    }
  }
  EXPECT_EQ(Snapshot(server()), before) << "a refused list wrote something";
  EXPECT_EQ(AuditCount(server(), "outcome = 'INTERNAL'"), internal_before);
  EXPECT_EQ(AuditCount(server(), "outcome = 'INVALID_ARGUMENT' AND message LIKE "
                                 "'page_token: is not a token this server issued%'"),
            refused);
}

// ---- List filters ---------------------------------------------------------

// A list RPC as `user`, called with a filter.
template <typename Stub, typename Request, typename Response>
std::function<Answer(const std::string& filter)> Filtered(
    TestServer& server, std::string user,
    grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
    std::type_identity_t<std::function<void(Request&)>> fill) {
  return [&server, user, rpc, fill](const std::string& filter) {
    Request req;
    fill(req);
    req.set_filter(filter);
    return Call(server, user, rpc, req);
  };
}

TEST_F(InputEdgesTest, FilterTimesOutsideYearsOneTo9999AreInvalidArgumentNamingFilter) {
  const Names n = BuildWorld();
  const std::string c = n.case_name;
  // A time key and the list it filters.
  struct FilterProbe {
    std::string key;
    std::function<Answer(const std::string& filter)> list;
  };
  const std::vector<FilterProbe> probes = {
      {"updated_since", Filtered(server(), "pc.hughes", &v1::CaseService::Stub::ListCases,
                             [](v1::ListCasesRequest&) {})},
      {"occurred_after", Filtered(server(), "pc.hughes", &v1::CaseService::Stub::ListIncidents,
                              [c](v1::ListIncidentsRequest& r) { r.set_parent(c); })},
      {"occurred_before", Filtered(server(), "pc.hughes", &v1::CaseService::Stub::ListIncidents,
                               [c](v1::ListIncidentsRequest& r) { r.set_parent(c); })},
      {"decided_since", Filtered(server(), "cps.okafor",
                                 &v1::ChargingService::Stub::ListChargingFiles,
                             [](v1::ListChargingFilesRequest&) {})},
      {"decided_before", Filtered(server(), "cps.okafor",
                                  &v1::ChargingService::Stub::ListChargingFiles,
                              [](v1::ListChargingFilesRequest&) {})},
      {"after", Filtered(server(), "auditor.shah", &v1::AuditService::Stub::ListAuditEvents,
                     [](v1::ListAuditEventsRequest&) {})},
      {"before", Filtered(server(), "auditor.shah", &v1::AuditService::Stub::ListAuditEvents,
                      [](v1::ListAuditEventsRequest&) {})},
  };
  const std::string before = Snapshot(server());
  const int64_t internal_before = AuditCount(server(), "outcome = 'INTERNAL'");
  int refused = 0;
  for (const FilterProbe& probe : probes) {
    for (const char* when : {"0000-01-01T00:00:00Z", "-0001-06-01T00:00:00Z",
                             "10000-01-01T00:00:00Z"}) {
      SCOPED_TRACE(absl::StrCat(probe.key, "=", when));
      Answer a = probe.list(absl::StrCat(probe.key, "=", when));
      EXPECT_EQ(a.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << a.status.error_message();
      EXPECT_EQ(a.field, "filter");
      EXPECT_EQ(a.status.error_message(),
                absl::StrCat("filter: ", probe.key,
                             " must be between 0001-01-01T00:00:00Z and "
                             "9999-12-31T23:59:59Z"));
      ++refused;
    }
    // The ends of the range are accepted.
    EXPECT_TRUE(probe.list(absl::StrCat(probe.key, "=0001-01-01T00:00:00Z")).status.ok());
    EXPECT_TRUE(probe.list(absl::StrCat(probe.key, "=9999-12-31T23:59:59Z")).status.ok());
  }

  // Numbers that reach SQL are bounded too, and page_size.
  for (const Answer& a :
       {Filtered(server(), "pc.hughes", &v1::SafeguardingService::Stub::ListSafeguardingActions,
                 [c](v1::ListSafeguardingActionsRequest& r) { r.set_parent(c); })(
            "due_within_days=9223372036854775807"),
        Filtered(server(), "council.patel", &v1::SafeguardingService::Stub::ListMyWork,
                 [](v1::ListMyWorkRequest&) {})("due_within_days=-1"),
        Filtered(server(), "pc.hughes",
                 &v1::ProtectionOrderService::Stub::ListProtectionOrders,
                 [c](v1::ListProtectionOrdersRequest& r) { r.set_parent(c); })(
            "expiring_within_days=99999999999")}) {
    EXPECT_EQ(a.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << a.status.error_message();
    EXPECT_EQ(a.field, "filter");
    ++refused;
  }
  v1::ListIncidentsRequest negative;
  negative.set_parent(c);
  negative.set_page_size(std::numeric_limits<int32_t>::min());
  Answer a = Call(server(), "pc.hughes", &v1::CaseService::Stub::ListIncidents, negative);
  EXPECT_EQ(a.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(a.field, "page_size");
  ++refused;

  EXPECT_EQ(Snapshot(server()), before) << "a refused list wrote something";
  EXPECT_EQ(AuditCount(server(), "outcome = 'INTERNAL'"), internal_before);
  EXPECT_EQ(AuditCount(server(), "outcome = 'INVALID_ARGUMENT'"), refused);
}

// ---- Text -------------------------------------------------------------------

// What the issue found accepted in names and free text: a right-to-left
// override, NEXT LINE (U+0085), a byte order mark, a zero-width joiner, and
// required strings of white space only (a no-break space, U+3000). Each is
// refused naming the field and the character, and nothing is written.
TEST_F(InputEdgesTest, SpoofingCharactersAndBlankRequiredStringsAreRefusedNamingTheField) {
  const Names n = BuildWorld();
  struct Bad {
    std::string what;
    std::function<Answer()> send;
    std::string field;
    std::string says;
  };
  auto create_case = [this](std::function<void(v1::Case&)> mutate) {
    return [this, mutate] {
      v1::CreateCaseRequest req;
      *req.mutable_case_() = test_support::SampleCase();
      mutate(*req.mutable_case_());
      return Call(server(), "pc.hughes", &v1::CaseService::Stub::CreateCase, req);
    };
  };
  const std::vector<Bad> bad = {
      {"RLO in a victim's name",
       create_case([](v1::Case& c) {
         c.mutable_victim()->set_given_name("Sarah \u202Egnp.exe");
       }),
       "case.victim.given_name", "contains U+202E (RIGHT-TO-LEFT OVERRIDE)"},
      {"NEL in the summary",
       create_case([](v1::Case& c) { c.set_summary("Followed her\u0085home"); }),
       "case.summary", "contains U+0085, a control character"},
      {"BOM in a suspect's alias",
       create_case([](v1::Case& c) { c.mutable_suspects(0)->add_aliases("\uFEFFMarky"); }),
       "case.suspects[0].aliases[0]", "contains U+FEFF (ZERO WIDTH NO-BREAK SPACE)"},
      {"an alias of no-break spaces",
       create_case([](v1::Case& c) { c.mutable_suspects(0)->add_aliases("\u00A0\u00A0"); }),
       "case.suspects[0].aliases[0]", "is required"},
      {"a victim named only with an ideographic space",
       create_case([](v1::Case& c) {
         c.mutable_victim()->set_given_name("\u3000");
         c.mutable_victim()->clear_family_name();
       }),
       "case.victim.family_name", "a person needs a given or family name"},
      {"ZWJ in an incident's narrative",
       [&] {
         v1::AddIncidentRequest req;
         req.set_parent(n.case_name);
         *req.mutable_incident()->mutable_occur_time() =
             domain::ToProtoTime(Start() - absl::Hours(1));
         req.mutable_incident()->set_description("He said\u200D nothing");
         return Call(server(), "pc.hughes", &v1::CaseService::Stub::AddIncident, req);
       },
       "incident.description", "contains U+200D (ZERO WIDTH JOINER)"},
      {"a share's purpose of no-break spaces",
       [&] {
         v1::ShareCaseRequest req;
         req.set_parent(n.case_name);
         req.mutable_share()->set_agency(server().Agency("NSCHT"));
         req.mutable_share()->set_purpose("\u00A0 \u00A0");
         req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
         return Call(server(), "pc.hughes", &v1::SharingService::Stub::ShareCase, req);
       },
       "share.purpose", "is required"},
      {"a line separator in a safeguarding action",
       [&] {
         v1::CreateSafeguardingActionRequest req;
         req.set_parent(n.case_name);
         *req.mutable_safeguarding_action() =
             ActionInput("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
         req.mutable_safeguarding_action()->set_description("Move\u2028her");
         return Call(server(), "pc.hughes",
                     &v1::SafeguardingService::Stub::CreateSafeguardingAction, req);
       },
       "safeguarding_action.description", "contains U+2028 (LINE SEPARATOR)"},
  };
  const std::string before = Snapshot(server());
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    Answer a = b.send();
    EXPECT_EQ(a.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << a.status.error_message();
    EXPECT_EQ(a.field, b.field);
    EXPECT_THAT(a.status.error_message(), HasSubstr(absl::StrCat(b.field, ": ", b.says)));
  }
  EXPECT_EQ(Snapshot(server()), before) << "refused text was written";
  EXPECT_EQ(AuditCount(server(), "outcome = 'INVALID_ARGUMENT'"),
            static_cast<int64_t>(bad.size()));
  // Text in any script stays welcome.
  v1::CreateCaseRequest welsh;
  *welsh.mutable_case_() = test_support::SampleCase();
  welsh.mutable_case_()->mutable_victim()->set_given_name("Siân");
  welsh.mutable_case_()->mutable_victim()->set_family_name("Llŵyd");
  welsh.mutable_case_()->set_summary("Zażółć gęślą jaźń; 他每天跟踪我; میرا پیچھا کرتا ہے 😀");
  EXPECT_TRUE(
      Call(server(), "pc.hughes", &v1::CaseService::Stub::CreateCase, welsh).status.ok());
}

// ---- request_id -----------------------------------------------------------

// One create with a request_id: two different valid bodies.
struct CreateProbe {
  std::string method;
  // The rows the create adds.
  std::string table;
  // Sends body `variant` (0 or 1) with `request_id`; the answer and the
  // created resource's name.
  std::function<std::pair<Answer, std::string>(const std::string& request_id, int variant)>
      create;
};

template <typename Stub, typename Request, typename Response>
CreateProbe Creator(TestServer& server, std::string method, std::string table,
                    std::string user,
                    grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                    std::type_identity_t<std::function<void(Request&, int variant)>> fill,
                    std::type_identity_t<std::function<std::string(const Response&)>> name) {
  return CreateProbe{std::move(method), std::move(table),
                     [&server, user, rpc, fill, name](const std::string& id, int variant) {
                       Request req;
                       fill(req, variant);
                       req.set_request_id(id);
                       Response out;
                       Answer a = Call(server, user, rpc, req, &out);
                       return std::make_pair(a, a.status.ok() ? name(out) : "");
                     }};
}

TEST_F(InputEdgesTest, RequestIdReplaysTheSameRequestAndRefusesADifferentOne) {
  const Names n = BuildWorld();
  const std::string c = n.case_name;
  // A HIGH risk level: a MARAC referral needs one.
  v1::RecordRiskAssessmentRequest risk;
  risk.set_parent(c);
  *risk.mutable_assessment() = HighRisk(15);
  Ok(server(), "pc.hughes", &v1::CaseService::Stub::RecordRiskAssessment, risk);

  auto by_name = [](const auto& r) { return r.name(); };
  const std::vector<CreateProbe> probes = {
      Creator(server(), "CreateCase", "cases", "pc.hughes",
              &v1::CaseService::Stub::CreateCase,
              [](v1::CreateCaseRequest& r, int v) {
                *r.mutable_case_() = test_support::SampleCase();
                r.mutable_case_()->set_summary(v == 0 ? "Following her to work"
                                                      : "Messages every night");
              },
              by_name),
      Creator(server(), "AddIncident", "incidents", "pc.hughes",
              &v1::CaseService::Stub::AddIncident,
              [c](v1::AddIncidentRequest& r, int v) {
                r.set_parent(c);
                *r.mutable_incident()->mutable_occur_time() =
                    domain::ToProtoTime(Start() - absl::Hours(v == 0 ? 2 : 3));
                r.mutable_incident()->add_behaviours(v1::BEHAVIOUR_GIFTS);
              },
              by_name),
      Creator(server(), "RecordRiskAssessment", "risk_assessments", "pc.hughes",
              &v1::CaseService::Stub::RecordRiskAssessment,
              [&](v1::RecordRiskAssessmentRequest& r, int v) {
                r.set_parent(c);
                *r.mutable_assessment() = HighRisk(v == 0 ? 15 : 16);
              },
              by_name),
      Creator(server(), "ShareCase", "case_shares", "pc.hughes",
              &v1::SharingService::Stub::ShareCase,
              [&](v1::ShareCaseRequest& r, int v) {
                r.set_parent(c);
                r.mutable_share()->set_agency(server().Agency(v == 0 ? "SCC" : "NSCHT"));
                r.mutable_share()->set_purpose("Multi-agency safeguarding");
                r.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
              },
              by_name),
      Creator(server(), "CreateProtectionOrder", "protection_orders", "pc.hughes",
              &v1::ProtectionOrderService::Stub::CreateProtectionOrder,
              [c](v1::CreateProtectionOrderRequest& r, int v) {
                r.set_parent(c);
                v1::ProtectionOrder* o = r.mutable_protection_order();
                o->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
                o->set_defendant("Mark Doyle");
                o->add_protected_persons(v == 0 ? "Sarah Bennett" : "Tom Bennett");
              },
              by_name),
      Creator(server(), "SubmitChargingFile", "charging_files", "pc.hughes",
              &v1::ChargingService::Stub::SubmitChargingFile,
              [&](v1::SubmitChargingFileRequest& r, int v) {
                r = SubmitRequest(c);
                r.mutable_charging_file()->set_summary(v == 0 ? "Threats made"
                                                              : "Followed to work");
              },
              by_name),
      Creator(server(), "CreateSafeguardingAction", "safeguarding_actions", "pc.hughes",
              &v1::SafeguardingService::Stub::CreateSafeguardingAction,
              [&](v1::CreateSafeguardingActionRequest& r, int v) {
                r.set_parent(c);
                *r.mutable_safeguarding_action() =
                    ActionInput("SOTCC", v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
                if (v == 1) {
                  r.mutable_safeguarding_action()->set_description("Fit new locks");
                }
              },
              by_name),
      Creator(server(), "ReferToMarac", "marac_referrals", "pc.hughes",
              &v1::SafeguardingService::Stub::ReferToMarac,
              [&](v1::ReferToMaracRequest& r, int v) {
                r.set_parent(c);
                *r.mutable_referral()->mutable_marac_date() = D(Today() + (v == 0 ? 7 : 14));
                r.mutable_referral()->set_reason("HIGH risk on DASH");
              },
              [](const v1::ReferToMaracResponse& r) { return r.referral().name(); }),
  };

  for (const CreateProbe& probe : probes) {
    SCOPED_TRACE(probe.method);
    const std::string id = absl::StrCat("retry-", probe.method);
    auto [first, name] = probe.create(id, 0);
    ASSERT_TRUE(first.status.ok()) << first.status.error_message();
    const std::string count_sql = absl::StrCat("SELECT count(*) FROM ", probe.table);
    const std::string rows = *server().Query(count_sql);
    const std::string written = Snapshot(server());

    // The same request again (a retry): the first result, nothing new.
    auto [again, again_name] = probe.create(id, 0);
    EXPECT_TRUE(again.status.ok()) << again.status.error_message();
    EXPECT_EQ(again_name, name);
    // Another request with the same id: refused, saying why, nothing new.
    auto [other, other_name] = probe.create(id, 1);
    EXPECT_EQ(other.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << other.status.error_message();
    EXPECT_EQ(other.field, "request_id");
    EXPECT_THAT(other.status.error_message(),
                HasSubstr("request_id: was already used for a different request"));
    EXPECT_THAT(other.status.error_message(), HasSubstr("use a new request_id"));
    EXPECT_EQ(*server().Query(count_sql), rows);
    EXPECT_EQ(Snapshot(server()), written) << "a replay or a refusal wrote something";
    EXPECT_EQ(AuditCount(server(), absl::StrCat("request_id = '", id,
                                                "' AND outcome = 'INVALID_ARGUMENT'")),
              1);
    // That other request is fine with an id of its own.
    auto [fresh, fresh_name] = probe.create(absl::StrCat(id, "-2"), 1);
    EXPECT_TRUE(fresh.status.ok()) << fresh.status.error_message();
    EXPECT_NE(fresh_name, name);
  }
}

// A claim made before migration 0013 has no fingerprint: a retry of it is
// answered with the first result, whatever it sends, as before.
TEST_F(InputEdgesTest, RequestIdClaimedBeforeFingerprintsKeepsAnsweringTheFirstResult) {
  v1::CreateCaseRequest req;
  *req.mutable_case_() = test_support::SampleCase();
  req.set_request_id("before-0013");
  const v1::Case first = Ok(server(), "pc.hughes", &v1::CaseService::Stub::CreateCase, req);
  ASSERT_TRUE(server().Query("UPDATE request_ids SET fingerprint = NULL; SELECT 1").ok());
  req.mutable_case_()->set_summary("A different request");
  const v1::Case again = Ok(server(), "pc.hughes", &v1::CaseService::Stub::CreateCase, req);
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(*server().Query("SELECT count(*) FROM cases"), "1");
}

// ---- Authorisation before validation ---------------------------------------

// One case-scoped write, sent with a deliberately invalid body: only the
// names of what it acts on.
struct WriteProbe {
  // As the access matrix names methods: "casebridge.v1.CaseService.UpdateCase".
  std::string method;
  // Callers who may read the case (and see what is named) but not do this.
  std::vector<std::string> refused;
  // A caller who may do it: for it, the body is what is wrong.
  std::string allowed;
  std::function<Answer(TestServer&, absl::string_view user, const Names&)> send;
};

template <typename Stub, typename Request, typename Response>
WriteProbe Write(std::string method, std::vector<std::string> refused, std::string allowed,
                 grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                 std::type_identity_t<std::function<void(Request&, const Names&)>> fill) {
  return WriteProbe{absl::StrCat("casebridge.v1.", method), std::move(refused),
                    std::move(allowed),
                    [rpc, fill](TestServer& server, absl::string_view user, const Names& n) {
                      Request req;
                      fill(req, n);
                      return Call(server, user, rpc, req);
                    }};
}

std::vector<WriteProbe> CaseScopedWrites() {
  using Cases = v1::CaseService::Stub;
  using Sharing = v1::SharingService::Stub;
  using Orders = v1::ProtectionOrderService::Stub;
  using Charging = v1::ChargingService::Stub;
  using Safeguarding = v1::SafeguardingService::Stub;
  // Police acts: partners and the CPS read the case but may not.
  const std::vector<std::string> readers = {"council.patel", "cps.okafor"};
  const std::string police = "pc.hughes";
  // The CPS's decisions: the owning force reads the file but may not.
  const std::vector<std::string> owning_force = {"pc.hughes"};
  const std::string cps = "cps.okafor";
  // The file is the police-CPS exchange: partners do not know of it (NOT_FOUND),
  // so the CPS is the reader refused police acts on it.
  const std::vector<std::string> cps_only = {"cps.okafor"};
  return {
      Write("CaseService.UpdateCase", readers, police, &Cases::UpdateCase,
            [](v1::UpdateCaseRequest& r, const Names& n) {
              r.mutable_case_()->set_name(n.case_name);
            }),
      Write("CaseService.CloseCase", readers, police, &Cases::CloseCase,
            [](v1::CloseCaseRequest& r, const Names& n) { r.set_name(n.case_name); }),
      Write("CaseService.ReopenCase", readers, police, &Cases::ReopenCase,
            [](v1::ReopenCaseRequest& r, const Names& n) { r.set_name(n.case_name); }),
      Write("CaseService.SetVictimServicesReferral", readers, police,
            &Cases::SetVictimServicesReferral,
            [](v1::SetVictimServicesReferralRequest& r, const Names& n) {
              r.set_name(n.case_name);
            }),
      Write("CaseService.AddIncident", readers, police, &Cases::AddIncident,
            [](v1::AddIncidentRequest& r, const Names& n) { r.set_parent(n.case_name); }),
      Write("CaseService.UpdateIncident", readers, police, &Cases::UpdateIncident,
            [](v1::UpdateIncidentRequest& r, const Names& n) {
              r.mutable_incident()->set_name(n.incident);
            }),
      Write("CaseService.RecordRiskAssessment", readers, police, &Cases::RecordRiskAssessment,
            [](v1::RecordRiskAssessmentRequest& r, const Names& n) {
              r.set_parent(n.case_name);
              r.mutable_assessment()->set_dash_yes_count(99);
            }),
      Write("CaseService.FlagCase", readers, police, &Cases::FlagCase,
            [](v1::FlagCaseRequest& r, const Names& n) { r.set_name(n.case_name); }),
      Write("CaseService.UnflagCase", readers, police, &Cases::UnflagCase,
            [](v1::UnflagCaseRequest& r, const Names& n) { r.set_name(n.flag); }),
      Write("SharingService.ShareCase", readers, police, &Sharing::ShareCase,
            [](v1::ShareCaseRequest& r, const Names& n) { r.set_parent(n.case_name); }),
      Write("SharingService.UnshareCase", readers, police, &Sharing::UnshareCase,
            [](v1::UnshareCaseRequest& r, const Names& n) { r.set_name(n.share); }),
      Write("ProtectionOrderService.CreateProtectionOrder", readers, police,
            &Orders::CreateProtectionOrder,
            [](v1::CreateProtectionOrderRequest& r, const Names& n) {
              r.set_parent(n.case_name);
            }),
      Write("ProtectionOrderService.UpdateProtectionOrder", readers, police,
            &Orders::UpdateProtectionOrder,
            [](v1::UpdateProtectionOrderRequest& r, const Names& n) {
              r.mutable_protection_order()->set_name(n.order);
            }),
      Write("ProtectionOrderService.RecordOrderNotPursued", readers, police,
            &Orders::RecordOrderNotPursued,
            [](v1::RecordOrderNotPursuedRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.ApplyForOrder", readers, police, &Orders::ApplyForOrder,
            [](v1::ApplyForOrderRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordHearing", readers, police, &Orders::RecordHearing,
            [](v1::RecordHearingRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordCourtDecision", readers, police,
            &Orders::RecordCourtDecision,
            [](v1::RecordCourtDecisionRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordService", readers, police, &Orders::RecordService,
            [](v1::RecordServiceRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordNotification", readers, police,
            &Orders::RecordNotification,
            [](v1::RecordNotificationRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordDetailsChange", readers, police,
            &Orders::RecordDetailsChange,
            [](v1::RecordDetailsChangeRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.ApplyForVariation", readers, police,
            &Orders::ApplyForVariation,
            [](v1::ApplyForVariationRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.ApplyForRenewal", readers, police, &Orders::ApplyForRenewal,
            [](v1::ApplyForRenewalRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.ApplyForDischarge", readers, police,
            &Orders::ApplyForDischarge,
            [](v1::ApplyForDischargeRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordApplicationDecision", readers, police,
            &Orders::RecordApplicationDecision,
            [](v1::RecordApplicationDecisionRequest& r, const Names& n) {
              r.set_name(n.order);
            }),
      Write("ProtectionOrderService.RecordAppeal", readers, police, &Orders::RecordAppeal,
            [](v1::RecordAppealRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordAppealDecision", readers, police,
            &Orders::RecordAppealDecision,
            [](v1::RecordAppealDecisionRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ProtectionOrderService.RecordBreach", readers, police, &Orders::RecordBreach,
            [](v1::RecordBreachRequest& r, const Names& n) { r.set_name(n.order); }),
      Write("ChargingService.SubmitChargingFile", readers, police,
            &Charging::SubmitChargingFile,
            [](v1::SubmitChargingFileRequest& r, const Names& n) {
              r.set_parent(n.case_name);
            }),
      Write("ChargingService.SubmitFullFile", cps_only, police, &Charging::SubmitFullFile,
            [](v1::SubmitFullFileRequest& r, const Names& n) { r.set_name(n.file); }),
      Write("ChargingService.RespondToActionItem", cps_only, police,
            &Charging::RespondToActionItem,
            [](v1::RespondToActionItemRequest& r, const Names& n) { r.set_name(n.item); }),
      Write("ChargingService.WithdrawChargingFile", cps_only, police,
            &Charging::WithdrawChargingFile,
            [](v1::WithdrawChargingFileRequest& r, const Names& n) { r.set_name(n.file); }),
      Write("ChargingService.RecordAdvice", owning_force, cps, &Charging::RecordAdvice,
            [](v1::RecordAdviceRequest& r, const Names& n) { r.set_name(n.file); }),
      Write("ChargingService.IssueActionPlan", owning_force, cps, &Charging::IssueActionPlan,
            [](v1::IssueActionPlanRequest& r, const Names& n) { r.set_name(n.file); }),
      Write("ChargingService.ReviewActionItem", owning_force, cps, &Charging::ReviewActionItem,
            [](v1::ReviewActionItemRequest& r, const Names& n) { r.set_name(n.item); }),
      Write("ChargingService.RecordDecision", owning_force, cps, &Charging::RecordDecision,
            [](v1::RecordDecisionRequest& r, const Names& n) { r.set_name(n.file); }),
      Write("ChargingService.ReviewThresholdDecision", owning_force, cps,
            &Charging::ReviewThresholdDecision,
            [](v1::ReviewThresholdDecisionRequest& r, const Names& n) { r.set_name(n.file); }),
      Write("ChargingService.RecordDecisionFollowUp", owning_force, cps,
            &Charging::RecordDecisionFollowUp,
            [](v1::RecordDecisionFollowUpRequest& r, const Names& n) { r.set_name(n.file); }),
      // A partner works on the actions given to its agency: the CPS reads
      // the case but not its safeguarding work.
      Write("SafeguardingService.CreateSafeguardingAction", cps_only, "council.patel",
            &Safeguarding::CreateSafeguardingAction,
            [](v1::CreateSafeguardingActionRequest& r, const Names& n) {
              r.set_parent(n.case_name);
            }),
      Write("SafeguardingService.UpdateSafeguardingAction", cps_only, "council.patel",
            &Safeguarding::UpdateSafeguardingAction,
            [](v1::UpdateSafeguardingActionRequest& r, const Names& n) {
              r.mutable_safeguarding_action()->set_name(n.action);
            }),
      Write("SafeguardingService.CompleteSafeguardingAction", cps_only, "council.patel",
            &Safeguarding::CompleteSafeguardingAction,
            [](v1::CompleteSafeguardingActionRequest& r, const Names& n) {
              r.set_name(n.action);
            }),
      Write("SafeguardingService.CancelSafeguardingAction", cps_only, "council.patel",
            &Safeguarding::CancelSafeguardingAction,
            [](v1::CancelSafeguardingActionRequest& r, const Names& n) {
              r.set_name(n.action);
            }),
      Write("SafeguardingService.ReferToMarac", readers, police, &Safeguarding::ReferToMarac,
            [](v1::ReferToMaracRequest& r, const Names& n) { r.set_parent(n.case_name); }),
  };
}

// The access matrix's probes of case-scoped acts (not reads): each must be
// among the writes below.
TEST(AuthorizeBeforeValidateCoverageTest, EveryCaseScopedWriteOfTheMatrixIsProbed) {
  static const std::set<domain::Action> kReads = {
      domain::Action::kReadCase,
      domain::Action::kReadIncidents,
      domain::Action::kReadRiskAssessments,
      domain::Action::kReadTimeline,
      domain::Action::kReadShares,
      domain::Action::kReadProtectionOrders,
      domain::Action::kReadProtectionOrderHistory,
      domain::Action::kReadCharging,
      domain::Action::kReadSafeguardingActions,
      domain::Action::kReadAuditLog,
      domain::Action::kReadCaseAccess,
  };
  std::set<std::string> probed;
  for (const WriteProbe& w : CaseScopedWrites()) probed.insert(w.method);
  for (const matrix::Probe& p : matrix::ProbeRegistry::Get().probes()) {
    if (p.scope != matrix::Scope::kCase || kReads.count(p.action) > 0) continue;
    EXPECT_EQ(probed.count(p.method), 1u)
        << p.method << " acts on a case: add it to CaseScopedWrites()";
  }
}

TEST_F(InputEdgesTest, InvalidBodiesFromCallersWhoMayNotActAreRefusedForAccessNotInput) {
  const Names n = BuildWorld();
  const Names missing = MissingCase();
  const std::vector<WriteProbe> probes = CaseScopedWrites();
  ASSERT_FALSE(n.item.empty());
  const std::string before = Snapshot(server());
  int invalid = 0;
  for (const WriteProbe& probe : probes) {
    SCOPED_TRACE(probe.method);
    for (const std::string& reader : probe.refused) {
      Answer a = probe.send(server(), reader, n);
      EXPECT_EQ(a.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << reader << ": " << a.status.error_message();
      EXPECT_EQ(a.field, "") << reader;
    }
    // Another force's officer may not know the case exists: what a case
    // that does not exist gets, word for word.
    Answer unseen = probe.send(server(), "pc.west", n);
    Answer absent = probe.send(server(), "pc.west", missing);
    EXPECT_EQ(unseen.status.error_code(), grpc::StatusCode::NOT_FOUND)
        << unseen.status.error_message();
    EXPECT_EQ(absent.status.error_code(), grpc::StatusCode::NOT_FOUND)
        << absent.status.error_message();
    EXPECT_EQ(absl::StrReplaceAll(unseen.status.error_message(), {{n.case_name, "{case}"}}),
              absl::StrReplaceAll(absent.status.error_message(),
                                  {{missing.case_name, "{case}"}}));
    // The body is what is wrong for a caller who may act: the probe is a
    // real test of the order.
    Answer own = probe.send(server(), probe.allowed, n);
    EXPECT_EQ(own.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << probe.allowed << ": " << own.status.error_message();
    EXPECT_NE(own.field, "");
    ++invalid;
  }
  EXPECT_EQ(Snapshot(server()), before) << "a refused write wrote something";
  EXPECT_EQ(AuditCount(server(), "outcome = 'INVALID_ARGUMENT'"), invalid)
      << "only callers who may act are told about their input";
}

}  // namespace
}  // namespace casebridge
