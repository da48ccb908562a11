#include "clients/cli/names.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/cli/exit_codes.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"

namespace casebridge::cli {

absl::StatusOr<std::string> CaseNameArg(absl::string_view arg, absl::string_view option) {
  absl::string_view id = absl::StripAsciiWhitespace(arg);
  absl::ConsumePrefix(&id, "cases/");
  if (domain::IsUuid(id)) return absl::StrCat("cases/", absl::AsciiStrToLower(id));
  std::string upper = absl::AsciiStrToUpper(id);
  if (domain::IsCaseReference(upper)) return absl::StrCat("cases/", upper);
  return WithField(UsageError(absl::StrCat("\"", arg,
                                           "\" is not a case: give its reference (e.g. "
                                           "SP-2026-000123) or its name (cases/{id})")),
                   option);
}

absl::StatusOr<std::string> ChildNameArg(absl::string_view arg,
                                         absl::string_view collection,
                                         absl::string_view option) {
  std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(arg), '/');
  if (parts.size() == 4 && parts[0] == "cases" && parts[2] == collection &&
      !parts[3].empty()) {
    absl::StatusOr<std::string> c = CaseNameArg(parts[1], option);
    if (c.ok()) return absl::StrCat(*c, "/", collection, "/", parts[3]);
  }
  return WithField(
      UsageError(absl::StrCat("\"", arg, "\" is not a name of the form cases/{case}/",
                              collection, "/{id}")),
      option);
}

std::string CaseOfName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts[0] != "cases") return "";
  return absl::StrCat("cases/", parts[1]);
}

std::string EnumChoices(const google::protobuf::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    int number = type->value(i)->number();
    if (number == 0) continue;
    std::string n = absl::AsciiStrToLower(domain::ShortEnumName(type, number));
    std::replace(n.begin(), n.end(), '_', '-');
    names.push_back(n);
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<int> EnumArg(const google::protobuf::EnumDescriptor* type,
                            absl::string_view text, absl::string_view option) {
  std::string normal = std::string(absl::StripAsciiWhitespace(text));
  std::replace(normal.begin(), normal.end(), '-', '_');
  std::replace(normal.begin(), normal.end(), ' ', '_');
  std::optional<int> value = domain::ParseEnumName(type, normal);
  if (value.has_value() && *value != 0) return *value;
  return WithField(UsageError(absl::StrCat(option, ": \"", text,
                                           "\" is not one of: ", EnumChoices(type))),
                   option);
}

absl::StatusOr<std::vector<int>> EnumListArg(
    const google::protobuf::EnumDescriptor* type, const std::vector<std::string>& args,
    absl::string_view option,
    const std::vector<std::pair<std::string, std::string>>& aliases) {
  std::vector<int> out;
  std::set<int> seen;
  for (const std::string& arg : args) {
    for (absl::string_view piece : absl::StrSplit(arg, ',', absl::SkipWhitespace())) {
      std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(piece));
      for (const auto& [alias, canonical] : aliases) {
        if (word == alias) word = canonical;
      }
      absl::StatusOr<int> v = EnumArg(type, word, option);
      if (!v.ok()) {
        if (aliases.empty()) return v.status();
        std::vector<std::string> extra;
        for (const auto& a : aliases) extra.push_back(a.first);
        return WithField(UsageError(absl::StrCat(v.status().message(), " (or: ",
                                                 absl::StrJoin(extra, ", "), ")")),
                         option);
      }
      if (seen.insert(*v).second) out.push_back(*v);
    }
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>>& BehaviourAliases() {
  static const auto* aliases = new std::vector<std::pair<std::string, std::string>>{
      {"calls", "calls_texts_messages"},
      {"texts", "calls_texts_messages"},
      {"messages", "calls_texts_messages"},
      {"social", "social_media"},
      {"online", "monitoring"},
      {"goods", "ordering_goods"},
      {"damage", "property_damage"},
      {"graffiti", "property_damage"},
      {"threat", "threats"},
      {"third-party", "third_party_contact"},
      {"third-parties", "third_party_contact"},
      {"recruiting", "recruiting_others"},
      {"turning-up", "turning_up"},
      {"turned-up", "turning_up"},
      {"gift", "gifts"}};
  return *aliases;
}

std::pair<std::string, std::string> SplitPersonName(absl::string_view full) {
  absl::string_view s = absl::StripAsciiWhitespace(full);
  size_t space = s.rfind(' ');
  if (space == absl::string_view::npos) return {"", std::string(s)};
  return {std::string(absl::StripAsciiWhitespace(s.substr(0, space))),
          std::string(s.substr(space + 1))};
}

}  // namespace casebridge::cli
