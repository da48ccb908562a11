#ifndef CASEBRIDGE_STORAGE_CRYPTO_H_
#define CASEBRIDGE_STORAGE_CRYPTO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace casebridge::storage {

// Raw 32-byte SHA-256 digest.
std::string Sha256(absl::string_view data);

// A new bearer token secret: "cbt_" + 43 characters of URL-safe base64 over
// 32 bytes from the OS CSPRNG (OpenSSL RAND_bytes). Aborts if the CSPRNG
// fails rather than hand out a guessable token.
std::string NewTokenSecret();
// Whether `token` has the form NewTokenSecret makes ("cbt_" and exactly 43
// characters of A-Z a-z 0-9 - _). Anything else was never issued, so the
// authenticator refuses it without looking it up.
bool IsWellFormedTokenSecret(absl::string_view token);

// A new one-time enrolment code a person types in: 25 characters of
// Crockford base32 (125 bits from the CSPRNG) in five groups,
// "7KQ2M-..."; unambiguous to read aloud (no I, L, O, U).
std::string NewEnrolmentCode();
// The code as typed, in the one form whose hash is stored: upper case,
// without spaces and hyphens, I/L read as 1 and O as 0. "" if it cannot be
// one (wrong length or a character outside the alphabet).
std::string NormalizeEnrolmentCode(absl::string_view typed);

// A random (version 4) UUID in canonical lower-case form. Ids are made here
// rather than by the database so a create can record its request_id before
// it writes (see storage/request_ids.h).
std::string NewUuid();

// A new database password: 64 hex digits over 32 bytes from the OS CSPRNG
// (nothing libpq's password file or a connection string would need to
// escape). Aborts if the CSPRNG fails.
std::string NewPassword();

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_CRYPTO_H_
