#ifndef CASEBRIDGE_STORAGE_REQUEST_IDS_H_
#define CASEBRIDGE_STORAGE_REQUEST_IDS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/database.h"

namespace casebridge::storage {

// Makes a Create idempotent. Call it first in the create's transaction with
// the name the new resource will have and the request's fingerprint (raw
// bytes, services::RequestFingerprint). Returns:
//  - nullopt when this is the first time (the claim commits with the
//    create);
//  - the resource name the first call created when the same user already
//    sent this request_id to this method with the same request (the same
//    fingerprint): answer with that, write nothing;
//  - INVALID_ARGUMENT naming request_id when that earlier request was a
//    different one: the client reused an id for a new request, and the
//    answer must say so rather than hand back the first result, which would
//    silently lose the second request.
// A claim made without a fingerprint (`fingerprint` empty: before migration
// 0013, or a caller that does not fingerprint yet) matches any request, as
// request ids always did. A concurrent duplicate waits for the first to
// commit and then sees its result. An empty request_id claims nothing.
absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    Tx& tx, absl::string_view user_id, absl::string_view method,
    absl::string_view request_id, absl::string_view resource,
    absl::string_view fingerprint = "");

// The answer to a request_id already used for a different request.
absl::Status RequestIdReusedError();

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_REQUEST_IDS_H_
