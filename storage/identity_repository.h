#ifndef CASEBRIDGE_STORAGE_IDENTITY_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_IDENTITY_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/admin.pb.h"
#include "domain/list_query.h"
#include "domain/principal.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

// What a bearer token resolves to, with everything needed to refuse it.
struct TokenRecord {
  domain::Principal principal;
  absl::Time expire_time = absl::InfiniteFuture();
  bool revoked = false;
  bool user_disabled = false;
};

struct UserFilter {
  std::string agency_id;
  std::optional<bool> disabled;
  int role = 0;
};

// A new token's row.
struct NewToken {
  std::string user_id;
  std::string secret_sha256;
  std::string description;
  absl::Time expire_time = absl::InfiniteFuture();
  v1::TokenOrigin origin = v1::TOKEN_ORIGIN_UNSPECIFIED;
  // Bare user id of who made it; empty for provisioned tokens.
  std::string created_by;
};

// An enrolment code found by its secret, still redeemable.
struct RedeemableCode {
  std::string code_id;
  std::string user_id;
  std::string created_by;
};

// Agencies, users, tokens and enrolment codes. Users carry a row version
// (their etag); role changes and moves check it.
class IdentityRepository {
 public:
  absl::StatusOr<std::optional<TokenRecord>> FindToken(
      Tx& tx, absl::string_view secret_sha256) const;

  // ALREADY_EXISTS naming the code when taken.
  absl::StatusOr<v1::Agency> CreateAgency(Tx& tx, absl::string_view id,
                                          const v1::Agency& agency) const;
  // NOT_FOUND when absent.
  absl::StatusOr<v1::Agency> GetAgency(Tx& tx, absl::string_view id) const;
  absl::StatusOr<std::optional<v1::Agency>> FindAgencyByCode(
      Tx& tx, absl::string_view code) const;
  absl::StatusOr<Page<v1::Agency>> ListAgencies(
      Tx& tx, int kind, const std::optional<domain::PageCursor>& after,
      int limit) const;

  // ALREADY_EXISTS naming the username when taken.
  absl::StatusOr<v1::User> CreateUser(Tx& tx, absl::string_view id,
                                      const v1::User& user) const;
  // NOT_FOUND when absent.
  absl::StatusOr<v1::User> GetUser(Tx& tx, absl::string_view id) const;
  // As GetUser, and locks the row until the transaction ends (the check of
  // who may change it and the change see the same row).
  absl::StatusOr<v1::User> GetUserForUpdate(Tx& tx, absl::string_view id) const;
  absl::StatusOr<std::optional<v1::User>> FindUserByUsername(
      Tx& tx, absl::string_view username) const;
  absl::StatusOr<Page<v1::User>> ListUsers(
      Tx& tx, const UserFilter& filter,
      const std::optional<domain::PageCursor>& after, int limit) const;
  // Whether any user holds `role` (bootstrap checks for a system
  // administrator).
  absl::StatusOr<bool> AnyUserWithRole(Tx& tx, v1::Role role) const;

  absl::StatusOr<v1::User> SetDisabled(Tx& tx, absl::string_view id, bool disabled,
                                       absl::string_view reason) const;
  // ABORTED (stale etag) when the user's version is not `expected_version`.
  absl::StatusOr<v1::User> SetRoles(Tx& tx, absl::string_view id,
                                    const std::vector<int>& roles,
                                    int64_t expected_version) const;
  absl::StatusOr<v1::User> Move(Tx& tx, absl::string_view id,
                                absl::string_view agency_id,
                                const std::vector<int>& roles,
                                int64_t expected_version) const;

  absl::StatusOr<v1::Token> IssueToken(Tx& tx, const NewToken& token) const;
  // Newest first, at most 1,000 (CountLiveTokens counts them all).
  absl::StatusOr<std::vector<v1::Token>> ListTokens(Tx& tx,
                                                    absl::string_view user_id) const;
  // The user's tokens that still work at `now`: neither revoked nor expired.
  absl::StatusOr<int64_t> CountLiveTokens(Tx& tx, absl::string_view user_id,
                                          absl::Time now) const;
  // Revokes every token of the user that is not revoked yet; how many.
  absl::StatusOr<int64_t> RevokeAllTokens(Tx& tx, absl::string_view user_id,
                                          absl::Time now) const;
  // NOT_FOUND when the token is not the user's.
  absl::StatusOr<v1::Token> RevokeToken(Tx& tx, absl::string_view user_id,
                                        absl::string_view token_id,
                                        absl::Time now) const;

  // Stores a new code for the user of `agency_id` (only its hash) and
  // cancels the user's earlier codes that were not redeemed.
  absl::StatusOr<v1::EnrolmentCode> CreateEnrolmentCode(
      Tx& tx, absl::string_view user_id, absl::string_view agency_id,
      absl::string_view code_sha256, absl::string_view created_by, absl::Time now,
      absl::Time expire_time) const;
  // Cancels the user's codes not yet redeemed (a move, a leaver).
  absl::Status CancelEnrolmentCodes(Tx& tx, absl::string_view user_id,
                                    absl::Time now) const;
  // The code with this hash if it is neither redeemed, cancelled nor
  // expired, and its user is still in the agency it was made for, locked
  // for the redemption; nullopt otherwise.
  absl::StatusOr<std::optional<RedeemableCode>> FindRedeemableCode(
      Tx& tx, absl::string_view code_sha256, absl::Time now) const;
  absl::Status MarkCodeRedeemed(Tx& tx, absl::string_view code_id,
                                absl::string_view token_id, absl::Time now) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_IDENTITY_REPOSITORY_H_
