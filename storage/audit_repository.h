#ifndef CASEBRIDGE_STORAGE_AUDIT_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_AUDIT_REPOSITORY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/audit.pb.h"
#include "domain/list_query.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

struct AuditEventFilter {
  std::string case_id;
  std::string user_id;
  std::string agency_id;
  std::string method;
  std::string outcome;
  absl::Time after = absl::InfinitePast();
  absl::Time before = absl::InfinitePast();
  // Only events about cases this agency owns (police supervisors).
  std::string case_owner_agency_id;
  // An agency's own audit: only events of its users or of cases it owns
  // (an agency auditor's reach). Empty: every agency's. Without a case
  // named, an event in which one of its users was told a case does not
  // exist does not name that case (the reader may not know it exists).
  std::string scope_agency_id;
};

// Reading the audit log (writing is storage/audit_log.h's job).
class AuditRepository {
 public:
  // Newest first.
  absl::StatusOr<Page<v1::AuditEvent>> ListEvents(
      Tx& tx, const AuditEventFilter& filter,
      const std::optional<domain::PageCursor>& after, int limit) const;

  // Who was shown the case's content: one row per user, agency and method;
  // only users of `agency_id` unless it is empty.
  absl::StatusOr<Page<v1::CaseAccess>> ListCaseAccess(
      Tx& tx, absl::string_view case_id, absl::string_view agency_id,
      const std::optional<domain::PageCursor>& after, int limit) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_AUDIT_REPOSITORY_H_
