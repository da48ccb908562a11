#include "services/authenticator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "storage/crypto.h"

namespace casebridge::services {
namespace {

constexpr size_t kMaxCacheEntries = 10000;

}  // namespace

Authenticator::Authenticator(storage::Database* db, absl::Duration cache_ttl,
                             int max_concurrent_lookups)
    : db_(db),
      cache_ttl_(cache_ttl),
      max_concurrent_lookups_(std::max(1, max_concurrent_lookups)) {}

absl::StatusOr<domain::Principal> Authenticator::Authenticate(
    absl::string_view authorization, absl::Time now, absl::Time deadline) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "no credentials: send the header 'authorization: Bearer <token>'");
  }
  absl::string_view token = absl::StripAsciiWhitespace(authorization);
  if (!absl::ConsumePrefix(&token, "Bearer ") &&
      !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError(
        "the authorization header must be 'Bearer <token>'");
  }
  token = absl::StripAsciiWhitespace(token);
  // No secret the server issued looks otherwise: refuse without a lookup.
  if (!storage::IsWellFormedTokenSecret(token)) {
    return absl::UnauthenticatedError("the bearer token is malformed");
  }
  std::string hash = storage::Sha256(token);
  const absl::Status unknown = absl::UnauthenticatedError(
      "unknown token: sign in again, or redeem a new enrolment code from your "
      "administrator");

  std::optional<storage::TokenRecord> record;
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.fetched < cache_ttl_) {
      record = it->second.record;
    } else if (auto miss = unknown_.find(hash);
               miss != unknown_.end() && now - miss->second < cache_ttl_) {
      return unknown;
    } else {
      auto lookup_free = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return lookups_in_flight_ < max_concurrent_lookups_;
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&lookup_free), deadline)) {
        return absl::UnavailableError(
            "too many sign-ins are being checked at once; try again shortly");
      }
      ++lookups_in_flight_;
    }
  }
  if (!record.has_value()) {
    absl::StatusOr<std::optional<storage::TokenRecord>> found =
        db_->TransactFor<std::optional<storage::TokenRecord>>(
            deadline,
            [&](storage::Tx& tx) { return identities_.FindToken(tx, hash); },
            storage::Database::Mode::kReadOnly);
    absl::MutexLock lock(&mu_);
    --lookups_in_flight_;
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      if (cache_ttl_ > absl::ZeroDuration()) {
        if (unknown_.size() >= kMaxCacheEntries) unknown_.clear();
        unknown_[hash] = now;
      }
      return unknown;
    }
    record = **found;
    unknown_.erase(hash);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_[hash] = Entry{*record, now};
  }
  if (record->revoked) {
    return absl::UnauthenticatedError("this token has been revoked");
  }
  if (record->user_disabled) {
    return absl::UnauthenticatedError(
        absl::StrCat("user ", record->principal.username, " is disabled"));
  }
  if (now >= record->expire_time) {
    return absl::UnauthenticatedError(absl::StrCat(
        "this token expired at ",
        absl::FormatTime(absl::RFC3339_sec, record->expire_time,
                         absl::UTCTimeZone())));
  }
  return record->principal;
}

std::optional<domain::Principal> Authenticator::FromCache(
    absl::string_view authorization, absl::Time now) {
  absl::string_view token = absl::StripAsciiWhitespace(authorization);
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return std::nullopt;
  }
  token = absl::StripAsciiWhitespace(token);
  if (!storage::IsWellFormedTokenSecret(token)) return std::nullopt;
  const std::string hash = storage::Sha256(token);
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end() || now - it->second.fetched >= cache_ttl_) return std::nullopt;
  const storage::TokenRecord& r = it->second.record;
  if (r.revoked || r.user_disabled || now >= r.expire_time) return std::nullopt;
  return r.principal;
}

void Authenticator::Invalidate() {
  absl::MutexLock lock(&mu_);
  cache_.clear();
  unknown_.clear();
}

void Authenticator::ForgetUnknownTokens() {
  absl::MutexLock lock(&mu_);
  unknown_.clear();
}

}  // namespace casebridge::services
