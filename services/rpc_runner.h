#ifndef CASEBRIDGE_SERVICES_RPC_RUNNER_H_
#define CASEBRIDGE_SERVICES_RPC_RUNNER_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "domain/visibility.h"
#include "google/protobuf/message.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/principal.h"
#include "domain/resource_names.h"
#include "grpcpp/grpcpp.h"
#include "services/authenticator.h"
#include "services/clock.h"
#include "services/fair_share.h"
#include "services/refusal_ledger.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {

// Everything one RPC knows about itself: who called, when, and what its audit
// event will say. Handlers fill in the audit fields as they learn them.
struct CallContext {
  std::string method;  // Full method: /casebridge.v1.CaseService/GetCase
  std::string peer;
  absl::Time now;
  absl::Time deadline = absl::InfiniteFuture();
  domain::Principal principal;
  storage::AuditEvent audit;
  // The call's event was committed with its write (RpcRunner::Write).
  bool audit_committed = false;
  // What the caller said about a change (a reason): the message of its
  // audit event when it succeeds.
  std::string note;
  // The request and the response of the call: the runner checks what the
  // request writes, and redacts the response to the caller's audience.
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  // Who the caller reads case content as (domain/visibility.h); none for
  // callers who read none.
  std::optional<domain::Audience> audience;
  // The restricted addresses of every case the call touched, loaded in its
  // transactions (RpcRunner::Read and Write).
  std::vector<std::string> restricted_addresses;

  // The resource an update replaces, as stored before it (set by the
  // handler): the write check looks only at the text the update changes.
  std::unique_ptr<google::protobuf::Message> replaced;
  void Replaces(const google::protobuf::Message& stored) {
    replaced.reset(stored.New());
    replaced->CopyFrom(stored);
  }

  void AddResource(absl::string_view name) {
    audit.resources.emplace_back(name);
  }
  // A case whose content a list across cases answers with: its name,
  // cases/{id}, once, beside the items' own names. "Who has seen this case"
  // (AuditService.ListCaseAccess) finds a call by the case's id or by this
  // name among its resources, never by a child's name.
  void AddListedCase(absl::string_view case_id) {
    if (listed_cases_.insert(std::string(case_id)).second) {
      AddResource(domain::CaseName(case_id));
    }
  }
  // Every case the call is about or answers with (its own and the listed).
  std::vector<std::string> CaseIds() const {
    std::vector<std::string> ids(listed_cases_.begin(), listed_cases_.end());
    if (!audit.case_id.empty() && !listed_cases_.contains(audit.case_id)) {
      ids.push_back(audit.case_id);
    }
    return ids;
  }
  // Which of those have their restricted addresses loaded.
  absl::flat_hash_set<std::string> restricted_loaded;
  // The call concerns this case (also set for refusals, so the log shows
  // who tried).
  void SetCase(absl::string_view id, absl::string_view reference,
               absl::string_view owner_agency_id) {
    audit.case_id = std::string(id);
    audit.case_reference = std::string(reference);
    audit.case_owner_agency_id = std::string(owner_agency_id);
  }
  // The response carries case content ("who has seen this case").
  void DisclosesCaseContent() { audit.content_disclosed = true; }
  void RecordChange(std::vector<std::string> fields, absl::string_view old_etag,
                    absl::string_view new_etag) {
    audit.changed_fields = std::move(fields);
    audit.old_etag = std::string(old_etag);
    audit.new_etag = std::string(new_etag);
  }

 private:
  absl::flat_hash_set<std::string> listed_cases_;
};

// Client metadata the server's call guard adds (never a client: the guard
// removes any a client sends) to a call whose request is over the size
// limit; the runner refuses such a call RESOURCE_EXHAUSTED.
inline constexpr char kRequestTooLargeMark[] = "casebridge-internal-request-too-large";

// Runs every RPC of every service the same way: authenticate once, admit
// the call within the caller's fair share, run the handler (exceptions
// become INTERNAL), record exactly one audit event, log one line, map the
// status to gRPC. A read's response is released only after its audit event
// is durable; if it cannot be written the caller gets UNAVAILABLE instead of
// the data. Calls refused at the door (no valid credential, over the fair
// share) are accounted for through the RefusalLedger, so a flood of them
// costs the log one event per caller and method per window.
class RpcRunner {
 public:
  RpcRunner(storage::Database* db, storage::AuditLog* audit,
            Authenticator* authenticator, const Clock* clock,
            FairShare* fair_share, RefusalLedger* refusals);

  // A call made with a credential (every RPC but one). What `request`
  // writes is checked (no restricted address in text others read) before
  // its transaction commits, and `response` is redacted to the caller's
  // audience before it is sent (domain/visibility.h): no handler does either
  // itself.
  grpc::Status Run(grpc::ServerContext* context, absl::string_view method,
                   const google::protobuf::Message& request,
                   google::protobuf::Message* response,
                   absl::FunctionRef<absl::Status(CallContext&)> handler,
                   CallCost cost = CallCost::kOrdinary);
  // A call that needs no credential because its request carries one
  // (RedeemEnrolmentCode): admitted within the anonymous budget; the
  // handler names who acted in call.audit.
  grpc::Status RunWithoutCredential(
      grpc::ServerContext* context, absl::string_view method,
      const google::protobuf::Message& request, google::protobuf::Message* response,
      absl::FunctionRef<absl::Status(CallContext&)> handler);

  // A call gRPC refused before any handler ran (an unreadable body, the
  // thread quota, an unknown method): audited like every call — with the
  // caller when its credential is valid (`may_look_up_credential` false
  // uses only credentials already in the cache, for refusals under load) —
  // and logged. Returns the status to send: `refusal`, or a clearer one
  // (an unreadable body is INVALID_ARGUMENT, never INTERNAL).
  grpc::Status RefuseBeforeHandler(const grpc::ServerContextBase& context,
                                   absl::string_view method,
                                   const absl::Status& refusal,
                                   bool may_look_up_credential,
                                   bool may_block);

  // One read-only transaction (one snapshot). It ends by loading the
  // restricted addresses of the cases the call touched, for the redaction.
  absl::Status Read(CallContext& call,
                    absl::FunctionRef<absl::Status(storage::Tx&)> fn);
  // One read-write transaction that also appends the call's audit event
  // (outcome OK) before committing: no change without its record, no record
  // of a change that did not happen. Before that, the request is checked:
  // free text a reader outside the police sees may not hold a restricted
  // address of the cases the call touched (FAILED_PRECONDITION naming the
  // field; nothing is written).
  absl::Status Write(CallContext& call,
                     absl::FunctionRef<absl::Status(storage::Tx&)> fn);

  storage::Database& db() { return *db_; }
  storage::AuditLog& audit_log() { return *audit_; }
  Authenticator& authenticator() { return *authenticator_; }
  const Clock& clock() const { return *clock_; }
  FairShare& fair_share() { return *fair_share_; }

 private:
  enum class Credential { kRequired, kNone };
  grpc::Status RunCall(grpc::ServerContext* context, absl::string_view method,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response, Credential credential,
                       CallCost cost, absl::FunctionRef<absl::Status(CallContext&)> handler);
  // Loads, in `tx`, the restricted addresses of the call's cases not yet
  // loaded.
  void LoadRestrictedAddresses(CallContext& call, storage::Tx& tx);
  CallContext Begin(const grpc::ServerContextBase& context, absl::string_view method);
  void SetCaller(CallContext& call, domain::Principal principal);
  // Audits (unless the handler's write did) and logs the finished call.
  // `at_the_door`: refused before any handler ran, so the ledger may
  // summarise it. Returns the status the caller gets.
  absl::Status Finish(CallContext& call, absl::Status status, bool at_the_door,
                      bool may_block, absl::Time started);

  storage::Database* db_;
  storage::AuditLog* audit_;
  Authenticator* authenticator_;
  const Clock* clock_;
  FairShare* fair_share_;
  RefusalLedger* refusals_;
};

// A timeline entry for what this call did to a case, now, by the caller.
// Who reads it follows from its kind (domain/visibility.cc).
storage::TimelineEntryInput TimelineEntryFor(const CallContext& call,
                                             absl::string_view case_id,
                                             v1::TimelineEntryKind kind,
                                             std::string summary,
                                             absl::string_view resource);

// The one error mapper: absl::Status -> grpc::Status, keeping code and
// message; the field a FieldError names goes to the trailing metadata key
// "casebridge-field" as well as the message.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContext* context);

// "OK", "NOT_FOUND", ... as the audit log records outcomes.
std::string StatusCodeName(absl::StatusCode code);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_RPC_RUNNER_H_
