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
    case storage::AuditProblem::kForged: return v1::AUDIT_PROBLEM_FORGED;
    case storage::AuditProblem::kTruncated: return v1::AUDIT_PROBLEM_TRUNCATED;
    case storage::AuditProblem::kHeadMismatch: return v1::AUDIT_PROBLEM_HEAD_MISMATCH;
    case storage::AuditProblem::kNone: break;
  }
  return v1::AUDIT_PROBLEM_UNSPECIFIED;
}

v1::AuditTreeHead ToProto(const storage::SignedTreeHead& h) {
  v1::AuditTreeHead out;
  out.set_tree_size(h.tree_size);
  out.set_root_hash(h.root_hash);
  *out.mutable_time() = domain::ToProtoTime(h.time);
  out.set_key_id(h.key_id);
  out.set_signature(h.signature);
  out.set_encoded(storage::EncodeTreeHead(h));
  return out;
}

// An event as a proof shows it: who did what, when, about which case.
v1::AuditEvent ToProto(const storage::StoredAuditEvent& stored) {
  const storage::AuditEvent& e = stored.event;
  v1::AuditEvent out;
  out.set_sequence(stored.sequence);
  out.set_name(absl::StrCat("auditEvents/", stored.id));
  *out.mutable_time() = domain::ToProtoTime(e.time);
  if (!e.user_id.empty()) out.set_user(domain::UserName(e.user_id));
  out.set_username(e.username);
  if (!e.agency_id.empty()) out.set_agency(domain::AgencyName(e.agency_id));
  out.set_peer(e.peer);
  out.set_method(e.method);
  for (const std::string& r : e.resources) out.add_resources(r);
  if (!e.case_id.empty()) out.set_case_(domain::CaseName(e.case_id));
  out.set_case_reference(e.case_reference);
  out.set_outcome(e.outcome);
  out.set_message(e.message);
  out.set_request_id(e.request_id);
  for (const std::string& f : e.changed_fields) out.add_changed_fields(f);
  out.set_old_etag(e.old_etag);
  out.set_new_etag(e.new_etag);
  out.set_credential(e.credential);
  out.set_call_count(e.call_count);
  return out;
}

// Whether an auditor whose reach is their own agency may see the event:
// those of the cases it owns, and its own users' calls about no case owned
// elsewhere (an event in which its user was told another agency's case does
// not exist must not name that case to it).
bool WithinOwnAgency(const storage::AuditEvent& e, absl::string_view agency_id) {
  if (!e.case_owner_agency_id.empty()) return e.case_owner_agency_id == agency_id;
  return e.case_id.empty() && e.agency_id == agency_id;
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
    // Chain what has committed so far, so the walk covers it. A log the
    // sealer refuses to seal into (it was tampered with) is still walked:
    // the walk says what was done.
    absl::Status sealed = runner_->audit_log().SealPending(call.deadline).status();
    if (!sealed.ok() && sealed.code() != absl::StatusCode::kDataLoss &&
        sealed.code() != absl::StatusCode::kFailedPrecondition) {
      return sealed;
    }
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
    if (v.tree_head.has_value()) *response->mutable_tree_head() = ToProto(*v.tree_head);
    if (v.witnessed.has_value()) *response->mutable_witnessed_head() = ToProto(*v.witnessed);
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

grpc::Status AuditServiceImpl::GetAuditTreeHead(grpc::ServerContext* context,
                                                const v1::GetAuditTreeHeadRequest* request,
                                                v1::AuditTreeHead* response) {
  return runner_->Run(context, Method("GetAuditTreeHead"), *request, response,
                      [&](CallContext& call) -> absl::Status {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kVerifyAuditLog));
    CB_ASSIGN_OR_RETURN(storage::SignedTreeHead head,
                        runner_->audit_log().CurrentTreeHead(call.deadline));
    *response = ToProto(head);
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::ProveAuditEvent(grpc::ServerContext* context,
                                               const v1::ProveAuditEventRequest* request,
                                               v1::AuditEventProof* response) {
  return runner_->Run(context, Method("ProveAuditEvent"), *request, response,
                      [&](CallContext& call) -> absl::Status {
    // Proving an event shows it: the reach of reading the log.
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadAuditLog));
    if (request->sequence() < 1) {
      return domain::FieldError("sequence", "must be at least 1");
    }
    if (request->tree_size() < 0) {
      return domain::FieldError("tree_size", "must not be negative");
    }
    storage::AuditLog& log = runner_->audit_log();
    CB_ASSIGN_OR_RETURN(storage::SignedTreeHead head, log.CurrentTreeHead(call.deadline));
    const int64_t size = request->tree_size() == 0 ? head.tree_size : request->tree_size();
    if (size > head.tree_size) {
      return domain::FieldError("tree_size", absl::StrCat("the log has ", head.tree_size,
                                                          " events"));
    }
    if (request->sequence() > size) {
      return domain::FieldError(
          "sequence", absl::StrCat("the tree of ", size, " events does not hold event ",
                                   request->sequence()));
    }
    if (size != head.tree_size) {
      // An earlier head: only one that was signed.
      CB_ASSIGN_OR_RETURN(head, log.TreeHeadOfSize(size, call.deadline));
    }
    CB_ASSIGN_OR_RETURN(auto entry, log.EntryAt(request->sequence(), call.deadline));
    if (domain::Decide(call.principal, domain::Relationship::kNoCase, Action::kReadAuditLog)
                .reach == domain::Reach::kOwnAgency &&
        !WithinOwnAgency(entry.second.event, call.principal.agency_id)) {
      return absl::NotFoundError(absl::StrCat(
          "no audit event ", request->sequence(), " within your agency's reach"));
    }
    CB_ASSIGN_OR_RETURN(std::vector<std::string> proof,
                        log.InclusionProof(request->sequence(), size, call.deadline));
    response->set_sequence(request->sequence());
    response->set_entry(entry.first);
    for (std::string& p : proof) response->add_inclusion_proof(std::move(p));
    *response->mutable_tree_head() = ToProto(head);
    *response->mutable_event() = ToProto(entry.second);
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::GetAuditConsistencyProof(
    grpc::ServerContext* context, const v1::GetAuditConsistencyProofRequest* request,
    v1::AuditConsistencyProof* response) {
  return runner_->Run(context, Method("GetAuditConsistencyProof"), *request, response,
                      [&](CallContext& call) -> absl::Status {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kVerifyAuditLog));
    if (request->old_size() < 1) {
      return domain::FieldError("old_size", "must be at least 1");
    }
    if (request->new_size() < 0) {
      return domain::FieldError("new_size", "must not be negative");
    }
    storage::AuditLog& log = runner_->audit_log();
    CB_ASSIGN_OR_RETURN(storage::SignedTreeHead head, log.CurrentTreeHead(call.deadline));
    const int64_t new_size = request->new_size() == 0 ? head.tree_size : request->new_size();
    if (new_size > head.tree_size) {
      return domain::FieldError("new_size", absl::StrCat("the log has ", head.tree_size,
                                                         " events"));
    }
    if (request->old_size() > new_size) {
      return domain::FieldError("old_size", "must not be more than new_size");
    }
    if (new_size != head.tree_size) {
      CB_ASSIGN_OR_RETURN(head, log.TreeHeadOfSize(new_size, call.deadline));
    }
    CB_ASSIGN_OR_RETURN(std::vector<std::string> proof,
                        log.ConsistencyProof(request->old_size(), new_size, call.deadline));
    response->set_old_size(request->old_size());
    for (std::string& p : proof) response->add_proof(std::move(p));
    absl::StatusOr<storage::SignedTreeHead> old_head =
        log.TreeHeadOfSize(request->old_size(), call.deadline);
    if (old_head.ok()) *response->mutable_old_head() = ToProto(*old_head);
    *response->mutable_new_head() = ToProto(head);
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::ListAuditSigningKeys(
    grpc::ServerContext* context, const v1::ListAuditSigningKeysRequest* request,
    v1::ListAuditSigningKeysResponse* response) {
  return runner_->Run(context, Method("ListAuditSigningKeys"), *request, response,
                      [&](CallContext& call) -> absl::Status {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kVerifyAuditLog));
    const storage::AuditKeyRing& keys = runner_->audit_log().keys();
    for (const storage::PublicKeyInfo& k : keys.PublicKeys()) {
      v1::AuditSigningKey* out = response->add_keys();
      out->set_key_id(k.key_id);
      out->set_public_key(k.public_key);
      *out->mutable_create_time() = domain::ToProtoTime(k.created);
    }
    response->set_encoded(keys.ExportPublicKeys());
    return absl::OkStatus();
  });
}

}  // namespace casebridge::services
