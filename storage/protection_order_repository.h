#ifndef CASEBRIDGE_STORAGE_PROTECTION_ORDER_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_PROTECTION_ORDER_REPOSITORY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "domain/list_query.h"
#include "domain/protection_order_measures.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

// One order as stored: the message domain::OrderFromProto reads back (name,
// main_order, etag and times set; derived fields unset), its stored status
// and every terms version, oldest first.
struct StoredOrder {
  std::string id;
  std::string case_id;
  v1::ProtectionOrder order;
  v1::ProtectionOrderStatus status = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
  std::vector<v1::OrderTermsVersion> versions;
  int64_t version = 0;
  // For lists across cases: the case's owning force and whether the case is
  // actively shared with the listing caller's agency.
  std::string case_owner_agency_id;
  bool case_shared_with_caller = false;
};

// What to store: the order as domain::OrderToProto gives it (derived fields
// are ignored, so it may be computed at any time), its stored status and
// every terms version, oldest first (versions already stored never change).
struct OrderWrite {
  v1::ProtectionOrder order;
  v1::ProtectionOrderStatus status = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
  std::vector<v1::OrderTermsVersion> versions;
};

// Which orders a list reads, narrowed in SQL as far as stored columns allow.
// Statuses that depend on the time are decided by the caller on the loaded
// orders; these only drop rows that cannot match.
struct OrderListQuery {
  // One case; empty: every case `agency_id` owns or has an active share of.
  std::string case_id;
  // The caller's agency (sets StoredOrder.case_shared_with_caller).
  std::string agency_id;
  int kind = 0;  // 0: any
  // Stored statuses; empty: any.
  std::vector<int> statuses;
  // Set: only orders that had not stopped having effect by then.
  absl::Time not_ended_at = absl::InfinitePast();
  // Set: only orders with a notification not made and due before then.
  absl::Time open_notification_due_before = absl::InfinitePast();
};

// Stalking Protection Orders: the order row and its children, history, the
// case's active-order columns, and the measures.
class ProtectionOrderRepository {
 public:
  absl::StatusOr<std::optional<StoredOrder>> Get(Tx& tx,
                                                 absl::string_view case_id,
                                                 absl::string_view id) const;
  // Every order of the case, oldest first.
  absl::StatusOr<std::vector<StoredOrder>> ListForCase(
      Tx& tx, absl::string_view case_id) const;
  // Orders of the case with a notification not made and due before `time`.
  absl::StatusOr<std::vector<StoredOrder>> WithOpenNotificationsDueBefore(
      Tx& tx, absl::string_view case_id, absl::Time time) const;
  // Interim orders of full orders: main order id -> interim ids, oldest first.
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> InterimIds(
      Tx& tx, const std::vector<std::string>& main_ids) const;
  // Oldest first (create_time, id), after `after`.
  absl::StatusOr<Page<StoredOrder>> List(
      Tx& tx, const OrderListQuery& query,
      const std::optional<domain::PageCursor>& after, int limit) const;

  absl::Status Insert(Tx& tx, absl::string_view id, absl::string_view case_id,
                      absl::string_view main_order_id, const OrderWrite& order,
                      absl::string_view actor_id, absl::Time now) const;
  // Writes what changed since `before` (as loaded in this transaction).
  // ABORTED when the order changed since `before` was read. Returns the new
  // version.
  absl::StatusOr<int64_t> Update(Tx& tx, const StoredOrder& before,
                                 const OrderWrite& after, absl::Time now) const;

  // Appends an entry (its sequence is the next of the order's).
  absl::Status AppendHistory(Tx& tx, absl::string_view order_id,
                             const v1::OrderHistoryEntry& entry,
                             absl::string_view actor_id) const;
  // Oldest first; `actor` and `sequence` set.
  absl::StatusOr<Page<v1::OrderHistoryEntry>> History(
      Tx& tx, absl::string_view order_id,
      const std::optional<domain::PageCursor>& after, int limit) const;

  // cases.order_active / order_active_until (`until` YYYY-MM-DD, or empty for
  // none). Changes neither the case's version nor its etag: the columns are
  // derived from the orders, which carry their own.
  absl::Status SetCaseOrderActivity(Tx& tx, absl::string_view case_id,
                                    bool active, absl::string_view until,
                                    absl::Time now) const;

  // Counts for domain::ComputeOrderMeasures (see its definitions).
  absl::StatusOr<domain::OrderMeasureCounts> CountMeasures(
      Tx& tx, absl::string_view agency_id,
      const domain::MeasuresRange& range) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_PROTECTION_ORDER_REPOSITORY_H_
