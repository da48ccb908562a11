#include "services/rpc_runner.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "storage/case_repository.h"
#include "spdlog/spdlog.h"

namespace casebridge::services {
namespace {

constexpr size_t kMaxAuditMessage = 1000;
constexpr size_t kMaxMethodName = 200;

std::string AuthorizationHeader(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::Time DeadlineOf(const grpc::ServerContextBase& context) {
  auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

// Statuses a handler's exception becomes.
absl::Status RunHandler(CallContext& call,
                        absl::FunctionRef<absl::Status(CallContext&)> handler) {
  try {
    return handler(call);
  } catch (const std::exception& e) {
    spdlog::error("rpc {} threw: {}", call.method, e.what());
  } catch (...) {
    spdlog::error("rpc {} threw a non-standard exception", call.method);
  }
  return absl::InternalError("internal error; it has been logged");
}

}  // namespace

RpcRunner::RpcRunner(storage::Database* db, storage::AuditLog* audit,
                     Authenticator* authenticator, const Clock* clock,
                     FairShare* fair_share, RefusalLedger* refusals)
    : db_(db),
      audit_(audit),
      authenticator_(authenticator),
      clock_(clock),
      fair_share_(fair_share),
      refusals_(refusals) {}

CallContext RpcRunner::Begin(const grpc::ServerContextBase& context,
                             absl::string_view method) {
  CallContext call;
  // A method name is the caller's to choose for an unknown method: kept to
  // a length a person can read.
  call.method = std::string(method.substr(0, kMaxMethodName));
  call.peer = context.peer();
  call.now = clock_->Now();
  call.deadline = DeadlineOf(context);
  call.audit.time = call.now;
  call.audit.method = call.method;
  call.audit.peer = call.peer;
  return call;
}

void RpcRunner::SetCaller(CallContext& call, domain::Principal principal) {
  call.principal = std::move(principal);
  call.audit.user_id = call.principal.user_id;
  call.audit.username = call.principal.username;
  call.audit.agency_id = call.principal.agency_id;
  call.audit.credential = call.principal.credential;
  call.audit.roles.clear();
  for (v1::Role r : call.principal.roles) call.audit.roles.push_back(r);
}

grpc::Status RpcRunner::Run(grpc::ServerContext* context, absl::string_view method,
                            const google::protobuf::Message& request,
                            google::protobuf::Message* response,
                            absl::FunctionRef<absl::Status(CallContext&)> handler,
                            CallCost cost) {
  return RunCall(context, method, request, response, Credential::kRequired, cost, handler);
}

grpc::Status RpcRunner::RunWithoutCredential(
    grpc::ServerContext* context, absl::string_view method,
    const google::protobuf::Message& request, google::protobuf::Message* response,
    absl::FunctionRef<absl::Status(CallContext&)> handler) {
  return RunCall(context, method, request, response, Credential::kNone,
                 CallCost::kOrdinary, handler);
}

grpc::Status RpcRunner::RunCall(grpc::ServerContext* context, absl::string_view method,
                                const google::protobuf::Message& request,
                                google::protobuf::Message* response,
                                Credential credential, CallCost cost,
                                absl::FunctionRef<absl::Status(CallContext&)> handler) {
  const absl::Time started = absl::Now();
  CallContext call = Begin(*context, method);
  call.request = &request;
  call.response = response;
  absl::Status status;
  if (credential == Credential::kRequired) {
    absl::StatusOr<domain::Principal> principal = authenticator_->Authenticate(
        AuthorizationHeader(*context), call.now, call.deadline);
    if (principal.ok()) {
      SetCaller(call, *std::move(principal));
    } else {
      status = principal.status();
    }
  }
  if (status.ok() && context->client_metadata().count(kRequestTooLargeMark) > 0) {
    status = absl::ResourceExhaustedError(
        "the request is larger than this server accepts; send less at once "
        "(evidence files go in chunks)");
  }
  std::optional<FairShare::Ticket> ticket;
  if (status.ok()) {
    absl::StatusOr<FairShare::Ticket> admitted = fair_share_->Admit(call.principal, cost);
    if (admitted.ok()) {
      ticket.emplace(*std::move(admitted));
    } else {
      status = admitted.status();
    }
  }
  call.audience = domain::AudienceOf(call.principal);
  bool at_the_door = !status.ok();
  if (!at_the_door) {
    status = RunHandler(call, handler);
    // What each agency sees of the answer, from the one table; outside the
    // police, never a restricted address of the cases it touched.
    if (status.ok() && response != nullptr) {
      domain::Redact(call.audience,
                     domain::RestrictedAddressMatcher::For(call.restricted_addresses),
                     response);
    }
    // A call that carries its own credential (an enrolment code) and fails
    // before it has named anyone is a refusal at the door too: guessing
    // codes, or sending bad ones, must not cost the log a row per call.
    at_the_door = credential == Credential::kNone && !status.ok() &&
                  call.audit.user_id.empty();
  }
  // The ticket is held until the call's event is written: waiting on the
  // log is part of the call.
  status = Finish(call, std::move(status), at_the_door, /*may_block=*/true, started);
  return ToGrpcStatus(status, context);
}

grpc::Status RpcRunner::RefuseBeforeHandler(const grpc::ServerContextBase& context,
                                            absl::string_view method,
                                            const absl::Status& refusal,
                                            bool may_look_up_credential,
                                            bool may_block) {
  const absl::Time started = absl::Now();
  CallContext call = Begin(context, method);
  const std::string authorization = AuthorizationHeader(context);
  if (!authorization.empty()) {
    std::optional<domain::Principal> principal;
    if (may_look_up_credential) {
      absl::StatusOr<domain::Principal> found = authenticator_->Authenticate(
          authorization, call.now, std::min(call.deadline, absl::Now() + absl::Seconds(2)));
      if (found.ok()) principal = *std::move(found);
    } else {
      principal = authenticator_->FromCache(authorization, call.now);
    }
    if (principal.has_value()) SetCaller(call, *std::move(principal));
  }
  absl::Status status = Finish(call, refusal, /*at_the_door=*/true, may_block, started);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::Status RpcRunner::Finish(CallContext& call, absl::Status status,
                               bool at_the_door, bool may_block, absl::Time started) {
  if (!call.audit_committed) {
    call.audit.outcome = StatusCodeName(status.code());
    call.audit.message =
        status.ok() ? call.note.substr(0, kMaxAuditMessage)
                    : std::string(status.message().substr(0, kMaxAuditMessage));
    if (!status.ok()) {
      // A failed call changed nothing and returned nothing, whatever the
      // handler had noted before it failed (its transaction rolled back).
      call.audit.content_disclosed = false;
      call.audit.changed_fields.clear();
      call.audit.old_etag.clear();
      call.audit.new_etag.clear();
    }
    // Refusals at the door by someone with no valid credential, or over
    // their fair share, come in floods: the ledger counts all but the first
    // of each kind in its window into one summary event.
    const bool summarised =
        at_the_door &&
        (!call.principal.authenticated() ||
         status.code() == absl::StatusCode::kResourceExhausted);
    if (!may_block) {
      // The caller cannot wait on the log (a callback reactor): the ledger
      // writes the event, or counts it, from its own thread.
      refusals_->CountWithoutWaiting(call.audit);
    } else if (!summarised || refusals_->Count(call.audit)) {
      absl::Status audited = audit_->AppendDurably(call.audit, call.deadline);
      if (!audited.ok()) {
        if (status.ok()) {
          // Never return what the log cannot show was returned.
          status = audited;
        } else {
          spdlog::error("rpc {}: audit of a failed call was lost: {}", call.method,
                        audited.ToString());
        }
      }
    }
  }
  spdlog::info("rpc method={} user={} agency={} credential={} code={} duration_ms={:.2f} peer={}",
               call.method, call.principal.username.empty() ? "-" : call.principal.username,
               call.principal.agency_id.empty() ? "-" : call.principal.agency_id,
               call.principal.token_id.empty() ? "-" : call.principal.token_id,
               StatusCodeName(status.code()),
               absl::ToDoubleMilliseconds(absl::Now() - started), call.peer);
  return status;
}

void RpcRunner::LoadRestrictedAddresses(CallContext& call, storage::Tx& tx) {
  std::vector<std::string> ids;
  for (std::string& id : call.CaseIds()) {
    if (call.restricted_loaded.insert(id).second) ids.push_back(std::move(id));
  }
  if (ids.empty()) return;
  for (std::string& address : storage::RestrictedAddressesOfCases(tx, ids)) {
    call.restricted_addresses.push_back(std::move(address));
  }
}

absl::Status RpcRunner::Read(CallContext& call,
                             absl::FunctionRef<absl::Status(storage::Tx&)> fn) {
  return db_->Transact(
      call.deadline,
      [&](storage::Tx& tx) -> absl::Status {
        CB_RETURN_IF_ERROR(fn(tx));
        // The police see every address; nobody else's answer may hold one.
        if (call.audience != domain::Audience::kPolice) {
          LoadRestrictedAddresses(call, tx);
        }
        return absl::OkStatus();
      },
      storage::Database::Mode::kReadOnly);
}

absl::Status RpcRunner::Write(CallContext& call,
                              absl::FunctionRef<absl::Status(storage::Tx&)> fn) {
  // No change is made that no witness could hold (docs/AUDIT.md).
  CB_RETURN_IF_ERROR(audit_->Acknowledging());
  absl::Status status = db_->Transact(call.deadline, [&](storage::Tx& tx) {
    absl::Status s = fn(tx);
    if (!s.ok()) return s;
    // A restricted address is stopped where it is written: in text a reader
    // outside the police would see, the write is refused (and rolls back).
    // Only what the call writes counts: an update is not refused for text
    // it leaves as it was (that text is reported for rewriting when the
    // address is restricted).
    LoadRestrictedAddresses(call, tx);
    if (call.request != nullptr && !call.restricted_addresses.empty()) {
      CB_RETURN_IF_ERROR(domain::CheckNoRestrictedText(
          *domain::TextWrittenBy(*call.request, call.replaced.get()),
          domain::RestrictedAddressMatcher::For(call.restricted_addresses)));
    }
    call.audit.outcome = StatusCodeName(absl::StatusCode::kOk);
    call.audit.message = call.note.substr(0, kMaxAuditMessage);
    audit_->AppendInTransaction(tx, call.audit);
    return absl::OkStatus();
  });
  if (status.ok()) call.audit_committed = true;
  return status;
}

storage::TimelineEntryInput TimelineEntryFor(const CallContext& call,
                                             absl::string_view case_id,
                                             v1::TimelineEntryKind kind,
                                             std::string summary,
                                             absl::string_view resource) {
  storage::TimelineEntryInput e;
  e.case_id = std::string(case_id);
  e.time = call.now;
  e.kind = kind;
  e.summary = std::move(summary);
  e.resource = std::string(resource);
  e.actor_user_id = call.principal.user_id;
  return e;
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContext* context) {
  if (status.ok()) return grpc::Status::OK;
  if (std::optional<std::string> field = domain::FieldOf(status)) {
    context->AddTrailingMetadata("casebridge-field", *field);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

std::string StatusCodeName(absl::StatusCode code) {
  return absl::StatusCodeToString(code);  // "OK", "NOT_FOUND", ...
}

}  // namespace casebridge::services
