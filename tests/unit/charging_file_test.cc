// What each ChargingService write does to a file: whole histories from
// submission to decision, as a handler would drive the Apply functions.
#include "domain/charging_file.h"

#include <string>
#include <vector>

#include "domain/charging_progress.h"
#include "domain/validation.h"
#include "gtest/gtest.h"
#include "tests/unit/charging_test_support.h"

namespace casebridge::domain {
namespace {

using namespace charging_test;  // NOLINT: test fixtures

class ChargingFileTest : public ::testing::Test {
 protected:
  ChargingClock clock_ = FixedClock();
  std::vector<v1::Person> suspects_ = CaseSuspects();

  // Submits and names the file as storage would.
  v1::ChargingFile Submit(v1::ChargingFileKind kind) {
    auto file = NewChargingFile(ValidSubmit(kind), suspects_, kOfficer, clock_);
    EXPECT_TRUE(file.ok()) << file.status();
    NameAsStorageWould(&*file);
    return *file;
  }

  // Runs a step that must succeed and names new items.
  v1::ChargingFile Ok(absl::StatusOr<v1::ChargingFile> next) {
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok()) return v1::ChargingFile();
    NameAsStorageWould(&*next);
    return *next;
  }

  // Moves the clock on by whole days.
  void Advance(int days) { clock_.now += absl::Hours(24 * days); }
};

TEST_F(ChargingFileTest, SubmissionSnapshotsSuspectsAndTimes) {
  v1::SubmitChargingFileRequest req = ValidSubmit();
  v1::ChargingSuspect* second = req.mutable_charging_file()->add_suspects();
  second->set_suspect_number(2);
  second->set_bail_status(v1::BAIL_STATUS_NOT_ARRESTED);
  req.mutable_charging_file()->set_state(v1::CHARGING_FILE_STATE_DECIDED);
  auto file = NewChargingFile(req, suspects_, kOfficer, clock_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->state(), v1::CHARGING_FILE_STATE_SUBMITTED);  // not input
  EXPECT_EQ(file->origin(), v1::CHARGING_ORIGIN_POLICE_SUBMISSION);
  EXPECT_EQ(file->kind(), v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_EQ(file->urgency(), v1::CHARGING_URGENCY_GREEN_PRIORITY);
  ASSERT_EQ(file->suspects_size(), 2);
  EXPECT_EQ(file->suspects(0).display_name(), "Dean Harper");
  EXPECT_EQ(file->suspects(1).display_name(), "Lee Marsh");
  EXPECT_EQ(file->suspects(0).bail_return_date().day(), 30);
  EXPECT_EQ(file->proposed_offences_size(), 2);
  EXPECT_EQ(file->submitted_by(), kOfficer);
  EXPECT_EQ(ToAbslTime(file->create_time()), clock_.now);
  EXPECT_EQ(ToAbslTime(file->full_file_submit_time()), clock_.now);
  EXPECT_TRUE(file->name().empty());  // storage names it
  EXPECT_TRUE(file->etag().empty());
}

TEST_F(ChargingFileTest, SuspectMustBeOneOfTheCase) {
  v1::SubmitChargingFileRequest req = ValidSubmit();
  req.mutable_charging_file()->mutable_suspects(0)->set_suspect_number(3);
  auto file = NewChargingFile(req, suspects_, kOfficer, clock_);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(FieldOf(file.status()), "charging_file.suspects[0].suspect_number");
  EXPECT_EQ(file.status().message(),
            "charging_file.suspects[0].suspect_number: must name one of the "
            "case's suspects (the case has 2)");
  // Invalid input is refused before anything else.
  req.mutable_charging_file()->clear_summary();
  EXPECT_EQ(FieldOf(NewChargingFile(req, suspects_, kOfficer, clock_).status()),
            "charging_file.summary");
}

TEST_F(ChargingFileTest, EarlyAdviceThenFullFile) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_EARLY_ADVICE);
  EXPECT_FALSE(f.has_full_file_submit_time());

  // No decision on an early-advice request.
  auto refused =
      ApplyRecordDecision(f, Decide(FullCodeCharge()), kProsecutor, clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "charging file is SUBMITTED; allowed events: RECORD_ADVICE, "
            "ISSUE_ACTION_PLAN, SUBMIT_FULL_FILE, WITHDRAW (DECIDE_FULL_CODE "
            "needs a FULL_FILE file; this file is EARLY_ADVICE)");

  f = Ok(ApplyRecordAdvice(f, ValidAdvice(), kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_ADVICE_GIVEN);
  ASSERT_EQ(f.advice_size(), 1);
  EXPECT_EQ(f.advice(0).prosecutor(), kProsecutor);
  EXPECT_EQ(ToAbslTime(f.advice(0).advise_time()), clock_.now);
  EXPECT_EQ(ChargingStageOf(f), v1::CHARGING_STAGE_AWAITING_FULL_FILE);

  Advance(5);
  v1::SubmitFullFileRequest full = ValidSubmitFullFile();
  full.mutable_charging_file()->set_urgency(v1::CHARGING_URGENCY_RED);
  full.mutable_charging_file()->mutable_suspects(0)->set_suspect_number(2);
  f = Ok(ApplySubmitFullFile(f, full, suspects_, kOfficer, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(f.kind(), v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_EQ(f.urgency(), v1::CHARGING_URGENCY_RED);
  EXPECT_EQ(f.suspects(0).display_name(), "Lee Marsh");
  EXPECT_EQ(ToAbslTime(f.full_file_submit_time()), clock_.now);
  EXPECT_EQ(f.advice_size(), 1);  // history kept
  EXPECT_TRUE(IsAwaitingDecision(f));

  // A full file cannot be "upgraded" again.
  auto again = ApplySubmitFullFile(f, full, suspects_, kOfficer, clock_);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ChargingFileTest, ActionPlanToDecisionAndFollowUp) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);
  f = Ok(ApplyIssueActionPlan(f, ValidPlan(), kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  ASSERT_EQ(f.action_items_size(), 2);
  for (const auto& item : f.action_items()) {
    EXPECT_EQ(item.state(), v1::CHARGING_ACTION_ITEM_STATE_OPEN);
    EXPECT_EQ(item.issued_by(), kProsecutor);
  }
  EXPECT_EQ(ChargingStageOf(f), v1::CHARGING_STAGE_AWAITING_POLICE_ACTION);

  f = Ok(ApplyRespondToActionItem(
      f, Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT), kOfficer,
      clock_));
  EXPECT_EQ(f.action_items(0).state(), v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED);
  EXPECT_EQ(f.action_items(0).responded_by(), kOfficer);
  EXPECT_FALSE(f.action_items(0).has_resolve_time());

  Advance(2);
  f = Ok(ApplyRespondToActionItem(
      f, Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE), kOfficer,
      clock_));
  EXPECT_EQ(f.action_items(0).state(),
            v1::CHARGING_ACTION_ITEM_STATE_COMPLETED);
  EXPECT_EQ(f.action_items(0).provided(),
            "Download report exhibit DH/1 uploaded");
  EXPECT_EQ(ToAbslTime(f.action_items(0).resolve_time()), clock_.now);
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);

  // A completed item cannot be disputed.
  auto late = ApplyRespondToActionItem(
      f, Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE), kOfficer,
      clock_);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().message(),
            "action item is COMPLETED; allowed events: none");

  f = Ok(ApplyRespondToActionItem(
      f, Respond(1, v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE), kOfficer,
      clock_));
  EXPECT_EQ(f.action_items(1).dispute_reason(),
            "The neighbour has moved abroad and will not engage");
  EXPECT_EQ(ChargingStageOf(f), v1::CHARGING_STAGE_AWAITING_DISPUTE_REVIEW);

  // The CPS withdraws the disputed item: the plan is answered.
  f = Ok(ApplyReviewActionItem(
      f, Review(1, v1::CHARGING_ACTION_ITEM_REVIEW_WITHDRAW), kProsecutor,
      clock_));
  EXPECT_EQ(f.action_items(1).state(),
            v1::CHARGING_ACTION_ITEM_STATE_WITHDRAWN);
  EXPECT_EQ(f.action_items(1).review_note(),
            "Agreed: proceed on the remaining evidence");
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE);
  EXPECT_TRUE(IsAwaitingDecision(f));

  v1::RecordDecisionRequest decide = Decide(FullCodeCharge());
  *decide.mutable_first_hearing() = Hearing(D(2026, 3, 26));
  decide.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
  f = Ok(ApplyRecordDecision(f, decide, kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_DECIDED);
  EXPECT_EQ(f.decision().prosecutor(), kProsecutor);
  EXPECT_EQ(ToAbslTime(f.decision().decide_time()), clock_.now);
  EXPECT_EQ(f.decision().decision_date().day(), 12);  // defaulted to today
  EXPECT_EQ(f.first_hearing().court(), "North Staffordshire Justice Centre");
  EXPECT_EQ(f.ancillary_orders_size(), 1);
  EXPECT_FALSE(f.has_victim_informed());

  // Nothing but follow-up now.
  auto advice = ApplyRecordAdvice(f, ValidAdvice(), kProsecutor, clock_);
  EXPECT_EQ(advice.status().message(),
            "charging file is DECIDED; allowed events: RECORD_FOLLOW_UP");
  auto withdraw = ApplyWithdrawChargingFile(
      f, v1::WithdrawChargingFileRequest(), kOfficer, clock_);
  EXPECT_EQ(withdraw.status().code(), absl::StatusCode::kInvalidArgument);

  Advance(1);
  v1::RecordDecisionFollowUpRequest follow;
  follow.set_name(FileName());
  follow.set_etag("e");
  follow.mutable_update_mask()->add_paths("victim_informed");
  follow.mutable_update_mask()->add_paths("ancillary_orders");
  *follow.mutable_victim_informed() = Informed(D(2026, 3, 13));
  follow.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  f = Ok(ApplyRecordDecisionFollowUp(f, follow, kOfficer, clock_));
  EXPECT_TRUE(f.victim_informed().informed());
  EXPECT_EQ(f.victim_informed().recorded_by(), kOfficer);
  ASSERT_EQ(f.ancillary_orders_size(), 1);  // replaced
  EXPECT_EQ(f.ancillary_orders(0).kind(), v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  EXPECT_TRUE(f.has_first_hearing());  // not in the mask: kept

  // A path whose field is absent clears it.
  follow.clear_update_mask();
  follow.mutable_update_mask()->add_paths("first_hearing");
  f = Ok(ApplyRecordDecisionFollowUp(f, follow, kOfficer, clock_));
  EXPECT_FALSE(f.has_first_hearing());
}

TEST_F(ChargingFileTest, ItemLookupAndFileStateComeFirst) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);
  f = Ok(ApplyIssueActionPlan(f, ValidPlan(), kProsecutor, clock_));

  auto missing = ApplyRespondToActionItem(
      f, Respond(7, v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT), kOfficer,
      clock_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  v1::RespondToActionItemRequest other_file =
      Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT);
  other_file.set_name(ActionItemResourceName(
      kCaseId, "99999999-0000-4000-8000-000000000000", ItemId(0)));
  EXPECT_EQ(ApplyRespondToActionItem(f, other_file, kOfficer, clock_)
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  // Decided with the plan open: the plan is moot and no item moves, and the
  // refusal names the file's state rather than the item's.
  f = Ok(ApplyRecordDecision(f, Decide(NoFurtherAction(v1::NFA_REASON_EVIDENTIAL)),
                             kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_DECIDED);
  auto after = ApplyRespondToActionItem(
      f, Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE), kOfficer,
      clock_);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().message(),
            "charging file is DECIDED; allowed events: RECORD_FOLLOW_UP");
  EXPECT_EQ(ComputeChargingProgress(f, clock_).outstanding_items_size(), 0);
}

TEST_F(ChargingFileTest, DisputeReaffirmedGoesBackToPolice) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);
  f = Ok(ApplyIssueActionPlan(f, ValidPlan(), kProsecutor, clock_));
  f = Ok(ApplyRespondToActionItem(
      f, Respond(1, v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE), kOfficer,
      clock_));
  // Only the open item 0 is not disputed: still with police.
  EXPECT_EQ(ChargingStageOf(f), v1::CHARGING_STAGE_AWAITING_POLICE_ACTION);

  // Reaffirming an item that is not disputed is refused.
  auto not_disputed = ApplyReviewActionItem(
      f, Review(0, v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM), kProsecutor,
      clock_);
  EXPECT_EQ(not_disputed.status().message(),
            "action item is OPEN; allowed events: ACCEPT, DISPUTE, COMPLETE, "
            "WITHDRAW");

  v1::ReviewActionItemRequest reaffirm =
      Review(1, v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM);
  *reaffirm.mutable_due_date() = D(2026, 4, 7);
  f = Ok(ApplyReviewActionItem(f, reaffirm, kProsecutor, clock_));
  EXPECT_EQ(f.action_items(1).state(), v1::CHARGING_ACTION_ITEM_STATE_OPEN);
  EXPECT_EQ(f.action_items(1).due_date().month(), 4);
  EXPECT_EQ(f.action_items(1).dispute_reason(),
            "The neighbour has moved abroad and will not engage");
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
}

TEST_F(ChargingFileTest, ThresholdDecisionReviewedAndReplaced) {
  v1::SubmitChargingFileRequest req = ValidSubmit();
  req.mutable_charging_file()->set_urgency(v1::CHARGING_URGENCY_RED);
  auto s = req.mutable_charging_file()->mutable_suspects(0);
  s->set_bail_status(v1::BAIL_STATUS_IN_CUSTODY);
  s->clear_release_date();
  s->clear_bail_return_date();
  s->clear_bail_conditions();
  auto submitted = NewChargingFile(req, suspects_, kOfficer, clock_);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  v1::ChargingFile f = *submitted;
  NameAsStorageWould(&f);

  v1::RecordDecisionRequest threshold = Decide(ThresholdCharge());
  *threshold.mutable_first_hearing() = Hearing(D(2026, 3, 11));
  threshold.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
  threshold.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  *threshold.mutable_victim_informed() = Informed(D(2026, 3, 10));
  f = Ok(ApplyRecordDecision(f, threshold, kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);
  EXPECT_EQ(ChargingStageOf(f), v1::CHARGING_STAGE_THRESHOLD_REVIEW_PENDING);
  EXPECT_TRUE(f.victim_informed().informed());

  // A second Threshold decision is refused: the Full Code Test must follow.
  auto second =
      ApplyRecordDecision(f, Decide(ThresholdCharge()), kProsecutor, clock_);
  EXPECT_EQ(second.status().message(),
            "charging file is THRESHOLD_DECIDED; allowed events: "
            "RECORD_ADVICE, ISSUE_ACTION_PLAN, UPDATE_ACTION_ITEM, "
            "DECIDE_FULL_CODE, REVIEW_THRESHOLD, RECORD_FOLLOW_UP");
  // Police cannot withdraw a charged file.
  v1::WithdrawChargingFileRequest withdraw;
  withdraw.set_name(FileName());
  withdraw.set_reason("Victim withdrew support");
  withdraw.set_etag("e");
  EXPECT_EQ(ApplyWithdrawChargingFile(f, withdraw, kOfficer, clock_)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);

  // Evidence for the Full Code Test.
  f = Ok(ApplyIssueActionPlan(f, ValidPlan(), kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);
  f = Ok(ApplyRespondToActionItem(
      f, Respond(0, v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE), kOfficer,
      clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);

  // Interim review moves the review-by date and keeps a record.
  Advance(13);  // 2026-03-23
  v1::ReviewThresholdDecisionRequest review;
  review.set_name(FileName());
  review.set_note("Lab backlog; download due next week; still a bail risk");
  *review.mutable_next_review_by() = D(2026, 3, 31);
  review.set_etag("e");
  f = Ok(ApplyReviewThresholdDecision(f, review, kProsecutor, clock_));
  ASSERT_EQ(f.decision().threshold_reviews_size(), 1);
  EXPECT_EQ(f.decision().threshold_reviews(0).previous_review_by().day(), 24);
  EXPECT_EQ(f.decision().threshold_reviews(0).next_review_by().day(), 31);
  EXPECT_EQ(f.decision().threshold_review_by().day(), 31);

  // The Full Code review replaces the Threshold decision: here, the
  // evidence fell short and the prosecution is discontinued.
  Advance(5);  // 2026-03-28
  v1::RecordDecisionRequest backdated =
      Decide(NoFurtherAction(v1::NFA_REASON_EVIDENTIAL));
  *backdated.mutable_decision()->mutable_decision_date() = D(2026, 3, 9);
  auto too_early = ApplyRecordDecision(f, backdated, kProsecutor, clock_);
  ASSERT_FALSE(too_early.ok());
  EXPECT_EQ(FieldOf(too_early.status()), "decision.decision_date");

  f = Ok(ApplyRecordDecision(f, Decide(NoFurtherAction(v1::NFA_REASON_EVIDENTIAL)),
                             kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_DECIDED);
  EXPECT_EQ(f.decision().test(), v1::CHARGING_TEST_FULL_CODE);
  EXPECT_EQ(f.decision().outcome(), v1::CHARGING_OUTCOME_NO_FURTHER_ACTION);
  ASSERT_EQ(f.superseded_decisions_size(), 1);
  EXPECT_EQ(f.superseded_decisions(0).test(), v1::CHARGING_TEST_THRESHOLD);
  EXPECT_EQ(f.superseded_decisions(0).threshold_reviews_size(), 1);
  // The victim must be told of the new decision; no restraining order is
  // sought without a prosecution; the SPO reminder and hearing history stay.
  EXPECT_FALSE(f.has_victim_informed());
  ASSERT_EQ(f.ancillary_orders_size(), 1);
  EXPECT_EQ(f.ancillary_orders(0).kind(), v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  EXPECT_TRUE(f.has_first_hearing());
  // The open plan item is moot now.
  const v1::ChargingProgress p = ComputeChargingProgress(f, clock_);
  EXPECT_EQ(p.outstanding_items_size(), 0);
  EXPECT_FALSE(p.threshold_review_due());
}

TEST_F(ChargingFileTest, ThresholdReplacedByFullCodeChargeKeepsOrders) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);
  v1::RecordDecisionRequest threshold = Decide(ThresholdCharge());
  threshold.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
  f = Ok(ApplyRecordDecision(f, threshold, kProsecutor, clock_));
  Advance(7);
  f = Ok(ApplyRecordDecision(f, Decide(FullCodeCharge()), kProsecutor, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_DECIDED);
  EXPECT_EQ(f.ancillary_orders_size(), 1);
  EXPECT_EQ(f.superseded_decisions_size(), 1);

  // Follow-up checks against the decision in force.
  v1::RecordDecisionFollowUpRequest follow;
  follow.set_name(FileName());
  follow.set_etag("e");
  follow.mutable_update_mask()->add_paths("first_hearing");
  *follow.mutable_first_hearing() = Hearing(D(2026, 3, 16));  // before 17th
  auto early = ApplyRecordDecisionFollowUp(f, follow, kProsecutor, clock_);
  EXPECT_EQ(FieldOf(early.status()), "first_hearing.date");
}

TEST_F(ChargingFileTest, DecisionNotBackdatedBeforeSubmission) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);  // 10 March
  Advance(3);
  v1::RecordDecisionRequest r = Decide(FullCodeCharge());
  *r.mutable_decision()->mutable_decision_date() = D(2026, 3, 9);
  auto early = ApplyRecordDecision(f, r, kProsecutor, clock_);
  EXPECT_EQ(early.status().message(),
            "decision.decision_date: must not be before the file was "
            "submitted (2026-03-10)");
  *r.mutable_decision()->mutable_decision_date() = D(2026, 3, 10);
  f = Ok(ApplyRecordDecision(f, r, kProsecutor, clock_));
  EXPECT_EQ(f.decision().decision_date().day(), 10);
  EXPECT_EQ(ToAbslTime(f.decision().decide_time()), clock_.now);
}

TEST_F(ChargingFileTest, FollowUpAgainstAnNfaDecision) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);
  f = Ok(ApplyRecordDecision(
      f, Decide(NoFurtherAction(v1::NFA_REASON_PUBLIC_INTEREST)), kProsecutor,
      clock_));
  v1::RecordDecisionFollowUpRequest follow;
  follow.set_name(FileName());
  follow.set_etag("e");
  follow.mutable_update_mask()->add_paths("first_hearing");
  *follow.mutable_first_hearing() = Hearing(D(2026, 3, 16));
  auto hearing = ApplyRecordDecisionFollowUp(f, follow, kProsecutor, clock_);
  EXPECT_EQ(hearing.status().message(),
            "first_hearing: follows only a CHARGE; the decision is "
            "NO_FURTHER_ACTION");

  follow.clear_first_hearing();
  follow.mutable_update_mask()->set_paths(0, "ancillary_orders");
  follow.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
  EXPECT_EQ(
      FieldOf(ApplyRecordDecisionFollowUp(f, follow, kProsecutor, clock_)
                  .status()),
      "ancillary_orders[0].kind");

  follow.mutable_ancillary_orders(0)->set_kind(
      v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  f = Ok(ApplyRecordDecisionFollowUp(f, follow, kProsecutor, clock_));
  EXPECT_EQ(f.ancillary_orders_size(), 1);

  // Follow-up before any decision is refused by the state machine.
  v1::ChargingFile fresh = Submit(v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_EQ(ApplyRecordDecisionFollowUp(fresh, follow, kProsecutor, clock_)
                .status()
                .message(),
            "charging file is SUBMITTED; allowed events: RECORD_ADVICE, "
            "ISSUE_ACTION_PLAN, DECIDE_THRESHOLD, DECIDE_FULL_CODE, WITHDRAW");
}

TEST_F(ChargingFileTest, WithdrawBeforeDecision) {
  v1::ChargingFile f = Submit(v1::CHARGING_FILE_KIND_EARLY_ADVICE);
  f = Ok(ApplyIssueActionPlan(f, ValidPlan(), kProsecutor, clock_));
  v1::WithdrawChargingFileRequest withdraw;
  withdraw.set_name(FileName());
  withdraw.set_reason("Suspect deceased");
  withdraw.set_etag("e");
  f = Ok(ApplyWithdrawChargingFile(f, withdraw, kOfficer, clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_WITHDRAWN);
  EXPECT_EQ(f.withdraw_reason(), "Suspect deceased");
  EXPECT_EQ(ToAbslTime(f.withdraw_time()), clock_.now);
  EXPECT_EQ(ComputeChargingProgress(f, clock_).outstanding_items_size(), 0);
  EXPECT_EQ(ApplyWithdrawChargingFile(f, withdraw, kOfficer, clock_)
                .status()
                .message(),
            "charging file is WITHDRAWN; allowed events: none");
}

TEST_F(ChargingFileTest, SpoBreachReferral) {
  SpoBreachReferral referral;
  referral.source_order =
      std::string("cases/") + kCaseId +
      "/protectionOrders/5d6e7f80-9a1b-4c2d-8e3f-405162738495";
  referral.suspect.set_suspect_number(1);
  referral.suspect.set_bail_status(v1::BAIL_STATUS_NOT_ARRESTED);
  referral.summary = "Seen inside the exclusion zone on 8 March (CCTV).";
  auto file = NewSpoBreachReferral(referral, suspects_, clock_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->origin(), v1::CHARGING_ORIGIN_SPO_BREACH);
  EXPECT_EQ(file->source_order(), referral.source_order);
  EXPECT_EQ(file->state(), v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(file->kind(), v1::CHARGING_FILE_KIND_EARLY_ADVICE);
  EXPECT_EQ(file->urgency(), v1::CHARGING_URGENCY_GREEN_PRIORITY);
  ASSERT_EQ(file->proposed_offences_size(), 1);
  EXPECT_EQ(file->proposed_offences(0).offence(), v1::OFFENCE_SPO_BREACH);
  EXPECT_EQ(file->suspects(0).display_name(), "Dean Harper");
  EXPECT_TRUE(file->submitted_by().empty());
  EXPECT_FALSE(file->has_full_file_submit_time());

  // Police then submit the full file and become its submitter.
  v1::ChargingFile f = *file;
  NameAsStorageWould(&f);
  // (before any advice: the file is ready the next day)
  Advance(1);
  f = Ok(ApplySubmitFullFile(f, ValidSubmitFullFile(), suspects_, kOfficer,
                             clock_));
  EXPECT_EQ(f.state(), v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_EQ(f.kind(), v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_TRUE(IsAwaitingDecision(f));
  EXPECT_EQ(f.submitted_by(), kOfficer);
  EXPECT_EQ(f.origin(), v1::CHARGING_ORIGIN_SPO_BREACH);

  SpoBreachReferral bad = referral;
  bad.source_order = "cases/x/protectionOrders/y";
  EXPECT_EQ(FieldOf(NewSpoBreachReferral(bad, suspects_, clock_).status()),
            "source_order");
  bad = referral;
  bad.suspect.clear_bail_status();
  EXPECT_EQ(FieldOf(NewSpoBreachReferral(bad, suspects_, clock_).status()),
            "referral.suspects[0].bail_status");
  bad = referral;
  bad.summary.clear();
  EXPECT_EQ(FieldOf(NewSpoBreachReferral(bad, suspects_, clock_).status()),
            "referral.summary");
  bad = referral;
  bad.suspect.set_suspect_number(5);
  EXPECT_EQ(FieldOf(NewSpoBreachReferral(bad, suspects_, clock_).status()),
            "referral.suspects[0].suspect_number");
  bad = referral;
  bad.kind = v1::CHARGING_FILE_KIND_FULL_FILE;
  bad.urgency = v1::CHARGING_URGENCY_RED;
  auto full = NewSpoBreachReferral(bad, suspects_, clock_);
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(IsAwaitingDecision(*full));
  EXPECT_TRUE(full->has_full_file_submit_time());
}

}  // namespace
}  // namespace casebridge::domain
