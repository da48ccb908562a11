#ifndef CASEBRIDGE_DOMAIN_RESOURCE_NAMES_H_
#define CASEBRIDGE_DOMAIN_RESOURCE_NAMES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casebridge::domain {

// A case as the caller named it: by id ("cases/3f2b...") or by its human
// reference ("cases/SP-2026-000123"). Storage resolves either.
struct CaseKey {
  std::string id;         // Canonical UUID, when named by id.
  std::string reference;  // Upper-cased reference, when named by reference.
  bool by_reference() const { return !reference.empty(); }
  // How the caller named it, for messages.
  std::string display() const;
};

// A child of a case, e.g. cases/{case}/incidents/{incident}.
struct CaseChildName {
  CaseKey case_key;
  std::string child_id;  // Canonical UUID.
};

bool IsUuid(absl::string_view s);
bool IsCaseReference(absl::string_view s);

// Parsers return INVALID_ARGUMENT naming `field` when the name is malformed.
absl::StatusOr<CaseKey> ParseCaseName(absl::string_view name,
                                      absl::string_view field);
// `collection` is the plural segment, e.g. "incidents".
absl::StatusOr<CaseChildName> ParseCaseChildName(absl::string_view name,
                                                 absl::string_view collection,
                                                 absl::string_view field);
// "{collection}/{uuid}", e.g. agencies/{agency}, users/{user}.
absl::StatusOr<std::string> ParseTopLevelName(absl::string_view name,
                                              absl::string_view collection,
                                              absl::string_view field);
// users/{user}/tokens/{token}: returns the token id.
absl::StatusOr<std::pair<std::string, std::string>> ParseTokenName(
    absl::string_view name, absl::string_view field);

std::string CaseName(absl::string_view case_id);
std::string CaseChildResourceName(absl::string_view case_id,
                                  absl::string_view collection,
                                  absl::string_view child_id);
std::string AgencyName(absl::string_view agency_id);
std::string UserName(absl::string_view user_id);
std::string TokenName(absl::string_view user_id, absl::string_view token_id);

// The id at the end of a canonical resource name, the inverse of the
// builders above: "agencies/{id}" -> id, "cases/{c}/incidents/{id}" -> id.
// "" stays "" (an unset reference). Names from requests are parsed with the
// Parse* functions instead; this is for names the server made.
std::string IdOf(absl::string_view name);

// Reference of the n-th case of a force in a year: "SP-2026-000123".
std::string FormatCaseReference(absl::string_view force_code, int year,
                                int64_t number);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_RESOURCE_NAMES_H_
