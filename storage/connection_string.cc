#include "storage/connection_string.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace casebridge::storage {
namespace {

bool IsUri(absl::string_view conn) {
  return absl::StartsWith(conn, "postgresql://") ||
         absl::StartsWith(conn, "postgres://");
}

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string PercentEncode(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
        c == '.' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%",
                      absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

std::string QuoteConnectionValue(absl::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    if (c == '\'' || c == '\\' || absl::ascii_isspace(c)) plain = false;
  }
  if (plain) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string WithConnectionParameter(const std::string& conn, absl::string_view key,
                                    absl::string_view value) {
  if (IsUri(conn)) {
    return absl::StrCat(conn, absl::StrContains(conn, "?") ? "&" : "?", key, "=",
                        PercentEncode(value));
  }
  return absl::StrCat(conn, conn.empty() ? "" : " ", key, "=",
                      QuoteConnectionValue(value));
}

}  // namespace casebridge::storage
