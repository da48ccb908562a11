#include "services/rpc_runner.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/validation.h"
#include "spdlog/spdlog.h"

namespace casebridge::services {
namespace {

constexpr size_t kMaxAuditMessage = 1000;

std::string AuthorizationHeader(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::Time DeadlineOf(const grpc::ServerContext& context) {
  auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace

RpcRunner::RpcRunner(storage::Database* db, storage::AuditLog* audit,
                     Authenticator* authenticator, const Clock* clock)
    : db_(db), audit_(audit), authenticator_(authenticator), clock_(clock) {}

grpc::Status RpcRunner::Run(
    grpc::ServerContext* context, absl::string_view method,
    absl::FunctionRef<absl::Status(CallContext&)> handler) {
  const absl::Time started = absl::Now();
  CallContext call;
  call.method = std::string(method);
  call.peer = context->peer();
  call.now = clock_->Now();
  call.deadline = DeadlineOf(*context);
  call.audit.time = call.now;
  call.audit.method = call.method;
  call.audit.peer = call.peer;

  absl::Status status;
  absl::StatusOr<domain::Principal> principal = authenticator_->Authenticate(
      AuthorizationHeader(*context), call.now, call.deadline);
  if (!principal.ok()) {
    status = principal.status();
  } else {
    call.principal = *std::move(principal);
    call.audit.user_id = call.principal.user_id;
    call.audit.username = call.principal.username;
    call.audit.agency_id = call.principal.agency_id;
    for (v1::Role r : call.principal.roles) call.audit.roles.push_back(r);
    try {
      status = handler(call);
    } catch (const std::exception& e) {
      spdlog::error("rpc {} threw: {}", call.method, e.what());
      status = absl::InternalError("internal error; it has been logged");
    } catch (...) {
      spdlog::error("rpc {} threw a non-standard exception", call.method);
      status = absl::InternalError("internal error; it has been logged");
    }
  }

  if (!call.audit_committed) {
    call.audit.outcome = StatusCodeName(status.code());
    call.audit.message = std::string(status.message().substr(0, kMaxAuditMessage));
    if (!status.ok()) {
      // A failed call changed nothing and returned nothing, whatever the
      // handler had noted before it failed (its transaction rolled back).
      call.audit.content_disclosed = false;
      call.audit.changed_fields.clear();
      call.audit.old_etag.clear();
      call.audit.new_etag.clear();
    }
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

  spdlog::info("rpc method={} user={} agency={} code={} duration_ms={:.2f} peer={}",
               call.method, call.principal.username.empty() ? "-" : call.principal.username,
               call.principal.agency_id.empty() ? "-" : call.principal.agency_id,
               StatusCodeName(status.code()),
               absl::ToDoubleMilliseconds(absl::Now() - started), call.peer);
  return ToGrpcStatus(status, context);
}

absl::Status RpcRunner::Read(CallContext& call,
                             absl::FunctionRef<absl::Status(storage::Tx&)> fn) {
  return db_->Transact(call.deadline, fn, storage::Database::Mode::kReadOnly);
}

absl::Status RpcRunner::Write(CallContext& call,
                              absl::FunctionRef<absl::Status(storage::Tx&)> fn) {
  absl::Status status = db_->Transact(call.deadline, [&](storage::Tx& tx) {
    absl::Status s = fn(tx);
    if (!s.ok()) return s;
    call.audit.outcome = StatusCodeName(absl::StatusCode::kOk);
    call.audit.message.clear();
    storage::AuditLog::AppendInTransaction(tx, call.audit);
    return absl::OkStatus();
  });
  if (status.ok()) call.audit_committed = true;
  return status;
}

storage::TimelineEntryInput TimelineEntryFor(const CallContext& call,
                                             absl::string_view case_id,
                                             v1::TimelineEntryKind kind,
                                             std::string summary,
                                             absl::string_view resource, int views) {
  storage::TimelineEntryInput e;
  e.case_id = std::string(case_id);
  e.time = call.now;
  e.kind = kind;
  e.summary = std::move(summary);
  e.resource = std::string(resource);
  e.actor_user_id = call.principal.user_id;
  e.views = views;
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
