#include "clients/cli/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "domain/list_query.h"
#include "google/protobuf/util/json_util.h"

namespace casebridge::cli {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string OneLine(absl::string_view s) {
  std::string out = absl::StrReplaceAll(s, {{"\r\n", " "}, {"\n", " "}, {"\t", " "}});
  return out;
}

// The first `width` characters of `s`, the last replaced by an ellipsis when
// `s` is longer.
std::string Cut(const std::string& s, size_t width) {
  if (width == 0 || DisplayWidth(s) <= width) return s;
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsContinuationByte(s[i])) {
      if (chars == width - 1) break;
      ++chars;
    }
    out += s[i];
  }
  return out + "…";
}

void Pad(std::string* line, const std::string& cell, size_t width) {
  line->append(cell);
  size_t w = DisplayWidth(cell);
  if (w < width) line->append(width - w, ' ');
}

}  // namespace

size_t DisplayWidth(absl::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if (!IsContinuationByte(c)) ++n;
  }
  return n;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), max_widths_(headers_.size(), 0) {}

void Table::SetMaxWidth(size_t column, size_t width) {
  if (column < max_widths_.size()) max_widths_[column] = width;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    cells[i] = Cut(OneLine(cells[i]), max_widths_[i]);
  }
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "  ";
      Pad(&line, cells[i], i + 1 == cells.size() ? 0 : widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = render_line(headers_);
  for (const auto& row : rows_) out += render_line(row);
  return out;
}

void Details::Add(absl::string_view label, absl::string_view value) {
  if (value.empty()) return;
  lines_.emplace_back(std::string(label), OneLine(value));
}

void Details::AddAlways(absl::string_view label, absl::string_view value) {
  lines_.emplace_back(std::string(label), value.empty() ? "-" : OneLine(value));
}

std::string Details::Render() const {
  size_t width = 0;
  for (const auto& [label, value] : lines_) width = std::max(width, DisplayWidth(label));
  std::string out;
  for (const auto& [label, value] : lines_) {
    std::string line = absl::StrCat(label, ":");
    line.append(width - DisplayWidth(label) + 2, ' ');
    absl::StrAppend(&line, value, "\n");
    out += line;
  }
  return out;
}

std::string FormatLocal(absl::Time t, absl::TimeZone tz) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, tz);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts, absl::TimeZone tz) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  return FormatLocal(absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()),
                     tz);
}

std::string FormatDate(const v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string FormatDue(const v1::Date& date, bool overdue) {
  std::string out = FormatDate(date);
  if (overdue) absl::StrAppend(&out, out.empty() ? "" : " ", "OVERDUE");
  return out;
}

std::string FormatRelative(absl::Time t, absl::Time now) {
  absl::Duration d = now - t;
  bool future = d < absl::ZeroDuration();
  if (future) d = -d;
  std::string amount;
  if (d < absl::Minutes(1)) return "just now";
  if (d < absl::Hours(1)) {
    int64_t m = absl::ToInt64Minutes(d);
    amount = absl::StrCat(m, m == 1 ? " minute" : " minutes");
  } else if (d < absl::Hours(48)) {
    int64_t h = absl::ToInt64Hours(d);
    amount = absl::StrCat(h, h == 1 ? " hour" : " hours");
  } else {
    int64_t days = absl::ToInt64Hours(d) / 24;
    amount = absl::StrCat(days, " days");
  }
  return future ? absl::StrCat("in ", amount) : absl::StrCat(amount, " ago");
}

std::string EnumName(const google::protobuf::EnumDescriptor* type, int value) {
  if (value == 0) return "";
  return domain::ShortEnumName(type, value);
}

std::string EnumWords(const google::protobuf::EnumDescriptor* type, int value) {
  std::string name = absl::AsciiStrToLower(EnumName(type, value));
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

std::string ShortId(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return absl::StrCat("{\"error\": \"cannot print as JSON\"}\n");
  if (out.empty() || out.back() != '\n') out += "\n";
  return out;
}

}  // namespace casebridge::cli
