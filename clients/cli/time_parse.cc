#include "clients/cli/time_parse.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace casebridge::cli {
namespace {

constexpr char kWhenForms[] =
    "use e.g. \"now\", \"today 09:00\", \"yesterday 18:30\", \"monday 20:00\", "
    "\"2026-11-20 18:30\", \"2026-11-20T18:30:00Z\", \"3h ago\", \"2 days ago\" or "
    "\"in 7 days 10:00\"";
constexpr char kDayForms[] =
    "use e.g. \"today\", \"tomorrow\", \"2026-11-20\", \"in 7 days\", "
    "\"in 6 months\", \"in 2 years\" or \"3 days ago\"";

absl::Status BadWhen(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot read \"", text, "\" as a time: ", kWhenForms));
}

absl::Status BadDay(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot read \"", text, "\" as a date: ", kDayForms));
}

struct ClockTime {
  int hour = 0;
  int minute = 0;
  int second = 0;
};

bool ParseSmallInt(absl::string_view s, int min, int max, int* out) {
  if (s.empty() || s.size() > 2) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  int v = 0;
  if (!absl::SimpleAtoi(s, &v) || v < min || v > max) return false;
  *out = v;
  return true;
}

// 18:30, 18:30:15, 6pm, 6:30pm, 12am, noon, midnight.
std::optional<ClockTime> ParseClock(absl::string_view s) {
  if (s == "noon") return ClockTime{12, 0, 0};
  if (s == "midnight") return ClockTime{0, 0, 0};
  std::optional<bool> pm;
  if (absl::ConsumeSuffix(&s, "pm")) {
    pm = true;
  } else if (absl::ConsumeSuffix(&s, "am")) {
    pm = false;
  }
  std::vector<absl::string_view> parts = absl::StrSplit(s, ':');
  if (parts.size() > 3 || (!pm.has_value() && parts.size() < 2)) return std::nullopt;
  ClockTime t;
  if (!ParseSmallInt(parts[0], pm.has_value() ? 1 : 0, pm.has_value() ? 12 : 23,
                     &t.hour)) {
    return std::nullopt;
  }
  if (parts.size() >= 2 &&
      (parts[1].size() != 2 || !ParseSmallInt(parts[1], 0, 59, &t.minute))) {
    return std::nullopt;
  }
  if (parts.size() == 3 &&
      (parts[2].size() != 2 || !ParseSmallInt(parts[2], 0, 59, &t.second))) {
    return std::nullopt;
  }
  if (pm.has_value()) t.hour = (t.hour % 12) + (*pm ? 12 : 0);
  return t;
}

// YYYY-MM-DD, a real calendar date.
std::optional<absl::CivilDay> ParseIsoDay(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  }
  if (!absl::SimpleAtoi(s.substr(0, 4), &y) || !absl::SimpleAtoi(s.substr(5, 2), &m) ||
      !absl::SimpleAtoi(s.substr(8, 2), &d)) {
    return std::nullopt;
  }
  absl::CivilDay day(y, m, d);
  // CivilDay normalises 2026-02-30 to March: refuse it instead.
  if (day.year() != y || day.month() != m || day.day() != d) return std::nullopt;
  return day;
}

std::optional<absl::Weekday> ParseWeekday(absl::string_view s) {
  struct Name {
    const char* full;
    absl::Weekday day;
  };
  static constexpr Name kNames[] = {
      {"monday", absl::Weekday::monday},       {"tuesday", absl::Weekday::tuesday},
      {"wednesday", absl::Weekday::wednesday}, {"thursday", absl::Weekday::thursday},
      {"friday", absl::Weekday::friday},       {"saturday", absl::Weekday::saturday},
      {"sunday", absl::Weekday::sunday}};
  for (const Name& n : kNames) {
    absl::string_view full = n.full;
    if (s == full || s == full.substr(0, 3)) return n.day;
  }
  if (s == "tues") return absl::Weekday::tuesday;
  if (s == "weds") return absl::Weekday::wednesday;
  if (s == "thur" || s == "thurs") return absl::Weekday::thursday;
  return std::nullopt;
}

absl::Time At(absl::CivilDay day, const ClockTime& clock, absl::TimeZone tz) {
  absl::CivilSecond cs(day.year(), day.month(), day.day(), clock.hour, clock.minute,
                       clock.second);
  return tz.At(cs).pre;
}

// Lower-cased words separated by single spaces, with "3h" split from "ago".
std::vector<std::string> Words(absl::string_view text) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  std::vector<std::string> words =
      absl::StrSplit(lower, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  return words;
}

// "3h", "3 hours", "2d", "2 days", "6 months", "2 years" (the words before
// "ago" or after "in"). Returns the amount and a unit letter: s, m, h, d, w,
// o (months) or y (years).
std::optional<std::pair<int64_t, char>> ParseAmount(
    const std::vector<std::string>& words) {
  std::string number, unit;
  if (words.size() == 1) {
    const std::string& w = words[0];
    size_t i = 0;
    while (i < w.size() && absl::ascii_isdigit(static_cast<unsigned char>(w[i]))) ++i;
    number = w.substr(0, i);
    unit = w.substr(i);
  } else if (words.size() == 2) {
    number = words[0];
    unit = words[1];
  } else {
    return std::nullopt;
  }
  int64_t n = 0;
  if (number == "a" || number == "an") {
    n = 1;
  } else if (number.empty() || number.size() > 6 || !absl::SimpleAtoi(number, &n) ||
             n < 0) {
    return std::nullopt;
  }
  static const std::pair<const char*, char> kUnits[] = {
      {"s", 's'},   {"sec", 's'},  {"secs", 's'}, {"second", 's'}, {"seconds", 's'},
      {"m", 'm'},   {"min", 'm'},  {"mins", 'm'}, {"minute", 'm'}, {"minutes", 'm'},
      {"h", 'h'},   {"hr", 'h'},   {"hrs", 'h'},  {"hour", 'h'},   {"hours", 'h'},
      {"d", 'd'},   {"day", 'd'},  {"days", 'd'}, {"w", 'w'},      {"wk", 'w'},
      {"wks", 'w'}, {"week", 'w'}, {"weeks", 'w'},  {"month", 'o'}, {"months", 'o'},
      {"mo", 'o'},  {"y", 'y'},    {"yr", 'y'},   {"yrs", 'y'},    {"year", 'y'},
      {"years", 'y'}};
  for (const auto& [name, letter] : kUnits) {
    if (unit == name) return std::make_pair(n, letter);
  }
  return std::nullopt;
}

// `day` moved by whole days, weeks, months or years (unit d, w, o or y); a
// day that the target month lacks becomes its last day (31 January + 1
// month = 28 February).
absl::CivilDay AddToDay(absl::CivilDay day, int64_t n, char unit) {
  switch (unit) {
    case 'd':
      return day + n;
    case 'w':
      return day + n * 7;
    default: {
      absl::CivilMonth month = absl::CivilMonth(day) + (unit == 'y' ? n * 12 : n);
      absl::CivilDay last = absl::CivilDay(month + 1) - 1;
      return absl::CivilDay(month.year(), month.month(), std::min(day.day(), last.day()));
    }
  }
}

// Shifts `now` back (sign -1) or forward (+1): exact for s/m/h, by local
// calendar days (or months, years) for d/w/o/y, keeping the clock time.
absl::Time Shift(absl::Time now, int64_t n, char unit, int sign, absl::TimeZone tz) {
  switch (unit) {
    case 's':
      return now + sign * absl::Seconds(n);
    case 'm':
      return now + sign * absl::Minutes(n);
    case 'h':
      return now + sign * absl::Hours(n);
    default: {
      absl::CivilSecond local = tz.At(now).cs;
      absl::CivilDay day = AddToDay(absl::CivilDay(local), sign * n, unit);
      ClockTime clock{local.hour(), local.minute(), local.second()};
      return At(day, clock, tz) + (now - absl::FromUnixSeconds(absl::ToUnixSeconds(now)));
    }
  }
}

}  // namespace

absl::StatusOr<absl::Time> ParseWhen(absl::string_view text, absl::Time now,
                                     absl::TimeZone tz) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) return BadWhen(text);

  // RFC 3339 with an explicit zone, e.g. 2026-11-20T18:30:00Z.
  {
    absl::Time t;
    std::string err;
    std::string upper = absl::AsciiStrToUpper(trimmed);
    if (absl::ParseTime(absl::RFC3339_full, upper, &t, &err)) return t;
  }

  std::vector<std::string> words = Words(trimmed);
  // 2026-11-20T18:30[:15] without a zone: local time.
  if (words.size() == 1 && words[0].size() > 11 && words[0][10] == 't') {
    std::string w = words[0];
    words = {w.substr(0, 10), w.substr(11)};
  }

  if (words.size() == 1 && words[0] == "now") return now;

  if (words.size() >= 2 && words.back() == "ago") {
    std::vector<std::string> amount(words.begin(), words.end() - 1);
    std::optional<std::pair<int64_t, char>> a = ParseAmount(amount);
    if (!a.has_value()) return BadWhen(text);
    return Shift(now, a->first, a->second, -1, tz);
  }

  const absl::CivilDay today(tz.At(now).cs);
  std::optional<ClockTime> clock;
  std::optional<absl::CivilDay> day;

  // Hearings and other future times: "in 3h", "in 2 days" (this clock
  // time), "in 7 days 10:00" (that clock time).
  if (words.size() >= 2 && words[0] == "in") {
    std::vector<std::string> amount(words.begin() + 1, words.end());
    if (std::optional<std::pair<int64_t, char>> a = ParseAmount(amount)) {
      return Shift(now, a->first, a->second, +1, tz);
    }
    clock = ParseClock(words.back());
    amount.pop_back();
    std::optional<std::pair<int64_t, char>> a = ParseAmount(amount);
    if (!clock.has_value() || !a.has_value() || a->second == 's' || a->second == 'm' ||
        a->second == 'h') {
      return BadWhen(text);
    }
    return At(AddToDay(today, a->first, a->second), *clock, tz);
  }

  if (words.size() == 1) {
    clock = ParseClock(words[0]);
    if (!clock.has_value()) return BadWhen(text);
    return At(today, *clock, tz);
  }

  size_t i = 0;
  bool last = false;
  if (words.size() == 3 && words[0] == "last") {
    last = true;
    i = 1;
  }
  if (words.size() != i + 2) return BadWhen(text);
  clock = ParseClock(words[i + 1]);
  if (!clock.has_value()) return BadWhen(text);
  const std::string& d = words[i];
  if (!last && d == "today") {
    day = today;
  } else if (!last && d == "yesterday") {
    day = today - 1;
  } else if (!last && d == "tomorrow") {
    day = today + 1;
  } else if (std::optional<absl::Weekday> wd = ParseWeekday(d)) {
    absl::CivilDay candidate = absl::PrevWeekday(today + 1, *wd);  // today or before
    if (At(candidate, *clock, tz) > now) candidate -= 7;
    day = candidate;
  } else if (!last) {
    day = ParseIsoDay(d);
  }
  if (!day.has_value()) return BadWhen(text);
  return At(*day, *clock, tz);
}

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text, absl::Time now,
                                        absl::TimeZone tz) {
  const absl::CivilDay today(tz.At(now).cs);
  std::vector<std::string> words = Words(text);
  if (words.size() == 1) {
    if (words[0] == "today") return today;
    if (words[0] == "yesterday") return today - 1;
    if (words[0] == "tomorrow") return today + 1;
    if (std::optional<absl::CivilDay> d = ParseIsoDay(words[0])) return *d;
    return BadDay(text);
  }
  int sign = 0;
  std::vector<std::string> amount;
  if (words.size() >= 2 && words[0] == "in") {
    sign = 1;
    amount.assign(words.begin() + 1, words.end());
  } else if (words.size() >= 2 && words.back() == "ago") {
    sign = -1;
    amount.assign(words.begin(), words.end() - 1);
  }
  if (sign == 0) return BadDay(text);
  std::optional<std::pair<int64_t, char>> a = ParseAmount(amount);
  if (!a.has_value() || a->second == 's' || a->second == 'm' || a->second == 'h') {
    return BadDay(text);
  }
  return AddToDay(today, sign * a->first, a->second);
}

}  // namespace casebridge::cli
