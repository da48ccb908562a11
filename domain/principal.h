#ifndef CASEBRIDGE_DOMAIN_PRINCIPAL_H_
#define CASEBRIDGE_DOMAIN_PRINCIPAL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// The authenticated caller of one RPC: a user of one agency with its roles.
// Built once per call by the authenticator; every access decision takes it.
struct Principal {
  std::string user_id;
  std::string username;
  std::string agency_id;
  std::string agency_name;
  v1::AgencyKind agency_kind = v1::AGENCY_KIND_UNSPECIFIED;
  std::vector<v1::Role> roles;
  std::string token_id;

  bool HasRole(v1::Role role) const;
  bool authenticated() const { return !user_id.empty(); }
};

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PRINCIPAL_H_
