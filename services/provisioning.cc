#include "services/provisioning.h"

#include "absl/strings/str_cat.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/user_administration.h"
#include "domain/validation.h"
#include "nlohmann/json.hpp"
#include "storage/audit_log.h"
#include "storage/crypto.h"
#include "storage/identity_repository.h"

namespace casebridge::services {
namespace {

struct DemoAgency {
  const char* code;
  const char* name;
  v1::AgencyKind kind;
  const char* prosecuting_code;  // For police: its CPS area.
};

// The demo world (README "Walkthrough"): one agency of each kind.
constexpr DemoAgency kDemoAgencies[] = {
    {"CPSWM", "CPS West Midlands", v1::AGENCY_KIND_CPS, nullptr},
    {"SP", "Staffordshire Police", v1::AGENCY_KIND_POLICE, "CPSWM"},
    {"SOTCC", "Stoke-on-Trent City Council", v1::AGENCY_KIND_COUNCIL, nullptr},
    {"SCC", "Staffordshire County Council", v1::AGENCY_KIND_COUNCIL, nullptr},
    {"NSCHT", "North Staffordshire Combined Healthcare NHS Trust",
     v1::AGENCY_KIND_HEALTH, nullptr},
    {"SVG", "Staffordshire Victim Gateway", v1::AGENCY_KIND_VICTIM_SERVICE, nullptr},
};

struct DemoUser {
  const char* username;
  const char* display_name;
  const char* agency_code;
  v1::Role role;
};

// Invented people, one per role the walkthrough needs.
constexpr DemoUser kDemoUsers[] = {
    {"pc.hughes", "PC Dana Hughes", "SP", v1::ROLE_POLICE_OFFICER},
    {"sgt.khan", "Sgt Imran Khan", "SP", v1::ROLE_POLICE_SUPERVISOR},
    {"cps.okafor", "Adaeze Okafor (prosecutor)", "CPSWM", v1::ROLE_PROSECUTOR},
    {"council.patel", "Priya Patel (safeguarding lead)", "SOTCC",
     v1::ROLE_SAFEGUARDING_LEAD},
    {"county.evans", "Rhys Evans (safeguarding lead)", "SCC",
     v1::ROLE_SAFEGUARDING_LEAD},
    {"nhs.morgan", "Dr Ffion Morgan (safeguarding lead)", "NSCHT",
     v1::ROLE_SAFEGUARDING_LEAD},
    {"isac.lewis", "Jo Lewis (ISAC)", "SVG", v1::ROLE_VICTIM_ADVOCATE},
    {"auditor.shah", "Nadia Shah (auditor)", "SP", v1::ROLE_AUDITOR},
    // The system administrator (agencies, agency administrators) and two
    // agency administrators (their own agency's users).
    {"admin", "Casebridge system administrator", "SP", v1::ROLE_SYSTEM_ADMINISTRATOR},
    {"admin.sp", "Gareth Price (Staffordshire Police administrator)", "SP",
     v1::ROLE_ADMINISTRATOR},
    {"admin.sotcc", "Helen Ward (city council administrator)", "SOTCC",
     v1::ROLE_ADMINISTRATOR},
};

storage::AuditEvent ProvisioningEvent(absl::string_view what, absl::Time now,
                                      std::vector<std::string> resources) {
  storage::AuditEvent e;
  e.time = now;
  e.username = "casebridge-server";
  e.peer = "local";
  e.method = absl::StrCat("casebridge-server/", what);
  e.resources = std::move(resources);
  e.outcome = "OK";
  e.changed_fields = {"agencies", "users", "tokens"};
  return e;
}

IssuedToken Issue(storage::Tx& tx, const storage::IdentityRepository& ids,
                  const v1::User& user, const v1::Agency& agency,
                  absl::string_view description) {
  IssuedToken t;
  t.username = user.username();
  t.agency = agency.display_name();
  t.agency_code = agency.code();
  for (int r : user.roles()) {
    t.roles.push_back(domain::ShortEnumName(v1::Role_descriptor(), r));
  }
  t.user_name = user.name();
  t.secret = storage::NewTokenSecret();
  storage::NewToken row;
  row.user_id = domain::IdOf(user.name());
  row.secret_sha256 = storage::Sha256(t.secret);
  row.description = std::string(description);
  row.origin = v1::TOKEN_ORIGIN_PROVISIONED;
  absl::StatusOr<v1::Token> token = ids.IssueToken(tx, row);
  if (!token.ok()) throw std::runtime_error(std::string(token.status().message()));
  return t;
}

}  // namespace

absl::StatusOr<IssuedToken> BootstrapAdmin(storage::Database& db,
                                           const storage::AuditKeyRing& audit_keys,
                                           const BootstrapAdminOptions& options,
                                           absl::Time now) {
  storage::IdentityRepository ids;
  return db.TransactFor<IssuedToken>(
      absl::Now() + absl::Seconds(30),
      [&](storage::Tx& tx) -> absl::StatusOr<IssuedToken> {
        storage::UserFilter admins;
        admins.role = v1::ROLE_SYSTEM_ADMINISTRATOR;
        CB_ASSIGN_OR_RETURN(storage::Page<v1::User> existing,
                            ids.ListUsers(tx, admins, std::nullopt, 1));
        if (!existing.items.empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a system administrator already exists (", existing.items[0].username(),
              "); make further administrators with AdminService"));
        }
        CB_ASSIGN_OR_RETURN(std::optional<v1::Agency> agency,
                            ids.FindAgencyByCode(tx, options.agency_code));
        if (!agency.has_value()) {
          v1::Agency input;
          input.set_code(options.agency_code);
          input.set_display_name(options.agency_name);
          input.set_kind(options.agency_kind);
          CB_RETURN_IF_ERROR(domain::ValidateAgency(input));
          CB_ASSIGN_OR_RETURN(agency, ids.CreateAgency(tx, storage::NewUuid(), input));
        }
        v1::User user;
        user.set_username(options.username);
        user.set_display_name(options.display_name);
        user.set_agency(agency->name());
        user.add_roles(v1::ROLE_SYSTEM_ADMINISTRATOR);
        CB_RETURN_IF_ERROR(domain::ValidateNewUser(user, agency->kind()));
        CB_ASSIGN_OR_RETURN(v1::User created,
                            ids.CreateUser(tx, storage::NewUuid(), user));
        IssuedToken token = Issue(tx, ids, created, *agency, "bootstrap-admin");
        storage::AuditLog::AppendInTransaction(
            tx, ProvisioningEvent("bootstrap-admin", now, {created.name()}), audit_keys);
        return token;
      });
}

absl::StatusOr<std::vector<IssuedToken>> SeedDemoWorld(storage::Database& db,
                                                       const storage::AuditKeyRing& audit_keys,
                                                       absl::Time now,
                                                       bool issue_tokens) {
  storage::IdentityRepository ids;
  return db.TransactFor<std::vector<IssuedToken>>(
      absl::Now() + absl::Seconds(30),
      [&](storage::Tx& tx) -> absl::StatusOr<std::vector<IssuedToken>> {
        std::map<std::string, v1::Agency> agencies;
        std::vector<std::string> created;
        for (const DemoAgency& a : kDemoAgencies) {
          CB_ASSIGN_OR_RETURN(std::optional<v1::Agency> found,
                              ids.FindAgencyByCode(tx, a.code));
          if (!found.has_value()) {
            v1::Agency input;
            input.set_code(a.code);
            input.set_display_name(a.name);
            input.set_kind(a.kind);
            if (a.prosecuting_code != nullptr) {
              input.set_prosecuting_agency(agencies.at(a.prosecuting_code).name());
            }
            CB_ASSIGN_OR_RETURN(found, ids.CreateAgency(tx, storage::NewUuid(), input));
            created.push_back(found->name());
          }
          agencies[a.code] = *found;
        }
        std::vector<IssuedToken> tokens;
        for (const DemoUser& u : kDemoUsers) {
          const v1::Agency& agency = agencies.at(u.agency_code);
          CB_ASSIGN_OR_RETURN(std::optional<v1::User> found,
                              ids.FindUserByUsername(tx, u.username));
          if (!found.has_value()) {
            v1::User input;
            input.set_username(u.username);
            input.set_display_name(u.display_name);
            input.set_agency(agency.name());
            input.add_roles(u.role);
            CB_ASSIGN_OR_RETURN(found, ids.CreateUser(tx, storage::NewUuid(), input));
            created.push_back(found->name());
          } else if (found->roles_size() != 1 || found->roles(0) != u.role) {
            // A demo world seeded by an earlier version: its users take
            // the roles the demo has now.
            CB_ASSIGN_OR_RETURN(found, ids.SetRoles(tx, domain::IdOf(found->name()),
                                                    {u.role},
                                                    *domain::ParseEtag("etag", found->etag())));
            created.push_back(found->name());
          }
          if (issue_tokens) tokens.push_back(Issue(tx, ids, *found, agency, "demo"));
        }
        if (!created.empty() || issue_tokens) {
          storage::AuditLog::AppendInTransaction(
              tx, ProvisioningEvent("seed-demo", now, created), audit_keys);
        }
        return tokens;
      });
}

absl::StatusOr<bool> DemoWorldComplete(storage::Database& db, absl::Time now) {
  storage::IdentityRepository ids;
  return db.TransactFor<bool>(
      absl::Now() + absl::Seconds(30), [&](storage::Tx& tx) -> absl::StatusOr<bool> {
        for (const DemoUser& u : kDemoUsers) {
          CB_ASSIGN_OR_RETURN(std::optional<v1::User> found,
                              ids.FindUserByUsername(tx, u.username));
          if (!found.has_value() || found->disabled()) return false;
          if (found->roles_size() != 1 || found->roles(0) != u.role) return false;
        }
        return true;
      });
}

std::string IssuedTokensJson(const std::vector<IssuedToken>& tokens) {
  nlohmann::json out = nlohmann::json::array();
  for (const IssuedToken& t : tokens) {
    out.push_back({{"user", t.username},
                   {"agency", t.agency},
                   {"agency_code", t.agency_code},
                   {"roles", t.roles},
                   {"token", t.secret}});
  }
  return out.dump(2) + "\n";
}

}  // namespace casebridge::services
