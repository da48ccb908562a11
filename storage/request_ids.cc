#include "storage/request_ids.h"

namespace casebridge::storage {
namespace {

constexpr Statement kClaim = {
    "cb_request_id_claim",
    "INSERT INTO request_ids (user_id, method, request_id, resource) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING resource"};

constexpr Statement kExisting = {
    "cb_request_id_existing",
    "SELECT resource FROM request_ids "
    "WHERE user_id = $1 AND method = $2 AND request_id = $3"};

}  // namespace

absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    Tx& tx, absl::string_view user_id, absl::string_view method,
    absl::string_view request_id, absl::string_view resource) {
  if (request_id.empty()) return std::optional<std::string>();
  Params params;
  params.Text(user_id).Text(method).Text(request_id);
  pqxx::result claimed = tx.Exec(kClaim, Params(params).Text(resource));
  if (!claimed.empty()) return std::optional<std::string>();
  pqxx::result existing = tx.Exec(kExisting, params);
  if (existing.empty()) {
    return absl::AbortedError("request_id is being used concurrently; retry");
  }
  return std::optional<std::string>(existing[0][0].c_str());
}

}  // namespace casebridge::storage
