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

// Length limits used across the API, in characters (UTF-8 code points).
inline constexpr size_t kMaxShortText = 200;   // names, codes, locations
inline constexpr size_t kMaxLongText = 10000;  // narratives, notes, reasons

// Field paths for FieldError: "prefix.name" ("name" when `prefix` is
// empty) and "list[3]".
std::string FieldPath(absl::string_view prefix, absl::string_view name);
std::string FieldIndex(absl::string_view list, int index);

// Text must be valid UTF-8, without control characters other than newline
// and tab, and at most `max_chars` long; `required` rejects empty/blank.
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_chars, bool required);
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
