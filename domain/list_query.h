#ifndef CASEBRIDGE_DOMAIN_LIST_QUERY_H_
#define CASEBRIDGE_DOMAIN_LIST_QUERY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"

namespace casebridge::domain {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// page_size 0 means the default; above the maximum is coerced down (AIP-158);
// negative is INVALID_ARGUMENT.
absl::StatusOr<int> ResolvePageSize(int32_t requested);

// A List filter: a conjunction of key=value terms joined by AND (AIP-160's
// simplest subset), e.g. `status=OPEN AND risk_level=HIGH`. Values may be
// double-quoted to include spaces. Every list RPC parses its filter here,
// against the keys it supports; storage binds the values as parameters.
class ListFilter {
 public:
  static absl::StatusOr<ListFilter> Parse(
      absl::string_view filter, absl::Span<const absl::string_view> allowed_keys);

  bool empty() const { return terms_.empty(); }
  std::optional<std::string> Get(absl::string_view key) const;

  // Typed access; a malformed value is INVALID_ARGUMENT naming `filter`.
  absl::StatusOr<std::optional<bool>> GetBool(absl::string_view key) const;
  absl::StatusOr<std::optional<int64_t>> GetInt(absl::string_view key) const;
  // RFC 3339, e.g. 2026-11-21T09:00:00Z, in the years 0001..9999 (the
  // instants the API stores: IsStorableTime); year 0, a negative year or
  // 10000 is INVALID_ARGUMENT naming `filter`, never a statement that fails.
  absl::StatusOr<std::optional<absl::Time>> GetTime(absl::string_view key) const;
  // A proto enum value by name, full ("RISK_LEVEL_HIGH") or short ("HIGH"),
  // any case. UNSPECIFIED is not accepted.
  absl::StatusOr<std::optional<int>> GetEnum(
      absl::string_view key, const google::protobuf::EnumDescriptor* type) const;

  // Stable text of the terms, to bind page tokens to the query.
  std::string Canonical() const;

 private:
  std::map<std::string, std::string, std::less<>> terms_;
};

// Position after the last item of a page, for keyset pagination: the sort
// value of the last row and its id as a tie-breaker.
struct PageCursor {
  std::string sort_key;
  std::string id;
};

// A position's sort key that is an instant, as storage writes it: decimal
// microseconds since the epoch (cb_micros). Anything else, or an instant
// outside IsStorableTime (INT64_MIN, year 0): InvalidPageToken(), so a forged
// token is refused before it reaches SQL.
absl::StatusOr<absl::Time> CursorTime(absl::string_view sort_key);
// The same for an instant that travels as a number of microseconds (the
// sort keys that pack one with other values).
absl::StatusOr<absl::Time> CursorTimeFromMicros(int64_t micros);

// Opaque token for the next page. `query` binds it to the request it came
// from (parent, filter, ...): reusing it with another query is an error.
std::string EncodePageToken(const PageCursor& cursor, absl::string_view query);
// Empty token: nullopt (first page). Malformed (including a position that
// is not well-formed text) or for another query: INVALID_ARGUMENT naming
// page_token.
absl::StatusOr<std::optional<PageCursor>> DecodePageToken(
    absl::string_view token, absl::string_view query);
// The answer to a token that decodes but whose position could not have come
// from this server (a forged or garbled one): INVALID_ARGUMENT naming
// page_token, as for one that does not decode.
absl::Status InvalidPageToken();

// Enum names as users type them: "HIGH" for RISK_LEVEL_HIGH.
std::optional<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                 absl::string_view text);
std::string ShortEnumName(const google::protobuf::EnumDescriptor* type,
                          int value);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_LIST_QUERY_H_
