// Probes of the access matrix: one (or more) per RPC of every served service.
//
// A probe knows which domain::Action its RPC maps to, whether the RPC names a
// case, and how to build a VALID request for a given case and issue it as a
// given caller, so that an allowed call succeeds and a refused one fails only
// because of access. The matrix test (tests/integration/access_matrix_test.cc)
// runs every probe as every caller against every case situation and checks
// the answer against the policy table.
//
// To cover a new service, add one file tests/integration/matrix/
// <service>_probes.cc (copy case_service_probes.cc) that defines a
// `void Register...Probes(ProbeRegistry&)` adding one Probe per method, and
// registers it with CB_MATRIX_PROBES(Register...Probes); list the file in
// casebridge_integration_tests (tests/CMakeLists.txt). Make the service's stub
// per call: `auto stub = v1::XService::NewStub(env.world.channel());`. The
// coverage test fails while any method of a served service has no probe.
//
// Rules for a probe's `run`:
// - Valid for every target: a real case (env.target.info) or one that does
//   not exist (info == nullptr: name child resources with a random id).
// - Leave the situation as it found it: whatever the call created or changed
//   that could alter who sees the case, undo as the owning force (e.g. share
//   with env.world.sink_agency(), never with a caller's agency; assign
//   safeguarding actions to agencies the case is already shared with, or to
//   the sink). Prepare state the call needs (a closed case to reopen, an
//   active share to withdraw) as the owning force first.
// - An allowed call must succeed; if the RPC can refuse a valid request for
//   a state reason the probe cannot avoid, list that code in
//   `allowed_errors` and say why.
#ifndef CASEBRIDGE_TESTS_INTEGRATION_MATRIX_PROBE_H_
#define CASEBRIDGE_TESTS_INTEGRATION_MATRIX_PROBE_H_

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/access_policy.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace casebridge::matrix {

class World;
struct Caller;
struct CaseInfo;

// How a probe is authorized and how often it runs.
enum class Scope {
  // Not about one case (create, admin, audit log): authorized with
  // Relationship::kNoCase; runs once per caller.
  kNoCase,
  // Names one case: authorized by the caller's relationship to it; runs per
  // caller for every case situation and for a case that does not exist.
  kCase,
  // Not authorized per case but answers with cases (ListCases filtered to one
  // reference): authorized with kNoCase; runs per caller for every case
  // situation, and its `verify` checks whether the case is listed.
  kListing,
};

// The case a cell is about.
struct Target {
  // Null for kNoCase probes and for the case that does not exist.
  const CaseInfo* info = nullptr;
  // cases/{id}: the fixture's, or a random one that does not exist.
  std::string name;
  // cases/{reference}: the fixture's, or a reference that does not exist.
  std::string reference_name;
  bool exists() const { return info != nullptr; }
};

struct ProbeResult {
  grpc::Status status;
  // The response message (default-valued when the call failed).
  std::unique_ptr<google::protobuf::Message> response;
};

// What one cell hands its probe.
struct ProbeEnv {
  World& world;
  const Caller& caller;
  const Target& target;
  // A fresh client context carrying the caller's credentials. Use one per
  // call: the world counts calls by the contexts it hands out.
  std::unique_ptr<grpc::ClientContext> Context() const;
};

struct Probe {
  // Full method name, e.g. "casebridge.v1.CaseService.GetCase".
  std::string method;
  // Distinguishes several probes of one method ("" for the main one).
  std::string variant = {};
  domain::Action action;
  Scope scope;
  // Builds a valid request for env.target, issues it as env.caller and
  // returns what came back. May prepare state first and must restore it
  // afterwards (as the owning force, through env.world) so the situation is
  // unchanged for the next cell.
  std::function<ProbeResult(ProbeEnv&)> run = {};
  // Optional, for actions on a resource inside the case: the relationship
  // the handler authorizes with, given the caller's relationship to the case
  // (e.g. kAssignedAgency when the safeguarding action the probe prepared is
  // assigned to the caller's agency). Unset: the case relationship.
  std::function<domain::Relationship(const World&, const Caller&, const Target&,
                                     domain::Relationship)>
      relationship = {};
  // Non-access errors an allowed call may answer with (never
  // PERMISSION_DENIED, NOT_FOUND or UNAUTHENTICATED). Empty: it must be OK.
  std::set<grpc::StatusCode> allowed_errors = {};
  // Optional, for acts whose answer is not one cell of the policy table
  // (managing accounts: who acts, on whose account): the status the rules
  // give this caller (OK, PERMISSION_DENIED or NOT_FOUND), computed from the
  // domain's own functions; the matrix expects its code.
  std::function<absl::Status(const World&, const Caller&)> expect = {};
  // The call needs no credential (RedeemEnrolmentCode carries its own):
  // callers without a valid one are answered by `expect`, not refused.
  bool no_credential = false;
  // Optional, for OK answers: probe-specific checks of the response.
  // Returns one line per problem.
  std::function<std::vector<std::string>(const ProbeEnv&,
                                         const google::protobuf::Message&)>
      verify = {};

  std::string Label() const;
};

class ProbeRegistry {
 public:
  static ProbeRegistry& Get();
  void Add(Probe probe);
  const std::vector<Probe>& probes() const { return probes_; }

 private:
  std::vector<Probe> probes_;
};

// Runs `fn` on the registry during static initialization.
bool RegisterProbes(void (*fn)(ProbeRegistry&));
#define CB_MATRIX_PROBES(fn)                                 \
  [[maybe_unused]] static const bool cb_matrix_probes_##fn = \
      ::casebridge::matrix::RegisterProbes(&fn)

// Issues one unary call through a generated stub method and keeps the answer.
template <typename Stub, typename Request, typename Response>
ProbeResult Issue(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                               Response*),
                  Stub& stub, std::unique_ptr<grpc::ClientContext> context,
                  const Request& request) {
  auto response = std::make_unique<Response>();
  ProbeResult result;
  result.status = (stub.*method)(context.get(), request, response.get());
  result.response = std::move(response);
  return result;
}

// Casts a verified response to its type.
template <typename Response>
const Response& As(const google::protobuf::Message& m) {
  return static_cast<const Response&>(m);
}

}  // namespace casebridge::matrix

#endif  // CASEBRIDGE_TESTS_INTEGRATION_MATRIX_PROBE_H_
