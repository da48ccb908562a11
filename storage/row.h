#ifndef CASEBRIDGE_STORAGE_ROW_H_
#define CASEBRIDGE_STORAGE_ROW_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "pqxx/pqxx"

namespace casebridge::storage {

// Small readers for result fields, shared by every repository.

// Text of a field; "" for NULL.
inline std::string Str(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}

inline int64_t Int(const pqxx::field& f) {
  return f.is_null() ? 0 : f.as<int64_t>();
}

inline bool Bool(const pqxx::field& f) { return !f.is_null() && f.as<bool>(); }

google::protobuf::Timestamp TimestampFromMicros(int64_t micros);

// A field selected as cb_micros(...) -> the message's timestamp field, left
// unset (has_x() false) when NULL:
//   SetTimestamp(row[4], &flag, &v1::CaseFlag::mutable_clear_time);
template <typename Message>
void SetTimestamp(const pqxx::field& micros, Message* message,
                  google::protobuf::Timestamp* (Message::*mutable_field)()) {
  if (micros.is_null()) return;
  *(message->*mutable_field)() = TimestampFromMicros(micros.as<int64_t>());
}

// The elements of a JSON array as array_to_json() prints it: strings as
// they are, anything else (numbers, null, nested arrays) as its JSON text.
// Not an array: empty.
std::vector<std::string> StringsFromJsonArray(absl::string_view json);
// A field selected as array_to_json(int_array)::text.
std::vector<int> IntsFromJson(const pqxx::field& f);
// A field selected as array_to_json(text_array)::text.
std::vector<std::string> TextsFromJson(const pqxx::field& f);

// A date column selected as text (YYYY-MM-DD): set `out` unless NULL.
void SetDate(const pqxx::field& f, v1::Date* out);
// The same from the text itself (a date inside a JSON value).
void SetDate(absl::string_view text, v1::Date* out);
// "YYYY-MM-DD" for a date, "" when the date is unset (year 0).
std::string DateText(const v1::Date& date);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_ROW_H_
