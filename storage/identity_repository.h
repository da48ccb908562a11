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

// Agencies, users and tokens.
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
  absl::StatusOr<v1::User> GetUser(Tx& tx, absl::string_view id) const;
  absl::StatusOr<std::optional<v1::User>> FindUserByUsername(
      Tx& tx, absl::string_view username) const;
  absl::StatusOr<Page<v1::User>> ListUsers(
      Tx& tx, const UserFilter& filter,
      const std::optional<domain::PageCursor>& after, int limit) const;
  absl::StatusOr<v1::User> DisableUser(Tx& tx, absl::string_view id,
                                       absl::string_view reason) const;

  absl::StatusOr<v1::Token> IssueToken(Tx& tx, absl::string_view user_id,
                                       absl::string_view secret_sha256,
                                       absl::string_view description,
                                       absl::Time expire_time) const;
  // NOT_FOUND when the token is not the user's.
  absl::StatusOr<v1::Token> RevokeToken(Tx& tx, absl::string_view user_id,
                                        absl::string_view token_id,
                                        absl::Time now) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_IDENTITY_REPOSITORY_H_
