#ifndef CASEBRIDGE_DOMAIN_VALIDATION_H_
#define CASEBRIDGE_DOMAIN_VALIDATION_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace casebridge::domain {

// INVALID_ARGUMENT naming the offending field: "case.victim.given_name: must
// be at most 200 characters". The field path also travels as a status payload
// so the service edge can hand it to clients as metadata.
absl::Status FieldError(absl::string_view field, absl::string_view problem);

// The field a FieldError names, if any.
std::optional<std::string> FieldOf(const absl::Status& status);

// `status` naming `field` the way FieldError does (for errors of other
// codes about one field, e.g. FAILED_PRECONDITION).
absl::Status WithField(absl::Status status, absl::string_view field);

// Length limits used across the API, in characters (UTF-8 code points).
inline constexpr size_t kMaxShortText = 200;   // names, codes, locations
inline constexpr size_t kMaxLongText = 10000;  // narratives, notes, reasons

// Field paths for FieldError: "prefix.name" ("name" when `prefix` is
// empty) and "list[3]".
std::string FieldPath(absl::string_view prefix, absl::string_view name);
std::string FieldIndex(absl::string_view list, int index);

// Text a person typed, as the API accepts it into any string field:
//  - valid UTF-8 (INVALID_ARGUMENT saying which byte starts no character);
//  - no character that is not visible text, named with its code point and
//    Unicode name and what to do ("case.summary: contains U+202E
//    (RIGHT-TO-LEFT OVERRIDE), an invisible formatting character that can
//    disguise text; remove it"): format characters (Unicode general
//    category Cf: bidirectional embeddings, overrides and isolates, LRM/RLM/
//    ALM, zero-width space and (non-)joiners, word joiner, byte order mark,
//    soft hyphen, tag characters, ...), controls (Cc) other than newline,
//    carriage return and tab, line and paragraph separators (Zl, Zp),
//    surrogates, noncharacters and code points Unicode (as the linked ICU
//    knows it) has not assigned. The classes come from ICU, not from lists
//    here. So an emoji sequence joined with U+200D (a family) is refused,
//    while a single emoji is text;
//  - at most `max_chars` characters (code points);
//  - when `required`, not empty and not only Unicode white space (NBSP,
//    U+3000 IDEOGRAPHIC SPACE, ... as well as ASCII): "is required".
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_chars, bool required);
// Well-formed UTF-8 without NUL: what any text bound to SQL must be (a
// weaker test than CheckText, for strings the server made itself and reads
// back, such as a page token's position).
bool IsWellFormedText(absl::string_view value);
// Empty, or only Unicode white space: what a required string may not be.
// For checks of "one of these must be given" that CheckText's `required`
// cannot express (a person's given or family name).
bool IsBlank(absl::string_view value);
// CheckText for narratives, notes and reasons (kMaxLongText).
absl::Status CheckLongText(absl::string_view field, absl::string_view value,
                           bool required);

// An enum value must be one of the values the proto declares and not the
// UNSPECIFIED zero, unless `allow_unspecified`.
template <typename IsValid>
absl::Status CheckEnum(absl::string_view field, int value, IsValid is_valid,
                       bool allow_unspecified) {
  if (value == 0) {
    return allow_unspecified ? absl::OkStatus()
                             : FieldError(field, "is required");
  }
  if (!is_valid(value)) return FieldError(field, "is not a known value");
  return absl::OkStatus();
}

// The instants the API takes and stores: google.protobuf.Timestamp's range,
// 0001-01-01T00:00:00Z up to 9999-12-31T23:59:59.999999999Z (well inside
// what PostgreSQL's timestamptz holds, so no instant that passes reaches SQL
// to fail there).
bool IsStorableTime(absl::Time t);
// "between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z", for messages.
inline constexpr absl::string_view kStorableTimeRange =
    "between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z";

// A timestamp must be well formed (seconds within 0001..9999, nanos within
// range). Unset timestamps are accepted unless `required`.
absl::Status CheckTimestamp(absl::string_view field,
                            const google::protobuf::Timestamp& ts,
                            bool present, bool required);

// Etags are the resource's row version in decimal. Parse is
// INVALID_ARGUMENT naming `field` when missing or malformed.
std::string FormatEtag(int64_t version);
absl::StatusOr<int64_t> ParseEtag(absl::string_view field,
                                  absl::string_view etag);
// The one answer to a stale etag: ABORTED, saying `what` (e.g. a resource
// name) was changed since the caller read it, with the current etag when
// known ("" when not), and what to do.
absl::Status StaleEtagError(absl::string_view what, absl::string_view current_etag = "");

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToProtoTime(absl::Time t);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_VALIDATION_H_
