#ifndef CASEBRIDGE_CLIENTS_CLI_DEMO_TOKENS_H_
#define CASEBRIDGE_CLIENTS_CLI_DEMO_TOKENS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casebridge::cli {

// One entry of the demo tokens file the server writes with --seed-demo
// (<data_dir>/demo-tokens.json): who the token belongs to, and the token.
struct DemoToken {
  std::string user;
  std::string agency;
  std::string agency_code;
  std::vector<std::string> roles;
  std::string token;
};

absl::StatusOr<std::vector<DemoToken>> ParseDemoTokens(absl::string_view json);

// Where --as looks: `explicit_path` if given, else $CASEBRIDGE_DEMO_TOKENS,
// else .casebridge/demo-tokens.json in `start_dir` or the nearest parent
// that has one (so it works from anywhere inside the checkout). nullopt when
// there is none.
std::optional<std::string> FindDemoTokensFile(absl::string_view explicit_path,
                                              absl::string_view start_dir);

// The token of `user` in the file at `path`. A missing user is a usage error
// listing the users the file has.
absl::StatusOr<std::string> DemoTokenFor(absl::string_view user, absl::string_view path);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_DEMO_TOKENS_H_
