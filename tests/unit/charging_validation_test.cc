// Request validation for ChargingService: each valid example passes, and each
// broken field is refused as INVALID_ARGUMENT naming exactly that field.
#include "domain/charging_validation.h"

#include <functional>
#include <string>
#include <vector>

#include "domain/validation.h"
#include "gtest/gtest.h"
#include "tests/unit/charging_test_support.h"

namespace casebridge::domain {
namespace {

using namespace charging_test;  // NOLINT: test fixtures

template <typename Request>
struct Broken {
  std::string what;
  std::function<void(Request*)> mutate;
  std::string field;  // Expected FieldOf; empty = expected to pass.
};

template <typename Request, typename Validate>
void ExpectEach(const Request& valid, Validate validate,
                const std::vector<Broken<Request>>& cases) {
  ASSERT_TRUE(validate(valid).ok()) << validate(valid);
  for (const Broken<Request>& c : cases) {
    SCOPED_TRACE(c.what);
    Request r = valid;
    c.mutate(&r);
    const absl::Status s = validate(r);
    if (c.field.empty()) {
      EXPECT_TRUE(s.ok()) << s;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(FieldOf(s).value_or("<none>"), c.field) << s;
  }
}

TEST(ChargingDatesTest, CivilDayConversions) {
  EXPECT_EQ(ToCivilDay(D(2026, 2, 28)), absl::CivilDay(2026, 2, 28));
  EXPECT_FALSE(ToCivilDay(D(2026, 2, 29)).has_value());  // not a leap year
  EXPECT_TRUE(ToCivilDay(D(2028, 2, 29)).has_value());
  EXPECT_FALSE(ToCivilDay(D(2026, 13, 1)).has_value());
  EXPECT_FALSE(ToCivilDay(D(0, 1, 1)).has_value());
  EXPECT_FALSE(ToCivilDay(D(2026, 4, 31)).has_value());
  EXPECT_FALSE(ToCivilDay(v1::Date()).has_value());
  EXPECT_EQ(ToProtoDate(absl::CivilDay(2026, 3, 9)).day(), 9);
  EXPECT_EQ(FormatDay(absl::CivilDay(2026, 3, 9)), "2026-03-09");
  EXPECT_EQ(CheckDate("d", D(2026, 2, 30), true, false).message(),
            "d: is not a valid date (year 2026, month 2, day 30)");
  EXPECT_EQ(CheckDate("d", v1::Date(), false, true).message(),
            "d: is required");
  EXPECT_TRUE(CheckDate("d", v1::Date(), false, false).ok());
}

TEST(ChargingDatesTest, TodayIsTheUkCivilDay) {
  // 23:30 UTC on 10 July is already 11 July in the UK (BST).
  const absl::Time summer = absl::FromCivil(
      absl::CivilSecond(2026, 7, 10, 23, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(ChargingClock{summer}.Today(), absl::CivilDay(2026, 7, 11));
  EXPECT_EQ(ChargingClock{summer}.DayOf(summer - absl::Hours(1)),
            absl::CivilDay(2026, 7, 10));
  // In winter (GMT) UK and UTC days agree.
  const absl::Time winter = absl::FromCivil(
      absl::CivilSecond(2026, 1, 10, 23, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(ChargingClock{winter}.Today(), absl::CivilDay(2026, 1, 10));
}

TEST(ChargingNamesTest, FileAndItemNames) {
  auto file = ParseChargingFileName(FileName(), "name");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->case_key.id, kCaseId);
  EXPECT_EQ(file->child_id, kFileId);
  auto by_ref = ParseChargingFileName(
      std::string("cases/SP-2026-000123/chargingFiles/") + kFileId, "name");
  ASSERT_TRUE(by_ref.ok());
  EXPECT_EQ(by_ref->case_key.reference, "SP-2026-000123");

  auto item = ParseActionItemName(ItemName(3), "name");
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->file.child_id, kFileId);
  EXPECT_EQ(item->item_id, ItemId(3));
  // Upper-case ids are accepted and canonicalised to lower case.
  auto upper = ParseActionItemName(
      FileName() + "/actionItems/AAAAAAAA-0000-4000-8000-000000000003", "name");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->item_id, ItemId(3));

  for (const std::string& bad : {
           std::string(""),
           FileName(),
           FileName() + "/actionItems/",
           FileName() + "/actionItems/not-a-uuid",
           FileName() + "/items/" + ItemId(1),
           std::string("cases/x/chargingFiles/") + kFileId + "/actionItems/" +
               ItemId(1),
           FileName() + "/actionItems/" + ItemId(1) + "/more",
       }) {
    SCOPED_TRACE(bad);
    auto parsed = ParseActionItemName(bad, "name");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(FieldOf(parsed.status()), "name");
  }
}

TEST(ChargingValidationTest, SubmitChargingFile) {
  const auto clock = FixedClock();
  using R = v1::SubmitChargingFileRequest;
  auto suspect = [](R* r) {
    return r->mutable_charging_file()->mutable_suspects(0);
  };
  ExpectEach<R>(
      ValidSubmit(),
      [&](const R& r) { return ValidateSubmitChargingFileRequest(r, clock); },
      {
          {"bad parent", [](R* r) { r->set_parent("cases"); }, "parent"},
          {"no file", [](R* r) { r->clear_charging_file(); }, "charging_file"},
          {"no kind",
           [](R* r) { r->mutable_charging_file()->clear_kind(); },
           "charging_file.kind"},
          {"unknown kind",
           [](R* r) {
             r->mutable_charging_file()->set_kind(
                 static_cast<v1::ChargingFileKind>(9));
           },
           "charging_file.kind"},
          {"no urgency",
           [](R* r) { r->mutable_charging_file()->clear_urgency(); },
           "charging_file.urgency"},
          {"no suspects",
           [](R* r) { r->mutable_charging_file()->clear_suspects(); },
           "charging_file.suspects"},
          {"suspect number unset",
           [&](R* r) { suspect(r)->clear_suspect_number(); },
           "charging_file.suspects[0].suspect_number"},
          {"same suspect twice",
           [&](R* r) {
             *r->mutable_charging_file()->add_suspects() = *suspect(r);
           },
           "charging_file.suspects[1].suspect_number"},
          {"no bail status",
           [&](R* r) { suspect(r)->clear_bail_status(); },
           "charging_file.suspects[0].bail_status"},
          {"bail without release date",
           [&](R* r) { suspect(r)->clear_release_date(); },
           "charging_file.suspects[0].release_date"},
          {"bail without return date",
           [&](R* r) { suspect(r)->clear_bail_return_date(); },
           "charging_file.suspects[0].bail_return_date"},
          {"return before release",
           [&](R* r) { *suspect(r)->mutable_bail_return_date() = D(2026, 3, 1); },
           "charging_file.suspects[0].bail_return_date"},
          {"return date on release day is fine",
           [&](R* r) { *suspect(r)->mutable_bail_return_date() = D(2026, 3, 2); },
           ""},
          {"release in the future",
           [&](R* r) { *suspect(r)->mutable_release_date() = D(2026, 3, 11); },
           "charging_file.suspects[0].release_date"},
          {"release date today is fine",
           [&](R* r) { *suspect(r)->mutable_release_date() = D(2026, 3, 10); },
           ""},
          {"invalid release date",
           [&](R* r) { *suspect(r)->mutable_release_date() = D(2026, 2, 30); },
           "charging_file.suspects[0].release_date"},
          {"RUI with a return date",
           [&](R* r) {
             suspect(r)->set_bail_status(
                 v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION);
             suspect(r)->clear_bail_conditions();
           },
           "charging_file.suspects[0].bail_return_date"},
          {"RUI with conditions",
           [&](R* r) {
             suspect(r)->set_bail_status(
                 v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION);
             suspect(r)->clear_bail_return_date();
           },
           "charging_file.suspects[0].bail_conditions"},
          {"RUI with release date only is fine",
           [&](R* r) {
             suspect(r)->set_bail_status(
                 v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION);
             suspect(r)->clear_bail_return_date();
             suspect(r)->clear_bail_conditions();
           },
           ""},
          {"RUI without release date",
           [&](R* r) {
             suspect(r)->set_bail_status(
                 v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION);
             suspect(r)->clear_bail_return_date();
             suspect(r)->clear_bail_conditions();
             suspect(r)->clear_release_date();
           },
           "charging_file.suspects[0].release_date"},
          {"custody with release date",
           [&](R* r) { suspect(r)->set_bail_status(v1::BAIL_STATUS_IN_CUSTODY); },
           "charging_file.suspects[0].release_date"},
          {"custody with no dates is fine",
           [&](R* r) {
             suspect(r)->set_bail_status(v1::BAIL_STATUS_IN_CUSTODY);
             suspect(r)->clear_release_date();
             suspect(r)->clear_bail_return_date();
             suspect(r)->clear_bail_conditions();
           },
           ""},
          {"not arrested with a return date",
           [&](R* r) {
             suspect(r)->set_bail_status(v1::BAIL_STATUS_NOT_ARRESTED);
             suspect(r)->clear_release_date();
           },
           "charging_file.suspects[0].bail_return_date"},
          {"no offences",
           [](R* r) { r->mutable_charging_file()->clear_proposed_offences(); },
           "charging_file.proposed_offences"},
          {"unspecified offence",
           [](R* r) {
             r->mutable_charging_file()->add_proposed_offences();
           },
           "charging_file.proposed_offences[2].offence"},
          {"unknown offence",
           [](R* r) {
             r->mutable_charging_file()->mutable_proposed_offences(1)->set_offence(
                 static_cast<v1::Offence>(42));
           },
           "charging_file.proposed_offences[1].offence"},
          {"offence twice",
           [](R* r) {
             r->mutable_charging_file()->add_proposed_offences()->set_offence(
                 v1::OFFENCE_PHA_S2A_STALKING);
           },
           "charging_file.proposed_offences[2].offence"},
          {"no summary",
           [](R* r) { r->mutable_charging_file()->set_summary(" "); },
           "charging_file.summary"},
          {"summary too long",
           [](R* r) {
             r->mutable_charging_file()->set_summary(
                 std::string(kMaxLongText + 1, 'x'));
           },
           "charging_file.summary"},
          {"bad UTF-8 in particulars",
           [](R* r) {
             r->mutable_charging_file()
                 ->mutable_proposed_offences(1)
                 ->set_particulars("\xff");
           },
           "charging_file.proposed_offences[1].particulars"},
          {"request id too long",
           [](R* r) { r->set_request_id(std::string(201, 'r')); },
           "request_id"},
          {"output-only fields are ignored",
           [](R* r) {
             r->mutable_charging_file()->set_state(
                 v1::CHARGING_FILE_STATE_DECIDED);
             r->mutable_charging_file()->set_origin(
                 v1::CHARGING_ORIGIN_SPO_BREACH);
           },
           ""},
      });
}

TEST(ChargingValidationTest, TooManySuspects) {
  v1::SubmitChargingFileRequest r = ValidSubmit();
  for (int i = 2; i <= kMaxChargingSuspects + 1; ++i) {
    v1::ChargingSuspect* s = r.mutable_charging_file()->add_suspects();
    s->set_suspect_number(i);
    s->set_bail_status(v1::BAIL_STATUS_NOT_ARRESTED);
  }
  EXPECT_EQ(FieldOf(ValidateSubmitChargingFileRequest(r, FixedClock())),
            "charging_file.suspects");
}

TEST(ChargingValidationTest, SubmitFullFile) {
  const auto clock = FixedClock();
  using R = v1::SubmitFullFileRequest;
  ExpectEach<R>(
      ValidSubmitFullFile(),
      [&](const R& r) { return ValidateSubmitFullFileRequest(r, clock); },
      {
          {"bad name", [](R* r) { r->set_name("cases/x"); }, "name"},
          {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
          {"no content", [](R* r) { r->clear_charging_file(); },
           "charging_file"},
          {"kind may be left unset",
           [](R* r) { r->mutable_charging_file()->clear_kind(); }, ""},
          {"kind early advice",
           [](R* r) {
             r->mutable_charging_file()->set_kind(
                 v1::CHARGING_FILE_KIND_EARLY_ADVICE);
           },
           "charging_file.kind"},
          {"content is checked",
           [](R* r) { r->mutable_charging_file()->clear_proposed_offences(); },
           "charging_file.proposed_offences"},
      });
}

TEST(ChargingValidationTest, NameOnlyRequests) {
  v1::GetChargingFileRequest get;
  get.set_name(FileName());
  EXPECT_TRUE(ValidateGetChargingFileRequest(get).ok());
  get.set_name(ItemName(0));
  EXPECT_EQ(FieldOf(ValidateGetChargingFileRequest(get)), "name");
  v1::GetChargingProgressRequest progress;
  progress.set_name(FileName());
  EXPECT_TRUE(ValidateGetChargingProgressRequest(progress).ok());
  progress.clear_name();
  EXPECT_EQ(ValidateGetChargingProgressRequest(progress).message(),
            "name: is required");
}

TEST(ChargingValidationTest, RespondToActionItem) {
  using R = v1::RespondToActionItemRequest;
  auto validate = [](const R& r) {
    return ValidateRespondToActionItemRequest(r);
  };
  ExpectEach<R>(Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT), validate,
                {
                    {"file name instead of item",
                     [](R* r) { r->set_name(FileName()); }, "name"},
                    {"no response", [](R* r) { r->clear_response(); },
                     "response"},
                    {"unknown response",
                     [](R* r) {
                       r->set_response(
                           static_cast<v1::ChargingActionItemResponse>(7));
                     },
                     "response"},
                    {"reason on accept",
                     [](R* r) { r->set_reason("because"); }, "reason"},
                    {"provided on accept",
                     [](R* r) { r->set_provided("x"); }, "provided"},
                    {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
                });
  ExpectEach<R>(Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE), validate,
                {
                    {"dispute without reason",
                     [](R* r) { r->clear_reason(); }, "reason"},
                    {"dispute with provided",
                     [](R* r) { r->set_provided("x"); }, "provided"},
                });
  ExpectEach<R>(Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE),
                validate,
                {
                    {"complete without what was provided",
                     [](R* r) { r->set_provided("\n"); }, "provided"},
                    {"complete with reason",
                     [](R* r) { r->set_reason("x"); }, "reason"},
                });
}

TEST(ChargingValidationTest, ReviewActionItem) {
  const auto clock = FixedClock();
  using R = v1::ReviewActionItemRequest;
  auto validate = [&](const R& r) {
    return ValidateReviewActionItemRequest(r, clock);
  };
  ExpectEach<R>(Review(1, v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM), validate,
                {
                    {"no review", [](R* r) { r->clear_review(); }, "review"},
                    {"no note", [](R* r) { r->clear_note(); }, "note"},
                    {"new due date today",
                     [](R* r) { *r->mutable_due_date() = D(2026, 3, 10); },
                     ""},
                    {"new due date in the past",
                     [](R* r) { *r->mutable_due_date() = D(2026, 3, 9); },
                     "due_date"},
                    {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
                });
  ExpectEach<R>(Review(1, v1::CHARGING_ACTION_ITEM_REVIEW_WITHDRAW), validate,
                {
                    {"due date on withdraw",
                     [](R* r) { *r->mutable_due_date() = D(2026, 3, 20); },
                     "due_date"},
                });
}

TEST(ChargingValidationTest, WithdrawAndAdvice) {
  v1::WithdrawChargingFileRequest w;
  w.set_name(FileName());
  w.set_reason("Suspect deceased");
  w.set_etag("e");
  EXPECT_TRUE(ValidateWithdrawChargingFileRequest(w).ok());
  w.clear_reason();
  EXPECT_EQ(FieldOf(ValidateWithdrawChargingFileRequest(w)), "reason");
  w.set_reason("x");
  w.clear_etag();
  EXPECT_EQ(FieldOf(ValidateWithdrawChargingFileRequest(w)), "etag");

  v1::RecordAdviceRequest a = ValidAdvice();
  EXPECT_TRUE(ValidateRecordAdviceRequest(a).ok());
  a.clear_advice();
  EXPECT_EQ(FieldOf(ValidateRecordAdviceRequest(a)), "advice");
}

TEST(ChargingValidationTest, IssueActionPlan) {
  const auto clock = FixedClock();
  using R = v1::IssueActionPlanRequest;
  ExpectEach<R>(
      ValidPlan(),
      [&](const R& r) { return ValidateIssueActionPlanRequest(r, clock); },
      {
          {"no items", [](R* r) { r->clear_items(); }, "items"},
          {"no description",
           [](R* r) { r->mutable_items(1)->clear_description(); },
           "items[1].description"},
          {"no due date", [](R* r) { r->mutable_items(0)->clear_due_date(); },
           "items[0].due_date"},
          {"due yesterday",
           [](R* r) { *r->mutable_items(0)->mutable_due_date() = D(2026, 3, 9); },
           "items[0].due_date"},
          {"due today is fine",
           [](R* r) {
             *r->mutable_items(0)->mutable_due_date() = D(2026, 3, 10);
           },
           ""},
          {"too many items",
           [](R* r) {
             while (r->items_size() <= kMaxActionItemsPerPlan) {
               *r->add_items() = r->items(0);
             }
           },
           "items"},
          {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
      });
}

TEST(ChargingValidationTest, RecordDecision) {
  const auto clock = FixedClock();
  using R = v1::RecordDecisionRequest;
  auto validate = [&](const R& r) {
    return ValidateRecordDecisionRequest(r, clock);
  };
  ExpectEach<R>(
      Decide(FullCodeCharge()), validate,
      {
          {"no decision", [](R* r) { r->clear_decision(); }, "decision"},
          {"no test", [](R* r) { r->mutable_decision()->clear_test(); },
           "decision.test"},
          {"no outcome", [](R* r) { r->mutable_decision()->clear_outcome(); },
           "decision.outcome"},
          {"no rationale",
           [](R* r) { r->mutable_decision()->clear_rationale(); },
           "decision.rationale"},
          {"charge without offences",
           [](R* r) { r->mutable_decision()->clear_offences(); },
           "decision.offences"},
          {"charge with unknown offence",
           [](R* r) {
             r->mutable_decision()->mutable_offences(0)->set_offence(
                 static_cast<v1::Offence>(99));
           },
           "decision.offences[0].offence"},
          {"charge with an NFA reason",
           [](R* r) {
             r->mutable_decision()->set_nfa_reason(v1::NFA_REASON_EVIDENTIAL);
           },
           "decision.nfa_reason"},
          {"charge with disposal details",
           [](R* r) { r->mutable_decision()->set_disposal_details("caution"); },
           "decision.disposal_details"},
          {"decision date in the future",
           [](R* r) {
             *r->mutable_decision()->mutable_decision_date() = D(2026, 3, 11);
           },
           "decision.decision_date"},
          {"decision date yesterday is fine",
           [](R* r) {
             *r->mutable_decision()->mutable_decision_date() = D(2026, 3, 9);
           },
           ""},
          {"full code with threshold grounds",
           [](R* r) { r->mutable_decision()->set_threshold_grounds("x"); },
           "decision.threshold_grounds"},
          {"full code with a review date",
           [](R* r) {
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 4, 1);
           },
           "decision.threshold_review_by"},
          {"first hearing with a charge",
           [](R* r) { *r->mutable_first_hearing() = Hearing(D(2026, 3, 11)); },
           ""},
          {"first hearing without court",
           [](R* r) {
             *r->mutable_first_hearing() = Hearing(D(2026, 3, 11));
             r->mutable_first_hearing()->clear_court();
           },
           "first_hearing.court"},
          {"first hearing without date",
           [](R* r) { r->mutable_first_hearing()->set_court("Stafford"); },
           "first_hearing.date"},
          {"first hearing before the decision",
           [](R* r) { *r->mutable_first_hearing() = Hearing(D(2026, 3, 9)); },
           "first_hearing.date"},
          {"restraining order and SPO reminder",
           [](R* r) {
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
           },
           ""},
          {"ancillary order without kind",
           [](R* r) { r->add_ancillary_orders(); }, "ancillary_orders[0].kind"},
          {"other order without details",
           [](R* r) {
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_OTHER);
           },
           "ancillary_orders[0].details"},
          {"restraining order twice",
           [](R* r) {
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
           },
           "ancillary_orders[1].kind"},
          {"victim informed today",
           [](R* r) { *r->mutable_victim_informed() = Informed(D(2026, 3, 10)); },
           ""},
          {"victim informed before the decision",
           [](R* r) { *r->mutable_victim_informed() = Informed(D(2026, 3, 9)); },
           "victim_informed.inform_date"},
          {"victim informed in the future",
           [](R* r) {
             *r->mutable_victim_informed() = Informed(D(2026, 3, 11));
           },
           "victim_informed.inform_date"},
          {"victim informed without date",
           [](R* r) {
             *r->mutable_victim_informed() = Informed(D(2026, 3, 10));
             r->mutable_victim_informed()->clear_inform_date();
           },
           "victim_informed.inform_date"},
          {"not informed, with a date",
           [](R* r) {
             *r->mutable_victim_informed() = Informed(D(2026, 3, 10));
             r->mutable_victim_informed()->set_informed(false);
             r->mutable_victim_informed()->clear_method();
           },
           "victim_informed.inform_date"},
          {"not informed, with a note, is fine",
           [](R* r) {
             r->mutable_victim_informed()->set_notes("No answer; try again");
           },
           ""},
          {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
      });

  ExpectEach<R>(
      Decide(ThresholdCharge()), validate,
      {
          {"threshold for NFA",
           [](R* r) {
             *r->mutable_decision() =
                 NoFurtherAction(v1::NFA_REASON_EVIDENTIAL);
             r->mutable_decision()->set_test(v1::CHARGING_TEST_THRESHOLD);
             r->mutable_decision()->set_threshold_grounds("g");
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 3, 20);
           },
           "decision.outcome"},
          {"threshold without grounds",
           [](R* r) { r->mutable_decision()->clear_threshold_grounds(); },
           "decision.threshold_grounds"},
          {"threshold without review date",
           [](R* r) { r->mutable_decision()->clear_threshold_review_by(); },
           "decision.threshold_review_by"},
          {"review date on the decision date",
           [](R* r) {
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 3, 10);
           },
           "decision.threshold_review_by"},
          {"review date the day after is fine",
           [](R* r) {
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 3, 11);
           },
           ""},
          {"review date after a backdated decision",
           [](R* r) {
             *r->mutable_decision()->mutable_decision_date() = D(2026, 3, 1);
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 3, 2);
           },
           ""},
          {"review date before a backdated decision",
           [](R* r) {
             *r->mutable_decision()->mutable_decision_date() = D(2026, 3, 5);
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 3, 4);
           },
           "decision.threshold_review_by"},
          {"invalid review date",
           [](R* r) {
             *r->mutable_decision()->mutable_threshold_review_by() =
                 D(2026, 2, 31);
           },
           "decision.threshold_review_by"},
      });

  ExpectEach<R>(
      Decide(NoFurtherAction(v1::NFA_REASON_PUBLIC_INTEREST)), validate,
      {
          {"NFA without reason kind",
           [](R* r) { r->mutable_decision()->clear_nfa_reason(); },
           "decision.nfa_reason"},
          {"NFA with offences",
           [](R* r) {
             r->mutable_decision()->add_offences()->set_offence(
                 v1::OFFENCE_PHA_S2_HARASSMENT);
           },
           "decision.offences"},
          {"NFA with a first hearing",
           [](R* r) { *r->mutable_first_hearing() = Hearing(D(2026, 3, 12)); },
           "first_hearing"},
          {"NFA with a restraining order",
           [](R* r) {
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
           },
           "ancillary_orders[0].kind"},
          {"NFA with an SPO reminder is fine (no charge is needed)",
           [](R* r) {
             r->add_ancillary_orders()->set_kind(
                 v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
           },
           ""},
      });

  v1::ChargingDecision oocd;
  oocd.set_test(v1::CHARGING_TEST_FULL_CODE);
  oocd.set_outcome(v1::CHARGING_OUTCOME_OUT_OF_COURT_DISPOSAL);
  oocd.add_offences()->set_offence(v1::OFFENCE_PHA_S2_HARASSMENT);
  oocd.set_disposal_details("Conditional caution: no contact for 16 weeks");
  oocd.set_rationale("First offence, admitted, victim content.");
  ExpectEach<R>(
      Decide(oocd), validate,
      {
          {"disposal without details",
           [](R* r) { r->mutable_decision()->clear_disposal_details(); },
           "decision.disposal_details"},
          {"disposal without offences",
           [](R* r) { r->mutable_decision()->clear_offences(); },
           "decision.offences"},
      });
}

TEST(ChargingValidationTest, ReviewThresholdDecision) {
  const auto clock = FixedClock();
  using R = v1::ReviewThresholdDecisionRequest;
  R valid;
  valid.set_name(FileName());
  valid.set_note("Download delayed by the lab; still a bail risk");
  *valid.mutable_next_review_by() = D(2026, 3, 31);
  valid.set_etag("e");
  ExpectEach<R>(
      valid,
      [&](const R& r) { return ValidateReviewThresholdDecisionRequest(r, clock); },
      {
          {"no note", [](R* r) { r->clear_note(); }, "note"},
          {"no date", [](R* r) { r->clear_next_review_by(); },
           "next_review_by"},
          {"today", [](R* r) { *r->mutable_next_review_by() = D(2026, 3, 10); },
           "next_review_by"},
          {"tomorrow",
           [](R* r) { *r->mutable_next_review_by() = D(2026, 3, 11); }, ""},
          {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
      });
}

TEST(ChargingValidationTest, RecordDecisionFollowUp) {
  const auto clock = FixedClock();
  using R = v1::RecordDecisionFollowUpRequest;
  R valid;
  valid.set_name(FileName());
  *valid.mutable_first_hearing() = Hearing(D(2026, 3, 12));
  valid.mutable_update_mask()->add_paths("first_hearing");
  valid.set_etag("e");
  ExpectEach<R>(
      valid,
      [&](const R& r) { return ValidateRecordDecisionFollowUpRequest(r, clock); },
      {
          {"no mask", [](R* r) { r->clear_update_mask(); }, "update_mask"},
          {"unknown path",
           [](R* r) { r->mutable_update_mask()->add_paths("decision"); },
           "update_mask"},
          {"hearing without court",
           [](R* r) { r->mutable_first_hearing()->clear_court(); },
           "first_hearing.court"},
          {"hearing not in mask is not checked",
           [](R* r) {
             r->mutable_first_hearing()->clear_court();
             r->mutable_update_mask()->set_paths(0, "victim_informed");
           },
           ""},
          {"clearing the hearing",
           [](R* r) { r->clear_first_hearing(); }, ""},
          {"victim informed in the future",
           [](R* r) {
             r->mutable_update_mask()->add_paths("victim_informed");
             *r->mutable_victim_informed() = Informed(D(2026, 3, 11));
           },
           "victim_informed.inform_date"},
          {"ancillary orders checked",
           [](R* r) {
             r->mutable_update_mask()->add_paths("ancillary_orders");
             r->add_ancillary_orders();
           },
           "ancillary_orders[0].kind"},
          {"no etag", [](R* r) { r->clear_etag(); }, "etag"},
      });
}

}  // namespace
}  // namespace casebridge::domain
