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
  // A service account (a front end), not a person.
  bool service_account = false;
  std::string token_id;
  // The credential that authenticated this call, as the audit names it:
  // users/{user}/tokens/{token}.
  std::string credential;

  bool HasRole(v1::Role role) const;
  bool authenticated() const { return !user_id.empty(); }
};

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PRINCIPAL_H_
