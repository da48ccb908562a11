#include "services/audit_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/access_policy.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "services/case_access.h"

namespace casebridge::services {
namespace {

using domain::Action;

std::string Method(absl::string_view name) {
  return absl::StrCat("/casebridge.v1.AuditService/", name);
}

v1::AuditCheckpoint ToProto(const storage::AuditCheckpointValue& c) {
  v1::AuditCheckpoint out;
  out.set_sequence(c.sequence);
  out.set_chain_hash(absl::BytesToHexString(c.chain_hash));
  if (c.sequence > 0) *out.mutable_time() = domain::ToProtoTime(c.time);
  return out;
}

v1::AuditProblem ToProto(storage::AuditProblem p) {
  switch (p) {
    case storage::AuditProblem::kAltered: return v1::AUDIT_PROBLEM_ALTERED;
    case storage::AuditProblem::kRemoved: return v1::AUDIT_PROBLEM_REMOVED;
    case storage::AuditProblem::kInserted: return v1::AUDIT_PROBLEM_INSERTED;
    case storage::AuditProblem::kCheckpointMismatch:
      return v1::AUDIT_PROBLEM_CHECKPOINT_MISMATCH;
    case storage::AuditProblem::kReordered: return v1::AUDIT_PROBLEM_REORDERED;
    case storage::AuditProblem::kNone: break;
  }
  return v1::AUDIT_PROBLEM_UNSPECIFIED;
}

}  // namespace

grpc::Status AuditServiceImpl::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return runner_->Run(context, Method("ListAuditEvents"), *request, response, [&](CallContext& call) {
    // The filter names the case whose log is read, if any: which case
    // decides who may read, so it is parsed first; the rest only for a
    // caller who may.
    static constexpr absl::string_view kKeys[] = {
        "case", "user", "agency", "method", "outcome", "after", "before"};
    CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                        domain::ListFilter::Parse(request->filter(), kKeys));
    std::optional<domain::CaseKey> case_key;
    if (std::optional<std::string> c = filter.Get("case")) {
      CB_ASSIGN_OR_RETURN(case_key, domain::ParseCaseName(*c, "filter"));
    } else {
      CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadAuditLog));
    }

    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      storage::AuditEventFilter f;
      domain::Relationship relationship = domain::Relationship::kNoCase;
      if (case_key.has_value()) {
        // Supervisors see their own force's cases; an agency's auditor the
        // cases its agency holds; a national auditor any.
        CB_ASSIGN_OR_RETURN(CaseScope scope,
                            AuthorizeCase(call, tx, *case_key, Action::kReadAuditLog));
        f.case_id = scope.ref.id;
        relationship = scope.relationship;
      }
      // Within one agency's reach, the events of its own users and of the
      // cases it owns.
      if (domain::Decide(call.principal, relationship, Action::kReadAuditLog).reach ==
          domain::Reach::kOwnAgency) {
        f.scope_agency_id = call.principal.agency_id;
      }
      CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
      if (std::optional<std::string> u = filter.Get("user")) {
        CB_ASSIGN_OR_RETURN(f.user_id, domain::ParseTopLevelName(*u, "users", "filter"));
      }
      if (std::optional<std::string> a = filter.Get("agency")) {
        CB_ASSIGN_OR_RETURN(f.agency_id,
                            domain::ParseTopLevelName(*a, "agencies", "filter"));
      }
      f.method = filter.Get("method").value_or("");
      f.outcome = filter.Get("outcome").value_or("");
      CB_ASSIGN_OR_RETURN(std::optional<absl::Time> after_time, filter.GetTime("after"));
      CB_ASSIGN_OR_RETURN(std::optional<absl::Time> before_time,
                          filter.GetTime("before"));
      f.after = after_time.value_or(absl::InfinitePast());
      f.before = before_time.value_or(absl::InfinitePast());
      const std::string query = filter.Canonical();
      CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                          domain::DecodePageToken(request->page_token(), query));
      CB_ASSIGN_OR_RETURN(storage::Page<v1::AuditEvent> page,
                          audit_.ListEvents(tx, f, after, page_size));
      for (v1::AuditEvent& e : page.items) *response->add_events() = std::move(e);
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      return absl::OkStatus();
    });
  });
}

grpc::Status AuditServiceImpl::ListCaseAccess(
    grpc::ServerContext* context, const v1::ListCaseAccessRequest* request,
    v1::ListCaseAccessResponse* response) {
  return runner_->Run(context, Method("ListCaseAccess"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->name(), "name"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReadCaseAccess));
      CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
      const std::string query = key.display();
      CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                          domain::DecodePageToken(request->page_token(), query));
      // The owning force's auditors and supervisors see everyone who saw
      // it; an agency it is shared with, its own people; a national
      // auditor, everyone.
      const bool everyone =
          scope.relationship == domain::Relationship::kOwningForce ||
          domain::Decide(call.principal, scope.relationship, Action::kReadCaseAccess)
                  .reach == domain::Reach::kEveryAgency;
      CB_ASSIGN_OR_RETURN(
          storage::Page<v1::CaseAccess> page,
          audit_.ListCaseAccess(tx, scope.ref.id,
                                everyone ? "" : call.principal.agency_id, after,
                                page_size));
      for (v1::CaseAccess& a : page.items) *response->add_accesses() = std::move(a);
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      return absl::OkStatus();
    });
  });
}

grpc::Status AuditServiceImpl::VerifyAuditLog(
    grpc::ServerContext* context, const v1::VerifyAuditLogRequest* request,
    v1::VerifyAuditLogResponse* response) {
  return runner_->Run(context, Method("VerifyAuditLog"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kVerifyAuditLog));
    if (request->from_sequence() < 0) {
      return domain::FieldError("from_sequence", "must not be negative");
    }
    if (request->to_sequence() < 0) {
      return domain::FieldError("to_sequence", "must not be negative");
    }
    if (request->to_sequence() != 0 && request->to_sequence() < request->from_sequence()) {
      return domain::FieldError("to_sequence", "must not be before from_sequence");
    }
    std::optional<storage::AuditCheckpointValue> checkpoint;
    if (request->has_checkpoint()) {
      storage::AuditCheckpointValue c;
      c.sequence = request->checkpoint().sequence();
      if (c.sequence < 1) {
        return domain::FieldError("checkpoint.sequence", "must be at least 1");
      }
      const std::string& hex = request->checkpoint().chain_hash();
      bool well_formed = hex.size() == 64;
      for (char ch : hex) {
        well_formed = well_formed && absl::ascii_isxdigit(static_cast<unsigned char>(ch));
      }
      if (!well_formed) {
        return domain::FieldError("checkpoint.chain_hash",
                                  "must be the 64 hex digits GetAuditCheckpoint gave");
      }
      c.chain_hash = absl::HexStringToBytes(hex);
      checkpoint = c;
    }
    // Chain what has committed so far, so the walk covers it.
    CB_RETURN_IF_ERROR(runner_->audit_log().SealPending(call.deadline).status());
    CB_ASSIGN_OR_RETURN(
        storage::AuditVerification v,
        runner_->audit_log().Verify(request->from_sequence(), request->to_sequence(),
                                    checkpoint ? &*checkpoint : nullptr,
                                    call.deadline));
    response->set_ok(v.ok);
    response->set_events_checked(v.events_checked);
    response->set_first_bad_sequence(v.first_bad_sequence);
    response->set_problem(ToProto(v.problem));
    response->set_detail(v.detail);
    *response->mutable_head() = ToProto(v.head);
    return absl::OkStatus();
  }, CallCost::kExpensive);
}

grpc::Status AuditServiceImpl::GetAuditCheckpoint(
    grpc::ServerContext* context, const v1::GetAuditCheckpointRequest* request,
    v1::AuditCheckpoint* response) {
  return runner_->Run(context, Method("GetAuditCheckpoint"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kVerifyAuditLog));
    CB_RETURN_IF_ERROR(runner_->audit_log().SealPending(call.deadline).status());
    CB_ASSIGN_OR_RETURN(storage::AuditCheckpointValue head,
                        runner_->audit_log().Head(call.deadline));
    *response = ToProto(head);
    return absl::OkStatus();
  });
}

}  // namespace casebridge::services
