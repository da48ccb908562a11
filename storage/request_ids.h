#ifndef CASEBRIDGE_STORAGE_REQUEST_IDS_H_
#define CASEBRIDGE_STORAGE_REQUEST_IDS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/database.h"

namespace casebridge::storage {

// Makes a Create idempotent. Call it first in the create's transaction with
// the name the new resource will have. Returns nullopt when this is the first
// time (the claim commits with the create), or the resource name the first
// call created when the same user already sent this request_id to this
// method. A concurrent duplicate waits for the first to commit and then sees
// its result. An empty request_id claims nothing.
absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    Tx& tx, absl::string_view user_id, absl::string_view method,
    absl::string_view request_id, absl::string_view resource);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_REQUEST_IDS_H_
