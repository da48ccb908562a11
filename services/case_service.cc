#include "services/case_service.h"

#include <algorithm>
#include <set>

#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/access_policy.h"
#include "domain/case_pattern.h"
#include "domain/case_validation.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/risk_assessment.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/case_access.h"
#include "services/restricted_text_review.h"
#include "services/protection_order_service.h"
#include "services/request_fingerprint.h"
#include "services/safeguarding_service.h"
#include "storage/crypto.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;
using google::protobuf::util::FieldMaskUtil;

constexpr char kMethodPrefix[] = "/casebridge.v1.CaseService/";

std::string Method(absl::string_view name) {
  return absl::StrCat(kMethodPrefix, name);
}

// Paths UpdateCase accepts (and anything beneath them).
constexpr absl::string_view kCaseUpdatable[] = {
    "officer_in_charge", "summary",      "victim",
    "suspects",          "protected_persons", "relationship",
    "typology",          "spo_consideration", "lawful_basis_notes"};
constexpr absl::string_view kIncidentUpdatable[] = {
    "occur_time",  "report_time", "location",      "behaviours",
    "four_signs",  "witnesses",   "description",   "victim_impact",
    "reported_to_police"};

// The mask must name fields the method may change; returns the top-level
// field names, for the audit record.
template <typename Message, size_t N>
absl::StatusOr<std::vector<std::string>> CheckMask(
    const google::protobuf::FieldMask& mask,
    const absl::string_view (&updatable)[N]) {
  if (mask.paths_size() == 0) {
    return domain::FieldError(
        "update_mask", absl::StrCat("is required: name the fields to change, "
                                    "e.g. ", updatable[0]));
  }
  if (!FieldMaskUtil::IsValidFieldMask<Message>(mask)) {
    return domain::FieldError("update_mask", "names a field that does not exist");
  }
  std::set<std::string> top;
  for (const std::string& path : mask.paths()) {
    std::string head = path.substr(0, path.find('.'));
    bool allowed = false;
    for (absl::string_view u : updatable) allowed = allowed || head == u;
    if (!allowed) {
      return domain::FieldError(
          "update_mask", absl::StrCat("\"", head, "\" cannot be updated; updatable: ",
                                      absl::StrJoin(updatable, ", ")));
    }
    top.insert(head);
  }
  return std::vector<std::string>(top.begin(), top.end());
}

void MergeMasked(const google::protobuf::Message& source,
                 const google::protobuf::FieldMask& mask,
                 google::protobuf::Message* destination) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(source, mask, options, destination);
}

bool Contains(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string ShortName(const google::protobuf::EnumDescriptor* d, int value) {
  return absl::AsciiStrToLower(domain::ShortEnumName(d, value));
}

std::string IncidentSummary(const v1::Incident& i) {
  std::vector<std::string> behaviours;
  for (int b : i.behaviours()) {
    behaviours.push_back(ShortName(v1::Behaviour_descriptor(), b));
  }
  std::string summary = behaviours.empty()
                            ? "Incident"
                            : absl::StrCat("Incident: ", absl::StrJoin(behaviours, ", "));
  if (!i.location().empty()) absl::StrAppend(&summary, " (", i.location(), ")");
  return summary;
}

// The officer in charge must be an active user the policy table lets be
// it: police of the force that owns the case (`owner_agency_id`).
absl::Status CheckOfficer(storage::Tx& tx,
                          const storage::IdentityRepository& identities,
                          absl::string_view officer_id,
                          absl::string_view owner_agency_id) {
  absl::StatusOr<v1::User> officer = identities.GetUser(tx, officer_id);
  bool may_hold = false;
  if (officer.ok() && !officer->disabled()) {
    const domain::Principal p = PrincipalOfUser(*officer);
    // Another agency's user stands in no closer relationship to the case
    // than "not the owner", whether or not it is shared with them.
    const domain::Relationship relationship =
        p.agency_id == owner_agency_id ? domain::Relationship::kOwningForce
                                       : domain::Relationship::kNotShared;
    may_hold = domain::Decide(p, relationship, Action::kBeOfficerInCharge).allowed;
  }
  if (!may_hold) {
    return domain::FieldError("case.officer_in_charge",
                              "must be an active officer of the owning force");
  }
  return absl::OkStatus();
}

// Withdraws every active share of the case that `which` selects, with
// `reason`; returns the names of those withdrawn.
absl::StatusOr<std::vector<std::string>> WithdrawSharesWhere(
    storage::Tx& tx, const storage::ShareRepository& shares, const CallContext& call,
    absl::string_view case_id, absl::string_view reason,
    absl::FunctionRef<bool(const v1::CaseShare&)> which) {
  std::vector<std::string> withdrawn;
  std::optional<domain::PageCursor> after;
  do {
    CB_ASSIGN_OR_RETURN(storage::Page<v1::CaseShare> active,
                        shares.List(tx, case_id, true, after, domain::kMaxPageSize));
    for (const v1::CaseShare& s : active.items) {
      if (!which(s)) continue;
      CB_RETURN_IF_ERROR(shares
                             .Withdraw(tx, case_id, domain::IdOf(s.name()),
                                       call.principal.user_id, reason, call.now)
                             .status());
      withdrawn.push_back(s.name());
    }
    after = active.next;
  } while (after.has_value());
  return withdrawn;
}

absl::StatusOr<std::string> ParseOfficer(absl::string_view name) {
  if (name.empty()) return std::string();
  return domain::ParseTopLevelName(name, "users", "case.officer_in_charge");
}

// After an update of the case's people: when it made an address restricted
// that was not before, the text already on the case that others read and
// that holds one of its restricted addresses (services/restricted_text_review.h),
// counted in the call's audit note. Empty otherwise.
absl::StatusOr<std::vector<v1::RestrictedTextFinding>> TextToRewriteAfterRestricting(
    CallContext& call, storage::Tx& tx, const storage::CaseRef& ref,
    const std::vector<std::string>& restricted_before) {
  const std::vector<std::string> restricted =
      storage::RestrictedAddressesOfCases(tx, {ref.id});
  const bool newly_restricted =
      std::any_of(restricted.begin(), restricted.end(), [&](const std::string& a) {
        return std::find(restricted_before.begin(), restricted_before.end(), a) ==
               restricted_before.end();
      });
  if (!newly_restricted) return std::vector<v1::RestrictedTextFinding>();
  CB_ASSIGN_OR_RETURN(
      std::vector<v1::RestrictedTextFinding> found,
      FindRestrictedTextOnCase(tx, ref, domain::RestrictedAddressMatcher::For(restricted),
                               domain::UkDay(call.now)));
  call.note = absl::StrCat("address restricted; ", found.size(),
                           found.size() == 1 ? " field" : " fields",
                           " of text read outside the police to rewrite");
  return found;
}

// Who reads the case's timeline in this call: the kinds the caller's
// agency sees (the visibility table); entries about one agency's work only
// for that agency, and for the police.
storage::TimelineRepository::Reader TimelineReaderOf(const CallContext& call) {
  storage::TimelineRepository::Reader reader;
  if (call.audience.has_value()) {
    reader.kinds = domain::TimelineKindsVisibleTo(*call.audience);
    reader.every_agency = *call.audience == domain::Audience::kPolice;
  }
  reader.agency_id = call.principal.agency_id;
  return reader;
}

}  // namespace

absl::StatusOr<v1::Case> LoadCaseForView(storage::Tx& tx,
                                         absl::string_view case_id,
                                         v1::CaseView view, absl::Time now) {
  storage::CaseRepository cases;
  CB_ASSIGN_OR_RETURN(
      storage::LoadedCase loaded,
      cases.Load(tx, case_id, domain::FormatDay(domain::UkDay(now)), now));
  v1::Case& c = loaded.c;
  domain::CaseFacts facts;
  facts.relationship = c.relationship();
  facts.risk_level = c.risk_level();
  facts.has_risk_assessment = c.risk_level() != v1::RISK_LEVEL_UNSPECIFIED;
  facts.spo_considered = c.has_spo_consideration();
  facts.has_active_order = c.has_active_order();
  facts.victim_services_state = c.victim_services_referral().state();
  *c.mutable_pattern() = domain::ComputeCasePattern(loaded.incidents, facts, now);
  // Derived from the case's protection orders: overdue notifications (the
  // orders are read only when there is one).
  if (loaded.has_overdue_notification) {
    CB_RETURN_IF_ERROR(AddProtectionOrderIndicators(tx, case_id, now, &c));
  }
  if (view == v1::CASE_VIEW_UNSPECIFIED) {
    // Allowed to act on the case without reading it: its name only.
    v1::Case named;
    named.set_name(c.name());
    return named;
  }
  // The fields the caller's agency sees are the runner's to decide
  // (domain/visibility.h); the view says which it is.
  c.set_view(view);
  return std::move(c);
}

grpc::Status CaseServiceImpl::CreateCase(grpc::ServerContext* context,
                                         const v1::CreateCaseRequest* request,
                                         v1::Case* response) {
  return runner_->Run(context, Method("CreateCase"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kCreateCase));
    CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
    const v1::Case& input = request->case_();
    CB_RETURN_IF_ERROR(domain::ValidateCaseContent(
        "case", input, domain::ToProtoDate(domain::UkDay(call.now))));
    CB_ASSIGN_OR_RETURN(std::string officer_id,
                        ParseOfficer(input.officer_in_charge()));
    if (officer_id.empty()) officer_id = call.principal.user_id;
    const std::string agency_id = call.principal.agency_id;

    const std::string fingerprint = RequestFingerprint(*request);

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          storage::ClaimRequestId(tx, call.principal.user_id, call.method,
                                  request->request_id(), domain::CaseName(id),
                                  fingerprint));
      if (earlier.has_value()) {
        // A retry: answer with what the first call created.
        id = domain::IdOf(*earlier);
      } else {
        CB_RETURN_IF_ERROR(CheckOfficer(tx, identities_, officer_id, agency_id));
        CB_ASSIGN_OR_RETURN(v1::Agency force, identities_.GetAgency(tx, agency_id));
        CB_ASSIGN_OR_RETURN(
            std::string reference,
            cases_.NextReference(tx, agency_id, force.code(),
                                 static_cast<int>(domain::UkDay(call.now).year())));
        CB_RETURN_IF_ERROR(cases_.Insert(tx, id, reference, agency_id, officer_id,
                                         input, call.principal.user_id, call.now));
        timeline_.Append(tx, TimelineEntryFor(call, id, v1::TIMELINE_ENTRY_KIND_CASE_OPENED,
                                   absl::StrCat("Case ", reference, " opened"),
                                   domain::CaseName(id)));
        call.RecordChange({"case"}, "", domain::FormatEtag(1));
      }
      CB_ASSIGN_OR_RETURN(*response,
                          LoadCaseForView(tx, id, v1::CASE_VIEW_FULL, call.now));
      call.SetCase(id, response->reference(), agency_id);
      call.AddResource(response->name());
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::GetCase(grpc::ServerContext* context,
                                      const v1::GetCaseRequest* request,
                                      v1::Case* response) {
  return runner_->Run(context, Method("GetCase"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->name(), "name"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReadCase));
      CB_ASSIGN_OR_RETURN(*response,
                          LoadCaseForView(tx, scope.ref.id, scope.view, call.now));
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::ListCases(grpc::ServerContext* context,
                                        const v1::ListCasesRequest* request,
                                        v1::ListCasesResponse* response) {
  return runner_->Run(context, Method("ListCases"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kListCases));
    CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
    static constexpr absl::string_view kKeys[] = {
        "status", "risk_level", "officer", "shared_with",
        "has_active_order", "updated_since", "reference"};
    CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                        domain::ListFilter::Parse(request->filter(), kKeys));
    storage::CaseListFilter f;
    CB_ASSIGN_OR_RETURN(std::optional<int> status,
                        filter.GetEnum("status", v1::CaseStatus_descriptor()));
    f.status = status.value_or(0);
    CB_ASSIGN_OR_RETURN(std::optional<int> risk,
                        filter.GetEnum("risk_level", v1::RiskLevel_descriptor()));
    f.risk_level = risk.value_or(0);
    if (std::optional<std::string> officer = filter.Get("officer")) {
      CB_ASSIGN_OR_RETURN(f.officer_id,
                          domain::ParseTopLevelName(*officer, "users", "filter"));
    }
    if (std::optional<std::string> agency = filter.Get("shared_with")) {
      // Who else holds a case is not every lister's to learn.
      CB_RETURN_IF_ERROR(
          domain::AuthorizeAction(call.principal, Action::kListCasesBySharing));
      CB_ASSIGN_OR_RETURN(f.shared_with_agency_id,
                          domain::ParseTopLevelName(*agency, "agencies", "filter"));
    }
    CB_ASSIGN_OR_RETURN(f.has_active_order, filter.GetBool("has_active_order"));
    CB_ASSIGN_OR_RETURN(std::optional<absl::Time> since,
                        filter.GetTime("updated_since"));
    f.updated_since = since.value_or(absl::InfinitePast());
    if (std::optional<std::string> reference = filter.Get("reference")) {
      f.reference = absl::AsciiStrToUpper(*reference);
    }
    const std::string query = filter.Canonical();
    CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                        domain::DecodePageToken(request->page_token(), query));

    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      const std::string today = domain::FormatDay(domain::UkDay(call.now));
      CB_ASSIGN_OR_RETURN(
          storage::Page<v1::Case> page,
          cases_.List(tx, call.principal.agency_id, f, after, page_size, today));
      for (v1::Case& c : page.items) {
        domain::Relationship rel =
            c.owning_agency() == domain::AgencyName(call.principal.agency_id)
                ? domain::Relationship::kOwningForce
                : domain::Relationship::kShared;
        domain::Decision d = domain::Decide(call.principal, rel, Action::kReadCase);
        if (!d.allowed) continue;
        c.set_view(d.view);
        call.AddListedCase(domain::IdOf(c.name()));
        *response->add_cases() = std::move(c);
      }
      if (response->cases_size() > 0) call.DisclosesCaseContent();
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::UpdateCase(grpc::ServerContext* context,
                                         const v1::UpdateCaseRequest* request,
                                         v1::Case* response) {
  return runner_->Run(context, Method("UpdateCase"), *request, response, [&](CallContext& call) {
    const v1::Case& input = request->case_();
    call.AddResource(input.name());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(input.name(), "case.name"));

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kUpdateCase));
      // Only now the rest of the request: someone who may not update the
      // case is told so, not how to correct an update they may not make.
      CB_ASSIGN_OR_RETURN(std::vector<std::string> fields,
                          CheckMask<v1::Case>(request->update_mask(), kCaseUpdatable));
      CB_ASSIGN_OR_RETURN(int64_t version,
                          domain::ParseEtag("case.etag", input.etag()));
      CB_ASSIGN_OR_RETURN(std::string officer_id,
                          ParseOfficer(input.officer_in_charge()));
      if (scope.ref.version != version) {
        return domain::StaleEtagError(absl::StrCat("case ", scope.ref.reference),
                                      domain::FormatEtag(scope.ref.version));
      }
      CB_RETURN_IF_ERROR(RequireOpenCase(scope));
      const std::string today = domain::FormatDay(domain::UkDay(call.now));
      CB_ASSIGN_OR_RETURN(v1::Case merged, cases_.Get(tx, scope.ref.id, today));
      call.Replaces(merged);
      MergeMasked(input, request->update_mask(), &merged);
      CB_RETURN_IF_ERROR(domain::ValidateCaseContent(
          "case", merged, domain::ToProtoDate(domain::UkDay(call.now))));
      storage::CaseUpdate update;
      if (Contains(fields, "officer_in_charge")) {
        if (officer_id.empty()) {
          return domain::FieldError("case.officer_in_charge",
                                    "a case always has an officer in charge");
        }
        CB_RETURN_IF_ERROR(
            CheckOfficer(tx, identities_, officer_id, scope.ref.owner_agency_id));
        update.officer_id = officer_id;
      } else if (!merged.officer_in_charge().empty()) {
        update.officer_id =
            domain::IdOf(merged.officer_in_charge());
      }
      update.summary = merged.summary();
      update.relationship = merged.relationship();
      update.typology = merged.typology();
      update.lawful_basis_notes = merged.lawful_basis_notes();
      if (Contains(fields, "spo_consideration")) {
        update.spo = merged.spo_consideration();
      }
      update.replace_victim = Contains(fields, "victim");
      update.replace_suspects = Contains(fields, "suspects");
      update.replace_protected_persons = Contains(fields, "protected_persons");
      const std::vector<std::string> restricted_before =
          storage::RestrictedAddressesOfCases(tx, {scope.ref.id});
      CB_ASSIGN_OR_RETURN(
          int64_t new_version,
          cases_.Update(tx, scope.ref.id, version, update, merged,
                        call.principal.user_id, call.now));
      CB_ASSIGN_OR_RETURN(std::vector<v1::RestrictedTextFinding> to_rewrite,
                          TextToRewriteAfterRestricting(call, tx, scope.ref,
                                                        restricted_before));
      timeline_.Append(tx, TimelineEntryFor(call, scope.ref.id,
                                 v1::TIMELINE_ENTRY_KIND_CASE_UPDATED,
                                 absl::StrCat("Updated ", absl::StrJoin(fields, ", ")),
                                 domain::CaseName(scope.ref.id)));
      call.RecordChange(fields, domain::FormatEtag(version),
                        domain::FormatEtag(new_version));
      CB_ASSIGN_OR_RETURN(*response, LoadCaseForView(tx, scope.ref.id,
                                                     scope.view, call.now));
      for (v1::RestrictedTextFinding& f : to_rewrite) {
        *response->add_restricted_text_to_rewrite() = std::move(f);
      }
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

namespace {

// Close and reopen share everything but the direction.
absl::Status ChangeStatus(RpcRunner* runner, CallContext& call,
                          const storage::CaseRepository& cases,
                          const storage::TimelineRepository& timeline,
                          absl::string_view name, absl::string_view reason,
                          absl::string_view etag, bool close, v1::Case* response) {
  call.AddResource(name);
  CB_ASSIGN_OR_RETURN(domain::CaseKey key, domain::ParseCaseName(name, "name"));
  return runner->Write(call, [&](storage::Tx& tx) -> absl::Status {
    CB_ASSIGN_OR_RETURN(
        CaseScope scope,
        AuthorizeCase(call, tx, key, close ? Action::kCloseCase : Action::kReopenCase));
    CB_RETURN_IF_ERROR(domain::CheckText("reason", reason, domain::kMaxLongText, true));
    CB_ASSIGN_OR_RETURN(int64_t version, domain::ParseEtag("etag", etag));
    if (scope.ref.version != version) {
      return domain::StaleEtagError(absl::StrCat("case ", scope.ref.reference),
                                    domain::FormatEtag(scope.ref.version));
    }
    const v1::CaseStatus target = close ? v1::CASE_STATUS_CLOSED : v1::CASE_STATUS_OPEN;
    if (scope.ref.status == target) {
      return absl::FailedPreconditionError(absl::StrCat(
          "case ", scope.ref.reference, " is already ",
          domain::ShortEnumName(v1::CaseStatus_descriptor(), target),
          "; allowed: ", close ? "ReopenCase" : "CloseCase"));
    }
    CB_ASSIGN_OR_RETURN(int64_t new_version,
                        cases.SetStatus(tx, scope.ref.id, version, target, reason,
                                        call.now));
    timeline.Append(tx, TimelineEntryFor(call, scope.ref.id,
                              close ? v1::TIMELINE_ENTRY_KIND_CASE_CLOSED
                                    : v1::TIMELINE_ENTRY_KIND_CASE_REOPENED,
                              close ? "Case closed" : "Case reopened",
                              domain::CaseName(scope.ref.id)));
    call.RecordChange({"status", "close_reason"}, domain::FormatEtag(version),
                      domain::FormatEtag(new_version));
    CB_ASSIGN_OR_RETURN(*response,
                        LoadCaseForView(tx, scope.ref.id, scope.view, call.now));
    call.DisclosesCaseContent();
    return absl::OkStatus();
  });
}

}  // namespace

grpc::Status CaseServiceImpl::CloseCase(grpc::ServerContext* context,
                                        const v1::CloseCaseRequest* request,
                                        v1::Case* response) {
  return runner_->Run(context, Method("CloseCase"), *request, response, [&](CallContext& call) {
    return ChangeStatus(runner_, call, cases_, timeline_, request->name(),
                        request->reason(), request->etag(), /*close=*/true, response);
  });
}

grpc::Status CaseServiceImpl::ReopenCase(grpc::ServerContext* context,
                                         const v1::ReopenCaseRequest* request,
                                         v1::Case* response) {
  return runner_->Run(context, Method("ReopenCase"), *request, response, [&](CallContext& call) {
    return ChangeStatus(runner_, call, cases_, timeline_, request->name(),
                        request->reason(), request->etag(), /*close=*/false,
                        response);
  });
}

grpc::Status CaseServiceImpl::SetVictimServicesReferral(
    grpc::ServerContext* context,
    const v1::SetVictimServicesReferralRequest* request, v1::Case* response) {
  return runner_->Run(context, Method("SetVictimServicesReferral"), *request, response,
                      [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->name(), "name"));
    const v1::VictimServicesReferralState state = request->state();

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key,
                                        Action::kSetVictimServicesReferral));
      if (state != v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED &&
          state != v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT) {
        return domain::FieldError("state", "must be REFERRED or OPTED_OUT");
      }
      std::string agency_id;
      if (state == v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED) {
        CB_ASSIGN_OR_RETURN(agency_id, domain::ParseTopLevelName(request->agency(),
                                                                 "agencies", "agency"));
      } else if (!request->agency().empty()) {
        return domain::FieldError("agency", "is only given with REFERRED");
      }
      CB_RETURN_IF_ERROR(domain::CheckText(
          "reason", request->reason(), domain::kMaxLongText,
          state == v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT));
      CB_ASSIGN_OR_RETURN(int64_t version, domain::ParseEtag("etag", request->etag()));
      // The case row first: a share with a victim service being made
      // meanwhile (ShareCase locks it too) either committed before, and is
      // withdrawn below, or waits and then sees the new state.
      CB_ASSIGN_OR_RETURN(storage::LockedCase locked, cases_.Lock(tx, scope.ref.id));
      if (locked.version != version) {
        return domain::StaleEtagError(absl::StrCat("case ", scope.ref.reference),
                                      domain::FormatEtag(locked.version));
      }
      std::string summary;
      std::vector<std::string> withdrawn;
      if (state == v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED) {
        absl::StatusOr<v1::Agency> agency = identities_.GetAgency(tx, agency_id);
        if (!agency.ok() || agency->kind() != v1::AGENCY_KIND_VICTIM_SERVICE) {
          return domain::FieldError("agency", "must be a victim service agency");
        }
        storage::ShareInput share;
        share.case_id = scope.ref.id;
        share.agency_id = agency_id;
        share.basis = v1::SHARE_BASIS_VICTIM_SERVICES_REFERRAL;
        share.purpose = "Victim-services referral";
        share.lawful_basis =
            "Victims' Code referral; Crime and Disorder Act 1998 s.115";
        share.source = domain::CaseName(scope.ref.id);
        share.actor_id = call.principal.user_id;
        share.now = call.now;
        CB_RETURN_IF_ERROR(shares_.EnsureShare(tx, share).status());
        // The referral is to this service now: one made to another ends.
        const std::string referred = domain::AgencyName(agency_id);
        CB_ASSIGN_OR_RETURN(
            withdrawn,
            WithdrawSharesWhere(
                tx, shares_, call, scope.ref.id,
                absl::StrCat("Victim referred to ", agency->display_name(), " instead"),
                [&](const v1::CaseShare& s) {
                  return s.basis() == v1::SHARE_BASIS_VICTIM_SERVICES_REFERRAL &&
                         s.agency() != referred;
                }));
        summary = absl::StrCat("Victim referred to ", agency->display_name());
      } else {
        // An opt-out must stop the share, whatever made it: the referral,
        // an explicit share or an action assigned to a victim service.
        CB_ASSIGN_OR_RETURN(
            withdrawn,
            WithdrawSharesWhere(tx, shares_, call, scope.ref.id,
                                absl::StrCat("Victim opted out: ", request->reason()),
                                [](const v1::CaseShare& s) {
                                  return s.agency_kind() ==
                                         v1::AGENCY_KIND_VICTIM_SERVICE;
                                }));
        summary = "Victim opted out of victim services";
      }
      CB_ASSIGN_OR_RETURN(
          int64_t new_version,
          cases_.SetVictimServicesReferral(tx, scope.ref.id, version, state,
                                           agency_id, request->reason(),
                                           call.principal.user_id, call.now));
      std::vector<std::string> changed = {"victim_services_referral"};
      for (const std::string& name : withdrawn) call.AddResource(name);
      if (!withdrawn.empty()) changed.push_back("shares");
      if (state == v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT) {
        // After the case records the opt-out, so an action being assigned to
        // a victim service meanwhile is either refused or cancelled here.
        CB_ASSIGN_OR_RETURN(std::vector<std::string> cancelled,
                            CancelVictimServiceActionsOnOptOut(call, tx, scope,
                                                               request->reason()));
        for (const std::string& name : cancelled) call.AddResource(name);
        if (!cancelled.empty()) changed.push_back("safeguarding_actions");
      }
      timeline_.Append(tx, TimelineEntryFor(call, scope.ref.id,
                                 v1::TIMELINE_ENTRY_KIND_VICTIM_SERVICES, summary,
                                 domain::CaseName(scope.ref.id)));
      call.RecordChange(changed, domain::FormatEtag(version),
                        domain::FormatEtag(new_version));
      CB_ASSIGN_OR_RETURN(*response,
                          LoadCaseForView(tx, scope.ref.id, scope.view, call.now));
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::AddIncident(grpc::ServerContext* context,
                                          const v1::AddIncidentRequest* request,
                                          v1::Incident* response) {
  return runner_->Run(context, Method("AddIncident"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    call.AddResource(request->parent());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kAddIncident));
      CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
      CB_RETURN_IF_ERROR(
          domain::ValidateIncident("incident", request->incident(), call.now));
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          storage::ClaimRequestId(
              tx, call.principal.user_id, call.method, request->request_id(),
              domain::CaseChildResourceName(scope.ref.id, "incidents", id),
              RequestFingerprint(*request)));
      if (earlier.has_value()) {
        id = domain::IdOf(*earlier);
        CB_ASSIGN_OR_RETURN(std::optional<v1::Incident> first,
                            cases_.GetIncident(tx, scope.ref.id, id));
        if (!first.has_value()) {
          return absl::FailedPreconditionError(
              "request_id was used for an incident of another case");
        }
        *response = *std::move(first);
      } else {
        CB_RETURN_IF_ERROR(RequireOpenCase(scope));
        CB_ASSIGN_OR_RETURN(*response,
                            cases_.InsertIncident(tx, scope.ref.id, id,
                                                  request->incident(),
                                                  call.principal.user_id, call.now));
        timeline_.Append(tx, TimelineEntryFor(call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_INCIDENT,
                                   IncidentSummary(*response), response->name()));
        call.RecordChange({"incident"}, "", response->etag());
      }
      call.AddResource(response->name());
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::ListIncidents(grpc::ServerContext* context,
                                            const v1::ListIncidentsRequest* request,
                                            v1::ListIncidentsResponse* response) {
  return runner_->Run(context, Method("ListIncidents"), *request, response, [&](CallContext& call) {
    call.AddResource(request->parent());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));

    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReadIncidents));
      CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
      static constexpr absl::string_view kKeys[] = {"behaviour", "occurred_after",
                                                    "occurred_before"};
      CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                          domain::ListFilter::Parse(request->filter(), kKeys));
      CB_ASSIGN_OR_RETURN(std::optional<int> behaviour,
                          filter.GetEnum("behaviour", v1::Behaviour_descriptor()));
      CB_ASSIGN_OR_RETURN(std::optional<absl::Time> after_time,
                          filter.GetTime("occurred_after"));
      CB_ASSIGN_OR_RETURN(std::optional<absl::Time> before_time,
                          filter.GetTime("occurred_before"));
      const std::string query = absl::StrCat(key.display(), "|", filter.Canonical());
      CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                          domain::DecodePageToken(request->page_token(), query));
      CB_ASSIGN_OR_RETURN(
          storage::Page<v1::Incident> page,
          cases_.ListIncidents(tx, scope.ref.id, behaviour.value_or(0),
                               after_time.value_or(absl::InfinitePast()),
                               before_time.value_or(absl::InfinitePast()), after,
                               page_size));
      for (v1::Incident& i : page.items) {
        *response->add_incidents() = std::move(i);
      }
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::UpdateIncident(grpc::ServerContext* context,
                                             const v1::UpdateIncidentRequest* request,
                                             v1::Incident* response) {
  return runner_->Run(context, Method("UpdateIncident"), *request, response, [&](CallContext& call) {
    const v1::Incident& input = request->incident();
    call.AddResource(input.name());
    CB_ASSIGN_OR_RETURN(
        domain::CaseChildName name,
        domain::ParseCaseChildName(input.name(), "incidents", "incident.name"));

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(
          CaseScope scope,
          AuthorizeCase(call, tx, name.case_key, Action::kUpdateIncident));
      CB_ASSIGN_OR_RETURN(std::vector<std::string> fields,
                          CheckMask<v1::Incident>(request->update_mask(),
                                                  kIncidentUpdatable));
      CB_ASSIGN_OR_RETURN(int64_t version,
                          domain::ParseEtag("incident.etag", input.etag()));
      CB_ASSIGN_OR_RETURN(std::optional<v1::Incident> current,
                          cases_.GetIncident(tx, scope.ref.id, name.child_id));
      if (!current.has_value()) {
        return absl::NotFoundError(absl::StrCat(input.name(), " not found"));
      }
      if (current->etag() != domain::FormatEtag(version)) {
        return domain::StaleEtagError(current->name(), current->etag());
      }
      CB_RETURN_IF_ERROR(RequireOpenCase(scope));
      call.Replaces(*current);
      v1::Incident merged = *current;
      MergeMasked(input, request->update_mask(), &merged);
      CB_RETURN_IF_ERROR(domain::ValidateIncident("incident", merged, call.now));
      CB_ASSIGN_OR_RETURN(*response,
                          cases_.UpdateIncident(tx, scope.ref.id, name.child_id,
                                                version, merged, call.now));
      timeline_.Append(tx, TimelineEntryFor(call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_INCIDENT,
                                 absl::StrCat("Incident updated (",
                                              absl::StrJoin(fields, ", "), ")"),
                                 response->name()));
      call.RecordChange(fields, domain::FormatEtag(version), response->etag());
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::RecordRiskAssessment(
    grpc::ServerContext* context, const v1::RecordRiskAssessmentRequest* request,
    v1::RiskAssessment* response) {
  return runner_->Run(context, Method("RecordRiskAssessment"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    call.AddResource(request->parent());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kRecordRiskAssessment));
      CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
      v1::RiskAssessment assessment = request->assessment();
      CB_RETURN_IF_ERROR(domain::ValidateRiskAssessment(assessment, "assessment"));
      if (assessment.has_assess_time() &&
          domain::ToAbslTime(assessment.assess_time()) > call.now + absl::Minutes(1)) {
        return domain::FieldError("assessment.assess_time", "must not be in the future");
      }
      domain::RiskResult result = domain::ComputeRiskLevel(assessment);
      assessment.set_level(result.level);
      assessment.set_level_reason(result.reason);
      assessment.set_sdash_yes_count(result.sdash_yes_count);
      const absl::Time assessed = assessment.has_assess_time()
                                      ? domain::ToAbslTime(assessment.assess_time())
                                      : call.now;
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          storage::ClaimRequestId(
              tx, call.principal.user_id, call.method, request->request_id(),
              domain::CaseChildResourceName(scope.ref.id, "riskAssessments", id),
              RequestFingerprint(*request)));
      if (earlier.has_value()) {
        CB_ASSIGN_OR_RETURN(
            std::optional<v1::RiskAssessment> first,
            cases_.GetRiskAssessment(tx, scope.ref.id, domain::IdOf(*earlier)));
        if (!first.has_value()) {
          return absl::FailedPreconditionError(
              "request_id was used for an assessment of another case");
        }
        *response = *std::move(first);
      } else {
        CB_RETURN_IF_ERROR(RequireOpenCase(scope));
        CB_ASSIGN_OR_RETURN(*response,
                            cases_.InsertRiskAssessment(tx, scope.ref.id, id,
                                                        assessment,
                                                        call.principal.user_id,
                                                        assessed));
        // The case's level follows its latest assessment, which a backdated
        // one (entered after a newer one) is not.
        CB_ASSIGN_OR_RETURN(
            std::optional<int64_t> new_version,
            cases_.FollowLatestRiskAssessment(tx, scope.ref.id, call.now));
        const std::string level =
            domain::ShortEnumName(v1::RiskLevel_descriptor(), result.level);
        timeline_.Append(
            tx, TimelineEntryFor(
                    call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_RISK_ASSESSMENT,
                    domain::UkDay(assessed) != domain::UkDay(call.now)
                        ? absl::StrCat("Risk assessment of ",
                                       domain::FormatDay(domain::UkDay(assessed)),
                                       " recorded: ", level)
                        : absl::StrCat("Risk assessed: ", level),
                    response->name()));
        if (new_version.has_value()) {
          call.RecordChange({"risk_assessments", "risk_level"},
                            domain::FormatEtag(*new_version - 1),
                            domain::FormatEtag(*new_version));
        } else {
          call.RecordChange({"risk_assessments"}, "", "");
        }
      }
      call.AddResource(response->name());
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::ListRiskAssessments(
    grpc::ServerContext* context, const v1::ListRiskAssessmentsRequest* request,
    v1::ListRiskAssessmentsResponse* response) {
  return runner_->Run(context, Method("ListRiskAssessments"), *request, response, [&](CallContext& call) {
    call.AddResource(request->parent());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReadRiskAssessments));
      CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
      const std::string query = key.display();
      CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                          domain::DecodePageToken(request->page_token(), query));
      CB_ASSIGN_OR_RETURN(storage::Page<v1::RiskAssessment> page,
                          cases_.ListRiskAssessments(tx, scope.ref.id, after, page_size));
      for (v1::RiskAssessment& a : page.items) {
        *response->add_assessments() = std::move(a);
      }
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      // A professional-judgement rationale may name the victim's new home.
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::FlagCase(grpc::ServerContext* context,
                                       const v1::FlagCaseRequest* request,
                                       v1::CaseFlag* response) {
  return runner_->Run(context, Method("FlagCase"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kFlagCase));
      CB_RETURN_IF_ERROR(domain::CheckEnum("type", request->type(),
                                           v1::FlagType_IsValid, false));
      if (request->type() == v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE) {
        return domain::FieldError("type",
                                  "is derived from the case's protection orders; "
                                  "record the notification to clear it");
      }
      CB_RETURN_IF_ERROR(
          domain::CheckText("reason", request->reason(), domain::kMaxLongText, true));
      CB_ASSIGN_OR_RETURN(*response,
                          cases_.InsertFlag(tx, scope.ref.id, storage::NewUuid(),
                                            request->type(), request->reason(),
                                            call.principal.user_id, call.now));
      timeline_.Append(
          tx, TimelineEntryFor(call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_FLAG_RAISED,
                    absl::StrCat("Flag raised: ",
                                 ShortName(v1::FlagType_descriptor(), request->type())),
                    response->name()));
      call.AddResource(response->name());
      call.RecordChange({"flags"}, "", "");
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::UnflagCase(grpc::ServerContext* context,
                                         const v1::UnflagCaseRequest* request,
                                         v1::CaseFlag* response) {
  return runner_->Run(context, Method("UnflagCase"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseCaseChildName(request->name(), "flags", "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, name.case_key, Action::kFlagCase));
      CB_RETURN_IF_ERROR(
          domain::CheckText("reason", request->reason(), domain::kMaxLongText, true));
      CB_ASSIGN_OR_RETURN(*response,
                          cases_.ClearFlag(tx, scope.ref.id, name.child_id,
                                           request->reason(), call.principal.user_id,
                                           call.now));
      timeline_.Append(
          tx, TimelineEntryFor(call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_FLAG_CLEARED,
                    absl::StrCat("Flag cleared: ",
                                 ShortName(v1::FlagType_descriptor(), response->type())),
                    response->name()));
      call.RecordChange({"flags"}, "", "");
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status CaseServiceImpl::GetCaseTimeline(grpc::ServerContext* context,
                                              const v1::GetCaseTimelineRequest* request,
                                              v1::GetCaseTimelineResponse* response) {
  return runner_->Run(context, Method("GetCaseTimeline"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->name(), "name"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReadTimeline));
      CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
      const std::string query = key.display();
      CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                          domain::DecodePageToken(request->page_token(), query));
      CB_ASSIGN_OR_RETURN(
          storage::Page<v1::TimelineEntry> page,
          timeline_.List(tx, scope.ref.id, TimelineReaderOf(call), after, page_size));
      for (v1::TimelineEntry& e : page.items) *response->add_entries() = std::move(e);
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      // Summaries quote the case (an incident's location): the runner
      // redacts them as read, so an address restricted after an entry was
      // written is caught too.
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

}  // namespace casebridge::services
