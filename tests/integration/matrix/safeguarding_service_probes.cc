// Probes of SafeguardingService for the access matrix.
//
// Each action a probe works on is prepared by the owning force and assigned
// to the caller's own agency when the case is already shared with it and it
// takes safeguarding work (council, health, victim services), otherwise to
// the owning force itself. Either way nobody's view of the case changes: the
// assignment's share goes to an agency that already sees the case, or there
// is none. The relationship hook says which: kAssignedAgency when the action
// is the caller's agency's.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using domain::Relationship;
using Stub = v1::SafeguardingService::Stub;

constexpr char kNoSuchAction[] = "00000000-0000-4000-8000-00000000c0de";

std::string M(absl::string_view method) {
  return absl::StrCat("casebridge.v1.SafeguardingService.", method);
}

bool TakesWork(const Caller& caller) {
  switch (caller.principal.agency_kind) {
    case v1::AGENCY_KIND_COUNCIL:
    case v1::AGENCY_KIND_HEALTH:
    case v1::AGENCY_KIND_VICTIM_SERVICE:
      return true;
    default:
      return false;
  }
}

// The agency (code) the action of a cell is assigned to.
std::string AssigneeCode(const Caller& caller, const CaseInfo& info) {
  if (TakesWork(caller) && info.shared_with.count(caller.agency_code) > 0) {
    return caller.agency_code;
  }
  return info.owner_code;
}

Relationship ActionRelationship(const World&, const Caller& caller, const Target& target,
                                Relationship case_relationship) {
  if (case_relationship == Relationship::kShared && target.exists() &&
      AssigneeCode(caller, *target.info) == caller.agency_code) {
    return Relationship::kAssignedAgency;
  }
  return case_relationship;
}

std::unique_ptr<Stub> NewStub(const ProbeEnv& env) {
  return v1::SafeguardingService::NewStub(env.world.channel());
}

v1::SafeguardingAction NewAction(ProbeEnv& env, const std::string& agency,
                                 v1::SafeguardingActionType type) {
  v1::SafeguardingAction a;
  a.set_type(type);
  a.set_assigned_agency(agency);
  *a.mutable_due_date() = domain::ToProtoDate(domain::UkDay(env.world.Now()) + 7);
  a.set_priority(v1::SAFEGUARDING_ACTION_PRIORITY_HIGH);
  // Naming the victim's address, as a real action would (an alarm fitted
  // at her new home): partners must not receive it where it is restricted.
  a.set_description(env.target.exists()
                        ? absl::StrCat("Agree a safety plan with the victim at ",
                                       HomeAsTyped(*env.target.info, 1))
                        : "Agree a safety plan with the victim");
  a.set_rationale("High risk after threats of violence");
  return a;
}

// An action of the target case made by the owning force; for a case that
// does not exist, a name inside it.
v1::SafeguardingAction PrepareAction(
    ProbeEnv& env,
    v1::SafeguardingActionType type = v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN) {
  if (!env.target.exists()) {
    v1::SafeguardingAction a;
    a.set_name(absl::StrCat(env.target.name, "/safeguardingActions/", kNoSuchAction));
    a.set_etag("1");
    return a;
  }
  const CaseInfo& info = *env.target.info;
  v1::CreateSafeguardingActionRequest req;
  req.set_parent(info.name);
  *req.mutable_safeguarding_action() =
      NewAction(env, env.world.Agency(AssigneeCode(env.caller, info)), type);
  v1::SafeguardingAction made;
  grpc::Status s = NewStub(env)->CreateSafeguardingAction(
      env.world.OwnerContext(info).get(), req, &made);
  EXPECT_TRUE(s.ok()) << "owner CreateSafeguardingAction " << info.situation << ": "
                      << s.error_message();
  return made;
}

template <typename Response>
std::vector<std::string> StatusIs(const google::protobuf::Message& m,
                                  v1::SafeguardingActionStatus want) {
  if (As<Response>(m).status() == want) return {};
  return {absl::StrCat("status ", As<Response>(m).status(), ", want ", want)};
}

// What every listed action must be: of the target case and, for a partner,
// assigned to its own agency.
std::vector<std::string> CheckListed(const ProbeEnv& env,
                                     const v1::ListSafeguardingActionsResponse& r) {
  std::vector<std::string> problems;
  for (const v1::SafeguardingAction& a : r.safeguarding_actions()) {
    if (!absl::StartsWith(a.name(), absl::StrCat(env.target.name, "/"))) {
      problems.push_back(absl::StrCat("lists ", a.name(), ", not of ", env.target.name));
    }
    if (env.caller.IsPartnerOnly() &&
        a.assigned_agency() != env.world.Agency(env.caller.agency_code)) {
      problems.push_back(absl::StrCat("a partner sees ", a.name(), " of ",
                                      a.assigned_agency(), ", another agency"));
    }
  }
  return problems;
}

// Complete and cancel: the caller closes an action prepared for it.
template <typename Request>
Probe CloseProbe(absl::string_view method,
                 grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&,
                                            v1::SafeguardingAction*),
                 void (*set_text)(Request&), v1::SafeguardingActionStatus want) {
  return Probe{
      .method = M(method),
      .action = Action::kUpdateSafeguardingAction,
      .scope = Scope::kCase,
      .run =
          [call, set_text](ProbeEnv& env) {
            v1::SafeguardingAction prepared = PrepareAction(env);
            Request req;
            req.set_name(prepared.name());
            req.set_etag(prepared.etag());
            set_text(req);
            return Issue(call, *NewStub(env), env.Context(), req);
          },
      .relationship = ActionRelationship,
      .verify =
          [want](const ProbeEnv&, const google::protobuf::Message& m) {
            return StatusIs<v1::SafeguardingAction>(m, want);
          },
  };
}

void RegisterSafeguardingServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("CreateSafeguardingAction"),
      .action = Action::kCreateSafeguardingAction,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::CreateSafeguardingActionRequest req;
            req.set_parent(env.target.name);
            *req.mutable_safeguarding_action() = NewAction(
                env,
                env.target.exists()
                    ? env.world.Agency(AssigneeCode(env.caller, *env.target.info))
                    : env.world.sink_agency(),
                v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT);
            return Issue(&Stub::CreateSafeguardingAction, *NewStub(env), env.Context(),
                         req);
          },
      .relationship = ActionRelationship,
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& a = As<v1::SafeguardingAction>(m);
            if (!absl::StartsWith(a.name(), absl::StrCat(env.target.name, "/"))) {
              problems.push_back(absl::StrCat("made ", a.name(), " outside the case"));
            }
            if (a.status() != v1::SAFEGUARDING_ACTION_STATUS_OPEN) {
              problems.push_back("a new action is not OPEN");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("GetSafeguardingAction"),
      .action = Action::kReadSafeguardingActions,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetSafeguardingActionRequest req;
            req.set_name(PrepareAction(env).name());
            return Issue(&Stub::GetSafeguardingAction, *NewStub(env), env.Context(), req);
          },
      .relationship = ActionRelationship,
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& a = As<v1::SafeguardingAction>(m);
            if (!absl::StartsWith(a.name(), absl::StrCat(env.target.name, "/"))) {
              problems.push_back(absl::StrCat("answered with ", a.name()));
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListSafeguardingActions"),
      .action = Action::kReadSafeguardingActions,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PrepareAction(env, v1::SAFEGUARDING_ACTION_TYPE_PERSONAL_SAFETY_APP);
            v1::ListSafeguardingActionsRequest req;
            req.set_parent(env.target.name);
            req.set_page_size(domain::kMaxPageSize);
            req.set_filter("type=PERSONAL_SAFETY_APP");
            return Issue(&Stub::ListSafeguardingActions, *NewStub(env), env.Context(),
                         req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& r = As<v1::ListSafeguardingActionsResponse>(m);
            std::vector<std::string> problems = CheckListed(env, r);
            // The action just prepared is the caller's to see.
            const std::string want =
                env.world.Agency(AssigneeCode(env.caller, *env.target.info));
            bool found = false;
            for (const v1::SafeguardingAction& a : r.safeguarding_actions()) {
              found = found || a.assigned_agency() == want;
            }
            if (!found)
              problems.push_back(absl::StrCat("no action of ", want, " listed"));
            return problems;
          },
  });
  registry.Add({
      .method = M("ListSafeguardingActions"),
      .variant = "across cases",
      // cases/- is gated like the agency's work list, then case by case.
      .action = Action::kListMyWork,
      .scope = Scope::kListing,
      .run =
          [](ProbeEnv& env) {
            v1::ListSafeguardingActionsRequest req;
            req.set_parent("cases/-");
            req.set_page_size(domain::kMaxPageSize);
            req.set_filter(absl::StrCat(
                "case=", env.target.reference_name.substr(sizeof("cases/") - 1)));
            return Issue(&Stub::ListSafeguardingActions, *NewStub(env), env.Context(),
                         req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& r = As<v1::ListSafeguardingActionsResponse>(m);
            std::vector<std::string> problems = CheckListed(env, r);
            const bool may_read =
                env.target.exists() &&
                domain::Decide(env.caller.principal,
                               env.world.RelationshipOf(env.caller, *env.target.info),
                               Action::kReadSafeguardingActions)
                    .allowed;
            if (!may_read && r.safeguarding_actions_size() > 0) {
              problems.push_back("lists actions of a case the caller may not read");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("UpdateSafeguardingAction"),
      .action = Action::kUpdateSafeguardingAction,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::UpdateSafeguardingActionRequest req;
            v1::SafeguardingAction prepared = PrepareAction(env);
            req.mutable_safeguarding_action()->set_name(prepared.name());
            req.mutable_safeguarding_action()->set_etag(prepared.etag());
            req.mutable_safeguarding_action()->set_status(
                v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS);
            req.mutable_update_mask()->add_paths("status");
            return Issue(&Stub::UpdateSafeguardingAction, *NewStub(env), env.Context(),
                         req);
          },
      .relationship = ActionRelationship,
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            return StatusIs<v1::SafeguardingAction>(
                m, v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS);
          },
  });
  registry.Add(CloseProbe<v1::CompleteSafeguardingActionRequest>(
      "CompleteSafeguardingAction", &Stub::CompleteSafeguardingAction,
      [](v1::CompleteSafeguardingActionRequest& r) {
        r.set_outcome("Safety plan agreed with the victim");
      },
      v1::SAFEGUARDING_ACTION_STATUS_COMPLETED));
  registry.Add(CloseProbe<v1::CancelSafeguardingActionRequest>(
      "CancelSafeguardingAction", &Stub::CancelSafeguardingAction,
      [](v1::CancelSafeguardingActionRequest& r) {
        r.set_reason("Duplicate of another action");
      },
      v1::SAFEGUARDING_ACTION_STATUS_CANCELLED));
  registry.Add({
      .method = M("GetSafeguardingActionHistory"),
      .action = Action::kReadSafeguardingActions,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetSafeguardingActionHistoryRequest req;
            req.set_name(PrepareAction(env).name());
            return Issue(&Stub::GetSafeguardingActionHistory, *NewStub(env),
                         env.Context(), req);
          },
      .relationship = ActionRelationship,
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            const auto& r = As<v1::GetSafeguardingActionHistoryResponse>(m);
            if (r.entries_size() == 1 &&
                r.entries(0).event() == v1::SAFEGUARDING_ACTION_EVENT_CREATE) {
              return std::vector<std::string>{};
            }
            return std::vector<std::string>{
                absl::StrCat("history of a new action: ", r.ShortDebugString())};
          },
  });
  registry.Add({
      .method = M("ReferToMarac"),
      .action = Action::kReferToMarac,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::ReferToMaracRequest req;
            req.set_parent(env.target.name);
            *req.mutable_referral()->mutable_marac_date() =
                domain::ToProtoDate(domain::UkDay(env.world.Now()) + 10);
            req.mutable_referral()->set_reason("High risk: threats of violence");
            // Work for the owning force only: no new share.
            *req.add_actions() =
                NewAction(env,
                          env.world.Agency(
                              env.target.exists() ? env.target.info->owner_code : "SP"),
                          v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN);
            return Issue(&Stub::ReferToMarac, *NewStub(env), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            const auto& r = As<v1::ReferToMaracResponse>(m);
            std::vector<std::string> problems;
            if (r.referral().risk_level() != v1::RISK_LEVEL_HIGH) {
              problems.push_back("referral not recorded at HIGH risk");
            }
            if (r.actions_size() != 1) problems.push_back("agreed action not created");
            return problems;
          },
  });
  registry.Add({
      .method = M("ListMyWork"),
      .action = Action::kListMyWork,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListMyWorkRequest req;
            req.set_page_size(domain::kMaxPageSize);
            return Issue(&Stub::ListMyWork, *NewStub(env), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            for (const v1::MyWorkItem& item : As<v1::ListMyWorkResponse>(m).items()) {
              const CaseInfo* info = env.world.FindCase(item.case_());
              if (info == nullptr) {
                problems.push_back(
                    absl::StrCat("work on an unknown case ", item.case_()));
                continue;
              }
              if (env.world.RelationshipOf(env.caller, *info) ==
                  Relationship::kNotShared) {
                problems.push_back(absl::StrCat("work on ", info->situation,
                                                ", which the caller may not see"));
              }
              if (item.case_reference() != info->reference) {
                problems.push_back(absl::StrCat("wrong reference for ", item.case_()));
              }
              if (item.status() != v1::SAFEGUARDING_ACTION_STATUS_OPEN &&
                  item.status() != v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS &&
                  item.status() != v1::SAFEGUARDING_ACTION_STATUS_BLOCKED) {
                problems.push_back(absl::StrCat("closed work listed: ", item.action()));
              }
            }
            return problems;
          },
  });
}

CB_MATRIX_PROBES(RegisterSafeguardingServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
