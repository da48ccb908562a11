#include "services/charging_service.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/case_validation.h"
#include "domain/charging_file.h"
#include "domain/charging_progress.h"
#include "domain/charging_validation.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "services/case_access.h"
#include "services/charging_referrals.h"
#include "services/request_fingerprint.h"
#include "storage/crypto.h"
#include "storage/identity_repository.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;
using domain::Relationship;

constexpr char kMethodPrefix[] = "/casebridge.v1.ChargingService/";

std::string Method(absl::string_view name) { return absl::StrCat(kMethodPrefix, name); }

// users/{user} of the caller, as the domain records actors.
std::string Actor(const CallContext& call) {
  return domain::UserName(call.principal.user_id);
}

std::string Short(const google::protobuf::EnumDescriptor* type, int value) {
  return domain::ShortEnumName(type, value);
}

std::string FileName(absl::string_view case_id, absl::string_view file_id) {
  return domain::CaseChildResourceName(case_id, "chargingFiles", file_id);
}

// The caller's relationship to a charging file of a case it may read (see
// the class comment): the owning force; the file's own CPS area while the
// case is shared with it; nobody else. A file that does not exist relates
// to non-owners as one of another area's would, so NOT_FOUND never tells
// them which files exist.
Relationship FileRelationship(const CallContext& call, const CaseScope& scope,
                              const storage::StoredChargingFile* file) {
  if (scope.relationship == Relationship::kOwningForce) {
    return Relationship::kOwningForce;
  }
  const bool shared = scope.relationship == Relationship::kShared ||
                      scope.relationship == Relationship::kAssignedAgency;
  if (shared && file != nullptr && file->cps_agency_id == call.principal.agency_id) {
    return Relationship::kShared;
  }
  return Relationship::kNotShared;
}

struct FileAccess {
  CaseScope scope;
  storage::StoredChargingFile stored;
  v1::CaseView view = v1::CASE_VIEW_UNSPECIFIED;
};

// The gate of every handler about one file: the case must be readable, the
// action allowed on the file (FileRelationship), and the file must exist.
absl::StatusOr<FileAccess> AuthorizeFile(CallContext& call, storage::Tx& tx,
                                         const storage::ChargingRepository& files,
                                         const domain::CaseChildName& name, Action action,
                                         bool for_update) {
  CB_ASSIGN_OR_RETURN(CaseScope scope,
                      AuthorizeCase(call, tx, name.case_key, Action::kReadCase));
  CB_ASSIGN_OR_RETURN(std::optional<storage::StoredChargingFile> stored,
                      files.Get(tx, scope.ref.id, name.child_id, for_update));
  CB_ASSIGN_OR_RETURN(
      v1::CaseView view,
      AuthorizeWithin(
          call, scope,
          FileRelationship(call, scope, stored.has_value() ? &*stored : nullptr),
          action));
  if (!stored.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(FileName(scope.ref.id, name.child_id), " not found"));
  }
  return FileAccess{std::move(scope), *std::move(stored), view};
}

// Both views that may read a file (FULL for the owning force, PROSECUTION
// for its CPS area) see all of it: it is the police-CPS exchange itself,
// except that the CPS never receives a restricted address typed into it
// (the runner's redaction, domain/visibility.h). No other view ever reaches a file
// (the policy table), and this says so.
absl::Status CheckFileView(v1::CaseView view) {
  if (view == v1::CASE_VIEW_FULL || view == v1::CASE_VIEW_PROSECUTION) {
    return absl::OkStatus();
  }
  return absl::InternalError("a charging file reached a view that may not see it");
}

// The file as answered: with its progress as of now.
v1::ChargingFile WithProgress(v1::ChargingFile file, const domain::ChargingClock& clock) {
  *file.mutable_progress() = domain::ComputeChargingProgress(file, clock);
  return file;
}

std::string ItemIdOf(absl::string_view item_name) {
  absl::StatusOr<domain::ActionItemName> name =
      domain::ParseActionItemName(item_name, "name");
  return name.ok() ? name->item_id : std::string();
}

const v1::ChargingActionItem* FindItem(const v1::ChargingFile& file,
                                       absl::string_view item_id) {
  for (const v1::ChargingActionItem& item : file.action_items()) {
    if (ItemIdOf(item.name()) == item_id) return &item;
  }
  return nullptr;
}

// GetChargingFile and GetChargingProgress: the file `name` as the caller
// may read it, with its progress as of now.
absl::Status ReadFile(RpcRunner* runner, const storage::ChargingRepository& files,
                      CallContext& call, absl::string_view name, v1::ChargingFile* out) {
  call.AddResource(name);
  CB_ASSIGN_OR_RETURN(domain::CaseChildName file_name,
                      domain::ParseChargingFileName(name, "name"));
  return runner->Read(call, [&](storage::Tx& tx) -> absl::Status {
    CB_ASSIGN_OR_RETURN(FileAccess access,
                        AuthorizeFile(call, tx, files, file_name, Action::kReadCharging,
                                      /*for_update=*/false));
    CB_RETURN_IF_ERROR(CheckFileView(access.view));
    *out = WithProgress(std::move(access.stored.file), domain::ChargingClock{call.now});
    call.DisclosesCaseContent();
    return absl::OkStatus();
  });
}

std::string DecisionSummary(const v1::ChargingFile& before,
                            const v1::ChargingFile& after) {
  const v1::ChargingDecision& d = after.decision();
  std::string text = absl::StrCat("Charging decision: ",
                                  Short(v1::ChargingOutcome_descriptor(), d.outcome()));
  if (d.outcome() == v1::CHARGING_OUTCOME_NO_FURTHER_ACTION) {
    absl::StrAppend(&text, " (", Short(v1::NfaReason_descriptor(), d.nfa_reason()), ")");
  }
  absl::StrAppend(&text, " on the ",
                  d.test() == v1::CHARGING_TEST_THRESHOLD ? "Threshold" : "Full Code",
                  " Test");
  if (d.test() == v1::CHARGING_TEST_THRESHOLD) {
    absl::StrAppend(&text, "; Full Code review by ",
                    domain::FormatDay(*domain::ToCivilDay(d.threshold_review_by())));
  }
  if (before.has_decision()) {
    absl::StrAppend(&text, ", replacing the Threshold decision");
  }
  return text;
}

}  // namespace

absl::Status ChargingServiceImpl::ApplyChange(
    CallContext& call, storage::Tx& tx, const domain::CaseChildName& name,
    const Change& change,
    absl::FunctionRef<
        absl::StatusOr<v1::ChargingFile>(const storage::StoredChargingFile&)>
        apply,
    absl::FunctionRef<std::string(const v1::ChargingFile& before,
                                  const v1::ChargingFile& after)>
        describe,
    v1::ChargingFile* response) {
  CB_ASSIGN_OR_RETURN(FileAccess access,
                      AuthorizeFile(call, tx, files_, name, change.action,
                                    /*for_update=*/true));
  CB_RETURN_IF_ERROR(CheckFileView(access.view));
  if (change.validate) CB_RETURN_IF_ERROR(change.validate());
  CB_ASSIGN_OR_RETURN(const int64_t version_sent, domain::ParseEtag("etag", change.etag));
  const storage::StoredChargingFile& stored = access.stored;
  const v1::ChargingFile& current = stored.file;
  if (change.item_id.empty()) {
    if (stored.version != version_sent) {
      return domain::StaleEtagError(current.name(), current.etag());
    }
  } else {
    const v1::ChargingActionItem* item = FindItem(current, change.item_id);
    if (item == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          domain::ActionItemResourceName(stored.case_id, stored.id, change.item_id),
          " not found"));
    }
    if (item->etag() != domain::FormatEtag(version_sent)) {
      return domain::StaleEtagError(item->name(), item->etag());
    }
  }
  CB_ASSIGN_OR_RETURN(v1::ChargingFile next, apply(stored));
  CB_ASSIGN_OR_RETURN(int64_t version, files_.Update(tx, stored, next, call.now));
  const std::string summary = describe(current, next);
  files_.AppendHistory(tx, stored.id, call.now, change.event, current.state(),
                       next.state(), Actor(call), summary);
  // Partners never see charging; of the CPS, only the file's own area does.
  storage::TimelineEntryInput entry =
      TimelineEntryFor(call, stored.case_id, v1::TIMELINE_ENTRY_KIND_CHARGING, summary,
                       current.name());
  entry.agency_id = stored.cps_agency_id;
  timeline_.Append(tx, entry);
  if (change.refer_to_cps) {
    storage::IdentityRepository identities;
    CB_ASSIGN_OR_RETURN(v1::Agency cps, identities.GetAgency(tx, stored.cps_agency_id));
    CB_RETURN_IF_ERROR(ShareWithCpsArea(call, tx, stored.case_id, cps, current.name()));
  }
  CB_ASSIGN_OR_RETURN(std::optional<storage::StoredChargingFile> written,
                      files_.Get(tx, stored.case_id, stored.id, false));
  if (!written.has_value()) {
    return absl::InternalError("the charging file just written is missing");
  }
  *response = WithProgress(std::move(written->file), domain::ChargingClock{call.now});
  call.RecordChange(change.fields, current.etag(), domain::FormatEtag(version));
  call.DisclosesCaseContent();
  return absl::OkStatus();
}

grpc::Status ChargingServiceImpl::SubmitChargingFile(
    grpc::ServerContext* context, const v1::SubmitChargingFileRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("SubmitChargingFile"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    call.AddResource(request->parent());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kSubmitChargingFile));
      CB_RETURN_IF_ERROR(CheckFileView(scope.view));
      CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
      CB_RETURN_IF_ERROR(domain::ValidateSubmitChargingFileRequest(*request, clock));
      const std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          storage::ClaimRequestId(tx, call.principal.user_id, call.method,
                                  request->request_id(), FileName(scope.ref.id, id),
                                  RequestFingerprint(*request)));
      std::optional<storage::StoredChargingFile> stored;
      if (earlier.has_value()) {
        // A retry: answer with what the first call made.
        absl::StatusOr<domain::CaseChildName> first =
            domain::ParseChargingFileName(*earlier, "request_id");
        if (first.ok() && first->case_key.id == scope.ref.id) {
          CB_ASSIGN_OR_RETURN(stored,
                              files_.Get(tx, scope.ref.id, first->child_id, false));
        }
        if (!stored.has_value()) {
          return absl::FailedPreconditionError(
              "request_id was used for a charging file of another case");
        }
      } else {
        CB_RETURN_IF_ERROR(RequireOpenCase(scope));
        CB_ASSIGN_OR_RETURN(
            storage::StoredChargingFile made,
            OpenChargingFile(
                call, tx, scope, id, [&](absl::Span<const v1::Person> suspects) {
                  return domain::NewChargingFile(*request, suspects, Actor(call), clock);
                }));
        call.RecordChange({"charging_file"}, "", made.file.etag());
        stored = std::move(made);
      }
      *response = WithProgress(std::move(stored->file), clock);
      call.AddResource(response->name());
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status ChargingServiceImpl::GetChargingFile(
    grpc::ServerContext* context, const v1::GetChargingFileRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("GetChargingFile"), *request, response, [&](CallContext& call) {
    return ReadFile(runner_, files_, call, request->name(), response);
  });
}

grpc::Status ChargingServiceImpl::GetChargingProgress(
    grpc::ServerContext* context, const v1::GetChargingProgressRequest* request,
    v1::ChargingProgress* response) {
  return runner_->Run(context, Method("GetChargingProgress"), *request, response, [&](CallContext& call) {
    v1::ChargingFile file;
    CB_RETURN_IF_ERROR(ReadFile(runner_, files_, call, request->name(), &file));
    *response = std::move(*file.mutable_progress());
    return absl::OkStatus();
  });
}

grpc::Status ChargingServiceImpl::ListChargingFiles(
    grpc::ServerContext* context, const v1::ListChargingFilesRequest* request,
    v1::ListChargingFilesResponse* response) {
  return runner_->Run(context, Method("ListChargingFiles"), *request, response, [&](CallContext& call) {
    call.AddResource(request->parent().empty() ? "cases/-" : request->parent());
    // The case listed, if one: authorized before the rest is parsed.
    std::optional<domain::CaseKey> parent;
    if (request->parent().empty() || request->parent() == "cases/-") {
      CB_RETURN_IF_ERROR(
          domain::AuthorizeAction(call.principal, Action::kListChargingFiles));
    } else {
      CB_ASSIGN_OR_RETURN(parent, domain::ParseCaseName(request->parent(), "parent"));
    }
    const domain::ChargingClock clock{call.now};
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      std::optional<CaseScope> case_scope;
      if (parent.has_value()) {
        CB_ASSIGN_OR_RETURN(case_scope,
                            AuthorizeCase(call, tx, *parent, Action::kReadCharging));
      }
      CB_ASSIGN_OR_RETURN(domain::ChargingListQuery query,
                          domain::ParseListChargingFilesRequest(*request));
      // Which files: the policy table says in which relationships the
      // caller reads charging; storage finds the files of each.
      storage::ChargingListScope scope;
      scope.agency_id = call.principal.agency_id;
      scope.as_owning_force = domain::Decide(call.principal, Relationship::kOwningForce,
                                             Action::kReadCharging)
                                  .allowed;
      scope.as_cps_area =
          domain::Decide(call.principal, Relationship::kShared, Action::kReadCharging)
              .allowed;
      if (case_scope.has_value()) scope.case_id = case_scope->ref.id;
      CB_ASSIGN_OR_RETURN(std::vector<storage::StoredChargingFile> files,
                          files_.List(tx, scope, query, clock.Today()));
      for (storage::StoredChargingFile& stored : files) {
        call.AddListedCase(stored.case_id);
        call.AddResource(stored.file.name());
        *response->add_charging_files() = WithProgress(std::move(stored.file), clock);
      }
      if (static_cast<int>(files.size()) == query.page_size) {
        response->set_next_page_token(domain::NextChargingPageToken(
            query, response->charging_files(response->charging_files_size() - 1)));
      }
      if (!files.empty()) call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status ChargingServiceImpl::SubmitFullFile(grpc::ServerContext* context,
                                                 const v1::SubmitFullFileRequest* request,
                                                 v1::ChargingFile* response) {
  return runner_->Run(context, Method("SubmitFullFile"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kSubmitChargingFile,
           .event = "SUBMIT_FULL_FILE",
           .fields = {"kind", "urgency", "suspects", "proposed_offences", "summary",
                      "state"},
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateSubmitFullFileRequest(*request, clock);
           },
           .refer_to_cps = true},
          [&](const storage::StoredChargingFile& stored)
              -> absl::StatusOr<v1::ChargingFile> {
            CB_ASSIGN_OR_RETURN(std::vector<v1::Person> suspects,
                                CaseSuspects(call, tx, stored.case_id));
            return domain::ApplySubmitFullFile(stored.file, *request, suspects,
                                               Actor(call), clock);
          },
          [&](const v1::ChargingFile&, const v1::ChargingFile& after) {
            return absl::StrCat("Full charging file submitted: ",
                                Short(v1::ChargingUrgency_descriptor(), after.urgency()));
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::RespondToActionItem(
    grpc::ServerContext* context, const v1::RespondToActionItemRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("RespondToActionItem"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::ActionItemName name,
                        domain::ParseActionItemName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name.file,
          {.action = Action::kRespondToActionPlan,
           .event = "RESPOND_TO_ACTION_ITEM",
           .fields = {"action_items", "state"},
           .item_id = name.item_id,
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateRespondToActionItemRequest(*request);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyRespondToActionItem(stored.file, *request, Actor(call),
                                                    clock);
          },
          [&](const v1::ChargingFile& before, const v1::ChargingFile& after) {
            std::string text =
                absl::StrCat("Action item ",
                             Short(v1::ChargingActionItemState_descriptor(),
                                   FindItem(after, name.item_id)->state()),
                             " by police");
            if (after.state() != before.state() &&
                after.state() == v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE) {
              absl::StrAppend(&text, "; action plan complete");
            }
            return text;
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::WithdrawChargingFile(
    grpc::ServerContext* context, const v1::WithdrawChargingFileRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("WithdrawChargingFile"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kSubmitChargingFile,
           .event = "WITHDRAW",
           .fields = {"state", "withdraw_reason"},
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateWithdrawChargingFileRequest(*request);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyWithdrawChargingFile(stored.file, *request, Actor(call),
                                                     clock);
          },
          [](const v1::ChargingFile&, const v1::ChargingFile&) {
            return std::string("Charging file withdrawn by police");
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::RecordAdvice(grpc::ServerContext* context,
                                               const v1::RecordAdviceRequest* request,
                                               v1::ChargingFile* response) {
  return runner_->Run(context, Method("RecordAdvice"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kRecordProsecutionDecision,
           .event = "RECORD_ADVICE",
           .fields = {"advice", "state"},
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateRecordAdviceRequest(*request);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyRecordAdvice(stored.file, *request, Actor(call), clock);
          },
          [](const v1::ChargingFile& before, const v1::ChargingFile&) {
            return std::string(before.kind() == v1::CHARGING_FILE_KIND_EARLY_ADVICE
                                   ? "Early advice given by the CPS"
                                   : "CPS advice recorded");
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::IssueActionPlan(
    grpc::ServerContext* context, const v1::IssueActionPlanRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("IssueActionPlan"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kRecordProsecutionDecision,
           .event = "ISSUE_ACTION_PLAN",
           .fields = {"action_items", "state"},
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateIssueActionPlanRequest(*request, clock);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyIssueActionPlan(stored.file, *request, Actor(call),
                                                clock);
          },
          [&](const v1::ChargingFile&, const v1::ChargingFile&) {
            absl::CivilDay first = *domain::ToCivilDay(request->items(0).due_date());
            for (const v1::ChargingActionItem& item : request->items()) {
              first = std::min(first, *domain::ToCivilDay(item.due_date()));
            }
            return absl::StrCat("Action plan issued by the CPS: ", request->items_size(),
                                request->items_size() == 1 ? " item" : " items",
                                ", first due ", domain::FormatDay(first));
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::ReviewActionItem(
    grpc::ServerContext* context, const v1::ReviewActionItemRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("ReviewActionItem"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::ActionItemName name,
                        domain::ParseActionItemName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name.file,
          {.action = Action::kRecordProsecutionDecision,
           .event = "REVIEW_ACTION_ITEM",
           .fields = {"action_items", "state"},
           .item_id = name.item_id,
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateReviewActionItemRequest(*request, clock);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyReviewActionItem(stored.file, *request, Actor(call),
                                                 clock);
          },
          [&](const v1::ChargingFile& before, const v1::ChargingFile& after) {
            std::string text =
                request->review() == v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM
                    ? "Action item reaffirmed by the CPS"
                    : "Action item withdrawn by the CPS";
            if (after.state() != before.state() &&
                after.state() == v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE) {
              absl::StrAppend(&text, "; action plan complete");
            }
            return text;
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::RecordDecision(grpc::ServerContext* context,
                                                 const v1::RecordDecisionRequest* request,
                                                 v1::ChargingFile* response) {
  return runner_->Run(context, Method("RecordDecision"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    std::vector<std::string> fields = {"decision", "state"};
    if (request->has_first_hearing()) fields.push_back("first_hearing");
    if (!request->ancillary_orders().empty()) fields.push_back("ancillary_orders");
    if (request->has_victim_informed()) fields.push_back("victim_informed");
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kRecordProsecutionDecision,
           .event = "RECORD_DECISION",
           .fields = fields,
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateRecordDecisionRequest(*request, clock);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyRecordDecision(stored.file, *request, Actor(call), clock);
          },
          DecisionSummary, response);
    });
  });
}

grpc::Status ChargingServiceImpl::ReviewThresholdDecision(
    grpc::ServerContext* context, const v1::ReviewThresholdDecisionRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("ReviewThresholdDecision"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kRecordProsecutionDecision,
           .event = "REVIEW_THRESHOLD",
           .fields = {"decision.threshold_reviews", "decision.threshold_review_by"},
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateReviewThresholdDecisionRequest(*request, clock);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyReviewThresholdDecision(stored.file, *request,
                                                        Actor(call), clock);
          },
          [&](const v1::ChargingFile&, const v1::ChargingFile&) {
            return absl::StrCat(
                "Threshold decision reviewed: Full Code review now by ",
                domain::FormatDay(*domain::ToCivilDay(request->next_review_by())));
          },
          response);
    });
  });
}

grpc::Status ChargingServiceImpl::RecordDecisionFollowUp(
    grpc::ServerContext* context, const v1::RecordDecisionFollowUpRequest* request,
    v1::ChargingFile* response) {
  return runner_->Run(context, Method("RecordDecisionFollowUp"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    const domain::ChargingClock clock{call.now};
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseChargingFileName(request->name(), "name"));
    const std::vector<std::string> fields(request->update_mask().paths().begin(),
                                          request->update_mask().paths().end());
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      return ApplyChange(
          call, tx, name,
          {.action = Action::kRecordProsecutionDecision,
           .event = "RECORD_FOLLOW_UP",
           .fields = fields,
           .etag = request->etag(),
           .validate = [&] {
             return domain::ValidateRecordDecisionFollowUpRequest(*request, clock);
           }},
          [&](const storage::StoredChargingFile& stored) {
            return domain::ApplyRecordDecisionFollowUp(stored.file, *request, Actor(call),
                                                       clock);
          },
          [&](const v1::ChargingFile&, const v1::ChargingFile&) {
            return absl::StrCat("Decision follow-up recorded: ",
                                absl::StrJoin(fields, ", "));
          },
          response);
    });
  });
}

}  // namespace casebridge::services
