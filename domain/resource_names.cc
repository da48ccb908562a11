#include "domain/resource_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "domain/validation.h"

namespace casebridge::domain {

bool IsUuid(absl::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

bool IsCaseReference(absl::string_view s) {
  // CODE-YYYY-NNNNNN..: a force code of 1-8 letters or digits, a year, and a
  // sequence number of at least 6 digits.
  std::vector<absl::string_view> parts = absl::StrSplit(s, '-');
  if (parts.size() != 3) return false;
  if (parts[0].empty() || parts[0].size() > 8) return false;
  for (char c : parts[0]) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  if (parts[1].size() != 4) return false;
  for (char c : parts[1]) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  if (parts[2].size() < 6 || parts[2].size() > 12) return false;
  for (char c : parts[2]) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string CaseKey::display() const {
  return absl::StrCat("cases/", by_reference() ? reference : id);
}

namespace {

absl::StatusOr<CaseKey> ParseCaseSegment(absl::string_view segment,
                                         absl::string_view field) {
  CaseKey key;
  if (IsUuid(segment)) {
    key.id = absl::AsciiStrToLower(segment);
    return key;
  }
  std::string upper = absl::AsciiStrToUpper(segment);
  if (IsCaseReference(upper)) {
    key.reference = std::move(upper);
    return key;
  }
  return FieldError(field,
                    "must name a case as cases/{id} or cases/{reference}, "
                    "e.g. cases/SP-2026-000123");
}

}  // namespace

absl::StatusOr<CaseKey> ParseCaseName(absl::string_view name,
                                      absl::string_view field) {
  if (name.empty()) return FieldError(field, "is required");
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "cases") {
    return FieldError(field,
                      absl::StrCat("must be of the form cases/{case}, got \"",
                                   name.substr(0, 100), "\""));
  }
  return ParseCaseSegment(parts[1], field);
}

absl::StatusOr<CaseChildName> ParseCaseChildName(absl::string_view name,
                                                 absl::string_view collection,
                                                 absl::string_view field) {
  if (name.empty()) return FieldError(field, "is required");
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "cases" || parts[2] != collection) {
    return FieldError(field, absl::StrCat("must be of the form cases/{case}/",
                                          collection, "/{id}"));
  }
  absl::StatusOr<CaseKey> key = ParseCaseSegment(parts[1], field);
  if (!key.ok()) return key.status();
  if (!IsUuid(parts[3])) {
    return FieldError(field, absl::StrCat("the ", collection,
                                          " id must be a UUID"));
  }
  return CaseChildName{*std::move(key), absl::AsciiStrToLower(parts[3])};
}

absl::StatusOr<std::string> ParseTopLevelName(absl::string_view name,
                                              absl::string_view collection,
                                              absl::string_view field) {
  if (name.empty()) return FieldError(field, "is required");
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != collection || !IsUuid(parts[1])) {
    return FieldError(field, absl::StrCat("must be of the form ", collection,
                                          "/{id} with a UUID id"));
  }
  return absl::AsciiStrToLower(parts[1]);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseTokenName(
    absl::string_view name, absl::string_view field) {
  if (name.empty()) return FieldError(field, "is required");
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "users" || parts[2] != "tokens" ||
      !IsUuid(parts[1]) || !IsUuid(parts[3])) {
    return FieldError(field, "must be of the form users/{user}/tokens/{token}");
  }
  return std::make_pair(absl::AsciiStrToLower(parts[1]),
                        absl::AsciiStrToLower(parts[3]));
}

std::string CaseName(absl::string_view case_id) {
  return absl::StrCat("cases/", case_id);
}
std::string CaseChildResourceName(absl::string_view case_id,
                                  absl::string_view collection,
                                  absl::string_view child_id) {
  return absl::StrCat("cases/", case_id, "/", collection, "/", child_id);
}
std::string AgencyName(absl::string_view agency_id) {
  return absl::StrCat("agencies/", agency_id);
}
std::string UserName(absl::string_view user_id) {
  return absl::StrCat("users/", user_id);
}
std::string TokenName(absl::string_view user_id, absl::string_view token_id) {
  return absl::StrCat("users/", user_id, "/tokens/", token_id);
}

std::string IdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

std::string FormatCaseReference(absl::string_view force_code, int year,
                                int64_t number) {
  return absl::StrFormat("%s-%04d-%06d", force_code, year, number);
}

}  // namespace casebridge::domain
