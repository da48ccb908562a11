#ifndef CASEBRIDGE_CLIENTS_CLI_OUTPUT_H_
#define CASEBRIDGE_CLIENTS_CLI_OUTPUT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace casebridge::cli {

// How results are printed (--output).
enum class OutputFormat {
  kTable,  // Aligned columns and labelled fields for people (the default).
  kJson,   // The protobuf JSON mapping of the response, for scripts.
  kName,   // Resource names only, one a line (for shell variables).
};

// Columns aligned by display width (UTF-8 aware). Cells longer than the
// column's limit are cut with an ellipsis; newlines become spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Limits a column's width (in characters); 0 = no limit.
  void SetMaxWidth(size_t column, size_t width);
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // Header line, then one line per row; no trailing spaces.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<size_t> max_widths_;
  std::vector<std::vector<std::string>> rows_;
};

// "Label:  value" lines with the values aligned; empty values are skipped.
class Details {
 public:
  void Add(absl::string_view label, absl::string_view value);
  // A value shown even when empty (as "-").
  void AddAlways(absl::string_view label, absl::string_view value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

// Number of characters (code points) `s` shows as.
size_t DisplayWidth(absl::string_view s);

// Times in `tz` as "2026-11-20 18:30"; "" for an unset timestamp.
std::string FormatLocal(absl::Time t, absl::TimeZone tz);
std::string FormatTimestamp(const google::protobuf::Timestamp& ts, absl::TimeZone tz);
// "2026-11-20"; "" for an unset date (all zero).
std::string FormatDate(const v1::Date& date);
// A date with " OVERDUE" after it when `overdue`.
std::string FormatDue(const v1::Date& date, bool overdue);
// "3 days ago", "in 2 hours", "just now".
std::string FormatRelative(absl::Time t, absl::Time now);

// Enum values as people read them: "HIGH" (ShortEnumName) and, for
// descriptive values, "turning up" (lower case, spaces).
std::string EnumName(const google::protobuf::EnumDescriptor* type, int value);
std::string EnumWords(const google::protobuf::EnumDescriptor* type, int value);
// A repeated enum field joined with ", " as words.
template <typename Repeated>
std::string EnumList(const google::protobuf::EnumDescriptor* type,
                     const Repeated& values) {
  std::string out;
  for (int v : values) {
    if (!out.empty()) out += ", ";
    out += EnumWords(type, v);
  }
  return out;
}

// The last segment of a resource name ("cases/x/incidents/abc" -> "abc").
std::string ShortId(absl::string_view name);

// The protobuf JSON mapping (lowerCamelCase, enums by name), indented, with
// a final newline.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_OUTPUT_H_
