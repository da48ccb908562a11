#ifndef CASEBRIDGE_STORAGE_SHARE_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_SHARE_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/sharing.pb.h"
#include "domain/list_query.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

struct ShareInput {
  std::string case_id;
  std::string agency_id;
  v1::ShareBasis basis = v1::SHARE_BASIS_UNSPECIFIED;
  std::string purpose;
  std::string lawful_basis;
  // For automatic shares: the resource that caused it.
  std::string source;
  std::string actor_id;
  absl::Time now;
};

// Shares of cases with agencies. Explicit shares come from police; the
// charging, safeguarding and victim-services flows make automatic ones with
// EnsureShare and withdraw them with WithdrawBasis.
class ShareRepository {
 public:
  // ALREADY_EXISTS when the agency already has an active share on that basis.
  absl::StatusOr<v1::CaseShare> Create(Tx& tx, absl::string_view id,
                                       const ShareInput& input) const;
  // Creates the share unless an active one with the same basis exists.
  // Returns true when it made one.
  absl::StatusOr<bool> EnsureShare(Tx& tx, const ShareInput& input) const;
  absl::StatusOr<std::optional<v1::CaseShare>> Get(Tx& tx,
                                                   absl::string_view case_id,
                                                   absl::string_view id) const;
  // FAILED_PRECONDITION when already withdrawn; NOT_FOUND when absent.
  absl::StatusOr<v1::CaseShare> Withdraw(Tx& tx, absl::string_view case_id,
                                         absl::string_view id,
                                         absl::string_view actor_id,
                                         absl::string_view reason,
                                         absl::Time now) const;
  // Withdraws every active share of the case on `basis` (optionally only
  // with one agency). Returns the names of those withdrawn.
  absl::StatusOr<std::vector<std::string>> WithdrawBasis(Tx& tx, absl::string_view case_id,
                                    v1::ShareBasis basis,
                                    absl::string_view agency_id,
                                    absl::string_view actor_id,
                                    absl::string_view reason,
                                    absl::Time now) const;
  // Oldest first.
  absl::StatusOr<Page<v1::CaseShare>> List(
      Tx& tx, absl::string_view case_id, std::optional<bool> active,
      const std::optional<domain::PageCursor>& after, int limit) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_SHARE_REPOSITORY_H_
