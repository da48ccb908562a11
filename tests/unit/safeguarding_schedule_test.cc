// Overdue and due-within boundaries with fixed dates (month and year ends,
// leap days, the BST/GMT day boundary), and the work-list order.
#include "domain/safeguarding_schedule.h"

#include <algorithm>
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

constexpr v1::SafeguardingActionStatus kAllStatuses[] = {
    v1::SAFEGUARDING_ACTION_STATUS_UNSPECIFIED,
    v1::SAFEGUARDING_ACTION_STATUS_OPEN,
    v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS,
    v1::SAFEGUARDING_ACTION_STATUS_BLOCKED,
    v1::SAFEGUARDING_ACTION_STATUS_COMPLETED,
    v1::SAFEGUARDING_ACTION_STATUS_CANCELLED,
};

bool Active(v1::SafeguardingActionStatus s) {
  return s == v1::SAFEGUARDING_ACTION_STATUS_OPEN ||
         s == v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS ||
         s == v1::SAFEGUARDING_ACTION_STATUS_BLOCKED;
}

SafeguardingActionFacts Due(CivilDay due,
                            v1::SafeguardingActionStatus status =
                                v1::SAFEGUARDING_ACTION_STATUS_OPEN) {
  SafeguardingActionFacts f;
  f.id = "00000000-0000-4000-8000-000000000001";
  f.due_date = due;
  f.status = status;
  return f;
}

std::string Day(CivilDay d) { return FormatDay(d); }

TEST(IsActiveSafeguardingStatusTest, OnlyOpenInProgressBlocked) {
  for (auto s : kAllStatuses) EXPECT_EQ(IsActiveSafeguardingStatus(s), Active(s));
}

// (due, today, overdue) for an OPEN action.
struct OverdueCase {
  CivilDay due;
  CivilDay today;
  bool overdue;
};

TEST(IsOverdueTest, Boundaries) {
  const OverdueCase cases[] = {
      // Due today is not overdue; the day after it is.
      {CivilDay(2026, 11, 21), CivilDay(2026, 11, 20), false},
      {CivilDay(2026, 11, 21), CivilDay(2026, 11, 21), false},
      {CivilDay(2026, 11, 21), CivilDay(2026, 11, 22), true},
      // Month ends (31, 30 and 28-day months).
      {CivilDay(2026, 1, 31), CivilDay(2026, 1, 31), false},
      {CivilDay(2026, 1, 31), CivilDay(2026, 2, 1), true},
      {CivilDay(2026, 4, 30), CivilDay(2026, 4, 30), false},
      {CivilDay(2026, 4, 30), CivilDay(2026, 5, 1), true},
      {CivilDay(2026, 2, 28), CivilDay(2026, 2, 28), false},
      {CivilDay(2026, 2, 28), CivilDay(2026, 3, 1), true},
      // Year end.
      {CivilDay(2026, 12, 31), CivilDay(2026, 12, 31), false},
      {CivilDay(2026, 12, 31), CivilDay(2027, 1, 1), true},
      {CivilDay(2027, 1, 1), CivilDay(2026, 12, 31), false},
      // Leap day.
      {CivilDay(2028, 2, 28), CivilDay(2028, 2, 29), true},
      {CivilDay(2028, 2, 29), CivilDay(2028, 2, 28), false},
      {CivilDay(2028, 2, 29), CivilDay(2028, 2, 29), false},
      {CivilDay(2028, 2, 29), CivilDay(2028, 3, 1), true},
      // Long ago / far ahead.
      {CivilDay(2020, 1, 1), CivilDay(2026, 1, 1), true},
      {CivilDay(2030, 1, 1), CivilDay(2026, 1, 1), false},
  };
  for (const OverdueCase& c : cases) {
    EXPECT_EQ(IsOverdue(Due(c.due), c.today), c.overdue)
        << "due " << Day(c.due) << " today " << Day(c.today);
  }
}

TEST(IsOverdueTest, OnlyActiveActionsAreEverOverdue) {
  const CivilDay today(2026, 3, 1);
  for (auto status : kAllStatuses) {
    for (CivilDay due : {today - 400, today - 1, today, today + 1}) {
      EXPECT_EQ(IsOverdue(Due(due, status), today), Active(status) && due < today)
          << ShortEnumName(v1::SafeguardingActionStatus_descriptor(), status)
          << " due " << Day(due);
    }
  }
}

TEST(IsOverdueTest, TodayIsTheLondonDayNotTheUtcDay) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone(std::string(kUkTimeZoneName), &london));
  auto utc = [](int y, int mo, int d, int h, int mi, int s) {
    return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                           absl::UTCTimeZone());
  };
  // Summer (BST = UTC+1): 30 June ends at 23:00 UTC.
  SafeguardingActionFacts june = Due(CivilDay(2026, 6, 30));
  EXPECT_FALSE(IsOverdueAt(june, utc(2026, 6, 30, 22, 59, 59), london));
  EXPECT_TRUE(IsOverdueAt(june, utc(2026, 6, 30, 23, 0, 0), london));
  // The same instant in UTC is still 30 June: not overdue there.
  EXPECT_FALSE(IsOverdueAt(june, utc(2026, 6, 30, 23, 0, 0), absl::UTCTimeZone()));
  // Winter (GMT = UTC): New Year's Eve ends at midnight UTC.
  SafeguardingActionFacts nye = Due(CivilDay(2026, 12, 31));
  EXPECT_FALSE(IsOverdueAt(nye, utc(2026, 12, 31, 23, 59, 59), london));
  EXPECT_TRUE(IsOverdueAt(nye, utc(2027, 1, 1, 0, 0, 0), london));
  // Leap day in winter.
  SafeguardingActionFacts leap = Due(CivilDay(2028, 2, 29));
  EXPECT_FALSE(IsOverdueAt(leap, utc(2028, 2, 29, 23, 59, 59), london));
  EXPECT_TRUE(IsOverdueAt(leap, utc(2028, 3, 1, 0, 0, 0), london));
  // Clocks go forward on 29 March 2026 at 01:00 UTC; 28 March ends at
  // midnight UTC (still GMT).
  SafeguardingActionFacts spring = Due(CivilDay(2026, 3, 28));
  EXPECT_FALSE(IsOverdueAt(spring, utc(2026, 3, 28, 23, 59, 59), london));
  EXPECT_TRUE(IsOverdueAt(spring, utc(2026, 3, 29, 0, 0, 0), london));
  // Terminal actions are never overdue, whenever.
  SafeguardingActionFacts done =
      Due(CivilDay(2026, 6, 30), v1::SAFEGUARDING_ACTION_STATUS_COMPLETED);
  EXPECT_FALSE(IsOverdueAt(done, utc(2027, 6, 30, 0, 0, 0), london));
}

TEST(IsSafeguardingActionOverdueTest, OnTheStoredProto) {
  v1::SafeguardingAction a;
  a.set_status(v1::SAFEGUARDING_ACTION_STATUS_BLOCKED);
  *a.mutable_due_date() = ToProtoDate(CivilDay(2026, 12, 31));
  EXPECT_FALSE(IsSafeguardingActionOverdue(a, CivilDay(2026, 12, 31)));
  EXPECT_TRUE(IsSafeguardingActionOverdue(a, CivilDay(2027, 1, 1)));
  a.set_status(v1::SAFEGUARDING_ACTION_STATUS_CANCELLED);
  EXPECT_FALSE(IsSafeguardingActionOverdue(a, CivilDay(2027, 1, 1)));
  a.set_status(v1::SAFEGUARDING_ACTION_STATUS_OPEN);
  a.mutable_due_date()->set_day(32);  // Malformed: never overdue.
  EXPECT_FALSE(IsSafeguardingActionOverdue(a, CivilDay(2027, 1, 1)));
}

// (today, days, due, within) for an OPEN action.
struct WithinCase {
  CivilDay today;
  int days;
  CivilDay due;
  bool within;
};

TEST(DueWithinDaysTest, Boundaries) {
  const WithinCase cases[] = {
      // 0 days: due today or overdue.
      {CivilDay(2026, 11, 21), 0, CivilDay(2026, 11, 21), true},
      {CivilDay(2026, 11, 21), 0, CivilDay(2026, 11, 22), false},
      {CivilDay(2026, 11, 21), 0, CivilDay(2026, 11, 20), true},
      // 7 days across a year end.
      {CivilDay(2026, 12, 25), 7, CivilDay(2027, 1, 1), true},
      {CivilDay(2026, 12, 25), 7, CivilDay(2027, 1, 2), false},
      // Overdue actions are within any window.
      {CivilDay(2026, 12, 25), 7, CivilDay(2026, 1, 1), true},
      // Across a 31-day and a 30-day month end.
      {CivilDay(2026, 1, 30), 2, CivilDay(2026, 2, 1), true},
      {CivilDay(2026, 1, 30), 2, CivilDay(2026, 2, 2), false},
      {CivilDay(2026, 4, 29), 2, CivilDay(2026, 5, 1), true},
      {CivilDay(2026, 4, 29), 2, CivilDay(2026, 5, 2), false},
      // February in a leap year has 29 days...
      {CivilDay(2028, 2, 22), 7, CivilDay(2028, 2, 29), true},
      {CivilDay(2028, 2, 22), 7, CivilDay(2028, 3, 1), false},
      // ...and 28 otherwise.
      {CivilDay(2027, 2, 22), 7, CivilDay(2027, 3, 1), true},
      {CivilDay(2027, 2, 22), 7, CivilDay(2027, 3, 2), false},
      // From the leap day itself.
      {CivilDay(2028, 2, 29), 1, CivilDay(2028, 3, 1), true},
      {CivilDay(2028, 2, 29), 1, CivilDay(2028, 3, 2), false},
      // A year of days across a leap year: 2028-01-01 + 366 = 2029-01-01.
      {CivilDay(2028, 1, 1), 366, CivilDay(2029, 1, 1), true},
      {CivilDay(2028, 1, 1), 365, CivilDay(2029, 1, 1), false},
      // Negative windows match nothing.
      {CivilDay(2026, 11, 21), -1, CivilDay(2026, 11, 1), false},
  };
  for (const WithinCase& c : cases) {
    EXPECT_EQ(DueWithinDays(Due(c.due), c.today, c.days), c.within)
        << "today " << Day(c.today) << " +" << c.days << " due " << Day(c.due);
  }
}

TEST(DueWithinDaysTest, TerminalActionsAreNeverDue) {
  const CivilDay today(2026, 3, 1);
  for (auto status : kAllStatuses) {
    EXPECT_EQ(DueWithinDays(Due(today, status), today, 30), Active(status));
    EXPECT_EQ(DueWithinDays(Due(today - 3, status), today, 0), Active(status));
  }
}

TEST(WorkOrderTest, PriorityRanks) {
  EXPECT_EQ(SafeguardingPriorityRank(v1::SAFEGUARDING_ACTION_PRIORITY_URGENT), 0);
  EXPECT_EQ(SafeguardingPriorityRank(v1::SAFEGUARDING_ACTION_PRIORITY_HIGH), 1);
  EXPECT_EQ(SafeguardingPriorityRank(v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL), 2);
  EXPECT_EQ(SafeguardingPriorityRank(v1::SAFEGUARDING_ACTION_PRIORITY_UNSPECIFIED), 2);
  EXPECT_EQ(SafeguardingPriorityRank(v1::SAFEGUARDING_ACTION_PRIORITY_LOW), 3);
}

SafeguardingActionFacts Work(std::string id, CivilDay due,
                             v1::SafeguardingActionPriority priority,
                             int64_t created_unix_seconds) {
  SafeguardingActionFacts f = Due(due);
  f.id = std::move(id);
  f.priority = priority;
  f.create_time = absl::FromUnixSeconds(created_unix_seconds);
  return f;
}

std::vector<SafeguardingActionFacts> Shuffled() {
  using P = v1::SafeguardingActionPriority;
  const P low = v1::SAFEGUARDING_ACTION_PRIORITY_LOW;
  const P normal = v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL;
  const P high = v1::SAFEGUARDING_ACTION_PRIORITY_HIGH;
  const P urgent = v1::SAFEGUARDING_ACTION_PRIORITY_URGENT;
  // Named in the expected order: a..h.
  return {
      Work("h", CivilDay(2027, 1, 1), urgent, 1),
      Work("d", CivilDay(2026, 12, 31), normal, 100),
      Work("b", CivilDay(2026, 12, 31), urgent, 500),
      Work("g", CivilDay(2026, 12, 31), low, -100),  // Created before 1970.
      Work("e", CivilDay(2026, 12, 31), normal, 200),
      Work("a", CivilDay(2026, 12, 30), low, 999),
      Work("c", CivilDay(2026, 12, 31), high, 0),
      Work("f", CivilDay(2026, 12, 31), normal, 200),  // Tie: by id.
  };
}

TEST(WorkOrderTest, DueDateThenPriorityThenCreatedThenId) {
  std::vector<SafeguardingActionFacts> work = Shuffled();
  std::sort(work.begin(), work.end(),
            [](const SafeguardingActionFacts& x, const SafeguardingActionFacts& y) {
              return WorkOrderKeyOf(x) < WorkOrderKeyOf(y);
            });
  std::string order;
  for (const auto& w : work) order += w.id;
  EXPECT_EQ(order, "abcdefgh");
}

TEST(WorkOrderTest, EncodedKeysSortLikeKeys) {
  std::vector<WorkOrderKey> keys;
  for (const auto& w : Shuffled()) keys.push_back(WorkOrderKeyOf(w));
  keys.push_back(WorkOrderKey{CivilDay(999, 1, 1), 3,
                              absl::FromUnixMicros(-62135596800000000), "z"});
  keys.push_back(WorkOrderKey{CivilDay(9999, 12, 31), 0,
                              absl::FromUnixMicros(253402300799999999), "z"});
  for (const WorkOrderKey& x : keys) {
    for (const WorkOrderKey& y : keys) {
      // Ids are the cursor's tie-breaker, outside the encoded key.
      const bool key_less =
          std::tie(x.due_date, x.priority_rank, x.create_time) <
          std::tie(y.due_date, y.priority_rank, y.create_time);
      EXPECT_EQ(EncodeWorkOrderSortKey(x) < EncodeWorkOrderSortKey(y), key_less)
          << EncodeWorkOrderSortKey(x) << " vs " << EncodeWorkOrderSortKey(y);
    }
  }
}

TEST(WorkOrderTest, SortKeyRoundTrips) {
  WorkOrderKey key{CivilDay(2028, 2, 29), 1,
                   absl::FromUnixMicros(1795251600123456), "some-id"};
  const std::string encoded = EncodeWorkOrderSortKey(key);
  EXPECT_EQ(encoded.substr(0, 13), "2028-02-29.1.");
  // The documented format, pinned: tokens outlive a deployment.
  EXPECT_EQ(EncodeWorkOrderSortKey(WorkOrderKey{
                CivilDay(2026, 11, 21), 0,
                absl::FromUnixMicros(1795251600123456), "x"}),
            "2026-11-21.0.09225167288454899264");
  absl::StatusOr<WorkOrderKey> decoded = DecodeWorkOrderSortKey(encoded, "some-id");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, key);
  WorkOrderKey old{CivilDay(2026, 1, 1), 3, absl::FromUnixMicros(-1), "x"};
  EXPECT_EQ(*DecodeWorkOrderSortKey(EncodeWorkOrderSortKey(old), "x"), old);
}

TEST(WorkOrderTest, MalformedSortKeysAreRejected) {
  const std::string good = EncodeWorkOrderSortKey(
      WorkOrderKey{CivilDay(2026, 5, 1), 2, absl::FromUnixSeconds(5), "i"});
  ASSERT_TRUE(DecodeWorkOrderSortKey(good, "i").ok());
  std::vector<std::string> bad = {
      "",
      good.substr(1),
      good + "0",
      "2026-02-30" + good.substr(10),  // Not a date.
      good.substr(0, 11) + "4" + good.substr(12),  // Rank out of range.
      good.substr(0, 13) + "+" + good.substr(14),
      good.substr(0, 4) + "/" + good.substr(5),
      "abcd" + good.substr(4),
  };
  for (const std::string& key : bad) {
    absl::StatusOr<WorkOrderKey> got = DecodeWorkOrderSortKey(key, "i");
    EXPECT_FALSE(got.ok()) << key;
    EXPECT_EQ(FieldOf(got.status()), "page_token") << key;
  }
}

TEST(FactsOfSafeguardingActionTest, FromAStoredAction) {
  v1::SafeguardingAction a;
  a.set_name(
      "cases/0b8f3c2a-1111-4111-8111-111111111111/safeguardingActions/"
      "0b8f3c2a-2222-4222-8222-222222222222");
  a.set_case_reference("SP-2026-000123");
  a.set_status(v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS);
  a.set_type(v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
  a.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_HIGH);
  *a.mutable_due_date() = ToProtoDate(CivilDay(2026, 12, 1));
  *a.mutable_create_time() = ToProtoTime(absl::FromUnixSeconds(1790000000));
  a.set_assigned_agency("agencies/0b8f3c2a-3333-4333-8333-333333333333");
  a.set_assigned_user("users/0b8f3c2a-4444-4444-8444-444444444444");
  absl::StatusOr<SafeguardingActionFacts> f =
      FactsOfSafeguardingAction(a, v1::AGENCY_KIND_HEALTH);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->id, "0b8f3c2a-2222-4222-8222-222222222222");
  EXPECT_EQ(f->case_id, "0b8f3c2a-1111-4111-8111-111111111111");
  EXPECT_EQ(f->case_reference, "SP-2026-000123");
  EXPECT_EQ(f->status, v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS);
  EXPECT_EQ(f->type, v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
  EXPECT_EQ(f->priority, v1::SAFEGUARDING_ACTION_PRIORITY_HIGH);
  EXPECT_EQ(f->due_date, CivilDay(2026, 12, 1));
  EXPECT_EQ(f->create_time, absl::FromUnixSeconds(1790000000));
  EXPECT_EQ(f->assigned_agency_id, "0b8f3c2a-3333-4333-8333-333333333333");
  EXPECT_EQ(f->assigned_agency_kind, v1::AGENCY_KIND_HEALTH);
  EXPECT_EQ(f->assigned_user_id, "0b8f3c2a-4444-4444-8444-444444444444");

  a.mutable_due_date()->set_month(2);
  a.mutable_due_date()->set_day(30);
  EXPECT_EQ(FieldOf(FactsOfSafeguardingAction(a, v1::AGENCY_KIND_HEALTH).status()),
            "due_date");
  a.set_name("cases/x");
  EXPECT_EQ(FieldOf(FactsOfSafeguardingAction(a, v1::AGENCY_KIND_HEALTH).status()),
            "name");
}

}  // namespace
}  // namespace casebridge::domain
