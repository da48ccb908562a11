#ifndef CASEBRIDGE_STORAGE_CONNECTION_STRING_H_
#define CASEBRIDGE_STORAGE_CONNECTION_STRING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace casebridge::storage {

// Quotes a libpq connection-string value ('...' with \ and ' escaped) when
// it needs it.
std::string QuoteConnectionValue(absl::string_view value);

// `conn` (a libpq key=value string or a postgresql:// URI) with `key` set to
// `value`, quoted or percent-encoded as that syntax needs. libpq takes the
// last value given for a keyword, so this overrides one already in `conn`.
std::string WithConnectionParameter(const std::string& conn, absl::string_view key,
                                    absl::string_view value);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_CONNECTION_STRING_H_
