#include "storage/row.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "domain/validation.h"
#include "storage/audit_log.h"

namespace casebridge::storage {

google::protobuf::Timestamp TimestampFromMicros(int64_t micros) {
  return domain::ToProtoTime(absl::FromUnixMicros(micros));
}

std::vector<int> IntsFromJson(const pqxx::field& f) {
  std::vector<int> out;
  if (f.is_null()) return out;
  for (const std::string& s : StringsFromJsonArray(f.c_str())) {
    int v;
    if (absl::SimpleAtoi(s, &v)) out.push_back(v);
  }
  return out;
}

std::vector<std::string> TextsFromJson(const pqxx::field& f) {
  if (f.is_null()) return {};
  return StringsFromJsonArray(f.c_str());
}

void SetDate(const pqxx::field& f, v1::Date* out) {
  if (f.is_null()) return;
  SetDate(absl::string_view(f.c_str(), f.size()), out);
}

void SetDate(absl::string_view text, v1::Date* out) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  int y, m, d;
  if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &y) &&
      absl::SimpleAtoi(parts[1], &m) && absl::SimpleAtoi(parts[2], &d)) {
    out->set_year(y);
    out->set_month(m);
    out->set_day(d);
  }
}

std::string DateText(const v1::Date& date) {
  if (date.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

}  // namespace casebridge::storage
