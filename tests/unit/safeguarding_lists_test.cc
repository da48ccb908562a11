// ListSafeguardingActions / ListMyWork: filters, who may ask for what, the
// reference semantics of each key, paging, and what a my-work row carries.
#include "domain/safeguarding_lists.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using absl::CivilDay;

const std::string kCaseId = "0b8f3c2a-1111-4111-8111-111111111111";
const std::string kCase = "cases/" + kCaseId;
const std::string kCouncilId = "0b8f3c2a-3333-4333-8333-333333333333";
const std::string kHealthId = "0b8f3c2a-7777-4777-8777-777777777777";
const std::string kPoliceId = "0b8f3c2a-5555-4555-8555-555555555555";
const std::string kUserId = "0b8f3c2a-9999-4999-8999-999999999999";
const std::string kOtherUserId = "0b8f3c2a-8888-4888-8888-888888888888";

Principal Of(const std::string& agency_id, v1::AgencyKind kind, v1::Role role) {
  Principal p;
  p.user_id = kUserId;
  p.agency_id = agency_id;
  p.agency_kind = kind;
  p.roles = {role};
  return p;
}
const Principal kCouncilLead =
    Of(kCouncilId, v1::AGENCY_KIND_COUNCIL, v1::ROLE_SAFEGUARDING_LEAD);
const Principal kOfficer =
    Of(kPoliceId, v1::AGENCY_KIND_POLICE, v1::ROLE_POLICE_OFFICER);

v1::ListSafeguardingActionsRequest List(std::string parent, std::string filter) {
  v1::ListSafeguardingActionsRequest r;
  r.set_parent(std::move(parent));
  r.set_filter(std::move(filter));
  return r;
}
v1::ListMyWorkRequest MyWork(std::string filter) {
  v1::ListMyWorkRequest r;
  r.set_filter(std::move(filter));
  return r;
}

void ExpectField(const absl::Status& s, absl::string_view field,
                 absl::string_view part = "") {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), std::string(field)) << s;
  EXPECT_NE(s.message().find(part), absl::string_view::npos) << s;
}

TEST(ParseListSafeguardingActionsTest, EveryKey) {
  absl::StatusOr<SafeguardingListQuery> q = ParseListSafeguardingActionsRequest(
      List("cases/-",
           "agency=mine AND assignee=me AND status=blocked AND active=true AND "
           "overdue=false AND due_within_days=7 AND case=sp-2026-000123 AND "
           "risk_level=HIGH AND type=GP_ALERT AND priority=urgent"),
      kOfficer);
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_TRUE(q->case_key.has_value());
  EXPECT_EQ(q->case_key->reference, "SP-2026-000123");
  EXPECT_EQ(q->agency_id, kPoliceId);
  EXPECT_EQ(q->assignee_id, kUserId);
  EXPECT_EQ(q->status, v1::SAFEGUARDING_ACTION_STATUS_BLOCKED);
  EXPECT_EQ(q->active, true);
  EXPECT_EQ(q->overdue, false);
  EXPECT_EQ(q->due_within_days, 7);
  EXPECT_EQ(q->risk_level, v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(q->type, v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
  EXPECT_EQ(q->priority, v1::SAFEGUARDING_ACTION_PRIORITY_URGENT);
  EXPECT_EQ(q->page_size, kDefaultPageSize);
  EXPECT_FALSE(q->after.has_value());
}

TEST(ParseListSafeguardingActionsTest, EmptyFilterRestrictsNothingForPolice) {
  absl::StatusOr<SafeguardingListQuery> q =
      ParseListSafeguardingActionsRequest(List(kCase, ""), kOfficer);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->case_key->id, kCaseId);
  EXPECT_FALSE(q->agency_id || q->assignee_id || q->status || q->active ||
               q->overdue || q->due_within_days || q->risk_level || q->type ||
               q->priority);
}

TEST(ParseListSafeguardingActionsTest, ExplicitAgencyAndUser) {
  absl::StatusOr<SafeguardingListQuery> q = ParseListSafeguardingActionsRequest(
      List("cases/-", absl::StrCat("agency=agencies/", kHealthId,
                                   " AND assignee=users/", kOtherUserId,
                                   " AND case=", kCase)),
      kOfficer);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->agency_id, kHealthId);
  EXPECT_EQ(q->assignee_id, kOtherUserId);
  EXPECT_EQ(q->case_key->id, kCaseId);
}

TEST(ParseListSafeguardingActionsTest, PartnersOnlyEverListTheirOwnAgency) {
  // No agency term: restricted anyway.
  absl::StatusOr<SafeguardingListQuery> q =
      ParseListSafeguardingActionsRequest(List("cases/-", ""), kCouncilLead);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->agency_id, kCouncilId);
  q = ParseListSafeguardingActionsRequest(List("cases/-", "agency=mine"),
                                          kCouncilLead);
  EXPECT_EQ(q->agency_id, kCouncilId);
  q = ParseListSafeguardingActionsRequest(
      List("cases/-", absl::StrCat("agency=agencies/", kCouncilId)), kCouncilLead);
  EXPECT_EQ(q->agency_id, kCouncilId);
  // Another agency's actions: refused, for every kind outside the police.
  for (v1::AgencyKind kind :
       {v1::AGENCY_KIND_COUNCIL, v1::AGENCY_KIND_HEALTH,
        v1::AGENCY_KIND_VICTIM_SERVICE, v1::AGENCY_KIND_CPS}) {
    Principal p = Of(kCouncilId, kind, v1::ROLE_VICTIM_ADVOCATE);
    absl::Status s = ParseListSafeguardingActionsRequest(
                         List(kCase, absl::StrCat("agency=agencies/", kHealthId)), p)
                         .status();
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << kind << s;
    q = ParseListSafeguardingActionsRequest(List(kCase, ""), p);
    EXPECT_EQ(q->agency_id, kCouncilId) << kind;
  }
}

TEST(ParseListSafeguardingActionsTest, BadInputIsNamed) {
  struct Case {
    std::string parent, filter, field, part;
  };
  const Case cases[] = {
      {"", "", "parent", "cases/-"},
      {"cases", "", "parent", ""},
      {"cases/-/safeguardingActions", "", "parent", ""},
      {"agencies/x", "", "parent", ""},
      {kCase, "case=SP-2026-000123", "filter", "cases/-"},
      {"cases/-", "case=nonsense", "filter", "case must be"},
      {"cases/-", "agency=theirs", "filter", "agency must be"},
      {"cases/-", "assignee=bob", "filter", "assignee must be"},
      {"cases/-", "status=done", "filter", "status must be one of"},
      {"cases/-", "status=UNSPECIFIED", "filter", ""},
      {"cases/-", "active=maybe", "filter", "true or false"},
      {"cases/-", "overdue=2", "filter", "true or false"},
      {"cases/-", "due_within_days=-1", "filter", "from 0 to 731"},
      {"cases/-", "due_within_days=732", "filter", "from 0 to 731"},
      {"cases/-", "due_within_days=soon", "filter", "integer"},
      {"cases/-", "risk_level=SEVERE", "filter", ""},
      {"cases/-", "type=LUNCH", "filter", ""},
      {"cases/-", "priority=P1", "filter", ""},
      {"cases/-", "colour=red", "filter", "unknown key"},
      {"cases/-", "overdue=true AND overdue=false", "filter", "more than once"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.parent + " | " + c.filter);
    ExpectField(
        ParseListSafeguardingActionsRequest(List(c.parent, c.filter), kOfficer)
            .status(),
        c.field, c.part);
  }
  EXPECT_TRUE(ParseListSafeguardingActionsRequest(
                  List("cases/-", "due_within_days=0"), kOfficer)
                  .ok());
  EXPECT_TRUE(ParseListSafeguardingActionsRequest(
                  List("cases/-", "due_within_days=731"), kOfficer)
                  .ok());
}

TEST(ParseListSafeguardingActionsTest, PageSizeAndToken) {
  v1::ListSafeguardingActionsRequest r = List("cases/-", "overdue=true");
  r.set_page_size(1000);
  absl::StatusOr<SafeguardingListQuery> first =
      ParseListSafeguardingActionsRequest(r, kOfficer);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->page_size, kMaxPageSize);

  // The token storage would hand out after a row.
  const WorkOrderKey last{CivilDay(2028, 2, 29), 1, absl::FromUnixSeconds(1800000000),
                          "0b8f3c2a-2222-4222-8222-222222222222"};
  const std::string token = EncodePageToken(
      PageCursor{EncodeWorkOrderSortKey(last), last.id}, first->query_text);
  r.set_page_token(token);
  absl::StatusOr<SafeguardingListQuery> next =
      ParseListSafeguardingActionsRequest(r, kOfficer);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_TRUE(next->after.has_value());
  EXPECT_EQ(*next->after, last);

  // Same token, other query.
  v1::ListSafeguardingActionsRequest other = List("cases/-", "overdue=false");
  other.set_page_token(token);
  ExpectField(ParseListSafeguardingActionsRequest(other, kOfficer).status(),
              "page_token");
  // A token whose sort key is not ours.
  r.set_page_token(EncodePageToken(PageCursor{"garbage", "x"}, first->query_text));
  ExpectField(ParseListSafeguardingActionsRequest(r, kOfficer).status(),
              "page_token");
  r.set_page_token("");
  r.set_page_size(-1);
  ExpectField(ParseListSafeguardingActionsRequest(r, kOfficer).status(),
              "page_size");
}

TEST(ParseListMyWorkTest, AlwaysTheCallersAgencyAndActiveActions) {
  absl::StatusOr<SafeguardingListQuery> q = ParseListMyWorkRequest(
      MyWork("assignee=me AND due_within_days=7 AND risk_level=HIGH"),
      kCouncilLead);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->agency_id, kCouncilId);
  EXPECT_EQ(q->active, true);
  EXPECT_EQ(q->assignee_id, kUserId);
  EXPECT_EQ(q->due_within_days, 7);
  EXPECT_EQ(q->risk_level, v1::RISK_LEVEL_HIGH);
  EXPECT_FALSE(q->case_key.has_value());

  q = ParseListMyWorkRequest(MyWork(""), kOfficer);  // Police have work too.
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->agency_id, kPoliceId);
  EXPECT_EQ(q->active, true);
}

TEST(ParseListMyWorkTest, StatusFilterIsAmongTheActiveOnes) {
  for (const char* s : {"OPEN", "IN_PROGRESS", "BLOCKED"}) {
    EXPECT_TRUE(ParseListMyWorkRequest(MyWork(absl::StrCat("status=", s)),
                                       kCouncilLead)
                    .ok())
        << s;
  }
  for (const char* s : {"COMPLETED", "CANCELLED"}) {
    ExpectField(ParseListMyWorkRequest(MyWork(absl::StrCat("status=", s)),
                                       kCouncilLead)
                    .status(),
                "filter", "open actions only");
  }
}

TEST(ParseListMyWorkTest, NoAgencyCaseOrActiveKeys) {
  for (const char* f :
       {"agency=mine", "case=SP-2026-000123", "active=false", "colour=red"}) {
    ExpectField(ParseListMyWorkRequest(MyWork(f), kCouncilLead).status(),
                "filter", "unknown key");
  }
}

TEST(ParseListMyWorkTest, TokensDoNotCrossBetweenTheTwoLists) {
  absl::StatusOr<SafeguardingListQuery> mine =
      ParseListMyWorkRequest(MyWork(""), kCouncilLead);
  ASSERT_TRUE(mine.ok());
  const std::string id = "0b8f3c2a-2222-4222-8222-222222222222";
  const std::string token = EncodePageToken(
      PageCursor{EncodeWorkOrderSortKey(WorkOrderKey{CivilDay(2026, 1, 1), 2,
                                                     absl::UnixEpoch(), id}),
                 id},
      mine->query_text);
  v1::ListMyWorkRequest again = MyWork("");
  again.set_page_token(token);
  EXPECT_TRUE(ParseListMyWorkRequest(again, kCouncilLead).ok());
  v1::ListSafeguardingActionsRequest list = List("cases/-", "");
  list.set_page_token(token);
  ExpectField(ParseListSafeguardingActionsRequest(list, kCouncilLead).status(),
              "page_token");
}

TEST(ParseListMyWorkTest, ATokenWhoseIdIsNoRowsIsRefused) {
  // Decodes, for this query, with a well-formed position, but names no row
  // the server could have issued it for: forged.
  absl::StatusOr<SafeguardingListQuery> mine =
      ParseListMyWorkRequest(MyWork(""), kCouncilLead);
  ASSERT_TRUE(mine.ok());
  v1::ListMyWorkRequest forged = MyWork("");
  forged.set_page_token(EncodePageToken(
      PageCursor{EncodeWorkOrderSortKey(WorkOrderKey{CivilDay(2026, 1, 1), 2,
                                                     absl::UnixEpoch(), "x"}),
                 "'; DROP TABLE cases; --"},
      mine->query_text));
  ExpectField(ParseListMyWorkRequest(forged, kCouncilLead).status(), "page_token");
}

// ---- The semantics of each key ---------------------------------------------

const CivilDay kToday(2026, 12, 30);

SafeguardingActionFacts Fact() {
  SafeguardingActionFacts f;
  f.id = "0b8f3c2a-2222-4222-8222-222222222222";
  f.case_id = kCaseId;
  f.case_reference = "SP-2026-000123";
  f.status = v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS;
  f.type = v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE;
  f.priority = v1::SAFEGUARDING_ACTION_PRIORITY_HIGH;
  f.due_date = CivilDay(2027, 1, 2);
  f.assigned_agency_id = kCouncilId;
  f.assigned_agency_kind = v1::AGENCY_KIND_COUNCIL;
  f.assigned_user_id = kUserId;
  return f;
}

bool Matches(const std::string& filter, const SafeguardingActionFacts& f,
             v1::RiskLevel risk = v1::RISK_LEVEL_HIGH) {
  absl::StatusOr<SafeguardingListQuery> q =
      ParseListSafeguardingActionsRequest(List("cases/-", filter), kOfficer);
  EXPECT_TRUE(q.ok()) << filter << q.status();
  return q.ok() && MatchesSafeguardingListQuery(f, risk, *q, kToday);
}

TEST(MatchesSafeguardingListQueryTest, EachKeyOnItsOwn) {
  const SafeguardingActionFacts f = Fact();
  EXPECT_TRUE(Matches("", f));
  EXPECT_TRUE(Matches("case=SP-2026-000123", f));
  EXPECT_FALSE(Matches("case=SP-2026-000124", f));
  EXPECT_TRUE(Matches(absl::StrCat("case=", kCase), f));
  EXPECT_FALSE(Matches("case=cases/0b8f3c2a-1111-4111-8111-000000000000", f));
  EXPECT_TRUE(Matches(absl::StrCat("agency=agencies/", kCouncilId), f));
  EXPECT_FALSE(Matches("agency=mine", f));  // The officer's agency is police.
  EXPECT_TRUE(Matches("assignee=me", f));
  EXPECT_FALSE(Matches(absl::StrCat("assignee=users/", kOtherUserId), f));
  EXPECT_TRUE(Matches("status=IN_PROGRESS", f));
  EXPECT_FALSE(Matches("status=OPEN", f));
  EXPECT_TRUE(Matches("active=true", f));
  EXPECT_FALSE(Matches("active=false", f));
  EXPECT_TRUE(Matches("risk_level=HIGH", f));
  EXPECT_FALSE(Matches("risk_level=HIGH", f, v1::RISK_LEVEL_MEDIUM));
  EXPECT_TRUE(Matches("type=HOUSING_MOVE", f));
  EXPECT_FALSE(Matches("type=GP_ALERT", f));
  EXPECT_TRUE(Matches("priority=HIGH", f));
  EXPECT_FALSE(Matches("priority=URGENT", f));
}

TEST(MatchesSafeguardingListQueryTest, OverdueAndDueWithinAcrossTheYearEnd) {
  // Today 30 December 2026; due 2 January 2027 is 3 days away.
  SafeguardingActionFacts f = Fact();
  EXPECT_FALSE(Matches("overdue=true", f));
  EXPECT_TRUE(Matches("overdue=false", f));
  EXPECT_FALSE(Matches("due_within_days=2", f));
  EXPECT_TRUE(Matches("due_within_days=3", f));
  // Due today: neither overdue nor outside a 0-day window.
  f.due_date = kToday;
  EXPECT_FALSE(Matches("overdue=true", f));
  EXPECT_TRUE(Matches("due_within_days=0", f));
  // Due yesterday: overdue, and inside every window unless overdue=false.
  f.due_date = kToday - 1;
  EXPECT_TRUE(Matches("overdue=true", f));
  EXPECT_TRUE(Matches("due_within_days=0", f));
  EXPECT_FALSE(Matches("due_within_days=7 AND overdue=false", f));
  // Done: overdue=false includes it; due windows and overdue never do.
  f.status = v1::SAFEGUARDING_ACTION_STATUS_COMPLETED;
  EXPECT_FALSE(Matches("overdue=true", f));
  EXPECT_TRUE(Matches("overdue=false", f));
  EXPECT_FALSE(Matches("due_within_days=731", f));
  EXPECT_TRUE(Matches("active=false", f));
}

TEST(MatchesSafeguardingListQueryTest, MyWorkNeverShowsFinishedOrOthersWork) {
  absl::StatusOr<SafeguardingListQuery> q =
      ParseListMyWorkRequest(MyWork(""), kCouncilLead);
  ASSERT_TRUE(q.ok());
  const v1::SafeguardingActionStatus statuses[] = {
      v1::SAFEGUARDING_ACTION_STATUS_OPEN,
      v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
      v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
      v1::SAFEGUARDING_ACTION_STATUS_COMPLETED,
      v1::SAFEGUARDING_ACTION_STATUS_CANCELLED,
  };
  for (const std::string& agency : {kCouncilId, kHealthId}) {
    for (auto status : statuses) {
      SafeguardingActionFacts f = Fact();
      f.assigned_agency_id = agency;
      f.status = status;
      EXPECT_EQ(MatchesSafeguardingListQuery(f, v1::RISK_LEVEL_HIGH, *q, kToday),
                agency == kCouncilId && IsActiveSafeguardingStatus(status))
          << agency << " " << status;
    }
  }
}

// ---- The my-work row ----------------------------------------------------------

TEST(MakeMyWorkItemTest, CarriesOnlySafeguardingViewFields) {
  v1::SafeguardingAction a;
  a.set_name(kCase + "/safeguardingActions/0b8f3c2a-2222-4222-8222-222222222222");
  a.set_case_reference("SP-2026-000123");
  a.set_type(v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
  a.set_status(v1::SAFEGUARDING_ACTION_STATUS_BLOCKED);
  a.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_URGENT);
  *a.mutable_due_date() = ToProtoDate(CivilDay(2026, 12, 29));
  a.set_description("Emergency move to a refuge");
  a.set_rationale("Suspect knows the address; threats to kill");
  a.set_notes("Refuge place offered for Friday");
  a.set_assigned_agency("agencies/" + kCouncilId);
  a.set_assigned_user("users/" + kUserId);
  a.set_created_by("users/" + kOtherUserId);
  a.set_etag("e7");
  *a.mutable_update_time() = ToProtoTime(absl::FromUnixSeconds(1798000000));

  v1::MyWorkItem item =
      MakeMyWorkItem(a, "SP-2026-000123", v1::RISK_LEVEL_HIGH, kToday);

  v1::MyWorkItem want;
  want.set_action(a.name());
  want.set_case_(kCase);
  want.set_case_reference("SP-2026-000123");
  want.set_risk_level(v1::RISK_LEVEL_HIGH);
  want.set_type(v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
  want.set_status(v1::SAFEGUARDING_ACTION_STATUS_BLOCKED);
  want.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_URGENT);
  *want.mutable_due_date() = a.due_date();
  want.set_overdue(true);  // Due yesterday, still blocked.
  want.set_description("Emergency move to a refuge");
  want.set_assigned_user("users/" + kUserId);
  *want.mutable_update_time() = a.update_time();
  EXPECT_EQ(item.DebugString(), want.DebugString());

  EXPECT_FALSE(MakeMyWorkItem(a, "SP-2026-000123", v1::RISK_LEVEL_HIGH,
                              CivilDay(2026, 12, 29))
                   .overdue());
}

// A field added to MyWorkItem must be added here on purpose: the row is what
// every partner sees of every case on its first screen.
TEST(MakeMyWorkItemTest, TheRowHasExactlyTheseFields) {
  std::set<std::string> fields;
  const auto* d = v1::MyWorkItem::descriptor();
  for (int i = 0; i < d->field_count(); ++i) fields.insert(d->field(i)->name());
  EXPECT_EQ(fields, (std::set<std::string>{
                        "action", "case", "case_reference", "risk_level", "type",
                        "status", "priority", "due_date", "overdue",
                        "description", "assigned_user", "update_time"}));
}

}  // namespace
}  // namespace casebridge::domain
