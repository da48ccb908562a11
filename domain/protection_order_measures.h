#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_MEASURES_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_MEASURES_H_

// The measure forces are asked for: was an SPO considered in every stalking
// case, and how many orders per 1,000 stalking cases. Storage counts; this
// validates the request and turns counts into rates.
//
// Definitions (per force, over an inclusive range of UK days):
//   stalking_cases              cases the force opened in the range
//   cases_with_order_considered of those, cases with at least one order
//                               record (any status, created at any time)
//   orders_considered           order records created in the range on the
//                               force's cases
//   full_orders_made            full orders whose made_date is in the range
//   interim_orders_made         likewise for interim orders

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/protection_orders.pb.h"

namespace casebridge::domain {

struct MeasuresRange {
  absl::CivilDay start_date;
  absl::CivilDay end_date;
  // [start_time, end_time): the range as instants, for queries on
  // timestamps.
  absl::Time start_time() const;
  absl::Time end_time() const;
};

struct OrderMeasuresQuery {
  // The agency id from agencies/{agency}; nullopt: the caller's force.
  std::optional<std::string> agency_id;
  MeasuresRange range;
};

// INVALID_ARGUMENT naming agency, start_date or end_date.
absl::StatusOr<OrderMeasuresQuery> ParseGetOrderMeasures(
    const v1::GetOrderMeasuresRequest& request);

struct OrderMeasureCounts {
  int64_t stalking_cases = 0;
  int64_t cases_with_order_considered = 0;
  int64_t orders_considered = 0;
  int64_t full_orders_made = 0;
  int64_t interim_orders_made = 0;
};

// Counts and rates; rates are 0 when there are no stalking cases. `agency`
// is left for the service to set.
v1::OrderMeasures ComputeOrderMeasures(const OrderMeasureCounts& counts,
                                       const MeasuresRange& range);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_MEASURES_H_
