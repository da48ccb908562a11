#include "storage/row.h"

#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "domain/validation.h"
#include "nlohmann/json.hpp"

namespace casebridge::storage {

namespace {

// The fast path of StringsFromJsonArray for what array_to_json() prints for
// a one-dimensional text[] or smallint[]: ASCII strings (with JSON escapes),
// integers and null. Reading events once parsed three arrays each, and a
// full DOM parse was the largest cost (bench/RESULTS.md). Anything else
// returns nullopt and goes to the full parser, so results never differ.
std::optional<std::vector<std::string>> SimpleJsonArray(absl::string_view json) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip = [&] {
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' ||
                               json[i] == '\t' || json[i] == '\r')) {
      ++i;
    }
  };
  auto hex4 = [&](size_t at, uint32_t* v) {
    if (at + 4 > json.size()) return false;
    *v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = json[k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      *v = *v * 16 + d;
    }
    return true;
  };
  skip();
  if (i >= json.size() || json[i] != '[') return std::nullopt;
  ++i;
  skip();
  if (i < json.size() && json[i] == ']') {
    ++i;
    skip();
    if (i != json.size()) return std::nullopt;
    return out;
  }
  while (true) {
    skip();
    if (i >= json.size()) return std::nullopt;
    char c = json[i];
    if (c == '"') {
      std::string value;
      ++i;
      while (true) {
        if (i >= json.size()) return std::nullopt;
        unsigned char ch = static_cast<unsigned char>(json[i]);
        if (ch == '"') {
          ++i;
          break;
        }
        if (ch < 0x20 || ch >= 0x80) return std::nullopt;
        if (ch != '\\') {
          value.push_back(static_cast<char>(ch));
          ++i;
          continue;
        }
        if (i + 1 >= json.size()) return std::nullopt;
        char e = json[i + 1];
        i += 2;
        switch (e) {
          case '"': value.push_back('"'); break;
          case '\\': value.push_back('\\'); break;
          case '/': value.push_back('/'); break;
          case 'b': value.push_back('\b'); break;
          case 'f': value.push_back('\f'); break;
          case 'n': value.push_back('\n'); break;
          case 'r': value.push_back('\r'); break;
          case 't': value.push_back('\t'); break;
          case 'u': {
            uint32_t cp;
            if (!hex4(i, &cp)) return std::nullopt;
            i += 4;
            // Surrogates (pairs or not) and NUL: the full parser decides.
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
            if (cp < 0x80) {
              value.push_back(static_cast<char>(cp));
            } else if (cp < 0x800) {
              value.push_back(static_cast<char>(0xC0 | (cp >> 6)));
              value.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else {
              value.push_back(static_cast<char>(0xE0 | (cp >> 12)));
              value.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              value.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            break;
          }
          default:
            return std::nullopt;
        }
      }
      out.push_back(std::move(value));
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      // Integers only, printed as the full parser would print them back.
      size_t start = i;
      if (c == '-') ++i;
      size_t digits = i;
      while (i < json.size() && json[i] >= '0' && json[i] <= '9') ++i;
      size_t n = i - digits;
      if (n == 0 || n > 18) return std::nullopt;
      if (json[digits] == '0' && (n > 1 || c == '-')) return std::nullopt;
      if (i < json.size() && (json[i] == '.' || json[i] == 'e' || json[i] == 'E')) {
        return std::nullopt;
      }
      out.emplace_back(json.substr(start, i - start));
    } else if (json.substr(i, 4) == "null") {
      out.emplace_back("null");
      i += 4;
    } else {
      return std::nullopt;
    }
    skip();
    if (i >= json.size()) return std::nullopt;
    if (json[i] == ',') {
      ++i;
      continue;
    }
    if (json[i] != ']') return std::nullopt;
    ++i;
    skip();
    if (i != json.size()) return std::nullopt;
    return out;
  }
}

}  // namespace

std::vector<std::string> StringsFromJsonArray(absl::string_view json) {
  if (std::optional<std::vector<std::string>> simple = SimpleJsonArray(json)) {
    return *std::move(simple);
  }
  std::vector<std::string> out;
  nlohmann::json parsed = nlohmann::json::parse(json.begin(), json.end(),
                                                nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return out;
  for (const auto& v : parsed) {
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else {
      out.push_back(v.dump());
    }
  }
  return out;
}


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
