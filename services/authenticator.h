#ifndef CASEBRIDGE_SERVICES_AUTHENTICATOR_H_
#define CASEBRIDGE_SERVICES_AUTHENTICATOR_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/principal.h"
#include "storage/database.h"
#include "storage/identity_repository.h"

namespace casebridge::services {

// Turns the `authorization: Bearer <token>` header into a Principal, once
// per call. Looks tokens up by the SHA-256 of the secret and keeps results
// for `cache_ttl`, so a revocation or a disabled user made on another server
// takes effect within that time (and at once on this one, via Invalidate).
//
// Floods of bad credentials cost no database work where that is safe: a
// token not of the form storage::NewTokenSecret makes
// (storage::IsWellFormedTokenSecret) is
// refused without a lookup, and a well-formed token the database does not
// know is remembered as unknown for `cache_ttl` too (a negative cache), so
// repeating it is refused from memory. A flood of distinct well-formed
// tokens still needs lookups: at most `max_concurrent_lookups` run at once,
// so it cannot take the connections the other calls need; a call that finds
// none free by its deadline is UNAVAILABLE. Every refusal is still audited
// by the caller (RpcRunner).
class Authenticator {
 public:
  Authenticator(storage::Database* db, absl::Duration cache_ttl,
                int max_concurrent_lookups);

  // UNAUTHENTICATED for a missing, malformed, unknown, expired or revoked
  // token or a disabled user, with a message saying which.
  absl::StatusOr<domain::Principal> Authenticate(
      absl::string_view authorization, absl::Time now, absl::Time deadline);

  // The principal of a token this server has looked up and cached, still
  // valid, without touching the database (for calls refused under load);
  // nullopt otherwise.
  std::optional<domain::Principal> FromCache(absl::string_view authorization,
                                             absl::Time now);

  // Forget cached tokens, known and unknown (after a revocation or a user
  // disabled here).
  void Invalidate();
  // Forget the tokens remembered as unknown (after a token is issued here:
  // its hash must not stay refused from memory, however unlikely it is to
  // have been presented before).
  void ForgetUnknownTokens();

 private:
  struct Entry {
    storage::TokenRecord record;
    absl::Time fetched;
  };

  storage::Database* db_;
  absl::Duration cache_ttl_;
  const int max_concurrent_lookups_;
  storage::IdentityRepository identities_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
  // Hashes of well-formed tokens the database did not know, and when.
  absl::flat_hash_map<std::string, absl::Time> unknown_ ABSL_GUARDED_BY(mu_);
  int lookups_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_AUTHENTICATOR_H_
