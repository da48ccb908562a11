// The world the access matrix runs in: one test server, one caller per role
// and agency kind, and the case situations, each set up through the API. The
// world is also the oracle: it knows, from how it set each case up, which
// agencies a case is shared with and what the case contains.
#ifndef CASEBRIDGE_TESTS_INTEGRATION_MATRIX_WORLD_H_
#define CASEBRIDGE_TESTS_INTEGRATION_MATRIX_WORLD_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/access_policy.h"
#include "domain/principal.h"
#include "tests/support/test_server.h"

namespace casebridge::matrix {

// The content every matrix case is made with. The strings double as needles:
// the leak scan searches every response for them.
namespace content {
inline constexpr char kVictimGivenName[] = "Sarah";
inline constexpr char kVictimFamilyName[] = "Bennett";
inline constexpr char kVictimPhone[] = "07700 900123";
inline constexpr char kVictimNotes[] = "Moved after the last incident.";
// The victim's address when restricted (relocated) ...
inline constexpr char kRestrictedAddress[] = "14 Refuge Close, Hanley, ST1 1AA";
// ... and, in the non-restricted variant, a different one partners may see.
inline constexpr char kOpenAddress[] = "27 Open Street, Burslem, ST6 3AB";
inline constexpr char kSuspectGivenName[] = "Mark";
inline constexpr char kSuspectFamilyName[] = "Doyle";
inline constexpr char kSuspectAlias[] = "Marky D";
inline constexpr char kSuspectPhone[] = "07700 900999";
inline constexpr char kSuspectAddress[] = "3 Station Road, Leek, ST13 5AB";
inline constexpr char kSummary[] =
    "Ex-partner following the victim to work and sending messages.";
// Incident narrative and location: they name the suspect.
inline constexpr char kIncidentDescription[] =
    "Mark Doyle waited outside her workplace and followed her to the bus.";
inline constexpr char kIncidentLocation[] = "outside 3 Station Road, Leek";
}  // namespace content

// One caller of the matrix.
struct Caller {
  std::string username;
  // Agency code (SP, WMP, CPSWM, SOTCC, SCC, NSCHT, SVG); "" for anonymous.
  std::string agency_code;
  // Bearer secret; empty sends no authorization header at all.
  std::string token;
  // What the policy table reasons about: agency kind and roles.
  domain::Principal principal;
  // False for the unauthenticated credentials (none, revoked, disabled).
  bool authenticated = true;

  bool HasRole(v1::Role role) const { return principal.HasRole(role); }
  bool HasPoliceRole() const;
  // Police or prosecutor: may receive suspect details.
  bool MayReceiveSuspectDetails() const;
  // Only partner roles (safeguarding lead, victim advocate).
  bool IsPartnerOnly() const;
  // Holds a role that reads any case content at all.
  bool ReadsCaseContent() const;
  std::string Label() const;
};

// A case the world made and what it knows about it.
struct CaseInfo {
  std::string situation;
  std::string name;       // cases/{id}
  std::string reference;  // SP-2026-000001
  std::string owner_code;
  // A police user of the owning force, who prepares and restores state.
  std::string owner_user;
  // Agencies (codes) the case is actively shared with, by any basis.
  std::set<std::string> shared_with;
  // An active victim-services referral to SVG.
  bool vs_referred = false;
  bool restricted = true;
  std::string victim_address;
  // Made with an incident, a HIGH risk assessment and a flag (fixtures are;
  // cases made by CreateCase cells are not).
  bool has_history = false;
  std::string incident;  // cases/{id}/incidents/{incident}
};

// A case's victim address typed into free text, as people type it: 0 as
// written, 1 lower case without commas, 2 upper case.
std::string AddressAsTyped(const CaseInfo& info, int variant);
// The victim's home in text written now: the address as typed while it is
// not restricted; "the victim's home" once it is, since a write naming a
// restricted address is refused (tests/integration/restricted_address_test.cc
// proves that, in every spelling). The situations write it into incidents,
// safeguarding actions, a breach and a charging file's summary.
std::string HomeAsTyped(const CaseInfo& info, int variant);
// The fixtures' incident and flag texts. A fixture writes them before its
// victim's address is restricted (`as_first_written`: the address as
// typed), which is how an address typed before it was restricted stays in
// stored text: the leak scan proves no non-police caller receives it, in any
// spelling. Probes write them as HomeAsTyped.
std::string IncidentLocation(const CaseInfo& info, bool as_first_written = false);
std::string IncidentDescription(const CaseInfo& info, bool as_first_written = false);
std::string FixtureFlagReason(const CaseInfo& info);

class World {
 public:
  static absl::StatusOr<std::unique_ptr<World>> Create();

  test_support::TestServer& server() { return *server_; }
  std::shared_ptr<grpc::Channel> channel() const { return server_->channel(); }
  const std::vector<Caller>& callers() const { return callers_; }
  // The credentials that must be refused: none, revoked, disabled user.
  const std::vector<Caller>& unauthenticated() const { return anonymous_; }
  // The case situations, in set-up order.
  const std::vector<const CaseInfo*>& fixtures() const { return fixtures_; }
  // Every case the world knows, fixtures and cases made by CreateCase cells.
  std::vector<const CaseInfo*> AllCases() const;
  const CaseInfo* FindCase(absl::string_view name) const;
  // A case made by a CreateCase cell (owned by `creator`, shared with no one).
  void AddCreatedCase(const Caller& creator, const v1::Case& created);

  domain::Relationship RelationshipOf(const Caller& caller, const CaseInfo& info) const;
  // The view the caller reads the case with (the table's kReadCase).
  domain::Decision ReadDecision(const Caller& caller, const CaseInfo& info) const;

  // Client contexts; every one handed out is counted as one call.
  std::unique_ptr<grpc::ClientContext> ContextFor(const Caller& caller);
  std::unique_ptr<grpc::ClientContext> ContextAs(absl::string_view username);
  std::unique_ptr<grpc::ClientContext> OwnerContext(const CaseInfo& info) {
    return ContextAs(info.owner_user);
  }
  // Calls made through the world and through its test server's helpers.
  int64_t calls() const { return calls_.load() + server_->calls(); }

  v1::AdminService::Stub& admin() { return *admin_; }
  v1::CaseService::Stub& cases() { return *cases_; }
  v1::SharingService::Stub& sharing() { return *sharing_; }
  v1::AuditService::Stub& audit() { return *audit_; }

  // Helpers probes use to prepare and restore, acting as the owning force
  // (or the administrator). They fail the running test on error.
  std::string CaseEtag(const CaseInfo& info);
  v1::Incident CurrentIncident(const CaseInfo& info);
  std::string FlagAsOwner(const CaseInfo& info);  // returns the flag's name
  void UnflagAsOwner(const std::string& flag_name, const CaseInfo& info);
  std::string ShareWithSinkAsOwner(const CaseInfo& info);  // the share's name
  void UnshareAsOwner(const std::string& share_name, const CaseInfo& info);
  // Withdraws the case's active shares on `basis` (e.g. the CPS share a
  // charging referral made), so the situation is back to what the world made.
  void WithdrawSharesAsOwner(const CaseInfo& info, v1::ShareBasis basis);
  // The world's second force gets a CPS area too (no admin RPC sets it), so
  // charging referrals work for cases of either force.
  void GiveEveryForceACpsArea();
  void CloseAsOwner(const CaseInfo& info);
  void ReopenAsOwner(const CaseInfo& info);
  // Accounts administration cells act on, each made by whoever manages it
  // (the agency's administrator, or the system administrator for
  // privileged roles and service accounts): users/{id}.
  std::string NewUserIn(absl::string_view agency_code, std::vector<v1::Role> roles,
                        v1::UserKind kind = v1::USER_KIND_PERSON);
  // As NewUserIn, and enrolled: the name of the user's token.
  std::string NewTokenOfUserIn(absl::string_view agency_code, v1::Role role);
  // A token the caller issues for themselves (the name), or "" if refused.
  std::string NewOwnToken(const Caller& caller);
  // The user's etag, as read by the system administrator.
  std::string UserEtag(const std::string& user_name);
  // Disables the user as its manager would.
  void DisableAsManager(const std::string& user_name, absl::string_view agency_code,
                        bool privileged);
  // agencies/{id} of a second agency no caller belongs to (MoveUser moves
  // there).
  const std::string& second_sink_agency() const { return second_sink_agency_; }

  // An agency no caller belongs to: ShareCase cells share with it.
  const std::string& sink_agency() const { return sink_agency_; }
  const std::string& sink_user() const { return sink_user_; }
  std::string Unique(absl::string_view prefix);
  absl::Time Now() { return server_->clock()->Now(); }
  // agencies/{id} of an agency code.
  const std::string& Agency(absl::string_view code) const {
    return server_->Agency(code);
  }
  // The request to record the content every case is made with.
  static v1::Case CaseContent(bool restricted);

 private:
  World() = default;
  bool every_force_has_cps_ = false;
  absl::Status AddCallers();
  absl::Status AddAnonymous();
  absl::Status AddFixtures();
  struct FixtureSpec;
  absl::Status MakeFixture(const FixtureSpec& spec);
  const Caller* FindCaller(absl::string_view username) const;

  std::unique_ptr<test_support::TestServer> server_;
  std::vector<Caller> callers_;
  std::vector<Caller> anonymous_;
  // Tokens of users that are not callers (the sink user).
  std::map<std::string, std::string, std::less<>> tokens_;
  std::deque<CaseInfo> cases_store_;
  std::vector<const CaseInfo*> fixtures_;
  std::map<std::string, const CaseInfo*, std::less<>> by_name_;
  std::string sink_agency_;
  std::string second_sink_agency_;
  std::string sink_user_;
  int unique_ = 0;
  std::atomic<int64_t> calls_{0};

  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

}  // namespace casebridge::matrix

#endif  // CASEBRIDGE_TESTS_INTEGRATION_MATRIX_WORLD_H_
