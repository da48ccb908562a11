#include "domain/list_query.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

constexpr absl::string_view kFilterField = "filter";
constexpr absl::string_view kTokenField = "page_token";
constexpr size_t kMaxFilterLength = 2000;

std::string Fingerprint(absl::string_view query) {
  // Not a security boundary (storage re-applies visibility on every page);
  // it only catches a token reused with a different query.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : query) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return absl::StrCat(absl::Hex(h, absl::kZeroPad16));
}

// Splits on the keyword AND (any case) outside double quotes.
absl::StatusOr<std::vector<std::string>> SplitTerms(absl::string_view filter) {
  std::vector<std::string> terms;
  std::string current;
  bool in_quotes = false;
  size_t i = 0;
  while (i < filter.size()) {
    char c = filter[i];
    if (c == '"') {
      in_quotes = !in_quotes;
      current.push_back(c);
      ++i;
      continue;
    }
    if (!in_quotes && (i == 0 || absl::ascii_isspace(filter[i - 1])) &&
        i + 3 <= filter.size() &&
        absl::EqualsIgnoreCase(filter.substr(i, 3), "AND") &&
        (i + 3 == filter.size() || absl::ascii_isspace(filter[i + 3]))) {
      terms.push_back(std::string(absl::StripAsciiWhitespace(current)));
      current.clear();
      i += 3;
      continue;
    }
    current.push_back(c);
    ++i;
  }
  if (in_quotes) return FieldError(kFilterField, "has an unclosed quote");
  terms.push_back(std::string(absl::StripAsciiWhitespace(current)));
  return terms;
}

// The prefix proto style gives an enum's values: RISK_LEVEL_ for RiskLevel.
std::string EnumValuePrefix(const google::protobuf::EnumDescriptor* type) {
  std::string prefix;
  for (char c : type->name()) {
    if (absl::ascii_isupper(c) && !prefix.empty()) prefix.push_back('_');
    prefix.push_back(absl::ascii_toupper(c));
  }
  prefix.push_back('_');
  return prefix;
}

}  // namespace

absl::StatusOr<int> ResolvePageSize(int32_t requested) {
  if (requested < 0) return FieldError("page_size", "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

absl::StatusOr<ListFilter> ListFilter::Parse(
    absl::string_view filter, absl::Span<const absl::string_view> allowed_keys) {
  ListFilter result;
  if (filter.size() > kMaxFilterLength) {
    return FieldError(kFilterField, absl::StrCat("must be at most ",
                                                 kMaxFilterLength,
                                                 " characters"));
  }
  // Its values are bound to SQL as text: what any text field may hold.
  if (absl::Status text = CheckText(kFilterField, filter, kMaxFilterLength, false);
      !text.ok()) {
    return text;
  }
  if (absl::StripAsciiWhitespace(filter).empty()) return result;
  absl::StatusOr<std::vector<std::string>> terms = SplitTerms(filter);
  if (!terms.ok()) return terms.status();
  for (const std::string& term : *terms) {
    size_t eq = term.find('=');
    if (term.empty() || eq == std::string::npos) {
      return FieldError(kFilterField,
                        absl::StrCat("expected key=value terms joined by AND, "
                                     "got \"", term.substr(0, 80), "\""));
    }
    std::string key =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(term.substr(0, eq)));
    absl::string_view value = absl::StripAsciiWhitespace(
        absl::string_view(term).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    } else if (absl::StrContains(value, '"')) {
      return FieldError(kFilterField,
                        absl::StrCat("malformed quoted value for ", key));
    }
    bool known = false;
    for (absl::string_view allowed : allowed_keys) {
      if (allowed == key) known = true;
    }
    if (!known) {
      return FieldError(
          kFilterField,
          absl::StrCat("unknown key \"", key.substr(0, 40),
                       "\"; supported: ", absl::StrJoin(allowed_keys, ", ")));
    }
    if (value.empty()) {
      return FieldError(kFilterField, absl::StrCat("empty value for ", key));
    }
    if (!result.terms_.emplace(key, std::string(value)).second) {
      return FieldError(kFilterField,
                        absl::StrCat("key ", key, " given more than once"));
    }
  }
  return result;
}

std::optional<std::string> ListFilter::Get(absl::string_view key) const {
  auto it = terms_.find(key);
  if (it == terms_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::optional<bool>> ListFilter::GetBool(
    absl::string_view key) const {
  std::optional<std::string> v = Get(key);
  if (!v) return std::optional<bool>();
  std::string lower = absl::AsciiStrToLower(*v);
  if (lower == "true" || lower == "yes" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "0") return false;
  return FieldError(kFilterField,
                    absl::StrCat(key, " must be true or false"));
}

absl::StatusOr<std::optional<int64_t>> ListFilter::GetInt(
    absl::string_view key) const {
  std::optional<std::string> v = Get(key);
  if (!v) return std::optional<int64_t>();
  int64_t n;
  if (!absl::SimpleAtoi(*v, &n)) {
    return FieldError(kFilterField, absl::StrCat(key, " must be an integer"));
  }
  return n;
}

absl::StatusOr<std::optional<absl::Time>> ListFilter::GetTime(
    absl::string_view key) const {
  std::optional<std::string> v = Get(key);
  if (!v) return std::optional<absl::Time>();
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, *v, &t, &err)) {
    return FieldError(kFilterField,
                      absl::StrCat(key, " must be an RFC 3339 time such as "
                                        "2026-11-21T09:00:00Z"));
  }
  if (!IsStorableTime(t)) {
    return FieldError(kFilterField, absl::StrCat(key, " must be ", kStorableTimeRange));
  }
  return t;
}

absl::StatusOr<std::optional<int>> ListFilter::GetEnum(
    absl::string_view key, const google::protobuf::EnumDescriptor* type) const {
  std::optional<std::string> v = Get(key);
  if (!v) return std::optional<int>();
  std::optional<int> value = ParseEnumName(type, *v);
  if (!value.has_value() || *value == 0) {
    std::vector<std::string> names;
    for (int i = 0; i < type->value_count(); ++i) {
      if (type->value(i)->number() == 0) continue;
      names.push_back(ShortEnumName(type, type->value(i)->number()));
    }
    return FieldError(kFilterField, absl::StrCat(key, " must be one of ",
                                                 absl::StrJoin(names, ", ")));
  }
  return value;
}

std::string ListFilter::Canonical() const {
  return absl::StrJoin(terms_, "&", absl::PairFormatter("="));
}

std::string EncodePageToken(const PageCursor& cursor, absl::string_view query) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      "1\n", Fingerprint(query), "\n", cursor.sort_key, "\n", cursor.id));
}

absl::StatusOr<std::optional<PageCursor>> DecodePageToken(
    absl::string_view token, absl::string_view query) {
  if (token.empty()) return std::optional<PageCursor>();
  std::string raw;
  if (token.size() > 1024 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return InvalidPageToken();
  }
  std::vector<std::string> parts = absl::StrSplit(raw, '\n');
  if (parts.size() != 4 || parts[0] != "1") return InvalidPageToken();
  // The position is bound to SQL as text by some lists.
  for (const std::string& part : parts) {
    if (!IsWellFormedText(part)) return InvalidPageToken();
  }
  if (parts[1] != Fingerprint(query)) {
    return FieldError(kTokenField,
                      "was issued for a different query; keep the filter and "
                      "parent the same while paging");
  }
  return PageCursor{parts[2], parts[3]};
}

absl::StatusOr<absl::Time> CursorTime(absl::string_view sort_key) {
  int64_t micros;
  if (!absl::SimpleAtoi(sort_key, &micros)) return InvalidPageToken();
  return CursorTimeFromMicros(micros);
}

absl::StatusOr<absl::Time> CursorTimeFromMicros(int64_t micros) {
  const absl::Time t = absl::FromUnixMicros(micros);
  if (!IsStorableTime(t)) return InvalidPageToken();
  return t;
}

absl::Status InvalidPageToken() {
  return FieldError(kTokenField, "is not a token this server issued");
}

std::optional<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                 absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  for (char& c : upper) {
    if (c == '-' || c == ' ') c = '_';
  }
  if (const auto* v = type->FindValueByName(upper)) return v->number();
  const std::string prefix = EnumValuePrefix(type);
  if (const auto* v = type->FindValueByName(prefix + upper)) return v->number();
  // Numbers are accepted too.
  int n;
  if (absl::SimpleAtoi(upper, &n) && type->FindValueByNumber(n) != nullptr) {
    return n;
  }
  return std::nullopt;
}

std::string ShortEnumName(const google::protobuf::EnumDescriptor* type,
                          int value) {
  const auto* v = type->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  const std::string prefix = EnumValuePrefix(type);
  absl::string_view name = v->name();
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return std::string(name);
}

}  // namespace casebridge::domain
