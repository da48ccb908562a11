#include "storage/request_ids.h"

#include "domain/validation.h"

namespace casebridge::storage {
namespace {

constexpr Statement kClaim = {
    "cb_request_id_claim_fingerprinted",
    "INSERT INTO request_ids (user_id, method, request_id, resource, fingerprint) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING resource"};

constexpr Statement kExisting = {
    "cb_request_id_existing_fingerprinted",
    "SELECT resource, fingerprint FROM request_ids "
    "WHERE user_id = $1 AND method = $2 AND request_id = $3"};

}  // namespace

absl::Status RequestIdReusedError() {
  // INVALID_ARGUMENT rather than ALREADY_EXISTS: nothing the client asked to
  // create exists; the request itself is wrong (an id meant for one request
  // sent with another), and the fix is in the client's hands: a new id.
  return domain::FieldError(
      "request_id",
      "was already used for a different request; a request_id identifies one "
      "request and its retries: use a new request_id for a new request");
}

absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    Tx& tx, absl::string_view user_id, absl::string_view method,
    absl::string_view request_id, absl::string_view resource,
    absl::string_view fingerprint) {
  if (request_id.empty()) return std::optional<std::string>();
  Params params;
  params.Text(user_id).Text(method).Text(request_id);
  Params claim = params;
  claim.Text(resource);
  if (fingerprint.empty()) {
    claim.Null();
  } else {
    claim.Bytes(fingerprint);
  }
  pqxx::result claimed = tx.Exec(kClaim, claim);
  if (!claimed.empty()) return std::optional<std::string>();
  pqxx::result existing = tx.Exec(kExisting, params);
  if (existing.empty()) {
    return absl::AbortedError("request_id is being used concurrently; retry");
  }
  const pqxx::field first_fingerprint = existing[0][1];
  if (!fingerprint.empty() && !first_fingerprint.is_null() &&
      BytesFromField(first_fingerprint) != fingerprint) {
    return RequestIdReusedError();
  }
  return std::optional<std::string>(existing[0][0].c_str());
}

}  // namespace casebridge::storage
