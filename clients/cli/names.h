#ifndef CASEBRIDGE_CLIENTS_CLI_NAMES_H_
#define CASEBRIDGE_CLIENTS_CLI_NAMES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace casebridge::cli {

// A case as the user typed it: a reference ("SP-2026-000123", any case), an
// id, or a resource name ("cases/..."). Returns the resource name the API
// takes; anything else is a usage error naming `option`.
absl::StatusOr<std::string> CaseNameArg(absl::string_view arg, absl::string_view option);

// A child resource name "cases/{case}/{collection}/{id}" (the case part may
// be a reference). Usage error naming `option` otherwise.
absl::StatusOr<std::string> ChildNameArg(absl::string_view arg,
                                         absl::string_view collection,
                                         absl::string_view option);

// "cases/{case}" of a child resource name ("" when it is not one).
std::string CaseOfName(absl::string_view name);

// One enum value as typed: "HIGH", "high", "ex-intimate", "RISK_LEVEL_HIGH".
// UNSPECIFIED is refused. A usage error names `option` and lists the values.
absl::StatusOr<int> EnumArg(const google::protobuf::EnumDescriptor* type,
                            absl::string_view text, absl::string_view option);

// Several values, each argument possibly a comma-separated list; duplicates
// are dropped (first kept). `aliases` maps extra words to canonical short
// names (e.g. {"calls", "CALLS_TEXTS_MESSAGES"}).
absl::StatusOr<std::vector<int>> EnumListArg(
    const google::protobuf::EnumDescriptor* type, const std::vector<std::string>& args,
    absl::string_view option,
    const std::vector<std::pair<std::string, std::string>>& aliases = {});

// The accepted values of an enum as typed on the command line: "high, medium".
std::string EnumChoices(const google::protobuf::EnumDescriptor* type);

// Aliases for Behaviour values that are long to type.
const std::vector<std::pair<std::string, std::string>>& BehaviourAliases();

// Splits "Alex Morgan" into given and family name (at the last space).
std::pair<std::string, std::string> SplitPersonName(absl::string_view full);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_NAMES_H_
