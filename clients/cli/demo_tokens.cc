#include "clients/cli/demo_tokens.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/exit_codes.h"
#include "nlohmann/json.hpp"

namespace casebridge::cli {

absl::StatusOr<std::vector<DemoToken>> ParseDemoTokens(absl::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(),
                                             /*cb=*/nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) {
    return absl::InvalidArgumentError("the demo tokens file is not a JSON array");
  }
  std::vector<DemoToken> out;
  for (const nlohmann::json& entry : doc) {
    if (!entry.is_object() || !entry.contains("user") || !entry["user"].is_string() ||
        !entry.contains("token") || !entry["token"].is_string()) {
      return absl::InvalidArgumentError(
          "the demo tokens file has an entry without \"user\" and \"token\"");
    }
    DemoToken t;
    t.user = entry["user"].get<std::string>();
    t.token = entry["token"].get<std::string>();
    if (entry.contains("agency") && entry["agency"].is_string()) {
      t.agency = entry["agency"].get<std::string>();
    }
    if (entry.contains("agency_code") && entry["agency_code"].is_string()) {
      t.agency_code = entry["agency_code"].get<std::string>();
    }
    if (entry.contains("roles") && entry["roles"].is_array()) {
      for (const nlohmann::json& r : entry["roles"]) {
        if (r.is_string()) t.roles.push_back(r.get<std::string>());
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<std::string> FindDemoTokensFile(absl::string_view explicit_path,
                                              absl::string_view start_dir) {
  if (!explicit_path.empty()) return std::string(explicit_path);
  if (const char* env = std::getenv("CASEBRIDGE_DEMO_TOKENS"); env && *env) {
    return std::string(env);
  }
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(std::string(start_dir), ec);
  if (ec) return std::nullopt;
  while (true) {
    std::filesystem::path candidate = dir / ".casebridge" / "demo-tokens.json";
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

absl::StatusOr<std::string> DemoTokenFor(absl::string_view user, absl::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) {
    return UsageError(absl::StrCat("cannot read the demo tokens file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<DemoToken>> tokens = ParseDemoTokens(text.str());
  if (!tokens.ok()) {
    return UsageError(absl::StrCat(path, ": ", tokens.status().message()));
  }
  std::vector<std::string> names;
  for (const DemoToken& t : *tokens) {
    if (t.user == user) return t.token;
    names.push_back(t.user);
  }
  return WithField(UsageError(absl::StrCat("no user \"", user, "\" in ", path,
                                           "; it has: ", absl::StrJoin(names, ", "))),
                   "--as");
}

}  // namespace casebridge::cli
