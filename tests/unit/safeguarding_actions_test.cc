// Safeguarding action rules: validation names the offending field, every
// change produces the right stored action and history entry, and the
// lifecycle is enforced through every entry point.
#include "domain/safeguarding_actions.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using absl::CivilDay;
using Status = v1::SafeguardingActionStatus;

constexpr Status kOpen = v1::SAFEGUARDING_ACTION_STATUS_OPEN;
constexpr Status kInProgress = v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS;
constexpr Status kBlocked = v1::SAFEGUARDING_ACTION_STATUS_BLOCKED;
constexpr Status kCompleted = v1::SAFEGUARDING_ACTION_STATUS_COMPLETED;
constexpr Status kCancelled = v1::SAFEGUARDING_ACTION_STATUS_CANCELLED;
constexpr Status kStatuses[] = {kOpen, kInProgress, kBlocked, kCompleted,
                                kCancelled};

const std::string kCaseId = "0b8f3c2a-1111-4111-8111-111111111111";
const std::string kCase = "cases/" + kCaseId;
const std::string kActionId = "0b8f3c2a-2222-4222-8222-222222222222";
const std::string kAction = kCase + "/safeguardingActions/" + kActionId;
const std::string kPoliceId = "0b8f3c2a-5555-4555-8555-555555555555";
const std::string kPolice = "agencies/" + kPoliceId;
const std::string kCouncilId = "0b8f3c2a-3333-4333-8333-333333333333";
const std::string kCouncil = "agencies/" + kCouncilId;
const std::string kHealth = "agencies/0b8f3c2a-7777-4777-8777-777777777777";
const std::string kVictimService =
    "agencies/0b8f3c2a-6666-4666-8666-666666666666";
const std::string kOfficer = "users/0b8f3c2a-4444-4444-8444-444444444444";
const std::string kNurse = "users/0b8f3c2a-8888-4888-8888-888888888888";

std::string Name(Status s) {
  return ShortEnumName(v1::SafeguardingActionStatus_descriptor(), s);
}
bool Active(Status s) {
  return s == kOpen || s == kInProgress || s == kBlocked;
}

absl::TimeZone London() {
  static const absl::TimeZone* zone = [] {
    auto* z = new absl::TimeZone;
    if (!absl::LoadTimeZone(std::string(kUkTimeZoneName), z)) {
      ADD_FAILURE() << "no tzdata for " << kUkTimeZoneName;
    }
    return z;
  }();
  return *zone;
}

// 10:00 London time on `day`, acting as a police officer.
SafeguardingContext At(CivilDay day, int hour = 10) {
  SafeguardingContext ctx;
  ctx.now = absl::FromCivil(absl::CivilSecond(day.year(), day.month(),
                                              day.day(), hour, 0, 0),
                            London());
  ctx.actor = kOfficer;
  ctx.actor_agency = kPolice;
  return ctx;
}

const CivilDay kToday(2028, 2, 28);  // The day before a leap day.

v1::SafeguardingAction ValidInput(CivilDay due = kToday + 7) {
  v1::SafeguardingAction a;
  a.set_type(v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
  a.set_assigned_agency(kHealth);
  a.set_assigned_user(kNurse);
  *a.mutable_due_date() = ToProtoDate(due);
  a.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_HIGH);
  a.set_description("Alert the victim's GP practice to the stalking risk");
  a.set_rationale("High risk; the suspect has turned up at the surgery");
  return a;
}

v1::CreateSafeguardingActionRequest ValidCreate() {
  v1::CreateSafeguardingActionRequest r;
  r.set_parent(kCase);
  *r.mutable_safeguarding_action() = ValidInput();
  r.set_request_id("7c1e4a52-retry-key");
  return r;
}

void ExpectField(const absl::Status& s, absl::string_view field,
                 absl::string_view message_part = "") {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), std::string(field)) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat(field, ": "))) << s;
  EXPECT_NE(s.message().find(message_part), absl::string_view::npos) << s;
}

// ---- Create: validation ------------------------------------------------------

struct CreateCase {
  std::string what;
  std::function<void(v1::CreateSafeguardingActionRequest&)> mutate;
  std::string field;
  std::string message_part;
};

TEST(ValidateCreateSafeguardingActionTest, EachBadFieldIsNamed) {
  auto action = [](v1::CreateSafeguardingActionRequest& r) {
    return r.mutable_safeguarding_action();
  };
  auto due = [action](int y, int m, int d) {
    return [=](v1::CreateSafeguardingActionRequest& r) {
      v1::Date* date = action(r)->mutable_due_date();
      date->set_year(y);
      date->set_month(m);
      date->set_day(d);
    };
  };
  const CivilDay too_far = kToday + kMaxSafeguardingDueDays + 1;
  const std::vector<CreateCase> cases = {
      {"no parent", [](auto& r) { r.clear_parent(); }, "parent", "is required"},
      {"bad parent", [](auto& r) { r.set_parent("cases/nope"); }, "parent", ""},
      {"child as parent", [](auto& r) { r.set_parent(kAction); }, "parent", ""},
      {"no action", [](auto& r) { r.clear_safeguarding_action(); },
       "safeguarding_action", "is required"},
      {"no type", [=](auto& r) { action(r)->clear_type(); },
       "safeguarding_action.type", "is required"},
      {"unknown type",
       [=](auto& r) {
         action(r)->set_type(static_cast<v1::SafeguardingActionType>(99));
       },
       "safeguarding_action.type", "is not a known value"},
      {"no agency", [=](auto& r) { action(r)->clear_assigned_agency(); },
       "safeguarding_action.assigned_agency", "is required"},
      {"bad agency",
       [=](auto& r) { action(r)->set_assigned_agency("Stoke council"); },
       "safeguarding_action.assigned_agency", "agencies/{id}"},
      {"user as agency", [=](auto& r) { action(r)->set_assigned_agency(kNurse); },
       "safeguarding_action.assigned_agency", ""},
      {"bad user", [=](auto& r) { action(r)->set_assigned_user("users/nurse"); },
       "safeguarding_action.assigned_user", "users/{id}"},
      {"no due date", [=](auto& r) { action(r)->clear_due_date(); },
       "safeguarding_action.due_date", "is required"},
      {"30 February", due(2028, 2, 30), "safeguarding_action.due_date",
       "not a real calendar date"},
      {"29 February of a common year", due(2029, 2, 29),
       "safeguarding_action.due_date", "not a real calendar date"},
      {"31 April", due(2028, 4, 31), "safeguarding_action.due_date",
       "not a real calendar date"},
      {"month 13", due(2028, 13, 1), "safeguarding_action.due_date",
       "not a real calendar date"},
      {"yesterday", due(2028, 2, 27), "safeguarding_action.due_date",
       "must not be before today (2028-02-28), got 2028-02-27"},
      {"last year", due(2027, 12, 31), "safeguarding_action.due_date",
       "must not be before today"},
      {"too far ahead", due(too_far.year(), too_far.month(), too_far.day()),
       "safeguarding_action.due_date", "at most 731 days after today"},
      {"unknown priority",
       [=](auto& r) {
         action(r)->set_priority(static_cast<v1::SafeguardingActionPriority>(9));
       },
       "safeguarding_action.priority", "is not a known value"},
      {"blank description", [=](auto& r) { action(r)->set_description(" \n"); },
       "safeguarding_action.description", "is required"},
      {"long description",
       [=](auto& r) { action(r)->set_description(std::string(10001, 'x')); },
       "safeguarding_action.description", "at most 10000"},
      {"no rationale", [=](auto& r) { action(r)->clear_rationale(); },
       "safeguarding_action.rationale", "is required"},
      {"control characters in notes",
       [=](auto& r) { action(r)->set_notes("a\x1b[31m"); },
       "safeguarding_action.notes", "control character"},
      {"long request id",
       [](auto& r) { r.set_request_id(std::string(101, 'r')); }, "request_id",
       "at most 100"},
  };
  ASSERT_TRUE(ValidateCreateSafeguardingActionRequest(ValidCreate(), kToday).ok());
  for (const CreateCase& c : cases) {
    SCOPED_TRACE(c.what);
    v1::CreateSafeguardingActionRequest r = ValidCreate();
    c.mutate(r);
    ExpectField(ValidateCreateSafeguardingActionRequest(r, kToday).status(),
                c.field, c.message_part);
  }
}

TEST(ValidateCreateSafeguardingActionTest, AcceptsTheBoundaries) {
  const CivilDay furthest = kToday + kMaxSafeguardingDueDays;
  for (CivilDay due : {kToday, CivilDay(2028, 2, 29), furthest}) {
    v1::CreateSafeguardingActionRequest r = ValidCreate();
    *r.mutable_safeguarding_action()->mutable_due_date() = ToProtoDate(due);
    EXPECT_TRUE(ValidateCreateSafeguardingActionRequest(r, kToday).ok())
        << FormatDay(due);
  }
  v1::CreateSafeguardingActionRequest r = ValidCreate();
  r.mutable_safeguarding_action()->clear_priority();      // Defaults.
  r.mutable_safeguarding_action()->clear_assigned_user();  // Agency queue.
  r.set_request_id(std::string(100, 'r'));  // The longest request id.
  EXPECT_TRUE(ValidateCreateSafeguardingActionRequest(r, kToday).ok());
  r.clear_request_id();
  r.set_parent("cases/sp-2026-000123");                    // By reference.
  r.mutable_safeguarding_action()->set_assigned_agency(
      absl::AsciiStrToUpper(kHealth.substr(9)).insert(0, "agencies/"));
  absl::StatusOr<CaseKey> key = ValidateCreateSafeguardingActionRequest(r, kToday);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->reference, "SP-2026-000123");
}

TEST(ValidateCreateSafeguardingActionTest, OutputOnlyFieldsAreIgnored) {
  v1::CreateSafeguardingActionRequest r = ValidCreate();
  v1::SafeguardingAction* a = r.mutable_safeguarding_action();
  a->set_name("whatever");
  a->set_status(static_cast<v1::SafeguardingActionStatus>(77));
  a->set_outcome("done");
  a->set_etag("x");
  EXPECT_TRUE(ValidateCreateSafeguardingActionRequest(r, kToday).ok());
}

// ---- Create: the stored action -----------------------------------------------

TEST(NewSafeguardingActionTest, BuildsTheActionToStore) {
  v1::SafeguardingAction in = ValidInput();
  in.clear_priority();
  in.set_assigned_agency(
      absl::StrCat("agencies/", absl::AsciiStrToUpper(kHealth.substr(9))));
  // Output-only input is dropped.
  in.set_name(kAction);
  in.set_case_reference("SP-1999-000001");
  in.set_status(kCompleted);
  in.set_outcome("made up");
  in.set_cancel_reason("made up");
  in.set_created_by(kNurse);
  in.set_closed_by(kNurse);
  in.set_overdue(true);
  in.set_marac_referral("cases/x/maracReferrals/y");
  in.set_etag("etag");
  in.set_notes("Practice manager is the contact");
  const SafeguardingContext ctx = At(kToday);
  absl::StatusOr<SafeguardingChange> made =
      NewSafeguardingAction(in, v1::AGENCY_KIND_HEALTH, {}, ctx);
  ASSERT_TRUE(made.ok()) << made.status();

  v1::SafeguardingAction want = ValidInput();
  want.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL);
  want.set_notes("Practice manager is the contact");
  want.set_status(kOpen);
  want.set_created_by(kOfficer);
  *want.mutable_create_time() = ToProtoTime(ctx.now);
  *want.mutable_update_time() = ToProtoTime(ctx.now);
  EXPECT_EQ(made->action.DebugString(), want.DebugString());

  const v1::SafeguardingActionHistoryEntry& e = made->entry;
  EXPECT_EQ(e.event(), v1::SAFEGUARDING_ACTION_EVENT_CREATE);
  EXPECT_EQ(e.from_status(), v1::SAFEGUARDING_ACTION_STATUS_UNSPECIFIED);
  EXPECT_EQ(e.to_status(), kOpen);
  EXPECT_EQ(std::vector<std::string>(e.changed_fields().begin(),
                                     e.changed_fields().end()),
            (std::vector<std::string>{"type", "assigned_agency",
                                      "assigned_user", "due_date", "priority",
                                      "description", "rationale", "notes"}));
  EXPECT_EQ(e.actor(), kOfficer);
  EXPECT_EQ(e.actor_agency(), kPolice);
  EXPECT_EQ(ToAbslTime(e.time()), ctx.now);
  EXPECT_TRUE(made->changed());
}

TEST(NewSafeguardingActionTest, TodayIsTheLondonDay) {
  // 23:30 UTC on 30 June is already 1 July in London: a due date of 30 June
  // is in the past.
  SafeguardingContext ctx = At(CivilDay(2026, 7, 1));
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 30, 0),
                            absl::UTCTimeZone());
  absl::StatusOr<SafeguardingChange> made = NewSafeguardingAction(
      ValidInput(CivilDay(2026, 6, 30)), v1::AGENCY_KIND_HEALTH, {}, ctx);
  ExpectField(made.status(), "safeguarding_action.due_date",
              "must not be before today (2026-07-01)");
  EXPECT_TRUE(NewSafeguardingAction(ValidInput(CivilDay(2026, 7, 1)),
                                    v1::AGENCY_KIND_HEALTH, {}, ctx)
                  .ok());
}

TEST(NewSafeguardingActionTest, ValidatesItsInputToo) {
  v1::SafeguardingAction in = ValidInput();
  in.clear_rationale();
  ExpectField(
      NewSafeguardingAction(in, v1::AGENCY_KIND_HEALTH, {}, At(kToday)).status(),
      "safeguarding_action.rationale");
}

TEST(NewSafeguardingActionTest, NotOnAClosedCase) {
  SafeguardingCaseFacts closed;
  closed.status = v1::CASE_STATUS_CLOSED;
  absl::StatusOr<SafeguardingChange> made =
      NewSafeguardingAction(ValidInput(), v1::AGENCY_KIND_HEALTH, closed, At(kToday));
  EXPECT_EQ(made.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(made.status().message().find("CLOSED"), std::string::npos);
}

// Every agency kind, with and without a victim opt-out.
TEST(NewSafeguardingActionTest, WhoMayBeGivenWork) {
  const v1::AgencyKind kinds[] = {
      v1::AGENCY_KIND_UNSPECIFIED, v1::AGENCY_KIND_POLICE,
      v1::AGENCY_KIND_CPS,         v1::AGENCY_KIND_COUNCIL,
      v1::AGENCY_KIND_HEALTH,      v1::AGENCY_KIND_VICTIM_SERVICE,
  };
  for (bool opted_out : {false, true}) {
    for (v1::AgencyKind kind : kinds) {
      SCOPED_TRACE(absl::StrCat(ShortEnumName(v1::AgencyKind_descriptor(), kind),
                                opted_out ? " after opt-out" : ""));
      SafeguardingCaseFacts kase;
      kase.victim_opted_out = opted_out;
      kase.owning_agency = kPolice;
      // Police work goes to the owning force itself.
      v1::SafeguardingAction input = ValidInput();
      if (kind == v1::AGENCY_KIND_POLICE) input.set_assigned_agency(kPolice);
      absl::Status s = NewSafeguardingAction(input, kind, kase, At(kToday)).status();
      EXPECT_EQ(
          CheckSafeguardingAssignee(kind, input.assigned_agency(), kase, "f").code(),
          s.code());
      switch (kind) {
        case v1::AGENCY_KIND_POLICE:
        case v1::AGENCY_KIND_COUNCIL:
        case v1::AGENCY_KIND_HEALTH:
          EXPECT_TRUE(s.ok()) << s;
          break;
        case v1::AGENCY_KIND_VICTIM_SERVICE:
          if (opted_out) {
            EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
            EXPECT_NE(s.message().find("opted out"), std::string::npos);
          } else {
            EXPECT_TRUE(s.ok()) << s;
          }
          break;
        default:  // The CPS; an agency that does not exist.
          ExpectField(s, "safeguarding_action.assigned_agency");
      }
    }
  }
}

// Work given to another force would share the case with it in full: only
// the owning force takes police work.
TEST(NewSafeguardingActionTest, NeverAnotherPoliceForce) {
  const std::string other_force = "agencies/0b8f3c2a-9999-4999-8999-999999999999";
  SafeguardingCaseFacts kase;
  kase.owning_agency = kPolice;
  v1::SafeguardingAction input = ValidInput();
  input.set_assigned_agency(other_force);
  ExpectField(
      NewSafeguardingAction(input, v1::AGENCY_KIND_POLICE, kase, At(kToday)).status(),
      "safeguarding_action.assigned_agency", "another police force");
  ExpectField(CheckSafeguardingAssignee(v1::AGENCY_KIND_POLICE, other_force, kase,
                                        "actions[0].assigned_agency"),
              "actions[0].assigned_agency");
  // Upper-case ids name the same (owning) force.
  input.set_assigned_agency(absl::StrCat("agencies/", absl::AsciiStrToUpper(kPoliceId)));
  EXPECT_TRUE(
      NewSafeguardingAction(input, v1::AGENCY_KIND_POLICE, kase, At(kToday)).ok());
  // Facts that do not say who owns the case give no force any work.
  kase.owning_agency.clear();
  input.set_assigned_agency(kPolice);
  ExpectField(
      NewSafeguardingAction(input, v1::AGENCY_KIND_POLICE, kase, At(kToday)).status(),
      "safeguarding_action.assigned_agency");
}

// "Today" is the UK civil day, whatever the host's time zone database says:
// 23:30 UTC on 30 June is already 1 July in London (BST).
TEST(SafeguardingContextTest, TodayIsTheUkDay) {
  SafeguardingContext ctx;
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 30, 0),
                            absl::UTCTimeZone());
  EXPECT_EQ(ctx.today(), CivilDay(2026, 7, 1));
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 30, 0),
                            absl::UTCTimeZone());
  EXPECT_EQ(ctx.today(), CivilDay(2026, 12, 31));  // GMT in winter.
  // A due date may not move before the UK day the action was created on:
  // created at 23:30 UTC on 30 June = 1 July in London.
  v1::SafeguardingAction current;
  current.set_name(kAction);
  current.set_status(v1::SAFEGUARDING_ACTION_STATUS_OPEN);
  current.set_etag("1");
  *current.mutable_create_time() = ToProtoTime(
      absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 30, 0), absl::UTCTimeZone()));
  v1::UpdateSafeguardingActionRequest update;
  *update.mutable_safeguarding_action() = current;
  *update.mutable_safeguarding_action()->mutable_due_date() =
      ToProtoDate(CivilDay(2026, 6, 30));
  update.mutable_update_mask()->add_paths("due_date");
  ctx.now = absl::FromCivil(absl::CivilSecond(2026, 7, 2, 9, 0, 0), absl::UTCTimeZone());
  ExpectField(ApplySafeguardingActionUpdate(current, update, ctx).status(),
              "safeguarding_action.due_date", "(2026-07-01)");
  *update.mutable_safeguarding_action()->mutable_due_date() =
      ToProtoDate(CivilDay(2026, 7, 1));
  EXPECT_TRUE(ApplySafeguardingActionUpdate(current, update, ctx).ok());
}

TEST(SafeguardingActionTypeLabelTest, EveryTypeHasItsOwnLabel) {
  std::set<std::string> labels;
  const auto* d = v1::SafeguardingActionType_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    auto type = static_cast<v1::SafeguardingActionType>(d->value(i)->number());
    if (type == v1::SAFEGUARDING_ACTION_TYPE_UNSPECIFIED) continue;
    std::string label = SafeguardingActionTypeLabel(type);
    EXPECT_NE(label, "unspecified") << d->value(i)->name();
    EXPECT_TRUE(labels.insert(label).second) << label;
  }
  EXPECT_EQ(labels.size(), 10u);
  EXPECT_EQ(SafeguardingActionTypeLabel(v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT),
            "GP alert");
}

TEST(ShareForSafeguardingAssignmentTest, SharesTheSafeguardingView) {
  v1::SafeguardingAction a = ValidInput();
  std::optional<v1::CaseShare> share = ShareForSafeguardingAssignment(a, kPolice, kPolice);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->agency(), kHealth);
  EXPECT_EQ(share->basis(), v1::SHARE_BASIS_SAFEGUARDING_ACTION);
  EXPECT_EQ(share->view(), v1::CASE_VIEW_SAFEGUARDING);
  EXPECT_EQ(share->purpose(), "Safeguarding action assigned to the agency: GP alert");
  EXPECT_FALSE(share->lawful_basis().empty());
  // Work for the owning force itself shares nothing, whoever assigns it.
  a.set_assigned_agency(kPolice);
  EXPECT_FALSE(ShareForSafeguardingAssignment(a, kPolice, kPolice).has_value());
  EXPECT_FALSE(ShareForSafeguardingAssignment(a, kPolice, kHealth).has_value());
}

TEST(ShareForSafeguardingAssignmentTest, WorkAnAgencyGivesItselfSharesNothing) {
  // A partner on a case shared with it gives itself work: that rides on the
  // share it has and must not outlive it.
  v1::SafeguardingAction a = ValidInput();
  ASSERT_EQ(a.assigned_agency(), kHealth);
  EXPECT_FALSE(ShareForSafeguardingAssignment(a, kPolice, kHealth).has_value());
  // The same work given by the owning force shares the case.
  EXPECT_TRUE(ShareForSafeguardingAssignment(a, kPolice, kPolice).has_value());
}

// ---- Read ------------------------------------------------------------------

Principal PartnerOf(const std::string& agency_id, v1::AgencyKind kind) {
  Principal p;
  p.user_id = "0b8f3c2a-9999-4999-8999-999999999999";
  p.agency_id = agency_id;
  p.agency_kind = kind;
  p.roles = {v1::ROLE_SAFEGUARDING_LEAD};
  return p;
}

TEST(SafeguardingActionRelationshipTest, AssignedAgencyOnlyForItsOwnActions) {
  const Principal council = PartnerOf(kCouncilId, v1::AGENCY_KIND_COUNCIL);
  for (Relationship rel : kAllRelationships) {
    SCOPED_TRACE(RelationshipName(rel));
    // Another agency's action: the case relationship unchanged.
    EXPECT_EQ(SafeguardingActionRelationship(rel, council, kHealth), rel);
    // Its own action: assigned, but only on a case shared with it.
    const Relationship own = SafeguardingActionRelationship(rel, council, kCouncil);
    EXPECT_EQ(own, rel == Relationship::kShared ? Relationship::kAssignedAgency
                                                : rel);
  }
  Principal nobody;  // No agency: never "assigned".
  EXPECT_EQ(SafeguardingActionRelationship(Relationship::kShared, nobody,
                                           "agencies/"),
            Relationship::kShared);
}

TEST(SafeguardingActionVisibleTest, PartnersSeeOnlyTheirOwnAgencysActions) {
  const Principal council = PartnerOf(kCouncilId, v1::AGENCY_KIND_COUNCIL);
  const v1::CaseView views[] = {v1::CASE_VIEW_UNSPECIFIED, v1::CASE_VIEW_FULL,
                                v1::CASE_VIEW_PROSECUTION,
                                v1::CASE_VIEW_SAFEGUARDING};
  for (v1::CaseView view : views) {
    for (const std::string& agency : {kCouncil, kHealth, kPolice}) {
      const bool want = view == v1::CASE_VIEW_FULL ||
                        (view == v1::CASE_VIEW_SAFEGUARDING && agency == kCouncil);
      EXPECT_EQ(SafeguardingActionVisible(council, view, agency), want)
          << view << " " << agency;
    }
  }
}

TEST(ValidateSafeguardingActionNameTest, NamesTheField) {
  EXPECT_TRUE(ValidateSafeguardingActionName(kAction, "name").ok());
  ExpectField(ValidateSafeguardingActionName(kCase, "name").status(), "name");
  ExpectField(ValidateSafeguardingActionName(
                  kCase + "/incidents/" + kActionId, "name")
                  .status(),
              "name");
}

// ---- Update ------------------------------------------------------------------

const CivilDay kCreated(2028, 2, 10);

// Stored action created on kCreated, due 2028-03-01.
v1::SafeguardingAction Stored(Status status = kOpen) {
  v1::SafeguardingAction a = ValidInput(CivilDay(2028, 3, 1));
  a.set_name(kAction);
  a.set_case_reference("SP-2028-000042");
  a.set_status(status);
  a.set_notes("Called the practice");
  a.set_created_by(kOfficer);
  *a.mutable_create_time() = ToProtoTime(At(kCreated).now);
  *a.mutable_update_time() = ToProtoTime(At(kCreated).now);
  a.set_etag("e1");
  return a;
}

v1::UpdateSafeguardingActionRequest Update(std::vector<std::string> paths,
                                           v1::SafeguardingAction values = Stored()) {
  v1::UpdateSafeguardingActionRequest r;
  values.set_name(kAction);
  values.set_etag("e1");
  *r.mutable_safeguarding_action() = values;
  for (auto& p : paths) r.mutable_update_mask()->add_paths(p);
  return r;
}

struct UpdateCase {
  std::string what;
  std::function<void(v1::UpdateSafeguardingActionRequest&)> mutate;
  std::string field;
  std::string message_part;
};

TEST(ValidateUpdateSafeguardingActionTest, EachBadFieldIsNamed) {
  auto a = [](v1::UpdateSafeguardingActionRequest& r) {
    return r.mutable_safeguarding_action();
  };
  auto mask = [](std::string path) {
    return [=](v1::UpdateSafeguardingActionRequest& r) {
      r.mutable_update_mask()->add_paths(path);
    };
  };
  auto with = [&](std::string path,
                  std::function<void(v1::SafeguardingAction*)> set) {
    return [=](v1::UpdateSafeguardingActionRequest& r) {
      r.mutable_update_mask()->add_paths(path);
      set(a(r));
    };
  };
  const std::vector<UpdateCase> cases = {
      {"no name", [=](auto& r) { a(r)->clear_name(); },
       "safeguarding_action.name", "is required"},
      {"case name", [=](auto& r) { a(r)->set_name(kCase); },
       "safeguarding_action.name", "safeguardingActions"},
      {"no etag", [=](auto& r) { a(r)->clear_etag(); },
       "safeguarding_action.etag", "is required"},
      {"no mask", [](auto& r) { r.clear_update_mask(); }, "update_mask",
       "is required"},
      {"type", mask("type"), "update_mask", "cannot update \"type\""},
      {"agency", mask("assigned_agency"), "update_mask",
       "cannot update \"assigned_agency\""},
      {"outcome", mask("outcome"), "update_mask", "cannot update \"outcome\""},
      {"cancel_reason", mask("cancel_reason"), "update_mask", ""},
      {"etag", mask("etag"), "update_mask", ""},
      {"wildcard", mask("*"), "update_mask", ""},
      {"complete via update",
       with("status", [](auto* x) { x->set_status(kCompleted); }),
       "safeguarding_action.status", "CompleteSafeguardingAction"},
      {"cancel via update",
       with("status", [](auto* x) { x->set_status(kCancelled); }),
       "safeguarding_action.status", "CancelSafeguardingAction"},
      {"no status", with("status", [](auto* x) { x->clear_status(); }),
       "safeguarding_action.status", "is required"},
      {"unknown status",
       with("status", [](auto* x) { x->set_status(static_cast<Status>(42)); }),
       "safeguarding_action.status", "is not a known value"},
      {"long notes",
       with("notes", [](auto* x) { x->set_notes(std::string(10001, 'n')); }),
       "safeguarding_action.notes", "at most 10000"},
      {"bad user",
       with("assigned_user", [](auto* x) { x->set_assigned_user(kCouncil); }),
       "safeguarding_action.assigned_user", ""},
      {"no due date", with("due_date", [](auto* x) { x->clear_due_date(); }),
       "safeguarding_action.due_date", "is required"},
      {"30 February",
       with("due_date",
            [](auto* x) {
              x->mutable_due_date()->set_day(30);
              x->mutable_due_date()->set_month(2);
            }),
       "safeguarding_action.due_date", "not a real calendar date"},
      {"too far ahead",
       with("due_date",
            [](auto* x) {
              *x->mutable_due_date() =
                  ToProtoDate(kToday + kMaxSafeguardingDueDays + 1);
            }),
       "safeguarding_action.due_date", "at most 731 days"},
      {"no priority", with("priority", [](auto* x) { x->clear_priority(); }),
       "safeguarding_action.priority", "is required"},
      {"blank description",
       with("description", [](auto* x) { x->set_description(""); }),
       "safeguarding_action.description", "is required"},
      {"blank rationale",
       with("rationale", [](auto* x) { x->set_rationale("\t"); }),
       "safeguarding_action.rationale", "is required"},
  };
  for (const UpdateCase& c : cases) {
    SCOPED_TRACE(c.what);
    v1::UpdateSafeguardingActionRequest r = Update({"notes"});
    c.mutate(r);
    ExpectField(ValidateUpdateSafeguardingActionRequest(r, kToday).status(),
                c.field, c.message_part);
    // Apply checks the same input.
    ExpectField(ApplySafeguardingActionUpdate(Stored(), r, At(kToday)).status(),
                c.field, c.message_part);
  }
}

TEST(ApplySafeguardingActionUpdateTest, StaleEtagIsAbortedBeforeAnythingElse) {
  v1::UpdateSafeguardingActionRequest r = Update({"notes"});
  r.mutable_safeguarding_action()->set_etag("e0");
  for (Status s : kStatuses) {
    absl::Status got =
        ApplySafeguardingActionUpdate(Stored(s), r, At(kToday)).status();
    EXPECT_EQ(got.code(), absl::StatusCode::kAborted) << Name(s) << got;
  }
}

// Every (stored status, requested status) pair through the update path.
TEST(ApplySafeguardingActionUpdateTest, EveryStatusChange) {
  struct Move {
    Status from, to;
    v1::SafeguardingActionEvent event;
  };
  // Between the three active states every move is one step.
  const Move legal[] = {
      {kOpen, kInProgress, v1::SAFEGUARDING_ACTION_EVENT_START},
      {kOpen, kBlocked, v1::SAFEGUARDING_ACTION_EVENT_BLOCK},
      {kInProgress, kBlocked, v1::SAFEGUARDING_ACTION_EVENT_BLOCK},
      {kInProgress, kOpen, v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN},
      {kBlocked, kInProgress, v1::SAFEGUARDING_ACTION_EVENT_RESUME},
      {kBlocked, kOpen, v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN},
  };
  int checked = 0;
  for (Status from : kStatuses) {
    for (Status to : {kOpen, kInProgress, kBlocked}) {
      SCOPED_TRACE(absl::StrCat(Name(from), " -> ", Name(to)));
      v1::SafeguardingAction values = Stored();
      values.set_status(to);
      const SafeguardingContext ctx = At(kToday);
      absl::StatusOr<SafeguardingChange> got =
          ApplySafeguardingActionUpdate(Stored(from), Update({"status"}, values), ctx);
      ++checked;
      if (!Active(from)) {
        ASSERT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_NE(got.status().message().find(absl::StrCat("is ", Name(from))),
                  std::string::npos)
            << got.status();
        continue;
      }
      ASSERT_TRUE(got.ok()) << got.status();
      if (from == to) {  // Nothing changes, nothing is written.
        EXPECT_FALSE(got->changed());
        EXPECT_EQ(got->entry.event(), v1::SAFEGUARDING_ACTION_EVENT_UPDATE);
        EXPECT_EQ(got->action.DebugString(), Stored(from).DebugString());
        continue;
      }
      const Move* move = nullptr;
      for (const Move& m : legal) {
        if (m.from == from && m.to == to) move = &m;
      }
      ASSERT_NE(move, nullptr);
      EXPECT_TRUE(got->changed());
      EXPECT_EQ(got->action.status(), to);
      EXPECT_EQ(got->entry.event(), move->event);
      EXPECT_EQ(got->entry.from_status(), from);
      EXPECT_EQ(got->entry.to_status(), to);
      EXPECT_EQ(got->entry.changed_fields_size(), 1);
      EXPECT_EQ(got->entry.changed_fields(0), "status");
      EXPECT_EQ(ToAbslTime(got->action.update_time()), ctx.now);
    }
  }
  EXPECT_EQ(checked, 15);
}

TEST(ApplySafeguardingActionUpdateTest, FinalActionsCannotBeEditedAtAll) {
  for (Status s : {kCompleted, kCancelled}) {
    v1::SafeguardingAction values = Stored();
    values.set_notes("an afterthought");
    absl::Status got =
        ApplySafeguardingActionUpdate(Stored(s), Update({"notes"}, values), At(kToday))
            .status();
    EXPECT_EQ(got.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(got.message().find(absl::StrCat("is ", Name(s))), std::string::npos)
        << got;
    EXPECT_NE(got.message().find("final"), std::string::npos) << got;
    // Even an update that would change nothing.
    EXPECT_EQ(ApplySafeguardingActionUpdate(Stored(s), Update({"notes"}), At(kToday))
                  .status()
                  .code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(ApplySafeguardingActionUpdateTest, OnlyMaskedFieldsChangeAndAreRecorded) {
  v1::SafeguardingAction values = Stored();
  values.set_notes("Practice alerted; awaiting confirmation");
  *values.mutable_due_date() = ToProtoDate(CivilDay(2028, 3, 31));
  values.set_priority(Stored().priority());         // Masked, unchanged.
  values.set_description("Something else entirely");  // Not masked.
  values.set_rationale("");                           // Not masked.
  values.set_outcome("not an input");
  const SafeguardingContext ctx = At(kToday);
  absl::StatusOr<SafeguardingChange> got = ApplySafeguardingActionUpdate(
      Stored(), Update({"priority", "due_date", "notes"}, values), ctx);
  ASSERT_TRUE(got.ok()) << got.status();

  v1::SafeguardingAction want = Stored();
  want.set_notes("Practice alerted; awaiting confirmation");
  *want.mutable_due_date() = ToProtoDate(CivilDay(2028, 3, 31));
  *want.mutable_update_time() = ToProtoTime(ctx.now);
  EXPECT_EQ(got->action.DebugString(), want.DebugString());
  EXPECT_EQ(got->entry.event(), v1::SAFEGUARDING_ACTION_EVENT_UPDATE);
  EXPECT_EQ(got->entry.from_status(), kOpen);
  EXPECT_EQ(got->entry.to_status(), kOpen);
  // In the order of kSafeguardingUpdatePaths, not of the mask.
  EXPECT_EQ(std::vector<std::string>(got->entry.changed_fields().begin(),
                                     got->entry.changed_fields().end()),
            (std::vector<std::string>{"notes", "due_date"}));
  EXPECT_EQ(got->entry.actor(), kOfficer);
  EXPECT_EQ(got->entry.actor_agency(), kPolice);
}

TEST(ApplySafeguardingActionUpdateTest, NoChangeWritesNothing) {
  absl::StatusOr<SafeguardingChange> got = ApplySafeguardingActionUpdate(
      Stored(), Update({"notes", "priority", "due_date", "assigned_user"}),
      At(kToday));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->changed());
  EXPECT_EQ(got->action.DebugString(), Stored().DebugString());
}

TEST(ApplySafeguardingActionUpdateTest, StatusAndNotesTogether) {
  v1::SafeguardingAction values = Stored();
  values.set_status(kBlocked);
  values.set_notes("Waiting for the housing panel");
  absl::StatusOr<SafeguardingChange> got = ApplySafeguardingActionUpdate(
      Stored(kInProgress), Update({"notes", "status"}, values), At(kToday));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->entry.event(), v1::SAFEGUARDING_ACTION_EVENT_BLOCK);
  EXPECT_EQ(std::vector<std::string>(got->entry.changed_fields().begin(),
                                     got->entry.changed_fields().end()),
            (std::vector<std::string>{"status", "notes"}));
  EXPECT_EQ(got->action.status(), kBlocked);
  EXPECT_EQ(got->action.notes(), "Waiting for the housing panel");
}

TEST(ApplySafeguardingActionUpdateTest, DueDateNotBeforeTheDayOfCreation) {
  auto update_due = [](CivilDay due) {
    v1::SafeguardingAction values = Stored();
    *values.mutable_due_date() = ToProtoDate(due);
    return ApplySafeguardingActionUpdate(Stored(), Update({"due_date"}, values),
                                         At(kToday));
  };
  ExpectField(update_due(kCreated - 1).status(), "safeguarding_action.due_date",
              "must not be before the day the action was created (2028-02-10)");
  // The creation day itself is accepted, though it is now past (the action
  // becomes overdue: the record says when it was really due).
  absl::StatusOr<SafeguardingChange> same_day = update_due(kCreated);
  ASSERT_TRUE(same_day.ok()) << same_day.status();
  EXPECT_TRUE(IsSafeguardingActionOverdue(same_day->action, kToday));
  EXPECT_TRUE(update_due(CivilDay(2028, 2, 29)).ok());
}

TEST(ApplySafeguardingActionUpdateTest, AssigneeIsCanonicalAndCanBeCleared) {
  v1::SafeguardingAction values = Stored();
  values.set_assigned_user(
      absl::StrCat("users/", absl::AsciiStrToUpper(kOfficer.substr(6))));
  absl::StatusOr<SafeguardingChange> got = ApplySafeguardingActionUpdate(
      Stored(), Update({"assigned_user"}, values), At(kToday));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->action.assigned_user(), kOfficer);
  EXPECT_TRUE(got->changed());

  values.clear_assigned_user();
  got = ApplySafeguardingActionUpdate(Stored(), Update({"assigned_user"}, values),
                                      At(kToday));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->action.assigned_user(), "");
  EXPECT_EQ(got->entry.changed_fields(0), "assigned_user");
}

// ---- Complete and cancel -------------------------------------------------------

v1::CompleteSafeguardingActionRequest Complete(std::string outcome = "GP alerted") {
  v1::CompleteSafeguardingActionRequest r;
  r.set_name(kAction);
  r.set_outcome(std::move(outcome));
  r.set_etag("e1");
  return r;
}
v1::CancelSafeguardingActionRequest Cancel(std::string reason = "Victim moved") {
  v1::CancelSafeguardingActionRequest r;
  r.set_name(kAction);
  r.set_reason(std::move(reason));
  r.set_etag("e1");
  return r;
}

TEST(CompleteSafeguardingActionTest, EachBadFieldIsNamed) {
  auto r = Complete();
  r.set_name("cases/x");
  ExpectField(ValidateCompleteSafeguardingActionRequest(r).status(), "name");
  ExpectField(ValidateCompleteSafeguardingActionRequest(Complete("  ")).status(),
              "outcome", "is required");
  ExpectField(ValidateCompleteSafeguardingActionRequest(
                  Complete(std::string(10001, 'o')))
                  .status(),
              "outcome", "at most");
  r = Complete();
  r.clear_etag();
  ExpectField(ValidateCompleteSafeguardingActionRequest(r).status(), "etag");
  ExpectField(ApplyCompleteSafeguardingAction(Stored(), r, At(kToday)).status(),
              "etag");
  ExpectField(
      ApplyCompleteSafeguardingAction(Stored(), Complete(""), At(kToday)).status(),
      "outcome");
}

TEST(CancelSafeguardingActionTest, EachBadFieldIsNamed) {
  auto r = Cancel();
  r.clear_name();
  ExpectField(ValidateCancelSafeguardingActionRequest(r).status(), "name");
  ExpectField(ValidateCancelSafeguardingActionRequest(Cancel("")).status(),
              "reason", "is required");
  r = Cancel();
  r.clear_etag();
  ExpectField(ValidateCancelSafeguardingActionRequest(r).status(), "etag");
  ExpectField(ApplyCancelSafeguardingAction(Stored(), Cancel("\n"), At(kToday))
                  .status(),
              "reason");
}

// Complete and cancel, from every state.
TEST(CloseSafeguardingActionTest, FromEveryState) {
  struct Close {
    std::string what;
    std::function<absl::StatusOr<SafeguardingChange>(
        const v1::SafeguardingAction&, const SafeguardingContext&)>
        apply;
    Status to;
    v1::SafeguardingActionEvent event;
    std::string text_field;
  };
  const Close closes[] = {
      {"complete",
       [](const auto& a, const auto& ctx) {
         return ApplyCompleteSafeguardingAction(a, Complete(), ctx);
       },
       kCompleted, v1::SAFEGUARDING_ACTION_EVENT_COMPLETE, "outcome"},
      {"cancel",
       [](const auto& a, const auto& ctx) {
         return ApplyCancelSafeguardingAction(a, Cancel(), ctx);
       },
       kCancelled, v1::SAFEGUARDING_ACTION_EVENT_CANCEL, "cancel_reason"},
  };
  for (const Close& close : closes) {
    for (Status from : kStatuses) {
      SCOPED_TRACE(absl::StrCat(close.what, " from ", Name(from)));
      const SafeguardingContext ctx = At(kToday);
      absl::StatusOr<SafeguardingChange> got = close.apply(Stored(from), ctx);
      if (!Active(from)) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_NE(got.status().message().find(absl::StrCat("is ", Name(from))),
                  std::string::npos);
        continue;
      }
      ASSERT_TRUE(got.ok()) << got.status();
      v1::SafeguardingAction want = Stored(from);
      want.set_status(close.to);
      if (close.to == kCompleted) {
        want.set_outcome("GP alerted");
      } else {
        want.set_cancel_reason("Victim moved");
      }
      want.set_closed_by(kOfficer);
      *want.mutable_close_time() = ToProtoTime(ctx.now);
      *want.mutable_update_time() = ToProtoTime(ctx.now);
      EXPECT_EQ(got->action.DebugString(), want.DebugString());
      EXPECT_EQ(got->entry.event(), close.event);
      EXPECT_EQ(got->entry.from_status(), from);
      EXPECT_EQ(got->entry.to_status(), close.to);
      EXPECT_EQ(std::vector<std::string>(got->entry.changed_fields().begin(),
                                         got->entry.changed_fields().end()),
                (std::vector<std::string>{"status", close.text_field}));
    }
  }
}

TEST(CompleteSafeguardingActionTest, StaleEtagIsAborted) {
  auto c = Complete();
  c.set_etag("old");
  EXPECT_EQ(ApplyCompleteSafeguardingAction(Stored(), c, At(kToday)).status().code(),
            absl::StatusCode::kAborted);
  auto x = Cancel();
  x.set_etag("old");
  EXPECT_EQ(ApplyCancelSafeguardingAction(Stored(), x, At(kToday)).status().code(),
            absl::StatusCode::kAborted);
}

// ---- Victim-services opt-out ----------------------------------------------

TEST(OptOutTest, CancelsExactlyTheActiveVictimServiceActions) {
  const v1::AgencyKind kinds[] = {
      v1::AGENCY_KIND_POLICE, v1::AGENCY_KIND_CPS, v1::AGENCY_KIND_COUNCIL,
      v1::AGENCY_KIND_HEALTH, v1::AGENCY_KIND_VICTIM_SERVICE,
  };
  std::vector<SafeguardingActionFacts> actions;
  std::vector<std::string> want;
  int n = 0;
  for (v1::AgencyKind kind : kinds) {
    for (Status status : kStatuses) {
      SafeguardingActionFacts f;
      f.id = absl::StrCat("action-", n++);
      f.assigned_agency_kind = kind;
      f.status = status;
      // Advocate referrals to the police or a council are not the victim
      // service's work: the type alone does not decide.
      f.type = v1::SAFEGUARDING_ACTION_TYPE_ADVOCATE_REFERRAL;
      actions.push_back(f);
      if (kind == v1::AGENCY_KIND_VICTIM_SERVICE && Active(status)) {
        want.push_back(f.id);
      }
    }
  }
  EXPECT_EQ(want.size(), 3u);
  EXPECT_EQ(SafeguardingActionsToCancelOnOptOut(actions), want);
  EXPECT_TRUE(SafeguardingActionsToCancelOnOptOut({}).empty());
}

TEST(OptOutTest, CancelRecordsTheReason) {
  EXPECT_EQ(OptOutCancelReason("does not want contact"),
            "Victim opted out of victim services: does not want contact");
  EXPECT_EQ(OptOutCancelReason(" "), "Victim opted out of victim services");
  for (Status from : kStatuses) {
    const SafeguardingContext ctx = At(kToday);
    absl::StatusOr<SafeguardingChange> got = CancelSafeguardingActionForOptOut(
        Stored(from), "does not want contact", ctx);
    if (!Active(from)) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->action.status(), kCancelled);
    EXPECT_EQ(got->action.cancel_reason(),
              "Victim opted out of victim services: does not want contact");
    EXPECT_EQ(got->action.closed_by(), kOfficer);
    EXPECT_EQ(got->entry.event(), v1::SAFEGUARDING_ACTION_EVENT_CANCEL);
  }
}

// ---- MARAC referral -----------------------------------------------------------

v1::ReferToMaracRequest Marac() {
  v1::ReferToMaracRequest r;
  r.set_parent(kCase);
  *r.mutable_referral()->mutable_marac_date() =
      ToProtoDate(CivilDay(2028, 3, 7));
  r.mutable_referral()->set_reason("S-DASH 9/11; threats to kill");
  v1::SafeguardingAction housing = ValidInput(CivilDay(2028, 3, 14));
  housing.set_type(v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
  housing.set_assigned_agency(kCouncil);
  housing.clear_assigned_user();
  *r.add_actions() = housing;
  *r.add_actions() = ValidInput(CivilDay(2028, 3, 1));
  r.set_request_id("marac-1");
  return r;
}

TEST(CheckMaracReferralAllowedTest, OnlyHighRiskOpenCases) {
  struct Case {
    v1::RiskLevel level;
    std::string names;
  };
  const Case cases[] = {
      {v1::RISK_LEVEL_UNSPECIFIED, "it is not assessed"},
      {v1::RISK_LEVEL_STANDARD, "it is STANDARD"},
      {v1::RISK_LEVEL_MEDIUM, "it is MEDIUM"},
      {v1::RISK_LEVEL_HIGH, ""},
  };
  for (const Case& c : cases) {
    SafeguardingCaseFacts kase;
    kase.risk_level = c.level;
    absl::Status s = CheckMaracReferralAllowed(kase);
    if (c.level == v1::RISK_LEVEL_HIGH) {
      EXPECT_TRUE(s.ok()) << s;
      kase.status = v1::CASE_STATUS_CLOSED;
      s = CheckMaracReferralAllowed(kase);
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_NE(s.message().find("CLOSED"), std::string::npos) << s;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.level;
    EXPECT_NE(s.message().find("HIGH"), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s;
  }
}

struct MaracCase {
  std::string what;
  std::function<void(v1::ReferToMaracRequest&)> mutate;
  std::string field;
  std::string message_part;
};

TEST(ValidateReferToMaracTest, EachBadFieldIsNamed) {
  const std::vector<MaracCase> cases = {
      {"no parent", [](auto& r) { r.clear_parent(); }, "parent", "is required"},
      {"no date", [](auto& r) { r.mutable_referral()->clear_marac_date(); },
       "referral.marac_date", "is required"},
      {"29 February 2029",
       [](auto& r) {
         v1::Date* d = r.mutable_referral()->mutable_marac_date();
         d->set_year(2029);
         d->set_month(2);
         d->set_day(29);
       },
       "referral.marac_date", "not a real calendar date"},
      {"no reason", [](auto& r) { r.mutable_referral()->set_reason(" "); },
       "referral.reason", "is required"},
      {"second action due yesterday",
       [](auto& r) {
         *r.mutable_actions(1)->mutable_due_date() = ToProtoDate(kToday - 1);
       },
       "actions[1].due_date", "must not be before today"},
      {"first action without agency",
       [](auto& r) { r.mutable_actions(0)->clear_assigned_agency(); },
       "actions[0].assigned_agency", "is required"},
      {"action without description",
       [](auto& r) { r.mutable_actions(1)->clear_description(); },
       "actions[1].description", "is required"},
      {"a MARAC referral as an agreed action",
       [](auto& r) {
         r.mutable_actions(0)->set_type(v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL);
       },
       "actions[0].type", "MARAC"},
      {"too many actions",
       [](auto& r) {
         while (r.actions_size() <= kMaxMaracActions)
           *r.add_actions() = ValidInput();
       },
       "actions", "at most 50"},
      {"long request id",
       [](auto& r) { r.set_request_id(std::string(101, 'r')); }, "request_id",
       ""},
  };
  ASSERT_TRUE(ValidateReferToMaracRequest(Marac(), kToday).ok());
  for (const MaracCase& c : cases) {
    SCOPED_TRACE(c.what);
    v1::ReferToMaracRequest r = Marac();
    c.mutate(r);
    ExpectField(ValidateReferToMaracRequest(r, kToday).status(), c.field,
                c.message_part);
  }
}

TEST(ValidateReferToMaracTest, NoActionsOrTheMaximum) {
  v1::ReferToMaracRequest r = Marac();
  r.clear_actions();
  EXPECT_TRUE(ValidateReferToMaracRequest(r, kToday).ok());
  while (r.actions_size() < kMaxMaracActions) *r.add_actions() = ValidInput();
  EXPECT_TRUE(ValidateReferToMaracRequest(r, kToday).ok());
}

absl::flat_hash_map<std::string, v1::AgencyKind> Kinds() {
  return {{kCouncil, v1::AGENCY_KIND_COUNCIL},
          {kHealth, v1::AGENCY_KIND_HEALTH},
          {kPolice, v1::AGENCY_KIND_POLICE},
          {kVictimService, v1::AGENCY_KIND_VICTIM_SERVICE}};
}

SafeguardingCaseFacts HighRisk() {
  SafeguardingCaseFacts kase;
  kase.risk_level = v1::RISK_LEVEL_HIGH;
  kase.owning_agency = kPolice;
  return kase;
}

TEST(PlanMaracReferralTest, RecordsTheReferralAndTheAgreedActions) {
  std::vector<SafeguardingActionFacts> existing(4);
  existing[0].id = "open-referral";
  existing[0].type = v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL;
  existing[0].status = kInProgress;
  existing[1].id = "done-referral";
  existing[1].type = v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL;
  existing[1].status = kCompleted;
  existing[2].id = "open-gp-alert";
  existing[2].type = v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT;
  existing[2].status = kOpen;
  existing[3].id = "blocked-referral";
  existing[3].type = v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL;
  existing[3].status = kBlocked;

  v1::ReferToMaracRequest r = Marac();
  // Upper-case ids still find their agency.
  r.mutable_actions(0)->set_assigned_agency(
      absl::StrCat("agencies/", absl::AsciiStrToUpper(kCouncilId)));
  const SafeguardingContext ctx = At(kToday);
  absl::StatusOr<MaracReferralPlan> plan =
      PlanMaracReferral(r, HighRisk(), Kinds(), existing, ctx);
  ASSERT_TRUE(plan.ok()) << plan.status();

  EXPECT_EQ(plan->referral.reason(), "S-DASH 9/11; threats to kill");
  EXPECT_EQ(*ParseDate("d", plan->referral.marac_date(), kSafeguardingDate),
            CivilDay(2028, 3, 7));
  EXPECT_EQ(plan->referral.risk_level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(plan->referral.referred_by(), kOfficer);
  EXPECT_EQ(ToAbslTime(plan->referral.create_time()), ctx.now);

  ASSERT_EQ(plan->new_actions.size(), 2u);
  EXPECT_EQ(plan->new_actions[0].action.type(),
            v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE);
  EXPECT_EQ(plan->new_actions[0].action.assigned_agency(), kCouncil);
  EXPECT_EQ(plan->new_actions[1].action.assigned_agency(), kHealth);
  for (const SafeguardingChange& c : plan->new_actions) {
    EXPECT_EQ(c.action.status(), kOpen);
    EXPECT_EQ(c.action.created_by(), kOfficer);
    EXPECT_EQ(c.entry.event(), v1::SAFEGUARDING_ACTION_EVENT_CREATE);
  }
  EXPECT_EQ(plan->referral_actions_to_complete,
            (std::vector<std::string>{"open-referral", "blocked-referral"}));
}

TEST(PlanMaracReferralTest, NotBelowHighRisk) {
  for (v1::RiskLevel level : {v1::RISK_LEVEL_UNSPECIFIED, v1::RISK_LEVEL_STANDARD,
                              v1::RISK_LEVEL_MEDIUM}) {
    SafeguardingCaseFacts kase;
    kase.risk_level = level;
    absl::Status s = PlanMaracReferral(Marac(), kase, Kinds(), {}, At(kToday)).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  }
  SafeguardingCaseFacts medium;
  medium.risk_level = v1::RISK_LEVEL_MEDIUM;
  EXPECT_EQ(PlanMaracReferral(Marac(), medium, Kinds(), {}, At(kToday))
                .status()
                .message(),
            "a MARAC referral needs the case's risk level to be HIGH; it is "
            "MEDIUM (record a risk assessment first)");
}

TEST(PlanMaracReferralTest, InputErrorsComeFirstAndNameTheAction) {
  v1::ReferToMaracRequest r = Marac();
  r.mutable_actions(1)->clear_rationale();
  ExpectField(PlanMaracReferral(r, HighRisk(), Kinds(), {}, At(kToday)).status(),
              "actions[1].rationale");

  auto kinds = Kinds();
  kinds.erase(kHealth);  // No such agency.
  ExpectField(PlanMaracReferral(Marac(), HighRisk(), kinds, {}, At(kToday)).status(),
              "actions[1].assigned_agency", "is not a known agency");
  kinds = Kinds();
  kinds[kCouncil] = v1::AGENCY_KIND_CPS;
  ExpectField(PlanMaracReferral(Marac(), HighRisk(), kinds, {}, At(kToday)).status(),
              "actions[0].assigned_agency", "CPS");
}

TEST(PlanMaracReferralTest, NoVictimServiceWorkAfterAnOptOut) {
  v1::ReferToMaracRequest r = Marac();
  r.mutable_actions(0)->set_assigned_agency(kVictimService);
  SafeguardingCaseFacts kase = HighRisk();
  EXPECT_TRUE(PlanMaracReferral(r, kase, Kinds(), {}, At(kToday)).ok());
  kase.victim_opted_out = true;
  EXPECT_EQ(PlanMaracReferral(r, kase, Kinds(), {}, At(kToday)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CompleteByMaracReferralTest, CompletesOpenReferralActions) {
  v1::MaracReferral referral;
  referral.set_name(kCase + "/maracReferrals/0b8f3c2a-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
  *referral.mutable_marac_date() = ToProtoDate(CivilDay(2028, 3, 7));
  for (Status from : kStatuses) {
    v1::SafeguardingAction a = Stored(from);
    a.set_type(v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL);
    absl::StatusOr<SafeguardingChange> got =
        CompleteSafeguardingActionByMaracReferral(a, referral, At(kToday));
    if (!Active(from)) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->action.status(), kCompleted);
    EXPECT_EQ(got->action.outcome(),
              absl::StrCat("Referred to MARAC for the conference on 2028-03-07 (",
                           referral.name(), ")"));
    EXPECT_EQ(got->entry.event(), v1::SAFEGUARDING_ACTION_EVENT_COMPLETE);
  }
  // Only MARAC referral actions.
  EXPECT_EQ(CompleteSafeguardingActionByMaracReferral(Stored(), referral, At(kToday))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace casebridge::domain
