#include "domain/protection_order_measures.h"

#include "domain/dates.h"
#include "domain/resource_names.h"
#include "domain/validation.h"

namespace casebridge::domain {

absl::Time MeasuresRange::start_time() const {
  return StartOfUkDay(start_date);
}
absl::Time MeasuresRange::end_time() const { return EndOfUkDay(end_date); }

absl::StatusOr<OrderMeasuresQuery> ParseGetOrderMeasures(
    const v1::GetOrderMeasuresRequest& request) {
  OrderMeasuresQuery query;
  if (!request.agency().empty()) {
    auto id = ParseTopLevelName(request.agency(), "agencies", "agency");
    if (!id.ok()) return id.status();
    query.agency_id = *id;
  }
  auto start = ParseDate("start_date", request.start_date(), kRecordDate);
  if (!start.ok()) return start.status();
  auto end = ParseDate("end_date", request.end_date(), kRecordDate);
  if (!end.ok()) return end.status();
  if (*end < *start) {
    return FieldError("end_date", "must not be before start_date");
  }
  query.range = MeasuresRange{*start, *end};
  return query;
}

v1::OrderMeasures ComputeOrderMeasures(const OrderMeasureCounts& counts,
                                       const MeasuresRange& range) {
  v1::OrderMeasures m;
  *m.mutable_start_date() = ToProtoDate(range.start_date);
  *m.mutable_end_date() = ToProtoDate(range.end_date);
  m.set_stalking_cases(counts.stalking_cases);
  m.set_cases_with_order_considered(counts.cases_with_order_considered);
  m.set_orders_considered(counts.orders_considered);
  m.set_full_orders_made(counts.full_orders_made);
  m.set_interim_orders_made(counts.interim_orders_made);
  if (counts.stalking_cases > 0) {
    const double cases = static_cast<double>(counts.stalking_cases);
    m.set_considered_case_rate(
        static_cast<double>(counts.cases_with_order_considered) / cases);
    m.set_orders_considered_per_case(
        static_cast<double>(counts.orders_considered) / cases);
    m.set_orders_per_1000_cases(static_cast<double>(counts.full_orders_made) *
                                1000.0 / cases);
  }
  return m;
}

}  // namespace casebridge::domain
