// Charging progress on crafted files at a fixed "now" (2026-03-10 12:00 UTC),
// the prosecutors' list order, and the list filter.
#include "domain/charging_progress.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/list_query.h"
#include "domain/validation.h"
#include "gtest/gtest.h"
#include "tests/unit/charging_test_support.h"

namespace casebridge::domain {
namespace {

using namespace charging_test;  // NOLINT: test fixtures

google::protobuf::Timestamp At(int y, int mo, int d, int h = 9) {
  return ToProtoTime(absl::FromCivil(absl::CivilSecond(y, mo, d, h, 0, 0),
                                     absl::UTCTimeZone()));
}

v1::ChargingActionItem Item(int n, v1::ChargingActionItemState state,
                            v1::Date due) {
  v1::ChargingActionItem item;
  item.set_name(ItemName(n));
  item.set_description(absl::StrCat("item ", n));
  item.set_state(state);
  *item.mutable_due_date() = due;
  return item;
}

v1::ChargingFile File(v1::ChargingFileState state,
                      v1::ChargingFileKind kind = v1::CHARGING_FILE_KIND_FULL_FILE) {
  v1::ChargingFile f;
  f.set_name(FileName());
  f.set_case_reference("SP-2026-000123");
  f.set_kind(kind);
  f.set_urgency(v1::CHARGING_URGENCY_GREEN);
  f.set_origin(v1::CHARGING_ORIGIN_POLICE_SUBMISSION);
  f.set_state(state);
  *f.mutable_create_time() = At(2026, 3, 1);
  return f;
}

std::vector<std::string> Names(
    const google::protobuf::RepeatedPtrField<v1::ChargingActionItem>& items) {
  std::vector<std::string> names;
  for (const auto& i : items) names.push_back(i.description());
  return names;
}

using Names_ = std::vector<std::string>;

TEST(ChargingProgressTest, OutstandingAndOverdueItems) {
  v1::ChargingFile f = File(v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  using S = v1::ChargingActionItemState;
  const S open = v1::CHARGING_ACTION_ITEM_STATE_OPEN;
  *f.add_action_items() = Item(0, open, D(2026, 3, 9));    // yesterday
  *f.add_action_items() = Item(1, open, D(2026, 3, 10));   // today
  *f.add_action_items() = Item(2, v1::CHARGING_ACTION_ITEM_STATE_COMPLETED,
                               D(2026, 3, 1));  // long past, but done
  *f.add_action_items() = Item(3, v1::CHARGING_ACTION_ITEM_STATE_WITHDRAWN,
                               D(2026, 3, 2));
  *f.add_action_items() = Item(4, v1::CHARGING_ACTION_ITEM_STATE_DISPUTED,
                               D(2026, 3, 5));  // disputed and past: overdue
  *f.add_action_items() = Item(5, v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED,
                               D(2026, 3, 20));
  *f.add_action_items() = Item(6, v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED,
                               D(2025, 12, 31));  // across a year end

  const v1::ChargingProgress p = ComputeChargingProgress(f, FixedClock());
  EXPECT_EQ(p.name(), FileName());
  EXPECT_EQ(p.case_reference(), "SP-2026-000123");
  EXPECT_EQ(Names(p.outstanding_items()),
            (Names_{"item 6", "item 4", "item 0", "item 1", "item 5"}));
  EXPECT_EQ(Names(p.overdue_items()),
            (Names_{"item 6", "item 4", "item 0"}));
  EXPECT_EQ(p.next_due_date().year(), 2025);
  EXPECT_EQ(p.days_since_submission(), 9);
  EXPECT_EQ(p.stage(), v1::CHARGING_STAGE_AWAITING_POLICE_ACTION);
  EXPECT_EQ(p.stage_summary(),
            "With police: 5 action items outstanding (1 disputed), 3 overdue");
  EXPECT_EQ(p.as_of().day(), 10);
  EXPECT_FALSE(p.threshold_review_due());
  EXPECT_FALSE(p.has_threshold_review_by());
}

TEST(ChargingProgressTest, DueTodayBecomesOverdueTomorrow) {
  v1::ChargingFile f = File(v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  *f.add_action_items() =
      Item(0, v1::CHARGING_ACTION_ITEM_STATE_OPEN, D(2026, 3, 10));
  ChargingClock clock = FixedClock();
  clock.now = absl::FromCivil(absl::CivilSecond(2026, 3, 10, 23, 59, 59),
                              absl::UTCTimeZone());
  EXPECT_EQ(ComputeChargingProgress(f, clock).overdue_items_size(), 0);
  clock.now += absl::Seconds(1);
  EXPECT_EQ(ComputeChargingProgress(f, clock).overdue_items_size(), 1);
}

TEST(ChargingProgressTest, OverdueIsCountedOnTheUkCivilDay) {
  v1::ChargingFile f = File(v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  *f.add_action_items() =
      Item(0, v1::CHARGING_ACTION_ITEM_STATE_OPEN, D(2026, 7, 10));
  // 22:30 UTC on 10 July is 23:30 BST: still the 10th in the UK, so the item
  // is due today, not overdue. An hour later it is the 11th in the UK (while
  // still the 10th in UTC) and the item is overdue.
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 7, 10, 22, 30, 0),
                                       absl::UTCTimeZone());
  EXPECT_EQ(ComputeChargingProgress(f, ChargingClock{t}).overdue_items_size(),
            0);
  const v1::ChargingProgress later =
      ComputeChargingProgress(f, ChargingClock{t + absl::Hours(1)});
  EXPECT_EQ(later.overdue_items_size(), 1);
  EXPECT_EQ(later.as_of().day(), 11);
}

TEST(ChargingProgressTest, FinalFilesHaveNothingOutstanding) {
  for (v1::ChargingFileState state : {v1::CHARGING_FILE_STATE_DECIDED,
                                      v1::CHARGING_FILE_STATE_WITHDRAWN}) {
    v1::ChargingFile f = File(state);
    *f.add_action_items() =
        Item(0, v1::CHARGING_ACTION_ITEM_STATE_OPEN, D(2026, 3, 1));
    const v1::ChargingProgress p = ComputeChargingProgress(f, FixedClock());
    EXPECT_EQ(p.outstanding_items_size(), 0) << state;
    EXPECT_EQ(p.overdue_items_size(), 0) << state;
    EXPECT_FALSE(p.has_next_due_date());
  }
  // While charged on the Threshold Test, the plan is live.
  v1::ChargingFile t = File(v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);
  *t.add_action_items() =
      Item(0, v1::CHARGING_ACTION_ITEM_STATE_OPEN, D(2026, 3, 1));
  EXPECT_EQ(ComputeChargingProgress(t, FixedClock()).overdue_items_size(), 1);
}

TEST(ChargingProgressTest, DaysSinceSubmission) {
  v1::ChargingFile f = File(v1::CHARGING_FILE_STATE_SUBMITTED);
  *f.mutable_create_time() = At(2026, 3, 10, 11);  // an hour ago
  EXPECT_EQ(ComputeChargingProgress(f, FixedClock()).days_since_submission(), 0);
  *f.mutable_create_time() = At(2026, 3, 9, 23);  // 13 hours ago, yesterday
  EXPECT_EQ(ComputeChargingProgress(f, FixedClock()).days_since_submission(), 1);
  *f.mutable_create_time() = At(2025, 3, 10);
  EXPECT_EQ(ComputeChargingProgress(f, FixedClock()).days_since_submission(),
            365);
  *f.mutable_create_time() = At(2026, 3, 12);  // clock skew: never negative
  EXPECT_EQ(ComputeChargingProgress(f, FixedClock()).days_since_submission(), 0);
}

TEST(ChargingProgressTest, ThresholdReviewDueAndOverdue) {
  struct Case {
    v1::Date review_by;
    int days;
    bool due;
    bool overdue;
    std::string summary;
  };
  const std::string head = "Charged on the Threshold Test: Full Code review by ";
  for (const Case& c : std::vector<Case>{
           {D(2026, 3, 18), 8, false, false, head + "2026-03-18 (in 8 days)"},
           {D(2026, 3, 17), 7, true, false, head + "2026-03-17 (in 7 days)"},
           {D(2026, 3, 11), 1, true, false, head + "2026-03-11 (in 1 day)"},
           {D(2026, 3, 10), 0, true, false, head + "2026-03-10 (due today)"},
           {D(2026, 3, 9), -1, true, true,
            head + "2026-03-09 (overdue by 1 day)"},
           {D(2026, 2, 28), -10, true, true,
            head + "2026-02-28 (overdue by 10 days)"},
       }) {
    SCOPED_TRACE(c.summary);
    v1::ChargingFile f = File(v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);
    f.set_urgency(v1::CHARGING_URGENCY_RED);
    *f.mutable_decision() = ThresholdCharge();
    *f.mutable_decision()->mutable_threshold_review_by() = c.review_by;
    const v1::ChargingProgress p = ComputeChargingProgress(f, FixedClock());
    EXPECT_EQ(p.stage(), v1::CHARGING_STAGE_THRESHOLD_REVIEW_PENDING);
    EXPECT_EQ(p.days_to_threshold_review(), c.days);
    EXPECT_EQ(p.threshold_review_due(), c.due);
    EXPECT_EQ(p.threshold_review_overdue(), c.overdue);
    EXPECT_EQ(p.threshold_review_by().day(), c.review_by.day());
    EXPECT_EQ(p.stage_summary(), c.summary);
    EXPECT_EQ(p.decision().test(), v1::CHARGING_TEST_THRESHOLD);

    // Once the Full Code decision replaced it, no review is due.
    f.set_state(v1::CHARGING_FILE_STATE_DECIDED);
    const v1::ChargingProgress after = ComputeChargingProgress(f, FixedClock());
    EXPECT_FALSE(after.threshold_review_due());
    EXPECT_FALSE(after.threshold_review_overdue());
    EXPECT_FALSE(after.has_threshold_review_by());
  }
}

TEST(ChargingProgressTest, StageOfEveryState) {
  struct Case {
    v1::ChargingFileState state;
    v1::ChargingFileKind kind;
    std::vector<v1::ChargingActionItemState> items;
    v1::ChargingStage stage;
    std::string summary;
  };
  using K = v1::ChargingFileKind;
  const K early = v1::CHARGING_FILE_KIND_EARLY_ADVICE;
  const K full = v1::CHARGING_FILE_KIND_FULL_FILE;
  const auto open = v1::CHARGING_ACTION_ITEM_STATE_OPEN;
  const auto disputed = v1::CHARGING_ACTION_ITEM_STATE_DISPUTED;
  const auto done = v1::CHARGING_ACTION_ITEM_STATE_COMPLETED;
  for (const Case& c : std::vector<Case>{
           {v1::CHARGING_FILE_STATE_SUBMITTED, early, {},
            v1::CHARGING_STAGE_AWAITING_ADVICE,
            "With the CPS for early advice"},
           {v1::CHARGING_FILE_STATE_SUBMITTED, full, {},
            v1::CHARGING_STAGE_AWAITING_DECISION,
            "With the CPS for a charging decision"},
           {v1::CHARGING_FILE_STATE_ADVICE_GIVEN, early, {},
            v1::CHARGING_STAGE_AWAITING_FULL_FILE,
            "With police: full file to submit after early advice"},
           {v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED, full, {open, done},
            v1::CHARGING_STAGE_AWAITING_POLICE_ACTION,
            "With police: 1 action item outstanding"},
           {v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED, full,
            {disputed, done, disputed},
            v1::CHARGING_STAGE_AWAITING_DISPUTE_REVIEW,
            "With the CPS to review disputed items: 2 action items "
            "outstanding (2 disputed)"},
           {v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE, full, {done},
            v1::CHARGING_STAGE_AWAITING_DECISION,
            "With the CPS for a charging decision"},
           {v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE, early, {done},
            v1::CHARGING_STAGE_AWAITING_ADVICE,
            "With the CPS for early advice"},
           {v1::CHARGING_FILE_STATE_WITHDRAWN, full, {open},
            v1::CHARGING_STAGE_WITHDRAWN, "Withdrawn by police"},
       }) {
    SCOPED_TRACE(c.summary);
    v1::ChargingFile f = File(c.state, c.kind);
    int n = 0;
    for (auto s : c.items) *f.add_action_items() = Item(n++, s, D(2026, 3, 20));
    const v1::ChargingProgress p = ComputeChargingProgress(f, FixedClock());
    EXPECT_EQ(p.stage(), c.stage);
    EXPECT_EQ(ChargingStageOf(f), c.stage);
    EXPECT_EQ(p.stage_summary(), c.summary);
  }

  v1::ChargingFile decided = File(v1::CHARGING_FILE_STATE_DECIDED);
  *decided.mutable_decision() = NoFurtherAction(v1::NFA_REASON_PUBLIC_INTEREST);
  EXPECT_EQ(ComputeChargingProgress(decided, FixedClock()).stage_summary(),
            "Decided: NO_FURTHER_ACTION (PUBLIC_INTEREST) on the Full Code "
            "Test");
  *decided.mutable_decision() = FullCodeCharge();
  *decided.mutable_first_hearing() = Hearing(D(2026, 3, 12));
  decided.add_ancillary_orders()->set_kind(
      v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
  *decided.mutable_victim_informed() = Informed(D(2026, 3, 10));
  const v1::ChargingProgress p = ComputeChargingProgress(decided, FixedClock());
  EXPECT_EQ(p.stage_summary(), "Decided: CHARGE on the Full Code Test");
  EXPECT_EQ(p.first_hearing().date().day(), 12);
  EXPECT_EQ(p.ancillary_orders_size(), 1);
  EXPECT_TRUE(p.victim_informed().informed());
  EXPECT_EQ(p.decision().outcome(), v1::CHARGING_OUTCOME_CHARGE);
}

TEST(ChargingProgressTest, AwaitingDecision) {
  for (v1::ChargingFileState s : {
           v1::CHARGING_FILE_STATE_SUBMITTED,
           v1::CHARGING_FILE_STATE_ADVICE_GIVEN,
           v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED,
           v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE,
           v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED,
           v1::CHARGING_FILE_STATE_DECIDED,
           v1::CHARGING_FILE_STATE_WITHDRAWN,
       }) {
    const bool with_cps = s == v1::CHARGING_FILE_STATE_SUBMITTED ||
                          s == v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE;
    EXPECT_EQ(IsAwaitingDecision(File(s, v1::CHARGING_FILE_KIND_FULL_FILE)),
              with_cps)
        << s;
    EXPECT_FALSE(IsAwaitingDecision(File(s, v1::CHARGING_FILE_KIND_EARLY_ADVICE)))
        << s;
  }
}

// --- Order ------------------------------------------------------------------

v1::ChargingFile Listed(const std::string& id, v1::ChargingUrgency urgency,
                        google::protobuf::Timestamp created) {
  v1::ChargingFile f;
  f.set_name("cases/c/chargingFiles/" + id);
  f.set_urgency(urgency);
  *f.mutable_create_time() = created;
  return f;
}

TEST(ChargingOrderTest, UrgencyThenOldestFirst) {
  EXPECT_LT(ChargingUrgencyRank(v1::CHARGING_URGENCY_RED),
            ChargingUrgencyRank(v1::CHARGING_URGENCY_GREEN_PRIORITY));
  EXPECT_LT(ChargingUrgencyRank(v1::CHARGING_URGENCY_GREEN_PRIORITY),
            ChargingUrgencyRank(v1::CHARGING_URGENCY_GREEN));
  EXPECT_LT(ChargingUrgencyRank(v1::CHARGING_URGENCY_GREEN),
            ChargingUrgencyRank(v1::CHARGING_URGENCY_UNSPECIFIED));

  const auto red = v1::CHARGING_URGENCY_RED;
  const auto prio = v1::CHARGING_URGENCY_GREEN_PRIORITY;
  const auto green = v1::CHARGING_URGENCY_GREEN;
  // Expected order, written out.
  std::vector<v1::ChargingFile> expected = {
      Listed("a-red-old", red, At(2026, 2, 1)),
      Listed("b-red-new", red, At(2026, 3, 9)),
      Listed("c-prio-older", prio, At(1969, 12, 31)),  // before the epoch
      Listed("d-prio-same-time-a", prio, At(2026, 1, 5)),
      Listed("e-prio-same-time-b", prio, At(2026, 1, 5)),
      Listed("f-green-oldest", green, At(2025, 6, 1)),
      Listed("g-green-old", green, At(2026, 1, 1)),
      Listed("h-green-new", green, At(2026, 3, 10)),
      Listed("i-unspecified", v1::CHARGING_URGENCY_UNSPECIFIED,
             At(2020, 1, 1)),
  };
  std::vector<v1::ChargingFile> shuffled = expected;
  std::mt19937 rng(20260310);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<v1::ChargingFile> sorted = shuffled;
    std::sort(sorted.begin(), sorted.end(), ChargingFileBefore);
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(sorted[i].name(), expected[i].name()) << "position " << i;
    }
  }
  // Sort keys order files exactly as the comparator does (ties broken by
  // name, the cursor's id), and parse back.
  for (size_t i = 0; i < expected.size(); ++i) {
    for (size_t j = 0; j < expected.size(); ++j) {
      const std::string ki = ChargingSortKey(expected[i]);
      const std::string kj = ChargingSortKey(expected[j]);
      // Names here differ only in the file id.
      const bool key_before =
          ki < kj || (ki == kj && expected[i].name() < expected[j].name());
      EXPECT_EQ(key_before, ChargingFileBefore(expected[i], expected[j]))
          << ki << " vs " << kj;
    }
    auto pos = ParseChargingSortKey(ChargingSortKey(expected[i]));
    ASSERT_TRUE(pos.ok());
    EXPECT_EQ(pos->urgency_rank, ChargingUrgencyRank(expected[i].urgency()));
    EXPECT_EQ(pos->create_time, ToAbslTime(expected[i].create_time()));
  }
  EXPECT_EQ(ChargingSortKey(expected[0]), "0/00101769936400000000");
  for (const char* bad : {"", "0", "0/1", "x/00101769936400000000",
                          "4/00101769936400000000", "0/0010176993640000000a"}) {
    EXPECT_EQ(FieldOf(ParseChargingSortKey(bad).status()), "page_token") << bad;
  }
}

TEST(ChargingOrderTest, TieBreakIsTheFileIdNotTheCase) {
  // Same urgency and time, files of different cases: the file id decides,
  // as it does in page cursors.
  v1::ChargingFile a = Listed("b", v1::CHARGING_URGENCY_RED, At(2026, 3, 1));
  v1::ChargingFile b = Listed("a", v1::CHARGING_URGENCY_RED, At(2026, 3, 1));
  a.set_name("cases/1/chargingFiles/b");
  b.set_name("cases/2/chargingFiles/a");
  EXPECT_TRUE(ChargingFileBefore(b, a));
  EXPECT_FALSE(ChargingFileBefore(a, b));
}

TEST(ChargingListRequestTest, ParentPageSizeFilterAndToken) {
  v1::ListChargingFilesRequest r;
  auto all = ParseListChargingFilesRequest(r);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_FALSE(all->parent_case.has_value());
  EXPECT_EQ(all->page_size, kDefaultPageSize);
  EXPECT_FALSE(all->after.has_value());

  r.set_parent("cases/-");
  EXPECT_FALSE(ParseListChargingFilesRequest(r)->parent_case.has_value());
  r.set_parent("cases/sp-2026-000123");
  auto one = ParseListChargingFilesRequest(r);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->parent_case->reference, "SP-2026-000123");
  r.set_parent("cases");
  EXPECT_EQ(FieldOf(ParseListChargingFilesRequest(r).status()), "parent");
  r.clear_parent();

  r.set_page_size(9999);
  EXPECT_EQ(ParseListChargingFilesRequest(r)->page_size, kMaxPageSize);
  r.set_page_size(-1);
  EXPECT_EQ(FieldOf(ParseListChargingFilesRequest(r).status()), "page_size");
  r.set_page_size(2);
  r.set_filter("awaiting_decision=true AND urgency=RED");
  auto first = ParseListChargingFilesRequest(r);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->filter.urgency, v1::CHARGING_URGENCY_RED);

  // A token resumes after the last file of the page...
  v1::ChargingFile last =
      Listed(kFileId, v1::CHARGING_URGENCY_RED, At(2026, 3, 4));
  r.set_page_token(NextChargingPageToken(*first, last));
  auto next = ParseListChargingFilesRequest(r);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_TRUE(next->after.has_value());
  EXPECT_EQ(next->after->urgency_rank, 0);
  EXPECT_EQ(next->after->create_time, ToAbslTime(At(2026, 3, 4)));
  EXPECT_EQ(next->after_file_id, kFileId);
  // ...and only for the same parent and filter.
  r.set_filter("awaiting_decision=true");
  EXPECT_EQ(FieldOf(ParseListChargingFilesRequest(r).status()), "page_token");
  r.set_filter("awaiting_decision=true AND urgency=RED");
  r.set_parent(std::string("cases/") + kCaseId);
  EXPECT_EQ(FieldOf(ParseListChargingFilesRequest(r).status()), "page_token");
  r.set_page_token("garbage");
  EXPECT_EQ(FieldOf(ParseListChargingFilesRequest(r).status()), "page_token");
  // A token for this query with a well-formed position but an id no file
  // has: forged, not a first page nor a failed statement.
  r.set_parent("");
  v1::ChargingFile forged = last;
  forged.set_name(std::string("cases/") + kCaseId + "/chargingFiles/not-a-uuid");
  r.set_page_token(NextChargingPageToken(*first, forged));
  EXPECT_EQ(FieldOf(ParseListChargingFilesRequest(r).status()), "page_token");
}

// --- Filter -----------------------------------------------------------------

TEST(ChargingFilterTest, Parse) {
  auto f = ParseChargingListFilter(
      "state=action_plan_issued AND urgency=RED AND kind=FULL_FILE AND "
      "origin=SPO_BREACH AND awaiting_decision=false AND "
      "action_plan_overdue=true AND threshold_review_due=no AND "
      "decided_since=2026-03-01T00:00:00Z AND "
      "decided_before=2026-04-01T00:00:00Z");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->state, v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  EXPECT_EQ(f->urgency, v1::CHARGING_URGENCY_RED);
  EXPECT_EQ(f->kind, v1::CHARGING_FILE_KIND_FULL_FILE);
  EXPECT_EQ(f->origin, v1::CHARGING_ORIGIN_SPO_BREACH);
  EXPECT_EQ(f->awaiting_decision, false);
  EXPECT_EQ(f->action_plan_overdue, true);
  EXPECT_EQ(f->threshold_review_due, false);
  EXPECT_EQ(f->decided_since, ToAbslTime(At(2026, 3, 1, 0)));
  EXPECT_EQ(f->decided_before, ToAbslTime(At(2026, 4, 1, 0)));
  EXPECT_FALSE(f->canonical.empty());

  auto empty = ParseChargingListFilter("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->state.has_value());
  EXPECT_FALSE(empty->awaiting_decision.has_value());

  for (const char* bad : {
           "status=SUBMITTED",            // unknown key
           "state=SENT",                  // unknown value
           "urgency=UNSPECIFIED",         // not a real value
           "awaiting_decision=perhaps",
           "decided_since=yesterday",
           "decided_since=2026-03-01T00:00:00Z AND "
           "decided_before=2026-03-01T00:00:00Z",
       }) {
    auto parsed = ParseChargingListFilter(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(FieldOf(parsed.status()), "filter") << bad;
  }
}

bool Matches(const v1::ChargingFile& f, const std::string& filter) {
  auto parsed = ParseChargingListFilter(filter);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return MatchesChargingListFilter(f, *parsed, FixedClock());
}

TEST(ChargingFilterTest, MeaningOfEachKey) {
  v1::ChargingFile awaiting = File(v1::CHARGING_FILE_STATE_SUBMITTED);
  EXPECT_TRUE(Matches(awaiting, ""));
  EXPECT_TRUE(Matches(awaiting, "awaiting_decision=true"));
  EXPECT_FALSE(Matches(awaiting, "awaiting_decision=false"));
  EXPECT_TRUE(Matches(awaiting, "state=SUBMITTED AND urgency=GREEN"));
  EXPECT_FALSE(Matches(awaiting, "urgency=RED"));
  EXPECT_FALSE(Matches(awaiting, "kind=EARLY_ADVICE"));
  EXPECT_FALSE(Matches(awaiting, "origin=SPO_BREACH"));
  EXPECT_TRUE(Matches(awaiting, "action_plan_overdue=false"));
  EXPECT_FALSE(Matches(awaiting, "decided_since=2000-01-01T00:00:00Z"));

  v1::ChargingFile overdue = File(v1::CHARGING_FILE_STATE_ACTION_PLAN_ISSUED);
  *overdue.add_action_items() =
      Item(0, v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED, D(2026, 3, 9));
  EXPECT_TRUE(Matches(overdue, "action_plan_overdue=true"));
  EXPECT_FALSE(Matches(overdue, "awaiting_decision=true"));
  *overdue.mutable_action_items(0)->mutable_due_date() = D(2026, 3, 10);
  EXPECT_FALSE(Matches(overdue, "action_plan_overdue=true"));

  v1::ChargingFile threshold = File(v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED);
  *threshold.mutable_decision() = ThresholdCharge();
  *threshold.mutable_decision()->mutable_threshold_review_by() = D(2026, 3, 17);
  *threshold.mutable_decision()->mutable_decide_time() = At(2026, 3, 3);
  EXPECT_TRUE(Matches(threshold, "threshold_review_due=true"));
  *threshold.mutable_decision()->mutable_threshold_review_by() = D(2026, 3, 18);
  EXPECT_FALSE(Matches(threshold, "threshold_review_due=true"));
  EXPECT_TRUE(Matches(threshold, "threshold_review_due=false"));

  // Decided in a half-open range.
  EXPECT_TRUE(Matches(threshold, "decided_since=2026-03-03T09:00:00Z"));
  EXPECT_FALSE(Matches(threshold, "decided_since=2026-03-03T09:00:01Z"));
  EXPECT_FALSE(Matches(threshold, "decided_before=2026-03-03T09:00:00Z"));
  EXPECT_TRUE(Matches(threshold,
                      "decided_since=2026-03-01T00:00:00Z AND "
                      "decided_before=2026-03-03T09:00:01Z"));
}

}  // namespace
}  // namespace casebridge::domain
