#include "domain/validation.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace casebridge::domain {
namespace {

constexpr absl::string_view kFieldPayloadUrl =
    "type.casebridge.dev/casebridge.FieldViolation";

// Counts code points; returns -1 on malformed UTF-8 or a disallowed
// control character.
long CountValidChars(absl::string_view s) {
  long count = 0;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) {
        return -1;
      }
      extra = 0;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return -1;
    }
    if (i + extra >= s.size()) return -1;  // Truncated sequence.
    for (int k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, surrogates and out-of-range code points.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return -1;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

}  // namespace

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
  status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  return status;
}

std::optional<std::string> FieldOf(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

std::string FieldPath(absl::string_view prefix, absl::string_view name) {
  if (prefix.empty()) return std::string(name);
  return absl::StrCat(prefix, ".", name);
}

std::string FieldIndex(absl::string_view list, int index) {
  return absl::StrCat(list, "[", index, "]");
}

absl::Status CheckLongText(absl::string_view field, absl::string_view value,
                           bool required) {
  return CheckText(field, value, kMaxLongText, required);
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_chars, bool required) {
  long chars = CountValidChars(value);
  if (chars < 0) {
    return FieldError(field,
                      "must be valid UTF-8 text without control characters");
  }
  if (static_cast<size_t>(chars) > max_chars) {
    return FieldError(field, absl::StrCat("must be at most ", max_chars,
                                          " characters (got ", chars, ")"));
  }
  if (required && absl::StripAsciiWhitespace(value).empty()) {
    return FieldError(field, "is required");
  }
  return absl::OkStatus();
}

absl::Status CheckTimestamp(absl::string_view field,
                            const google::protobuf::Timestamp& ts,
                            bool present, bool required) {
  if (!present) {
    return required ? FieldError(field, "is required") : absl::OkStatus();
  }
  // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as google.protobuf.Timestamp
  // defines it.
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return FieldError(field, "is not a valid timestamp");
  }
  return absl::OkStatus();
}

std::string FormatEtag(int64_t version) { return absl::StrCat(version); }

absl::StatusOr<int64_t> ParseEtag(absl::string_view field,
                                  absl::string_view etag) {
  if (etag.empty()) {
    return FieldError(field,
                      "is required: send the etag of the version you read");
  }
  int64_t version;
  if (!absl::SimpleAtoi(etag, &version) || version < 1) {
    return FieldError(field, "is not an etag this server issued");
  }
  return version;
}

absl::Status StaleEtagError(absl::string_view what, absl::string_view current_etag) {
  return absl::AbortedError(absl::StrCat(
      what, " was changed by someone else since you read it",
      current_etag.empty() ? "" : absl::StrCat(" (current etag ", current_etag, ")"),
      "; read it again and reapply"));
}

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

}  // namespace casebridge::domain
