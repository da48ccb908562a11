#include "domain/protection_order_measures.h"

#include "domain/dates.h"
#include "domain/validation.h"
#include "gtest/gtest.h"
#include "tests/unit/protection_order_scenarios.h"

namespace casebridge::domain {
namespace {

using scenarios::At;

TEST(OrderMeasuresTest, RatesPerCaseAndPerThousand) {
  OrderMeasureCounts counts;
  counts.stalking_cases = 400;
  counts.cases_with_order_considered = 300;
  counts.orders_considered = 320;
  counts.full_orders_made = 6;
  counts.interim_orders_made = 4;
  MeasuresRange range{absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 3, 31)};
  v1::OrderMeasures m = ComputeOrderMeasures(counts, range);
  EXPECT_DOUBLE_EQ(m.considered_case_rate(), 0.75);
  EXPECT_DOUBLE_EQ(m.orders_considered_per_case(), 0.8);
  EXPECT_DOUBLE_EQ(m.orders_per_1000_cases(), 15.0);
  EXPECT_EQ(m.stalking_cases(), 400);
  EXPECT_EQ(m.interim_orders_made(), 4);
  EXPECT_EQ(m.start_date().month(), 1);
  EXPECT_EQ(m.end_date().day(), 31);
  EXPECT_EQ(range.start_time(), At(2026, 1, 1, 0, 0));
  EXPECT_EQ(range.end_time(), At(2026, 3, 31, 23, 0)) << "BST from 29 March";

  v1::OrderMeasures none = ComputeOrderMeasures(OrderMeasureCounts{}, range);
  EXPECT_EQ(none.considered_case_rate(), 0.0);
  EXPECT_EQ(none.orders_per_1000_cases(), 0.0);
}

TEST(OrderMeasuresTest, ParsesAgencyAndRange) {
  v1::GetOrderMeasuresRequest req;
  EXPECT_EQ(FieldOf(ParseGetOrderMeasures(req).status()), "start_date");
  *req.mutable_start_date() = ToProtoDate(absl::CivilDay(2026, 4, 1));
  EXPECT_EQ(FieldOf(ParseGetOrderMeasures(req).status()), "end_date");
  *req.mutable_end_date() = ToProtoDate(absl::CivilDay(2026, 3, 31));
  EXPECT_EQ(FieldOf(ParseGetOrderMeasures(req).status()), "end_date");
  *req.mutable_end_date() = ToProtoDate(absl::CivilDay(2026, 4, 1));
  auto q = ParseGetOrderMeasures(req);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->agency_id, std::nullopt);
  req.set_agency("agencies/staffordshire");
  EXPECT_EQ(FieldOf(ParseGetOrderMeasures(req).status()), "agency");
  req.set_agency("agencies/3F2B7C1E-0000-4000-8000-000000000001");
  EXPECT_EQ(ParseGetOrderMeasures(req)->agency_id,
            "3f2b7c1e-0000-4000-8000-000000000001");
}

}  // namespace
}  // namespace casebridge::domain
