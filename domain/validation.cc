#include "domain/validation.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "unicode/uchar.h"
#include "unicode/utf.h"

namespace casebridge::domain {
namespace {

constexpr absl::string_view kFieldPayloadUrl =
    "type.casebridge.dev/casebridge.FieldViolation";

// 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as google.protobuf.Timestamp
// defines its range.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

// The first code point of `s` at `i`, and how many bytes it takes. Malformed
// UTF-8 (a stray continuation byte, a truncated or overlong sequence, a code
// point above U+10FFFF) is `length` 0; an encoded surrogate (CESU-8, which
// is not UTF-8 either) is decoded, for the message to name it.
struct Decoded {
  UChar32 code_point = 0;
  int length = 0;
};

Decoded DecodeAt(absl::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  int extra;
  UChar32 cp;
  if (c < 0x80) {
    return {static_cast<UChar32>(c), 1};
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
    return {};
  }
  if (i + extra >= s.size()) return {};  // Truncated.
  for (int k = 1; k <= extra; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
      (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return {};
  }
  return {cp, extra + 1};
}

// What a code point is when text may not hold it, and what to do about it;
// nullopt when it may. The classes come from ICU's Unicode data, not from a
// list here, so every character of a class is refused: those that disguise
// text (bidirectional overrides and isolates, zero-width joiners and
// spaces, the byte order mark: general category Cf), controls (Cc) other
// than the line breaks and tab free text uses, line and paragraph
// separators (Zl, Zp), and what is not a character at all (surrogates,
// noncharacters, code points Unicode has not assigned).
std::optional<std::string> Refusal(UChar32 c) {
  if (c == '\n' || c == '\t' || c == '\r') return std::nullopt;
  // Noncharacters are also unassigned (Cn): the more exact reason first.
  if (u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT)) {
    return "a noncharacter, which is never text; remove it";
  }
  switch (u_charType(c)) {
    case U_CONTROL_CHAR:
      return "a control character; remove it";
    case U_FORMAT_CHAR:
      return "an invisible formatting character that can disguise text; remove it";
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return "a line or paragraph separator; use a new line instead";
    case U_SURROGATE:
      return "a surrogate, which is not a character (and not valid UTF-8); remove it";
    case U_UNASSIGNED:
      return absl::StrCat("not a character in Unicode ", U_UNICODE_VERSION,
                          "; remove it");
    default:
      return std::nullopt;
  }
}

// "U+202E (RIGHT-TO-LEFT OVERRIDE)", or "U+0085" for what Unicode gives no
// name (controls, unassigned code points).
std::string Describe(UChar32 c) {
  std::string out = absl::StrFormat("U+%04X", static_cast<uint32_t>(c));
  char name[128];
  UErrorCode error = U_ZERO_ERROR;
  const int32_t length = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof(name), &error);
  if (U_SUCCESS(error) && length > 0) {
    absl::StrAppend(&out, " (", absl::string_view(name, static_cast<size_t>(length)), ")");
  }
  return out;
}

}  // namespace

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
  status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  return status;
}

absl::Status WithField(absl::Status status, absl::string_view field) {
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
  size_t chars = 0;
  bool blank = true;
  for (size_t i = 0; i < value.size();) {
    const Decoded d = DecodeAt(value, i);
    if (d.length == 0) {
      return FieldError(field, absl::StrCat("is not valid UTF-8 text (byte ", i + 1,
                                            " starts no character)"));
    }
    if (std::optional<std::string> why = Refusal(d.code_point)) {
      return FieldError(field,
                        absl::StrCat("contains ", Describe(d.code_point), ", ", *why));
    }
    blank = blank && u_isUWhiteSpace(d.code_point);
    i += static_cast<size_t>(d.length);
    ++chars;
  }
  if (chars > max_chars) {
    return FieldError(field, absl::StrCat("must be at most ", max_chars,
                                          " characters (got ", chars, ")"));
  }
  if (required && blank) {
    return FieldError(field, "is required");
  }
  return absl::OkStatus();
}

bool IsWellFormedText(absl::string_view value) {
  for (size_t i = 0; i < value.size();) {
    const Decoded d = DecodeAt(value, i);
    if (d.length == 0 || d.code_point == 0 || U_IS_SURROGATE(d.code_point)) return false;
    i += static_cast<size_t>(d.length);
  }
  return true;
}

bool IsBlank(absl::string_view value) {
  for (size_t i = 0; i < value.size();) {
    const Decoded d = DecodeAt(value, i);
    if (d.length == 0 || !u_isUWhiteSpace(d.code_point)) return false;
    i += static_cast<size_t>(d.length);
  }
  return true;
}

bool IsStorableTime(absl::Time t) {
  return t >= absl::FromUnixSeconds(kMinSeconds) &&
         t < absl::FromUnixSeconds(kMaxSeconds + 1);
}

absl::Status CheckTimestamp(absl::string_view field,
                            const google::protobuf::Timestamp& ts,
                            bool present, bool required) {
  if (!present) {
    return required ? FieldError(field, "is required") : absl::OkStatus();
  }
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
